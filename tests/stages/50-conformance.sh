#!/usr/bin/env bash
# Stage 50: the in-guest conformance programs, refereed by Linux and run on Keel.
#
#   tests/stages/50-conformance.sh
#
# 1. builds userland (userland/build.sh) into $KEEL_BUILD/conformance/root;
# 2. packs it with initrd/mkcpio.py into $KEEL_BUILD/conformance/initrd.cpio, with the device
#    nodes /dev/console (5,1), tty (5,0), null (1,3), zero (1,5), full (1,7), random (1,8),
#    urandom (1,9);
# 3. runs it on Debian's Linux in QEMU (tools/linux-referee.sh), once per program:
#      rdinit=/init                            every program in /etc/keel-tests, forked by /init
#      rdinit=/usr/lib/keel-tests/conformance  the suite as PID 1, as Keel runs it
#      rdinit=/usr/lib/keel-tests/rust-probe   Rust std as PID 1
#      rdinit=/usr/lib/keel-tests/hello        the "must show" C program as PID 1
#      rdinit=/usr/lib/keel-tests/badptr       hostile arguments to every system call
#      rdinit=/usr/lib/keel-tests/proctests    fork, exec, wait, signals, pipes, poll/epoll,
#                                              threads, futex, limits (the reaper of orphans too)
#      rdinit=/usr/lib/keel-tests/rust-threads Rust std threads, sync and std::process
#      rdinit=/usr/lib/keel-tests/procfs       /proc, devtmpfs and devpts in Linux's formats
#      rdinit=/usr/lib/keel-tests/ptytests     pseudo-terminals: it mounts devpts and proc itself;
#                                              canonical and raw reads, echo, signals from control
#                                              characters, job control, window size, hangup, EIO
#    each must reach its `N passed, 0 failed` line (a panic, triple fault or timeout fails);
# 4. run_on_keel: the same initrd on Keel (build/keel.elf), each program as PID 1; every run
#    must pass (or, for a program with tests/known-failures/NAME.txt, fail exactly the checks
#    listed there, each with its reason: work in progress stays visible and cannot regress), and the PASS/FAIL lines of both kernels are written side by side to
#    $KEEL_BUILD/conformance/logs/side-by-side-NAME.txt.
# Both kernels get 512 MiB (the tmpfs checks write and read back a 100 MiB file).
# Environment: KEEL_BUILD (default /tmp/keel-build), KEEL_CACHE (kernel cache, default
# ~/.cache/keel), KEEL_CONFORMANCE_TIMEOUT (seconds per QEMU run, default 180),
# KEEL_PROCTESTS_TIMEOUT (seconds for the proctests runs, default 900: each of its 13 groups
# may take up to 60 s before the program kills it, and it must still print its summary),
# KEEL_PTYTESTS_TIMEOUT (seconds for the ptytests runs, default 300: Linux needs about 25 s;
# a few hung groups, 60 s each, still leave time for the summary).
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${KEEL_BUILD:-/tmp/keel-build}/conformance
timeout=${KEEL_CONFORMANCE_TIMEOUT:-180}
proctests_timeout=${KEEL_PROCTESTS_TIMEOUT:-900}
ptytests_timeout=${KEEL_PTYTESTS_TIMEOUT:-300}
root=$build/root
initrd=$build/initrd.cpio
logs=$build/logs

./mkimage.sh --kernel-only
echo "50-conformance: building userland into $root"
rm -rf "$root"
USERLAND_CARGO_TARGET_DIR=$build/cargo-target userland/build.sh "$root"
echo "50-conformance: packing $initrd"
python3 initrd/mkcpio.py "$root" "$initrd" --default-devs
mkdir -p "$logs"

failures=()
run_on_linux() { # NAME INIT_PATH [TIMEOUT]
  local name=$1 init=$2 t=${3:-$timeout} rc=0
  echo "50-conformance: Linux run '$name' (rdinit=$init)"
  tools/linux-referee.sh --quiet --mem 512M --timeout "$t" --log "$logs/linux-$name.log" \
    "$initrd" "$init" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "50-conformance: Linux run '$name' FAILED (referee status $rc); log $logs/linux-$name.log, its tail:"
    tail -n 25 "$logs/linux-$name.log" | tr -d '\r'
    failures+=("linux-$name")
  fi
}

# ---- run_on_keel --------------------------------------------------------------------------------
# Runs "$initrd" on Keel (PVH boot, TCG) with init=$2. `keel.test` makes the kernel exit QEMU
# with isa-debug-exit status 33 only if PID 1 exits 0; `keel_pid1_exit=1` (passed on to init's
# environment) makes the test programs exit instead of calling reboot(2). The harness also
# requires the `N passed, 0 failed` line. Then both sides are shown next to each other.
run_on_keel() { # NAME INIT_PATH [TIMEOUT]
  local name=$1 init=$2 t=${3:-$timeout} rc=0
  local known=tests/known-failures/$name.txt
  echo "50-conformance: Keel run '$name' (init=$init)"
  local expect='^[0-9]+ passed, 0 failed' status=()
  if [ -f "$known" ]; then
    # Checks Keel is known to fail (each named, with the reason, in the file): the run must
    # end with its summary, and its FAIL lines must be exactly those.
    expect='^[0-9]+ passed, [0-9]+ failed'; status=(--status 35)
  fi
  python3 tools/qemu-run.py --quiet --mem 512M --kernel build/keel.elf --initrd "$initrd" \
    --append "keel.test init=$init keel_pid1_exit=1" --timeout "$t" "${status[@]}" \
    --log "$logs/keel-$name.log" --expect "$expect" > "$logs/keel-$name.harness" 2>&1 || rc=$?
  if [ $rc -eq 0 ] && [ -f "$known" ]; then
    local got want
    got=$(tr -d '\r' < "$logs/keel-$name.log" | sed -n 's/^FAIL \([^:]*\):.*/\1/p' | sort -u)
    want=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$known" | sort -u)
    if [ "$got" != "$want" ]; then
      echo "50-conformance: Keel run '$name': its failures differ from $known:"
      diff <(echo "$want") <(echo "$got") | sed -n 's/^< /  now passes (remove it from the list): /p; s/^> /  fails anew: /p'
      return 1
    fi
    echo "50-conformance: Keel run '$name': $(echo "$want" | grep -c .) known failures, as listed in $known"
  fi
  if [ $rc -ne 0 ]; then
    echo "50-conformance: Keel run '$name' FAILED:"
    grep -E '^qemu-run: FAIL' "$logs/keel-$name.harness" || true
    grep -E '^FAIL ' "$logs/keel-$name.log" | head -n 40 || true
    tail -n 15 "$logs/keel-$name.log" | tr -d '\r'
    return 1
  fi
  tools/linux-referee.sh --side-by-side "$logs/linux-$name.log" "$logs/keel-$name.log" linux keel \
    > "$logs/side-by-side-$name.txt" 2>&1 || true
  return 0
}

run_on_linux all /init "$proctests_timeout"
run_on_linux conformance-pid1 /usr/lib/keel-tests/conformance
run_on_linux rust-probe-pid1 /usr/lib/keel-tests/rust-probe
run_on_linux hello-pid1 /usr/lib/keel-tests/hello
run_on_linux badptr-pid1 /usr/lib/keel-tests/badptr
run_on_linux proctests-pid1 /usr/lib/keel-tests/proctests "$proctests_timeout"
run_on_linux rust-threads-pid1 /usr/lib/keel-tests/rust-threads
run_on_linux procfs-pid1 /usr/lib/keel-tests/procfs
run_on_linux ptytests-pid1 /usr/lib/keel-tests/ptytests "$ptytests_timeout"

for pair in conformance-pid1:/usr/lib/keel-tests/conformance rust-probe-pid1:/usr/lib/keel-tests/rust-probe \
            hello-pid1:/usr/lib/keel-tests/hello badptr-pid1:/usr/lib/keel-tests/badptr \
            proctests-pid1:/usr/lib/keel-tests/proctests rust-threads-pid1:/usr/lib/keel-tests/rust-threads \
            procfs-pid1:/usr/lib/keel-tests/procfs ptytests-pid1:/usr/lib/keel-tests/ptytests; do
  t=$timeout
  case ${pair%%:*} in proctests-pid1) t=$proctests_timeout ;; ptytests-pid1) t=$ptytests_timeout ;; esac
  rc=0; run_on_keel "${pair%%:*}" "${pair#*:}" "$t" || rc=$?
  if [ $rc != 0 ]; then
    failures+=("keel-${pair%%:*}")
  fi
done

for l in "$logs"/linux-*.log "$logs"/keel-*.log; do
  printf '50-conformance: %-28s %s\n' "$(basename "$l" .log)" \
    "$(tr -d '\r' < "$l" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1 || echo 'no summary')"
done
if [ ${#failures[@]} -gt 0 ]; then
  echo "50-conformance: FAILED: ${failures[*]} (logs in $logs)"
  exit 1
fi
echo "50-conformance: all runs passed (logs in $logs)"
