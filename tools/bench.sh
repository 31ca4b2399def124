#!/usr/bin/env bash
# Benchmarks (not a test: no thresholds): the same bench binary on Linux and on Keel, same QEMU.
#
#   tools/bench.sh [--rounds N] [--linux-log FILE] [--keel-log FILE]
#
# Builds userland (userland/build.sh --no-rust) into $KEEL_BUILD/bench/root, packs the initrd,
# runs /usr/lib/keel-tests/bench (userland/bench/bench.c) as PID 1 on Debian's Linux under TCG
# via tools/linux-referee.sh and on Keel via run_bench_on_keel (below),
# then prints ns/op per benchmark (null syscall = getppid, open+close of an initrd file, 4 KiB
# anonymous page fault) and the Keel/Linux ratio when both sides ran (< 1 means Keel is faster).
# Options:
#   --rounds N         rounds per benchmark, best kept (default 5; passed on the kernel command
#                      line as keel_bench_rounds=N, which Linux hands to init as environment)
#   --linux-log FILE   skip the Linux run, parse this earlier log instead
#   --keel-log FILE    skip the Keel run, parse this log instead
# Environment: KEEL_BUILD (default /tmp/keel-build), KEEL_CACHE.
# Numbers under TCG are emulation costs, comparable only between the two kernels in one run.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5; linux_log=""; keel_log=""
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --linux-log) linux_log=$2; shift 2 ;;
    --keel-log) keel_log=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

build=${KEEL_BUILD:-/tmp/keel-build}/bench
initrd=$build/initrd.cpio
mkdir -p "$build"

if [ -z "$linux_log" ] || [ -z "$keel_log" ]; then
  echo "bench.sh: building userland into $build/root"
  rm -rf "$build/root"
  userland/build.sh "$build/root" --no-rust > "$build/build.log" 2>&1 ||
    { tail -20 "$build/build.log"; echo "bench.sh: userland build failed (log $build/build.log)" >&2; exit 1; }
  python3 initrd/mkcpio.py "$build/root" "$initrd" --default-devs
fi

# ---- run_bench_on_keel ----------------------------------------------------------------------
# Boots "$initrd" on Keel (build/keel.elf, built here) with the same QEMU flags as the Linux run
# (TCG, -cpu max, 256 MiB), the bench program as PID 1; serial log to "$1".
run_bench_on_keel() { # LOGFILE
  echo "bench.sh: Keel run (TCG)"
  ./mkimage.sh --kernel-only > "$build/keel-build.log" 2>&1 || { echo "bench.sh: kernel build failed; see $build/keel-build.log" >&2; return 1; }
  python3 tools/qemu-run.py --quiet --kernel build/keel.elf --initrd "$initrd" --timeout 300 --log "$1" \
    --append "keel.test init=/usr/lib/keel-tests/bench keel_bench_rounds=$rounds keel_pid1_exit=1" > /dev/null
}
# -----------------------------------------------------------------------------------------------

if [ -z "$linux_log" ]; then
  linux_log=$build/linux-bench.log
  echo "bench.sh: Linux run (TCG)"
  tools/linux-referee.sh --quiet --timeout 300 --log "$linux_log" "$initrd" \
    /usr/lib/keel-tests/bench "keel_bench_rounds=$rounds" || { echo "bench.sh: the Linux run failed; log $linux_log" >&2; exit 1; }
fi
if [ -z "$keel_log" ]; then
  keel_log=$build/keel-bench.log
  run_bench_on_keel "$keel_log" || keel_log=""
fi

python3 - "$linux_log" "${keel_log:-}" <<'EOF'
import re, sys
def parse(path):
    out = {}
    if not path:
        return out
    for line in open(path, errors="replace"):
        m = re.match(r"BENCH (\S+) ([0-9.]+) (\d+)", line.replace("\r", ""))
        if m:
            out[m.group(1)] = float(m.group(2))
    return out
lx, kl = parse(sys.argv[1]), parse(sys.argv[2])
if not lx:
    sys.exit("bench.sh: no BENCH lines in the Linux log " + sys.argv[1])
print(f"{'benchmark':<14} {'linux ns/op':>12} {'keel ns/op':>12} {'keel/linux':>10}")
for name in lx:
    k = kl.get(name)
    ks = f"{k:12.1f}" if k is not None else f"{'-':>12}"
    ratio = f"{k / lx[name]:10.2f}" if k is not None and lx[name] > 0 else f"{'-':>10}"
    print(f"{name:<14} {lx[name]:12.1f} {ks} {ratio}")
if not kl:
    print("(no Keel numbers yet: run_bench_on_keel in tools/bench.sh is not wired)")
EOF
