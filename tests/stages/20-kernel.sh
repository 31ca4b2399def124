#!/usr/bin/env bash
# Stage 20: the kernel's boot self-tests in QEMU (TCG), through both boot paths, and proof that
# the harness reports every kind of failure: a kernel fault (whose report must name the three
# functions it happened in), a stack overflow, a panic, a triple fault and a hang.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/test-kernel
mkdir -p "$out"
./mkimage.sh --kernel-only
K=build/keel.elf
fails=0
check() { # NAME: then the command; a failing command fails the check with its output shown
  local name=$1; shift
  if "$@" > "$out/$name.out" 2>&1; then
    echo "  ok   $name"
  else
    echo "  FAIL $name"; sed 's/^/       /' "$out/$name.out" | tail -n 50; fails=$((fails + 1))
  fi
}
run() { python3 tools/qemu-run.py --quiet --kernel "$K" "$@"; }

# 1. Self-tests pass through PVH (qemu -kernel) and through GRUB (multiboot2 ISO).
selftests_pvh() {
  run --append selftest --log "$out/selftest-pvh.log" --timeout 120 \
      --expect '^selftest: [0-9]+ passed, 0 failed' --expect 'pvh boot' --mark '^Keel .* up in'
}
selftests_grub() {
  mkdir -p "$out/empty"
  python3 initrd/mkcpio.py "$out/empty" "$out/empty.cpio" >/dev/null
  tools/mkiso.sh "$K" "$out/empty.cpio" "$out/selftest.iso" selftest
  python3 tools/qemu-run.py --quiet --iso "$out/selftest.iso" --log "$out/selftest-grub.log" --timeout 180 \
      --expect '^selftest: [0-9]+ passed, 0 failed' --expect 'multiboot2 boot' --expect 'initrd at 0x'
}
check selftests_pass_via_pvh selftests_pvh
grep -h 'qemu-run: /' "$out/selftests_pass_via_pvh.out" | sed 's/^/       boot time: /' || true
check selftests_pass_via_grub_multiboot2 selftests_grub

# 2. Deliberate failures: the harness must fail, and the log must say why.
must_fail() { # CASE TIMEOUT PATTERN... : qemu-run must fail and its output must match every PATTERN
  local case=$1 timeout=$2; shift 2
  local rc=0
  run --append "selftest=$case" --log "$out/$case.log" --timeout "$timeout" > "$out/$case.harness" 2>&1 || rc=$?
  if [ $rc = 0 ]; then echo "harness passed a run that had to fail (selftest=$case)"; return 1; fi
  for p in "$@"; do
    grep -Eq "$p" "$out/$case.log" "$out/$case.harness" || { echo "missing /$p/ in the report:"; cat "$out/$case.harness"; return 1; }
  done
}
check fault_report_names_three_functions must_fail fault 60 'KERNEL FAULT: page fault' 'CR2=0x0+12' \
  'selftest_fault_depth_three' 'selftest_fault_depth_two' 'selftest_fault_depth_one' 'status 35'
check stack_overflow_is_reported must_fail overflow 60 'double fault' 'kernel stack overflow'
check panic_is_reported must_fail panic 60 'KERNEL PANIC: deliberate panic' 'backtrace' 'status 35'
check triple_fault_is_a_failure must_fail triple 60 'triple fault or reset'
check hang_is_a_failure must_fail hang 8 'timeout: no exit within'

[ $fails = 0 ]
