#!/usr/bin/env bash
# Product benchmarks (not a test: no thresholds): the image of mkimage.sh on Keel and on
# Debian's Linux, same initrd, same QEMU (TCG, -cpu max), through the host port forwards.
#
#   tools/product-bench.sh [--rtt N] [--no-mem-search]
#
# For each kernel, with 256 MiB:
#   boot-to-ssh   seconds from QEMU's start to the first `ssh true` that succeeds (Keel boots
#                 its ISO through GRUB, as mkimage.sh --boot does; Linux boots -kernel with the
#                 initrd, so Linux skips GRUB's second or so)
#   ssh-true      `ssh localhost true` round trip, mean of N (default 20) in a row, seconds
#   ab            requests per second of `ab -n 2000 -c 16` against mini_httpd's /
# and then the least memory (--mem, searched down from 256M in halves and back up by 8 MiB
# steps) with which the image boots, answers `ssh true` and serves `curl /`.
# Prints a table and writes it to $KEEL_BUILD/product-bench/table.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tests/product/lib.sh
. tests/product/lib.sh
rtt_n=20; mem_search=1
while [ $# -gt 0 ]; do
  case $1 in
    --rtt) rtt_n=$2; shift 2 ;;
    --no-mem-search) mem_search=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "product-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
build=${KEEL_BUILD:-/tmp/keel-build}/product-bench
logs=$build/logs; mkdir -p "$logs"
say() { echo "product-bench: $*" >&2; }
rm -f "$build/client_key" "$build/client_key.pub"
ssh-keygen -q -t ed25519 -N '' -C keel-bench -f "$build/client_key"
./mkimage.sh --build-dir "$build" --authorized-keys "$build/client_key.pub" > "$logs/mkimage.log" 2>&1 ||
  { tail -20 "$logs/mkimage.log"; exit 1; }
user=$(id -un); ssh_opts "$build/client_key"
trap guest_stop EXIT

# up KERNEL MEM: boots and waits for ssh (prints boot-to-ssh seconds); fails if it never comes.
up() {
  sp=$(free_port); hp=$(free_port)
  guest_boot "$1" "$build" "$sp" "$hp" "$logs/$1-$2.log" "$2"
  wait_ssh "$sp" "$user" 240
}

declare -A res
for k in keel linux; do
  say "$k: boot"
  # Not in $(...): up sets sp, hp and guest_pid for what follows.
  up $k 256M > "$logs/$k-boot.txt" || { say "$k did not come up"; guest_stop; continue; }
  res[$k.boot]=$(cat "$logs/$k-boot.txt")
  t=$(date +%s.%N)
  for _ in $(seq "$rtt_n"); do gssh "$sp" "$user" true; done
  res[$k.rtt]=$(awk -v a="$t" -v b="$(date +%s.%N)" -v n="$rtt_n" 'BEGIN { printf "%.3f", (b - a) / n }')
  ab -n 2000 -c 16 "http://127.0.0.1:$hp/" > "$logs/$k-ab.log" 2>&1 || true
  res[$k.ab]=$(awk '/^Requests per second/ {print $4}' "$logs/$k-ab.log")
  res[$k.abfail]=$(awk '/^Failed requests/ {print $3}' "$logs/$k-ab.log")
  guest_stop
  say "$k: boot ${res[$k.boot]} s, ssh true ${res[$k.rtt]} s, ab ${res[$k.ab]}/s (${res[$k.abfail]} failed)"
done

# serves KERNEL MIB: boots with MIB MiB and checks ssh and http.
serves() {
  local ok=1
  up "$1" "${2}M" > /dev/null && curl -sf -o /dev/null "http://127.0.0.1:$hp/" || ok=0
  guest_stop
  [ $ok = 1 ]
}
if [ $mem_search = 1 ]; then
  for k in keel linux; do
    good=256 m=128
    while [ $m -ge 16 ] && serves $k $m; do good=$m; m=$((m / 2)); done
    m=$((good - 8))
    while [ $m -gt $((good / 2)) ] && serves $k $m; do good=$m; m=$((m - 8)); done
    res[$k.mem]=${good}M
    say "$k: serves ssh and http with $good MiB"
  done
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
{
  printf '%-28s %10s %10s %12s\n' measure Keel Linux Keel/Linux
  printf '%-28s %10s %10s %12s\n' "boot to ssh ready (s)" "${res[keel.boot]:-}" "${res[linux.boot]:-}" "$(ratio "${res[keel.boot]:-0}" "${res[linux.boot]:-0}")"
  printf '%-28s %10s %10s %12s\n' "ssh localhost true (s)" "${res[keel.rtt]:-}" "${res[linux.rtt]:-}" "$(ratio "${res[keel.rtt]:-0}" "${res[linux.rtt]:-0}")"
  printf '%-28s %10s %10s %12s\n' "ab -n 2000 -c 16 (req/s)" "${res[keel.ab]:-}" "${res[linux.ab]:-}" "$(ratio "${res[keel.ab]:-0}" "${res[linux.ab]:-0}")"
  printf '%-28s %10s %10s\n' "ab failed requests" "${res[keel.abfail]:-}" "${res[linux.abfail]:-}"
  [ $mem_search = 1 ] && printf '%-28s %10s %10s\n' "least --mem serving" "${res[keel.mem]:-}" "${res[linux.mem]:-}"
} | tee "$build/table.txt"
