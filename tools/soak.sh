#!/usr/bin/env bash
# Soak: the product image under mixed load for a while, then a count of what it left behind.
#
#   tools/soak.sh [MINUTES]        (default 30)
#
# Builds the image with ./mkimage.sh into $KEEL_BUILD/soak (a fresh client key authorized),
# boots it on Keel under TCG (tests/product/lib.sh) and runs three loads side by side until the
# time is up:
#   ssh   sessions one after another, alternating a command (ls, ps, /proc, sha256sum), a
#         session with a pty (ssh -tt) and an scp -q of a script into the shell;
#   scp   scp -O of a 1 MiB random file up and back down, compared byte for byte;
#   http  ab -n 500 -c 8 against /, and a 1 MiB file with curl compared byte for byte.
# Before and after it reads the guest's processes, open files, sockets and free memory (through
# /proc over ssh) and prints both with each load's count of runs and failures. Exits 1 when a
# run failed or a count did not come back (free memory within 256 KiB).
# Environment: KEEL_BUILD (default /tmp/keel-build), KEEL_SOAK_MEM (guest memory, 256M).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tests/product/lib.sh
. tests/product/lib.sh
minutes=${1:-30}
build=${KEEL_BUILD:-/tmp/keel-build}/soak
mkdir -p "$build"; logs=$build/logs; rm -rf "$logs"; mkdir -p "$logs"
say() { echo "soak: $*"; }

rm -f "$build/client_key" "$build/client_key.pub"
ssh-keygen -q -t ed25519 -N '' -C keel-soak -f "$build/client_key"
sp=$(free_port); hp=$(free_port)
./mkimage.sh --build-dir "$build" --authorized-keys "$build/client_key.pub" \
  --ssh-port "$sp" --http-port "$hp" > "$logs/mkimage.log" 2>&1 ||
  { tail -20 "$logs/mkimage.log"; exit 1; }
user=$(id -un); ssh_opts "$build/client_key"
g() { gssh "$sp" "$user" "$@"; }
guest_boot keel "$build" "$sp" "$hp" "$logs/serial.log" "${KEEL_SOAK_MEM:-256M}"
trap guest_stop EXIT
wait_ssh "$sp" "$user" 300 > /dev/null || { say "no ssh after 300 s"; tail "$logs/serial.log"; exit 1; }
head -c 1048576 /dev/urandom > "$build/one.bin"
scp -O -q "${sshopt[@]}" -P "$sp" "$build/one.bin" "$user@127.0.0.1:/www/one.bin"
g 'chmod 644 /www/one.bin'
sleep 1
before=$(guest_probe "$sp" "$user")
say "start: $before; load for $minutes min"
end=$((SECONDS + minutes * 60))

ssh_load() {
  local i=0 runs=0 fails=0
  while [ $SECONDS -lt $end ]; do
    i=$((i + 1)); runs=$((runs + 1))
    case $((i % 3)) in
      0) out=$(g 'ls -R /usr > /dev/null; ps > /dev/null; sha256sum /www/one.bin; grep -c . /proc/meminfo' 2>&1) &&
           grep -q '^[0-9a-f]\{64\} ' <<< "$out" || { fails=$((fails + 1)); echo "ssh: $out" >> "$logs/errors"; } ;;
      1) out=$(printf 'echo pty-ok\nexit\n' | timeout 60 ssh -tt "${sshopt[@]}" -p "$sp" "$user@127.0.0.1" 2>&1) &&
           grep -q '^pty-ok' <<< "$(tr -d '\r' <<< "$out")" || { fails=$((fails + 1)); echo "ssh -tt: $out" >> "$logs/errors"; } ;;
      2) out=$(g 'for n in 1 2 3 4 5; do echo $((n * n)); done | tr "\n" " "; sleep 0.2; kill -0 $$ && echo alive' 2>&1) &&
           [ "$out" = "1 4 9 16 25 alive" ] || { fails=$((fails + 1)); echo "ssh loop: $out" >> "$logs/errors"; } ;;
    esac
  done
  echo "ssh $runs $fails" > "$logs/ssh.result"
}
scp_load() {
  local runs=0 fails=0
  while [ $SECONDS -lt $end ]; do
    runs=$((runs + 1)); rm -f "$build/scp.down"
    if scp -O -q "${sshopt[@]}" -P "$sp" "$build/one.bin" "$user@127.0.0.1:/tmp/scp.bin" &&
       scp -O -q "${sshopt[@]}" -P "$sp" "$user@127.0.0.1:/tmp/scp.bin" "$build/scp.down" &&
       cmp -s "$build/one.bin" "$build/scp.down"; then :; else
      fails=$((fails + 1)); echo "scp: run $runs failed" >> "$logs/errors"
    fi
  done
  g 'rm -f /tmp/scp.bin' || true
  echo "scp $runs $fails" > "$logs/scp.result"
}
http_load() {
  local runs=0 fails=0 reqs=0
  while [ $SECONDS -lt $end ]; do
    runs=$((runs + 1))
    if ab -n 500 -c 8 "http://127.0.0.1:$hp/" > "$logs/ab.last" 2>&1 &&
       grep -q '^Failed requests: *0$' "$logs/ab.last" && ! grep -q '^Non-2xx' "$logs/ab.last"; then
      reqs=$((reqs + 500))
    else
      fails=$((fails + 1)); cat "$logs/ab.last" >> "$logs/errors"
    fi
    rm -f "$build/http.down"
    curl -sS -o "$build/http.down" "http://127.0.0.1:$hp/one.bin" && cmp -s "$build/one.bin" "$build/http.down" ||
      { fails=$((fails + 1)); echo "curl one.bin failed" >> "$logs/errors"; }
  done
  echo "http $runs $fails $reqs" > "$logs/http.result"
}
ssh_load & p1=$!; scp_load & p2=$!; http_load & p3=$!
wait $p1 $p2 $p3
sleep 2
after=$(guest_probe "$sp" "$user")
say "end:   $after"
total=0
for r in ssh scp http; do
  read -r name runs fails reqs < "$logs/$r.result"
  say "$name: $runs runs, $fails failed${reqs:+ ($reqs HTTP requests)}"
  total=$((total + fails))
done
leak=0
for f in procs fds sockets; do
  [ "$(probe_field "$before" $f)" = "$(probe_field "$after" $f)" ] || { leak=1; say "$f did not come back"; }
done
m0=$(probe_field "$before" memfree_kb); m1=$(probe_field "$after" memfree_kb)
say "free memory: $m0 KiB at the start, $m1 KiB at the end ($((m1 - m0)) KiB)"
[ "$m1" -ge $((m0 - 256)) ] || { leak=1; say "free memory did not come back"; }
[ $total = 0 ] || say "failures: see $logs/errors"
[ $total = 0 ] && [ $leak = 0 ] && say "passed" || { say "FAILED"; exit 1; }
