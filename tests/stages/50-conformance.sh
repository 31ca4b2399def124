#!/usr/bin/env bash
# Stage 50: the in-guest conformance programs, refereed by Linux and (when wired) run on Keel.
#
#   tests/stages/50-conformance.sh
#
# 1. builds userland (userland/build.sh) into $KEEL_BUILD/conformance/root;
# 2. packs it with initrd/mkcpio.py into $KEEL_BUILD/conformance/initrd.cpio, with the device
#    nodes /dev/console (5,1), tty (5,0), null (1,3), zero (1,5), full (1,7), random (1,8),
#    urandom (1,9);
# 3. runs it on Debian's Linux in QEMU (tools/linux-referee.sh), four times:
#      rdinit=/init                           every program in /etc/keel-tests, forked by /init
#      rdinit=/usr/lib/keel-tests/conformance the suite as PID 1, as Keel runs it
#      rdinit=/usr/lib/keel-tests/rust-probe  Rust std as PID 1
#      rdinit=/usr/lib/keel-tests/hello       the "must show" C program as PID 1
#    each must reach its `N passed, 0 failed` line (a panic, triple fault or timeout fails);
# 4. run_on_keel: the same initrd on Keel. Until the lead wires it, it prints
#    "Keel run: not yet wired" and counts as neither pass nor fail while KEEL_CONFORMANCE_KEEL=0
#    (the default); with KEEL_CONFORMANCE_KEEL=1 an unwired Keel run fails the stage.
# Environment: KEEL_BUILD (default /tmp/keel-build), KEEL_CACHE (kernel cache, default
# ~/.cache/keel), KEEL_CONFORMANCE_TIMEOUT (seconds per QEMU run, default 180).
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${KEEL_BUILD:-/tmp/keel-build}/conformance
timeout=${KEEL_CONFORMANCE_TIMEOUT:-180}
root=$build/root
initrd=$build/initrd.cpio
logs=$build/logs

echo "50-conformance: building userland into $root"
rm -rf "$root"
USERLAND_CARGO_TARGET_DIR=$build/cargo-target userland/build.sh "$root"
echo "50-conformance: packing $initrd"
python3 initrd/mkcpio.py "$root" "$initrd" --default-devs
mkdir -p "$logs"

failures=()
run_on_linux() { # NAME INIT_PATH
  local name=$1 init=$2 rc=0
  echo "50-conformance: Linux run '$name' (rdinit=$init)"
  tools/linux-referee.sh --quiet --timeout "$timeout" --log "$logs/linux-$name.log" \
    "$initrd" "$init" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "50-conformance: Linux run '$name' FAILED (referee status $rc); log $logs/linux-$name.log, its tail:"
    tail -n 25 "$logs/linux-$name.log" | tr -d '\r'
    failures+=("linux-$name")
  fi
}

# ---- run_on_keel: THE LEAD FILLS THIS IN -------------------------------------------------------
# Run "$initrd" on Keel with init=$2 (Keel should also accept rdinit=), write the serial log to
# "$logs/keel-$1.log", return 0 only if the log has `N passed, 0 failed` and Keel did not crash.
# Then show both sides with:
#   tools/linux-referee.sh --side-by-side "$logs/linux-$1.log" "$logs/keel-$1.log" linux keel
run_on_keel() { # NAME INIT_PATH
  echo "Keel run: not yet wired ($1, init=$2)"
  return 3 # 3 = not wired
}
# -------------------------------------------------------------------------------------------------

run_on_linux all /init
run_on_linux conformance-pid1 /usr/lib/keel-tests/conformance
run_on_linux rust-probe-pid1 /usr/lib/keel-tests/rust-probe
run_on_linux hello-pid1 /usr/lib/keel-tests/hello

for pair in conformance-pid1:/usr/lib/keel-tests/conformance rust-probe-pid1:/usr/lib/keel-tests/rust-probe \
            hello-pid1:/usr/lib/keel-tests/hello; do
  rc=0; run_on_keel "${pair%%:*}" "${pair#*:}" || rc=$?
  if [ $rc = 3 ]; then
    if [ "${KEEL_CONFORMANCE_KEEL:-0}" = 1 ]; then failures+=("keel-${pair%%:*} (not wired)"); fi
  elif [ $rc != 0 ]; then
    failures+=("keel-${pair%%:*}")
  fi
done

for l in "$logs"/linux-*.log; do
  printf '50-conformance: %-28s %s\n' "$(basename "$l" .log)" \
    "$(tr -d '\r' < "$l" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1 || echo 'no summary')"
done
if [ ${#failures[@]} -gt 0 ]; then
  echo "50-conformance: FAILED: ${failures[*]} (logs in $logs)"
  exit 1
fi
echo "50-conformance: all runs passed (logs in $logs)"
