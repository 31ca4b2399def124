# Helpers for the product tests and tools (tests/stages/80-product.sh, tools/soak.sh,
# tools/product-bench.sh): boot the image of mkimage.sh on Keel or on Debian's Linux with host
# ports forwarded to the guest's ssh (22) and http (80), and talk to it with OpenSSH. Sourced.
# shellcheck shell=bash

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# guest_boot KERNEL BUILD SSH_PORT HTTP_PORT LOG MEM: starts QEMU (TCG) in the background with
# BUILD's image and the serial console in LOG, and sets guest_pid (the process group to kill).
# KERNEL is `keel` (the ISO, through GRUB, as mkimage.sh --boot does) or `linux` (Debian's
# kernel with the same initrd through tools/linux-referee.sh --with-net, rdinit=/sbin/init).
guest_boot() {
  local kernel=$1 build=$2 sp=$3 hp=$4 log=$5 mem=$6 fwd
  fwd="hostfwd=tcp:127.0.0.1:$sp-:22,hostfwd=tcp:127.0.0.1:$hp-:80"
  : > "$log"
  guest_t0=$(date +%s.%N)
  if [ "$kernel" = keel ]; then
    setsid qemu-system-x86_64 -machine pc -accel tcg -cpu max -m "$mem" -display none \
      -no-reboot -monitor none -serial "file:$log" -cdrom "$build/keel.iso" -boot d \
      -netdev "user,id=net0,$fwd" -device virtio-net-pci,netdev=net0 < /dev/null > /dev/null 2>&1 &
  else
    setsid tools/linux-referee.sh --quiet --with-net --net-opt "$fwd" --mem "$mem" \
      --timeout 100000 --log "$log" "$build/initrd.cpio.gz" /sbin/init < /dev/null > /dev/null 2>&1 &
  fi
  guest_pid=$!
}

# guest_stop: ends the QEMU of guest_boot (its whole process group).
guest_stop() {
  [ -n "${guest_pid:-}" ] || return 0
  kill -TERM -- "-$guest_pid" 2> /dev/null || true
  wait "$guest_pid" 2> /dev/null || true
  guest_pid=""
}

# ssh_opts KEY: OpenSSH options for a test client (no config, no known_hosts, never a prompt).
ssh_opts() {
  sshopt=(-F /dev/null -i "$1" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=20 -o ServerAliveInterval=15
          -o ServerAliveCountMax=4)
}

# gssh PORT USER CMD...: one ssh command into the guest (sshopt set by ssh_opts).
gssh() {
  local port=$1 user=$2; shift 2
  timeout 120 ssh "${sshopt[@]}" -p "$port" "$user@127.0.0.1" "$@"
}

# wait_ssh PORT USER TIMEOUT: waits until `ssh true` succeeds; prints the seconds since
# guest_boot started QEMU. Fails after TIMEOUT seconds or when QEMU has exited.
wait_ssh() {
  local port=$1 user=$2 limit=$3 start=$SECONDS
  while [ $((SECONDS - start)) -lt "$limit" ]; do
    kill -0 "$guest_pid" 2> /dev/null || return 1
    if timeout 20 ssh "${sshopt[@]}" -o ConnectTimeout=5 -p "$port" "$user@127.0.0.1" true 2> /dev/null; then
      awk -v a="$guest_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }'
      return 0
    fi
    sleep 0.5
  done
  return 1
}

# The guest's counts, one line: `procs=N fds=N sockets=N memfree_kb=N heap_kb=N heap_live_kb=N`
# (the kernel heap mapped, and what its live objects take), read through ssh (the
# probing session's own processes are the same every time, so counts compare).
GUEST_PROBE='set -- $(ls -d /proc/[0-9]*); p=$#; f=0; s=0;
for d in /proc/[0-9]*/fd/*; do [ -e "$d" ] || [ -L "$d" ] || continue; f=$((f+1));
  case $(readlink "$d") in socket:*) s=$((s+1));; esac; done;
echo "procs=$p fds=$f sockets=$s memfree_kb=$(awk "/^MemFree:/ {print \$2}" /proc/meminfo)" \
  "heap_kb=$(awk "/^Slab:/ {print \$2}" /proc/meminfo) heap_live_kb=$(awk "/^SUnreclaim:/ {print \$2}" /proc/meminfo)"'
guest_probe() { gssh "$1" "$2" "$GUEST_PROBE"; }

# probe_field LINE NAME: the value of NAME=value in a guest_probe line.
probe_field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
