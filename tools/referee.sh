#!/usr/bin/env bash
# Runs one in-guest program on Keel and on Debian's Linux, in the same QEMU (TCG), and shows
# both results side by side: Linux is the referee for every in-guest test.
#
#   tools/referee.sh [PROGRAM]
#
# PROGRAM is a path in the test initrd (default /usr/lib/keel-tests/conformance; others:
# /usr/lib/keel-tests/rust-probe, /usr/lib/keel-tests/hello, /usr/lib/keel-tests/badptr).
# Builds the kernel and userland, packs the initrd, boots it on both kernels with PROGRAM as
# PID 1, and prints the PASS/FAIL lines of each side and every check where they differ.
# Both kernels get 512 MiB. Exit status 0 when both sides report 0 failures.
set -euo pipefail
cd "$(dirname "$0")/.."
prog=${1:-/usr/lib/keel-tests/conformance}
case $prog in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
work=${KEEL_BUILD:-/tmp/keel-build}/referee
mkdir -p "$work"
echo "referee: building the kernel and userland"
./mkimage.sh --kernel-only > "$work/kernel-build.log" 2>&1 || { tail -20 "$work/kernel-build.log"; exit 1; }
rm -rf "$work/root"
USERLAND_CARGO_TARGET_DIR=$work/cargo-target userland/build.sh "$work/root" > "$work/userland-build.log" 2>&1 \
  || { tail -20 "$work/userland-build.log"; exit 1; }
python3 initrd/mkcpio.py "$work/root" "$work/initrd.cpio" --default-devs > /dev/null
name=$(basename "$prog")
echo "referee: $prog on Linux"
lrc=0; tools/linux-referee.sh --quiet --mem 512M --timeout 300 --log "$work/linux-$name.log" "$work/initrd.cpio" "$prog" || lrc=$?
echo "referee: $prog on Keel"
krc=0; python3 tools/qemu-run.py --quiet --mem 512M --kernel build/keel.elf --initrd "$work/initrd.cpio" --timeout 300 \
  --append "keel.test init=$prog keel_pid1_exit=1" --log "$work/keel-$name.log" --expect '^[0-9]+ passed, 0 failed' > "$work/keel-$name.harness" || krc=$?
tools/linux-referee.sh --side-by-side "$work/linux-$name.log" "$work/keel-$name.log" linux keel || true
echo "referee: Linux $( [ $lrc = 0 ] && echo passed || echo FAILED ), Keel $( [ $krc = 0 ] && echo passed || echo FAILED ) (logs in $work)"
[ $lrc = 0 ] && [ $krc = 0 ]
