#!/usr/bin/env bash
# Stage 55: networking, in the guest and from the host, refereed by Linux.
#
#   tests/stages/55-net.sh
#
# 1. builds the kernel and userland into $KEEL_BUILD/net (initrd with nettests, netserve,
#    rust-net);
# 2. Linux (tools/linux-referee.sh --with-net: Debian's virtio-net modules, eth0 10.0.2.15):
#      nettests     socket conformance over 127.0.0.1 and 10.0.2.15 (netup.h brings them up)
#      rust-net     Rust std networking with threads (via `netserve exec`, which brings lo up)
#      http         netserve's HTTP server through the port forward, 500 requests from the host
# 3. Keel with a virtio-net NIC on QEMU's user network: nettests and rust-net as PID 1, each
#    must reach `N passed, 0 failed` and exit 33; side-by-side files in logs/;
# 4. system tests on Keel through the port forward (a free host port -> guest 80):
#      http-dhcp      10,000 HTTP requests from the host (tools/nethost.py), 3 with curl; the
#                     boot log must show the DHCP lease replacing the static address
#      http-fallback  net.dhcp=off: the static 10.0.2.15/24 only (no lease line); a flood of
#                     half-open, reset, garbage and truncated connections, then 50 requests
#                     must all succeed
# Environment: KEEL_BUILD (default /tmp/keel-build), KEEL_NET_TIMEOUT (seconds per QEMU run,
# default 300), KEEL_NET_REQUESTS (default 10000).
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${KEEL_BUILD:-/tmp/keel-build}/net
timeout=${KEEL_NET_TIMEOUT:-300}
nreq=${KEEL_NET_REQUESTS:-10000}
root=$build/root
initrd=$build/initrd.cpio
logs=$build/logs
nic=user,model=virtio-net-pci

./mkimage.sh --kernel-only
echo "55-net: building userland into $root"
rm -rf "$root"
USERLAND_CARGO_TARGET_DIR=$build/cargo-target userland/build.sh "$root"
python3 initrd/mkcpio.py "$root" "$initrd" --default-devs
mkdir -p "$logs"
failures=()

linux_run() { # NAME INIT [CMDLINE...]
  local name=$1 init=$2 rc=0; shift 2
  echo "55-net: Linux run '$name'"
  tools/linux-referee.sh --quiet --with-net --timeout "$timeout" --log "$logs/linux-$name.log" \
    "$initrd" "$init" "$@" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "55-net: Linux run '$name' FAILED (status $rc); log $logs/linux-$name.log:"
    tail -n 20 "$logs/linux-$name.log" | tr -d '\r'
    failures+=("linux-$name")
  fi
}

keel_run() { # NAME APPEND [QEMU NIC OPTIONS]
  local name=$1 append=$2 nicopt=${3:-$nic} rc=0
  echo "55-net: Keel run '$name' ($append)"
  python3 tools/qemu-run.py --quiet --kernel build/keel.elf --initrd "$initrd" \
    --append "keel.test keel_pid1_exit=1 $append" --timeout "$timeout" \
    --log "$logs/keel-$name.log" --expect '^[0-9]+ passed, 0 failed' \
    --qemu-arg=-nic --qemu-arg="$nicopt" > "$logs/keel-$name.harness" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    echo "55-net: Keel run '$name' FAILED:"
    grep -E '^qemu-run: FAIL' "$logs/keel-$name.harness" || true
    grep -aE '^FAIL ' "$logs/keel-$name.log" | head -n 40 || true
    tail -n 15 "$logs/keel-$name.log" | tr -d '\r'
    failures+=("keel-$name")
    return 1
  fi
}

# A guest HTTP server (netserve) on KERNEL behind a free host port, driven by CLIENT (a
# function of the port); the server is told to quit at the end.
system_run() { # KERNEL NAME APPEND CLIENT
  local kernel=$1 name=$2 append=$3 client=$4 port rc=0 qrc=0 pid
  port=$(python3 tools/nethost.py freeport)
  echo "55-net: $kernel system run '$name': host 127.0.0.1:$port -> guest 80"
  if [ "$kernel" = keel ]; then
    keel_run "$name" "init=/usr/lib/keel-tests/netserve keel_netserve=http:80 $append" \
      "$nic,hostfwd=tcp:127.0.0.1:$port-:80" &
  else
    tools/linux-referee.sh --quiet --with-net --timeout "$timeout" --log "$logs/linux-$name.log" \
      --net-opt "hostfwd=tcp:127.0.0.1:$port-:80" "$initrd" /usr/lib/keel-tests/netserve \
      keel_netserve=http:80 > "$logs/linux-$name.referee" 2>&1 &
  fi
  pid=$!
  if python3 tools/nethost.py wait "$port" 120; then
    "$client" "$port" || rc=$?
  else
    rc=1
  fi
  python3 tools/nethost.py quit "$port" || true
  wait "$pid" || qrc=$?
  if [ $rc -ne 0 ] || [ $qrc -ne 0 ]; then
    echo "55-net: $kernel system run '$name' FAILED (client $rc, guest $qrc)"
    [ "$kernel" = linux ] && tail -n 20 "$logs/linux-$name.log" | tr -d '\r'
    failures+=("$kernel-$name")
    return 1
  fi
  return 0
}

many_requests() { # PORT
  python3 tools/nethost.py requests "$1" "$nreq" || return 1
  for i in 1 2 3; do
    curl -fsS --max-time 10 "http://127.0.0.1:$1/curl-$i" | grep -q 'hello from netserve' || {
      echo "55-net: curl request $i failed"; return 1; }
  done
  echo "55-net: curl: 3 requests answered"
}
few_requests() { python3 tools/nethost.py requests "$1" 500; }
flood_then_requests() { python3 tools/nethost.py flood "$1"; }

# ---- Linux, the referee ---------------------------------------------------------------------
linux_run nettests /usr/lib/keel-tests/nettests
linux_run rust-net /usr/lib/keel-tests/netserve keel_netserve=exec:/usr/lib/keel-tests/rust-net
system_run linux http "" few_requests || true

# ---- Keel -------------------------------------------------------------------------------------
for pair in nettests:/usr/lib/keel-tests/nettests rust-net:/usr/lib/keel-tests/rust-net; do
  name=${pair%%:*}
  if keel_run "$name" "init=${pair#*:}"; then
    tools/linux-referee.sh --side-by-side "$logs/linux-$name.log" "$logs/keel-$name.log" linux keel \
      > "$logs/side-by-side-$name.txt" 2>&1 || true
  fi
done
if system_run keel http-dhcp "" many_requests; then
  grep -aq 'net: address 10.0.2.15/24 via 10.0.2.2 (static fallback)' "$logs/keel-http-dhcp.log" &&
    grep -aq '(DHCP lease)' "$logs/keel-http-dhcp.log" ||
    { echo "55-net: the DHCP run's log lacks the fallback-then-lease lines"; failures+=(keel-dhcp-lines); }
fi
if system_run keel http-fallback "net.dhcp=off" flood_then_requests; then
  if grep -aq '(DHCP lease)' "$logs/keel-http-fallback.log" ||
     ! grep -aq '(static fallback)' "$logs/keel-http-fallback.log"; then
    echo "55-net: net.dhcp=off did not keep the static fallback alone"; failures+=(keel-fallback-lines)
  fi
fi

for l in "$logs"/linux-*.log "$logs"/keel-*.log; do
  printf '55-net: %-24s %s\n' "$(basename "$l" .log)" \
    "$(tr -d '\r' < "$l" | grep -aE '^[0-9]+ passed, [0-9]+ failed$' | tail -1 || echo 'no summary')"
done
if [ ${#failures[@]} -gt 0 ]; then
  echo "55-net: FAILED: ${failures[*]} (logs in $logs)"
  exit 1
fi
echo "55-net: all runs passed (logs in $logs)"
