#!/usr/bin/env bash
# Network benchmarks (not a test: no thresholds), Keel against Linux in the same QEMU (TCG,
# -cpu max, 256 MiB, a virtio-net NIC on QEMU's user network):
#
#   tools/netbench.sh [--requests N] [--timeout SEC]
#
# In the guest (userland/netserve/netserve.c `bench`, over 127.0.0.1):
#   tcp-rtt-1b   1-byte round trip between two processes (TCP_NODELAY), ns/op
#   tcp-bw-64k   64 MiB in 64 KiB writes between two processes, MiB/s
#   tcp-connect  connect + accept + close of both ends, ns/op
# From the host through the port forward (tools/nethost.py, a connection per request):
#   http-request one HTTP/1.0 request to netserve's server, ns/op (N requests, default 2000)
# Prints a table with the Keel/Linux ratio of the time taken (< 1: Keel is faster; for MiB/s
# the ratio is Linux's over Keel's). Logs and the table go to $KEEL_BUILD/netbench/
# (KEEL_BUILD defaults to /tmp/keel-build). Linux runs with tools/linux-referee.sh --with-net.
set -euo pipefail
cd "$(dirname "$0")/.."

nreq=2000; timeout=300
while [ $# -gt 0 ]; do
  case $1 in
    --requests) nreq=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "netbench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
build=${KEEL_BUILD:-/tmp/keel-build}/netbench
root=$build/root
initrd=$build/initrd.cpio
mkdir -p "$build"
echo "netbench.sh: building the kernel and userland into $build"
./mkimage.sh --kernel-only > "$build/kernel-build.log" 2>&1 ||
  { tail -20 "$build/kernel-build.log"; echo "netbench.sh: kernel build failed" >&2; exit 1; }
rm -rf "$root"
userland/build.sh "$root" --no-rust > "$build/build.log" 2>&1 ||
  { tail -20 "$build/build.log"; echo "netbench.sh: userland build failed" >&2; exit 1; }
python3 initrd/mkcpio.py "$root" "$initrd" --default-devs > /dev/null

guest() { # KERNEL LOG NETOPT CMDLINE-WORD...
  local kernel=$1 log=$2 netopt=$3; shift 3
  if [ "$kernel" = keel ]; then
    python3 tools/qemu-run.py --quiet --kernel build/keel.elf --initrd "$initrd" \
      --timeout "$timeout" --log "$log" --append "keel.test keel_pid1_exit=1 $*" \
      --qemu-arg=-nic --qemu-arg="user,model=virtio-net-pci$netopt" > "$log.harness" 2>&1
  else
    tools/linux-referee.sh --quiet --with-net --timeout "$timeout" --log "$log" \
      ${netopt:+--net-opt "${netopt#,}"} "$initrd" "$@" > "$log.referee" 2>&1
  fi
}

for k in linux keel; do
  echo "netbench.sh: $k: in-guest loopback benchmarks"
  if [ $k = keel ]; then
    guest keel "$build/$k-bench.log" "" init=/usr/lib/keel-tests/netserve keel_netserve=bench || true
  else
    guest linux "$build/$k-bench.log" "" /usr/lib/keel-tests/netserve keel_netserve=bench || true
  fi
  port=$(python3 tools/nethost.py freeport)
  echo "netbench.sh: $k: $nreq HTTP requests from the host (127.0.0.1:$port -> guest 80)"
  if [ $k = keel ]; then
    guest keel "$build/$k-http.log" ",hostfwd=tcp:127.0.0.1:$port-:80" \
      init=/usr/lib/keel-tests/netserve keel_netserve=http:80 &
  else
    guest linux "$build/$k-http.log" ",hostfwd=tcp:127.0.0.1:$port-:80" \
      /usr/lib/keel-tests/netserve keel_netserve=http:80 &
  fi
  pid=$!
  : > "$build/$k-host.log"
  if python3 tools/nethost.py wait "$port" 120; then
    python3 tools/nethost.py requests "$port" 20 > /dev/null || true   # warm-up
    python3 tools/nethost.py requests "$port" "$nreq" | tee "$build/$k-host.log" || true
  fi
  python3 tools/nethost.py quit "$port" || true
  wait "$pid" || true
done

python3 - "$build" "$nreq" <<'PY' | tee "$build/table.txt"
import re, sys
build, nreq = sys.argv[1], int(sys.argv[2])
def parse(k):
    out = {}
    try:
        for line in open(f"{build}/{k}-bench.log", errors="replace").read().replace("\r", "").splitlines():
            m = re.search(r"BENCH (\S+) ([0-9.]+) (\d+) (\S+)", line)
            if m:
                out[m.group(1)] = (float(m.group(2)), m.group(4))
    except OSError:
        pass
    try:
        m = re.search(r"(\d+) requests, 0 errors, ([0-9.]+) requests/s", open(f"{build}/{k}-host.log").read())
        if m:
            out["http-request"] = (1e9 / float(m.group(2)), "ns/op")
    except OSError:
        pass
    return out
lx, kl = parse("linux"), parse("keel")
cost = lambda r: None if not r else (1 / r[0] if r[1] == "MiB/s" else r[0])
print(f"{'benchmark':<14} {'linux':>16} {'keel':>16}  keel/linux")
for n in ["tcp-rtt-1b", "tcp-bw-64k", "tcp-connect", "http-request"]:
    l, k = lx.get(n), kl.get(n)
    s = lambda r: f"{r[0]:.1f} {r[1]}" if r else "n/a"
    ratio = f"{cost(k) / cost(l):.2f}" if l and k else "-"
    print(f"{n:<14} {s(l):>16} {s(k):>16}  {ratio}")
print("keel/linux: Keel's time over Linux's for the same work (< 1: Keel is faster)")
PY
