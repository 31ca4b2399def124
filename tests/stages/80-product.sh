#!/usr/bin/env bash
# Stage 80: the product, as a user meets it. Builds the image with ./mkimage.sh (into
# $KEEL_BUILD/product, with a test key as the authorized key and the hello-world examples
# added with --extra), boots its ISO on Keel under TCG with two free host ports forwarded to
# the guest's ssh (22) and http (80), and uses it from the host with OpenSSH, curl and ab:
#   boot       the banner names the ssh and curl commands; time from QEMU start to `ssh true`
#   ssh        a command's output (echo, uname -a, ls /) and exit status 3; the user is the
#              builder; password logins are refused (none by default)
#   pty        tests/product/interactive.py: ssh -tt on a host pty: prompt, `tty` is
#              /dev/pts/N, a window change reaches `stty size`, ^C ends `sleep 100`, exit
#   sessions   5 concurrent, then 100 sequential sessions; afterwards the guest's processes,
#              open files, sockets and free memory are back at their start; dropbear's
#              logins are in /var/log/messages (busybox syslogd on the AF_UNIX /dev/log)
#   scp        scp -O of a 10 MiB random file up and down, byte-identical
#   http       curl GET / (the exact bytes), 404, HEAD, a directory listing, the 10 MiB file;
#              ab -n 2000 -c 16 with zero failed requests
#   programs   hello world in C and in Rust (examples/, built against the sysroot) over ssh
#   agent      ssh -A: dropbear's agent socket (AF_UNIX) lets the guest's dbclient log in
#              with the host agent's key
#   respawn    killed, dropbear and mini_httpd come back (busybox init's respawn)
#   password   the image rebuilt with --root-password: root logs in with that password
#              (OpenSSH through SSH_ASKPASS), a wrong one is refused
# Prints PASS/FAIL per check and `N passed, N failed`; logs and the serial console in
# $KEEL_BUILD/product/logs.
# Environment: KEEL_BUILD (default /tmp/keel-build), KEEL_PRODUCT_MEM (guest memory, 256M).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
# shellcheck source=tests/product/lib.sh
. tests/product/lib.sh

build=${KEEL_BUILD:-/tmp/keel-build}/product
logs=$build/logs
mem=${KEEL_PRODUCT_MEM:-256M}
say() { echo "80-product: $*"; }
pass=0; fail=0
ok() { echo "PASS product.$1"; pass=$((pass + 1)); }
bad() { echo "FAIL product.$1: $2"; fail=$((fail + 1)); }
finish() {
  guest_stop
  echo "$pass passed, $fail failed"
  [ $fail -eq 0 ]
}
rm -rf "$logs"; mkdir -p "$logs"

# ---- build: examples, a client key, the image ------------------------------------------------
t0=$SECONDS
eval "$(ports/build.sh --print-env 2> "$logs/ports.log")" ||
  { tail -20 "$logs/ports.log"; say "ports/build.sh failed"; exit 1; }
extra=$build/extra; rm -rf "$extra"; mkdir -p "$extra/usr/bin"
"$KEEL_CC" -O2 -o "$extra/usr/bin/hello-c" examples/hello.c
(cd examples/hello-rust && CARGO_TARGET_DIR=$build/rust-target \
  RUSTFLAGS="-C linker=$KEEL_CC -C link-self-contained=no -L native=$KEEL_SYSROOT/lib/rust" \
  cargo build -q --release --target x86_64-unknown-linux-musl) > "$logs/rust.log" 2>&1 ||
  { cat "$logs/rust.log"; say "examples/hello-rust did not build"; exit 1; }
cp "$build/rust-target/x86_64-unknown-linux-musl/release/hello-rust" "$extra/usr/bin/"
rm -f "$build/client_key" "$build/client_key.pub"
ssh-keygen -q -t ed25519 -N '' -C keel-product-test -f "$build/client_key"
sp=$(free_port); hp=$(free_port)
while [ "$hp" = "$sp" ]; do hp=$(free_port); done
./mkimage.sh --build-dir "$build" --authorized-keys "$build/client_key.pub" --extra "$extra" \
  --ssh-port "$sp" --http-port "$hp" > "$logs/mkimage.log" 2>&1 ||
  { tail -30 "$logs/mkimage.log"; say "mkimage.sh failed (log $logs/mkimage.log)"; exit 1; }
user=$(id -un)
say "image built in $((SECONDS - t0)) s; user $user, host ports ssh $sp, http $hp"
ssh_opts "$build/client_key"
g() { gssh "$sp" "$user" "$@"; }
url=http://127.0.0.1:$hp

# ---- boot ----------------------------------------------------------------------------------
serial=$logs/keel-serial.log
guest_boot keel "$build" "$sp" "$hp" "$serial" "$mem"
trap guest_stop EXIT
if ready=$(wait_ssh "$sp" "$user" 300); then
  ok boot-to-ssh; say "boot to ssh ready: $ready s (QEMU start to the first successful ssh true)"
else
  bad boot-to-ssh "no ssh login within 300 s; serial log tail:"; tail -20 "$serial"; finish; exit 1
fi
if grep -qF "ssh -p $sp $user@localhost" "$serial" && grep -qF "curl http://localhost:$hp/" "$serial"; then
  ok banner-names-commands
else
  bad banner-names-commands "the console shows no 'ssh -p $sp $user@localhost' and curl line"
fi

# ---- ssh commands --------------------------------------------------------------------------
out=$(g 'echo hi; uname -a; ls /' 2> "$logs/ssh.err") || true
if [ "$(sed -n 1p <<< "$out")" = hi ] && sed -n 2p <<< "$out" | grep -q '^Linux keel .* x86_64' &&
   grep -qx www <<< "$out" && grep -qx usr <<< "$out" && grep -qx etc <<< "$out"; then
  ok ssh-command-output
else
  bad ssh-command-output "got '$out' $(cat "$logs/ssh.err")"
fi
rc=0; g 'exit 3' || rc=$?
[ $rc = 3 ] && ok ssh-exit-status || bad ssh-exit-status "ssh 'exit 3' gave $rc"
who=$(g 'id -un; echo $HOME' | tr '\n' ' ') || true
want_home=/home/$user; [ "$user" = root ] && want_home=/root
[ "$who" = "$user $want_home " ] && ok ssh-user-is-builder || bad ssh-user-is-builder "got '$who'"
if timeout 60 ssh -v "${sshopt[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password \
     -p "$sp" "$user@127.0.0.1" true > "$logs/password.log" 2>&1; then
  bad password-login-off "a password-only login succeeded"
elif tr -d '\r' < "$logs/password.log" | grep -q 'Authentications that can continue: publickey$'; then
  ok password-login-off
else
  bad password-login-off "unexpected refusal: $(grep -i authentications "$logs/password.log" | head -2)"
fi

# ---- an interactive session on a pty --------------------------------------------------------
if python3 tests/product/interactive.py "$sp" "$build/client_key" "$user" > "$logs/interactive.log" 2>&1; then
  ok interactive-pty; grep '^  ' "$logs/interactive.log" || true
else
  bad interactive-pty "$(grep -v '^PASS' "$logs/interactive.log" | head -5)"
fi

# ---- sessions: 5 concurrent, 100 sequential, and what they leave behind ----------------------
before=$(guest_probe "$sp" "$user") || before=""
pids=()
for i in 1 2 3 4 5; do
  (out=$(g "sleep 2; echo concurrent-$i") && [ "$out" = "concurrent-$i" ]) &
  pids+=($!)
done
n=0; for p in "${pids[@]}"; do wait "$p" && n=$((n + 1)); done
[ $n = 5 ] && ok sessions-5-concurrent || bad sessions-5-concurrent "$n of 5 succeeded"
# dropbear logs every login through syslog() to busybox syslogd on /dev/log (AF_UNIX).
logged=$(g 'grep -c "auth succeeded for .'"$user"'" /var/log/messages') || logged=0
[ "${logged:-0}" -ge 5 ] && ok syslog-has-dropbear-logins ||
  bad syslog-has-dropbear-logins "/var/log/messages has $logged of dropbear's login lines"
n=0; t=$(date +%s.%N)
for i in $(seq 100); do out=$(g "echo seq-$i" 2> /dev/null) && [ "$out" = "seq-$i" ] && n=$((n + 1)); done
per=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", (b - a) / 100 }')
[ $n = 100 ] && ok sessions-100-sequential || bad sessions-100-sequential "$n of 100 succeeded"
say "ssh session round trip (connect, authenticate, run echo, close): $per s on average"
sleep 1   # the last session's dropbear child may still be exiting
after=$(guest_probe "$sp" "$user") || after=""
say "before: $before"; say "after:  $after"
same=1
for f in procs fds sockets; do
  [ -n "$before" ] && [ "$(probe_field "$before" $f)" = "$(probe_field "$after" $f)" ] || same=0
done
[ $same = 1 ] && ok sessions-leave-no-processes-files-sockets || bad sessions-leave-no-processes-files-sockets "before '$before', after '$after'"
# Free memory: the frames of 105 sessions (dropbear children, shells, sockets) must have come
# back; 256 KiB of slack covers kernel structures that were allocated once and stay cached.
m0=$(probe_field "$before" memfree_kb); m1=$(probe_field "$after" memfree_kb)
if [ -n "$m0" ] && [ -n "$m1" ] && [ "$m1" -ge $((m0 - 256)) ]; then
  ok sessions-give-memory-back; say "free memory: $m0 KiB before, $m1 KiB after"
else
  bad sessions-give-memory-back "free memory $m0 KiB before, $m1 KiB after"
fi

# ---- scp -O, 10 MiB both ways ----------------------------------------------------------------
head -c 10485760 /dev/urandom > "$build/big.bin"
if timeout 300 scp -O -q "${sshopt[@]}" -P "$sp" "$build/big.bin" "$user@127.0.0.1:/tmp/big.bin"; then
  sum=$(g 'sha256sum /tmp/big.bin' | cut -d' ' -f1) || sum=""
  [ "$sum" = "$(sha256sum "$build/big.bin" | cut -d' ' -f1)" ] && ok scp-upload-10MiB ||
    bad scp-upload-10MiB "the guest's copy has sha256 '$sum'"
else
  bad scp-upload-10MiB "scp -O upload failed"
fi
rm -f "$build/big.down"
if timeout 300 scp -O -q "${sshopt[@]}" -P "$sp" "$user@127.0.0.1:/tmp/big.bin" "$build/big.down" &&
   cmp -s "$build/big.bin" "$build/big.down"; then
  ok scp-download-10MiB
else
  bad scp-download-10MiB "the downloaded file is missing or differs"
fi

# ---- http --------------------------------------------------------------------------------
# /www belongs to the builder (mkimage.sh): the listing's files and the 10 MiB file go there.
g 'mkdir -p /www/files && echo alpha > /www/files/a.txt && echo beta > /www/files/b.txt &&
   cp /tmp/big.bin /www/big.bin && chmod -R a+rX /www' || bad http-setup "could not fill /www"
code=$(curl -sS -o "$build/index.got" -w '%{http_code}' "$url/") || code=none
[ "$code" = 200 ] && cmp -s initrd/www/index.html "$build/index.got" && ok http-get-index ||
  bad http-get-index "status $code or different bytes"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$url/no/such/file") || code=none
[ "$code" = 404 ] && ok http-404 || bad http-404 "status $code"
hdr=$(curl -sS -I "$url/big.bin" | tr -d '\r') || hdr=""
head -1 <<< "$hdr" | grep -q '^HTTP/1\.[01] 200' && grep -qix 'content-length: 10485760' <<< "$hdr" &&
  ok http-head || bad http-head "$hdr"
code=$(curl -sS -o "$build/list.got" -w '%{http_code}' "$url/files/") || code=none
[ "$code" = 200 ] && grep -q 'a\.txt' "$build/list.got" && grep -q 'b\.txt' "$build/list.got" &&
  ok http-directory-listing || bad http-directory-listing "status $code: $(head -c 200 "$build/list.got")"
rm -f "$build/big.http"
curl -sS -o "$build/big.http" "$url/big.bin" && cmp -s "$build/big.bin" "$build/big.http" &&
  ok http-get-10MiB || bad http-get-10MiB "the body differs from the file"
ab -n 2000 -c 16 "$url/" > "$logs/ab.log" 2>&1 || true
if grep -q '^Complete requests: *2000$' "$logs/ab.log" && grep -q '^Failed requests: *0$' "$logs/ab.log" &&
   ! grep -q '^Non-2xx' "$logs/ab.log"; then
  ok http-ab-2000-c16; say "ab -n 2000 -c 16: $(grep '^Requests per second' "$logs/ab.log")"
else
  bad http-ab-2000-c16 "$(grep -E '^(Complete|Failed|Non-2xx)' "$logs/ab.log" | tr '\n' ' ')"
fi
g 'rm -rf /tmp/big.bin' || true

# ---- programs from the sysroot ---------------------------------------------------------------
out=$(g hello-c) || out="(failed)"
[ "$out" = "hello from C on keel x86_64" ] && ok hello-c-over-ssh || bad hello-c-over-ssh "printed '$out'"
out=$(g hello-rust) || out="(failed)"
[ "$out" = "hello from Rust on keel, 1+4+9 = 14" ] && ok hello-rust-over-ssh || bad hello-rust-over-ssh "printed '$out'"

# ---- agent forwarding: dropbear's AF_UNIX agent socket, used by dbclient in the guest -------
# ssh -A with the test key in a host ssh-agent: dropbear listens on a unix socket named in
# $SSH_AUTH_SOCK; the guest's own dbclient logs into the guest's dropbear with that key,
# each agent request travelling over the unix socket and back through the ssh channel.
agent=$(
  eval "$(ssh-agent -s)" > /dev/null
  ssh-add -q "$build/client_key" 2> /dev/null
  timeout 120 ssh "${sshopt[@]}" -A -p "$sp" "$user@127.0.0.1" \
    'test -S "$SSH_AUTH_SOCK" && echo agent-socket; dbclient -y -y -p 22 "$(id -un)@127.0.0.1" echo via-forwarded-agent' 2>&1
  ssh-agent -k > /dev/null
) || true
if grep -qx agent-socket <<< "$agent" && grep -qx via-forwarded-agent <<< "$agent"; then
  ok agent-forwarding-dbclient
else
  bad agent-forwarding-dbclient "got '$(tr '\n' '|' <<< "$agent" | head -c 400)'"
fi

# ---- respawn -------------------------------------------------------------------------------
old=$(g 'cat /run/dropbear.pid; kill $(cat /run/dropbear.pid)') || old=""
new=""; for _ in $(seq 60); do
  new=$(g 'cat /run/dropbear.pid' 2> /dev/null) && [ "$new" != "$old" ] && break; new=""; sleep 1
done
[ -n "$old" ] && [ -n "$new" ] && ok respawn-dropbear || bad respawn-dropbear "no new dropbear (old pid '$old')"
old=$(g 'pidof mini_httpd; kill $(pidof mini_httpd)') || old=""
code=none; for _ in $(seq 60); do
  code=$(curl -sS -o /dev/null -w '%{http_code}' "$url/" 2> /dev/null) && [ "$code" = 200 ] && break; sleep 1
done
newh=$(g 'pidof mini_httpd') || newh=""
[ "$code" = 200 ] && [ -n "$old" ] && [ "$newh" != "$old" ] && ok respawn-mini-httpd ||
  bad respawn-mini-httpd "old '$old', new '$newh', GET / $code"

# ---- --root-password: the same image with a root password takes password logins ------------
guest_stop
./mkimage.sh --build-dir "$build" --authorized-keys "$build/client_key.pub" --extra "$extra" \
  --ssh-port "$sp" --http-port "$hp" --root-password 'keel-pw!' > "$logs/mkimage-password.log" 2>&1 ||
  { tail -30 "$logs/mkimage-password.log"; bad password-image "mkimage.sh --root-password failed"; finish; exit 1; }
guest_boot keel "$build" "$sp" "$hp" "$logs/keel-serial-password.log" "$mem"
wait_ssh "$sp" "$user" 300 > /dev/null || bad password-image-boots "no ssh login within 300 s"
# OpenSSH reads a password from SSH_ASKPASS when forced to, without a terminal.
printf '#!/bin/sh\necho "$KEEL_TEST_PASSWORD"\n' > "$build/askpass"; chmod 700 "$build/askpass"
pwssh() {
  KEEL_TEST_PASSWORD=$1 SSH_ASKPASS=$build/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
    timeout 60 ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o PubkeyAuthentication=no -o PreferredAuthentications=password \
    -o NumberOfPasswordPrompts=1 -p "$sp" root@127.0.0.1 'echo password-ok' < /dev/null 2> "$logs/pwssh.err"
}
out=$(pwssh 'keel-pw!') || out="(failed: $(cat "$logs/pwssh.err"))"
[ "$out" = password-ok ] && ok root-password-login || bad root-password-login "got '$out'"
if out=$(pwssh 'wrong'); then bad wrong-password-refused "logged in: '$out'"; else ok wrong-password-refused; fi

finish
