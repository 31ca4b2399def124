#!/usr/bin/env bash
# Stage 30: the ports, proven on Linux. Builds the sysroot and ports (ports/build.sh, cached in
# $KEEL_CACHE), stages a root (ports/stage.sh) and runs it in a chroot inside a private mount
# namespace (unshare -m), so the programs read the image's own /etc and the host is untouched:
#   - C and Rust hello world built against the sysroot run with the right output (static ELF);
#   - busybox ash runs tests/ports/ash-script.sh, output equal to tests/ports/ash-script.expected;
#   - dropbear (host key from its own dropbearkey) on a free 127.0.0.1 port: OpenSSH ssh runs a
#     command (output and exit status checked) with a client key; dbclient logs in with the root
#     password (crypt/shadow) and a wrong one is refused; `scp -O` copies 1 MiB both ways;
#   - mini_httpd on a free port: 200 with the exact bytes, 404, HEAD, a directory listing (curl);
#   - busybox's own testsuite against tests/ports/busybox-baseline.txt (skip with
#     KEEL_SKIP_BUSYBOX_TESTSUITE=1 for a quicker run).
# Every server is stopped by its own PID. Needs root (fails with the reason otherwise).
#
#   tests/stages/30-ports-linux.sh        (or ./test.sh ports-linux)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/ports/chroot-lib.sh
. "$repo/tests/ports/chroot-lib.sh"

if [ "${1:-}" != --inside ]; then
  need_root "stage 30-ports-linux"
  need_cmds openssh-client:ssh openssh-client:scp openssh-client:ssh-keygen curl:curl \
    binutils:readelf python3:python3 util-linux:unshare coreutils:timeout
  t0=$SECONDS
  "$repo/ports/build.sh" all || fail "ports/build.sh all failed (see the step and log above)"
  say "build: $((SECONDS - t0)) s"
  tmp=$(mktemp -d /tmp/keel-ports-linux.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  "$repo/ports/stage.sh" --no-build "$tmp/root" || fail "ports/stage.sh failed"
  rc=0; unshare -m --propagation private bash "$0" --inside "$tmp" || rc=$?
  exit $rc
fi

# ------------------------------------------------------------------ inside the private namespace
tmp=$2; R=$tmp/root
chroot_mounts "$R"
eval "$("$repo/ports/build.sh" --print-env 2> /dev/null)"
pids=()
cleanup() { local p; for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT

# ---- C and Rust hello world against the sysroot
say "hello world: C with $KEEL_CC"
printf '#include <stdio.h>\n#include <crypt.h>\nint main(void){printf("hello, %%s\\n", crypt("keel","$6$ab$") ? "keel" : "?");return 0;}\n' > "$tmp/hello.c"
"$KEEL_CC" -O2 -o "$tmp/hello" "$tmp/hello.c" || fail "keel-cc could not build hello.c"
out=$("$tmp/hello"); [ "$out" = "hello, keel" ] || fail "C hello printed '$out', expected 'hello, keel'"
readelf -lW "$tmp/hello" | grep -q INTERP && fail "C hello has PT_INTERP"
if [ -f "$KEEL_SYSROOT/lib/rust/libunwind.a" ] && command -v cargo > /dev/null; then
  say "hello world: Rust, x86_64-unknown-linux-musl linked by keel-cc against the sysroot"
  mkdir -p "$tmp/rhello/src"
  printf '[package]\nname = "rhello"\nversion = "0.1.0"\nedition = "2021"\n[workspace]\n' > "$tmp/rhello/Cargo.toml"
  echo 'fn main() { println!("hello from Rust, {}", 6 * 7); }' > "$tmp/rhello/src/main.rs"
  cp "$repo/rust-toolchain.toml" "$tmp/rhello/"
  (cd "$tmp/rhello" && CARGO_TARGET_DIR=$tmp/rtarget \
    RUSTFLAGS="-C linker=$KEEL_CC -C link-self-contained=no -L native=$KEEL_SYSROOT/lib/rust" \
    cargo build -q --release --target x86_64-unknown-linux-musl) || fail "Rust hello did not build"
  rh=$tmp/rtarget/x86_64-unknown-linux-musl/release/rhello
  out=$("$rh"); [ "$out" = "hello from Rust, 42" ] || fail "Rust hello printed '$out'"
  readelf -lW "$rh" | grep -q INTERP && fail "Rust hello has PT_INTERP"
  cp "$rh" "$R/tmp/rhello"; out=$(in_chroot "$R" /tmp/rhello)
  [ "$out" = "hello from Rust, 42" ] || fail "Rust hello in the chroot printed '$out'"
else
  fail "no Rust toolchain with x86_64-unknown-linux-musl (rustup target add x86_64-unknown-linux-musl)"
fi

# ---- busybox ash
say "busybox ash: tests/ports/ash-script.sh"
cp "$repo/tests/ports/ash-script.sh" "$R/tmp/ash-script.sh"
in_chroot "$R" /bin/sh /tmp/ash-script.sh > "$tmp/ash.out" 2>&1 || fail "ash script exited non-zero: $(tail -5 "$tmp/ash.out")"
diff -u "$repo/tests/ports/ash-script.expected" "$tmp/ash.out" ||
  fail "busybox ash script output differs from tests/ports/ash-script.expected (diff above)"

# ---- dropbear
say "dropbear: host key with dropbearkey"
in_chroot "$R" /usr/bin/dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key > "$tmp/key.log" 2>&1 ||
  fail "dropbearkey failed: $(cat "$tmp/key.log")"
ssh-keygen -q -t ed25519 -N '' -C keel-test -f "$tmp/client_key"
install -d -m 700 "$R/root/.ssh"; install -m 600 "$tmp/client_key.pub" "$R/root/.ssh/authorized_keys"
# The image's root has no password (mkimage.sh --root-password sets one): give it 'keel' here.
hash=$("$R/bin/busybox" cryptpw -m sha512 keel)
sed -i "s|^root:[^:]*:|root:$hash:|" "$R/etc/shadow"
port=$(free_port)
in_chroot "$R" /usr/sbin/dropbear -F -E -p "127.0.0.1:$port" \
  -r /etc/dropbear/dropbear_ed25519_host_key -P /run/dropbear.pid > "$tmp/dropbear.log" 2>&1 &
dpid=$!; pids+=("$dpid")
wait_port "$port" "$dpid" || fail "dropbear did not listen on 127.0.0.1:$port: $(tail -5 "$tmp/dropbear.log")"
say "dropbear: pid $dpid on 127.0.0.1:$port"
sshopt=(-F /dev/null -i "$tmp/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
        -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10)
rc=0; out=$(timeout 30 ssh "${sshopt[@]}" -p "$port" root@127.0.0.1 \
  'echo "user=$(id -un) shell=$SHELL home=$HOME"; echo hi | tr a-z A-Z; exit 7') || rc=$?
want=$'user=root shell=/bin/sh home=/root\nHI'
[ "$out" = "$want" ] || fail "ssh command output was '$out', expected '$want' (dropbear log: $(tail -5 "$tmp/dropbear.log"))"
[ $rc = 7 ] || fail "ssh command exit status was $rc, expected 7"
say "dropbear: ssh (public key) ran a command: output and exit status 7 as expected"

out=$(timeout 30 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DROPBEAR_PASSWORD=keel \
  chroot "$R" /usr/bin/dbclient -y -y -p "$port" root@127.0.0.1 'echo password-ok' 2> "$tmp/dbclient.err") ||
  fail "dbclient password login (root/keel) failed: $(cat "$tmp/dbclient.err")"
[ "$out" = password-ok ] || fail "dbclient password login printed '$out'"
if timeout 30 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DROPBEAR_PASSWORD=wrong \
  chroot "$R" /usr/bin/dbclient -y -y -p "$port" root@127.0.0.1 'echo should-not-run' > "$tmp/bad.out" 2>&1; then
  fail "dbclient with a wrong password logged in: $(cat "$tmp/bad.out")"
fi
grep -q "Bad password attempt for 'root'" "$tmp/dropbear.log" ||
  fail "dbclient with a wrong password failed, but dropbear logged no bad password attempt: $(cat "$tmp/bad.out")"
say "dropbear: dbclient password login ok (crypt + shadow), wrong password refused"

head -c 1048576 /dev/urandom > "$tmp/up.bin"
timeout 60 scp -O -q "${sshopt[@]}" -P "$port" "$tmp/up.bin" root@127.0.0.1:/tmp/up.bin ||
  fail "scp -O upload failed"
cmp "$tmp/up.bin" "$R/tmp/up.bin" || fail "scp upload: the file on the server differs"
timeout 60 scp -O -q "${sshopt[@]}" -P "$port" root@127.0.0.1:/tmp/up.bin "$tmp/down.bin" ||
  fail "scp -O download failed"
cmp "$tmp/up.bin" "$tmp/down.bin" || fail "scp download: the file differs"
say "dropbear: scp -O 1 MiB up and down, byte-identical"
stop_pid dropbear "$dpid"

# ---- mini_httpd
www=$R/srv/www; mkdir -p "$www/dir"
head -c 100000 /dev/urandom > "$www/file.bin"
echo alpha > "$www/dir/a.txt"; echo beta > "$www/dir/b.txt"
chmod -R a+rX "$R/srv"
port=$(free_port)
in_chroot "$R" /usr/sbin/mini_httpd -D -h 127.0.0.1 -p "$port" -d /srv/www -u nobody \
  -l /tmp/mini_httpd.log -i /run/mini_httpd.pid > "$tmp/httpd.log" 2>&1 &
hpid=$!; pids+=("$hpid")
wait_port "$port" "$hpid" || fail "mini_httpd did not listen on 127.0.0.1:$port: $(tail -5 "$tmp/httpd.log")"
say "mini_httpd: pid $hpid on 127.0.0.1:$port"
u=http://127.0.0.1:$port
code=$(curl -sS -o "$tmp/got.bin" -w '%{http_code}' "$u/file.bin")
[ "$code" = 200 ] || fail "GET /file.bin: status $code, expected 200"
cmp "$www/file.bin" "$tmp/got.bin" || fail "GET /file.bin: body differs from the file"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$u/missing")
[ "$code" = 404 ] || fail "GET /missing: status $code, expected 404"
hdr=$(curl -sS -I "$u/file.bin" | tr -d '\r')
echo "$hdr" | head -1 | grep -q '^HTTP/1\.[01] 200' || fail "HEAD /file.bin: '$(echo "$hdr" | head -1)'"
echo "$hdr" | grep -qix 'content-length: 100000' || fail "HEAD /file.bin: no Content-Length: 100000 in: $hdr"
code=$(curl -sS -o "$tmp/list.html" -w '%{http_code}' "$u/dir/")
[ "$code" = 200 ] || fail "GET /dir/: status $code, expected 200"
grep -q 'a\.txt' "$tmp/list.html" && grep -q 'b\.txt' "$tmp/list.html" ||
  fail "GET /dir/: no listing of a.txt and b.txt: $(head -c 300 "$tmp/list.html")"
say "mini_httpd: 200 with exact bytes, 404, HEAD, directory listing"
stop_pid mini_httpd "$hpid"
pids=()

# ---- busybox testsuite
if [ "${KEEL_SKIP_BUSYBOX_TESTSUITE:-0}" = 1 ]; then
  say "busybox testsuite: skipped (KEEL_SKIP_BUSYBOX_TESTSUITE=1)"
else
  "$repo/tests/ports/busybox-testsuite.sh" --root "$R"
fi
say "all port tests passed"
