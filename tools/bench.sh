#!/usr/bin/env bash
# Benchmarks (not a test: no thresholds): the same bench binary on Linux and on Keel, same QEMU.
#
#   tools/bench.sh [--rounds N] [--only NAME,...] [--timeout SEC] [--linux-log FILE] [--keel-log FILE]
#
# Builds userland (userland/build.sh --no-rust) into $KEEL_BUILD/bench/root, packs the initrd,
# runs /usr/lib/keel-tests/bench (userland/bench/bench.c) as PID 1 on Debian's Linux under TCG
# via tools/linux-referee.sh and on Keel via run_bench_on_keel (below), then prints one line
# per benchmark: the value on each kernel and the Keel/Linux ratio of the time taken (< 1 means
# Keel is faster; for a bandwidth in MiB/s the ratio is Linux's MiB/s over Keel's, also a time
# ratio). The benchmarks (bench.c has the details): null syscall (getppid), open+close, 4 KiB
# anonymous page fault, stat of a path, fstat, 4 KiB read of /dev/zero, 4 KiB write to
# /dev/null, fork+exit+wait, fork+exec+wait (of a tiny static program), 1-byte pipe round trip
# between two processes, 64 KiB pipe bandwidth (64 MiB between two processes, MiB/s), the same
# two through AF_UNIX stream socket pairs, and an epoll cycle (epoll_create1 + epoll_ctl ADD of a pipe + epoll_wait timeout 0 + close).
# A benchmark that fails on one side (e.g. fork is ENOSYS) shows `n/a (error: REASON)` there;
# a run that stops early (hang, crash, timeout) keeps the benchmarks it finished and shows
# `n/a (no result: ...)` for the rest. Only a Linux run without any result stops the script.
# Options:
#   --rounds N         rounds per benchmark, best kept (default 5; passed on the kernel command
#                      line as keel_bench_rounds=N, which both kernels hand to init as environment)
#   --only NAME,...    run only these benchmarks (keel_bench_only=NAME,... on the command line)
#   --timeout SEC      time limit of each QEMU run (default 300)
#   --linux-log FILE   skip the Linux run, parse this earlier log instead
#   --keel-log FILE    skip the Keel run, parse this log instead
# Environment: KEEL_BUILD (default /tmp/keel-build), KEEL_CACHE.
# Numbers under TCG are emulation costs, comparable only between the two kernels in one run.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5; only=""; timeout=300; linux_log=""; keel_log=""
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --linux-log) linux_log=$2; shift 2 ;;
    --keel-log) keel_log=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# key=value words for the kernel command line, which both kernels give init as environment
args=("keel_bench_rounds=$rounds")
[ -n "$only" ] && args+=("keel_bench_only=$only")
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
# (TCG, -cpu max, 256 MiB), the bench program as PID 1; serial log to "$1". A run that does not
# end cleanly still leaves its log, whose finished benchmarks count.
run_bench_on_keel() { # LOGFILE
  echo "bench.sh: Keel run (TCG)"
  ./mkimage.sh --kernel-only > "$build/keel-build.log" 2>&1 || { echo "bench.sh: kernel build failed; see $build/keel-build.log" >&2; return 1; }
  python3 tools/qemu-run.py --quiet --kernel build/keel.elf --initrd "$initrd" --timeout "$timeout" --log "$1" \
    --append "keel.test init=/usr/lib/keel-tests/bench ${args[*]} keel_pid1_exit=1" > "$build/keel-run.out" ||
    echo "bench.sh: the Keel run did not end cleanly ($(sed -n 's/^qemu-run: FAIL //p' "$build/keel-run.out"));" \
         "its finished benchmarks are used; log $1"
}
# -----------------------------------------------------------------------------------------------

if [ -z "$linux_log" ]; then
  linux_log=$build/linux-bench.log
  echo "bench.sh: Linux run (TCG)"
  rc=0
  tools/linux-referee.sh --quiet --timeout "$timeout" --log "$linux_log" "$initrd" \
    /usr/lib/keel-tests/bench "${args[@]}" 2> "$build/linux-referee.out" || rc=$?
  if [ $rc != 0 ]; then
    grep -q '^BENCH' "$linux_log" 2> /dev/null || {
      cat "$build/linux-referee.out" >&2
      echo "bench.sh: the Linux run failed without any result; log $linux_log" >&2; exit 1; }
    echo "bench.sh: the Linux run did not end cleanly (referee status $rc); its finished" \
         "benchmarks are used; log $linux_log"
  fi
fi
if [ -z "$keel_log" ]; then
  keel_log=$build/keel-bench.log
  run_bench_on_keel "$keel_log" || keel_log=""
fi

python3 - "$linux_log" "${keel_log:-}" <<'EOF'
import re, sys

def parse(path):
    """{name: (value, unit) or ("error", reason)} in the log's order; None without a log."""
    if not path:
        return None
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return None
    out = {}
    for line in text.replace("\r", "").splitlines():
        m = re.match(r"BENCH (\S+) ([0-9.]+) (\d+)(?: (\S+))?\s*$", line)
        if m:
            out[m.group(1)] = (float(m.group(2)), m.group(4) or "ns/op")
            continue
        m = re.match(r"BENCH-ERROR (\S+) (.*)$", line)
        if m:
            out[m.group(1)] = ("error", m.group(2).strip())
    return out

def show(r, missing):
    if r is None:
        return missing
    if r[0] == "error":
        return f"n/a (error: {r[1]})"
    return f"{r[0]:.1f} {r[1]}"

def cost(r):
    """Time per unit of work: ns/op as it is, MiB/s inverted; None without a number."""
    if r is None or r[0] == "error" or r[0] <= 0:
        return None
    return 1.0 / r[0] if r[1] == "MiB/s" else r[0]

lx, kl = parse(sys.argv[1]), parse(sys.argv[2])
if not lx:
    sys.exit("bench.sh: no BENCH lines in the Linux log " + sys.argv[1])
stopped = "n/a (no result: the run stopped before it)"
no_keel = "n/a (no Keel run)" if kl is None else stopped
kl = kl or {}
rows = []
for n in list(lx) + [n for n in kl if n not in lx]:
    l, k = lx.get(n), kl.get(n)
    ratio = f"{cost(k) / cost(l):.2f}" if cost(l) and cost(k) else "-"
    rows.append((n, show(l, stopped), show(k, no_keel), ratio))
head = ("benchmark", "linux", "keel", "keel/linux")
w = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
for r in [head] + rows:
    print(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]}")
print("keel/linux: Keel's time over Linux's for the same work (< 1: Keel is faster)")
EOF
