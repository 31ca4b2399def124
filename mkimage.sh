#!/usr/bin/env bash
# mkimage.sh: builds Keel's kernel, initrd and bootable ISO into build/, and boots them.
#
#   ./mkimage.sh [OPTIONS]
#
#   (no option)        build everything that changed: kernel, ports, initrd, ISO
#   --boot             build, then boot the ISO in QEMU with the serial console on this
#                      terminal (quit with Ctrl-A X) and a virtio-net NIC on user networking:
#                      host 2222 -> guest 22 (ssh), host 8080 -> guest 80 (http)
#   --ssh-port N       the host port forwarded to the guest's ssh (default 2222)
#   --http-port N      the host port forwarded to the guest's http (default 8080)
#   --root-password PW set root's password and allow password logins over ssh (by default
#                      root has no password and dropbear takes public keys only)
#   --authorized-keys FILE  the public keys allowed to log in over ssh (default: every
#                      ~/.ssh/*.pub of the user running this; see "Users" below)
#   --build-dir DIR    put every output into DIR instead of build/
#   --direct           with --boot: skip GRUB and boot the kernel with -kernel/-initrd (PVH)
#   --mem SIZE         guest memory for --boot (default 256M)
#   --append 'ARGS'    extra kernel arguments (e.g. 'loglevel=debug selftest')
#   --extra DIR        copy DIR's tree into the initrd root (your own programs and files)
#   --accel kvm|tcg    override the accelerator choice (see below)
#   --kernel-only      build only the kernel (build/keel.elf)
#   --no-ports         leave busybox, dropbear and mini_httpd out of the initrd
#   --rebuild PORT     rebuild one port (sysroot, busybox, dropbear, mini-httpd) even if cached
#   -h, --help         this text
#
# Users: the image gets the user running this script (root if that is root) with the same
# uid and gid, /bin/sh and a home (/root or /home/NAME) whose ~/.ssh/authorized_keys holds the
# public keys above. Without any, a key pair is made once in build/ssh/ (id_ed25519) and the
# exact `ssh -i` command to use it is printed, as is the ssh command at every boot.
# dropbear's host keys are made once per build directory (build/dropbear/) and kept, so the
# host's known_hosts stays valid across rebuilds.
#
# Outputs: build/keel.elf (kernel with its symbol table), build/initrd.cpio.gz,
# build/keel.iso. The initrd's PID 1 is busybox init (/sbin/init, initrd/etc/inittab: a root
# shell on the console; poweroff and reboot work); --extra can bring its own /init instead. Ports are cached in ${KEEL_CACHE:-~/.cache/keel} (see ports/README.md).
#
# Acceleration: KVM (-accel kvm -cpu host,-arch-capabilities) when /dev/kvm is usable and the
# host's KVM is not kvm_pvm (a software hypervisor far slower than TCG that cannot run Keel);
# otherwise TCG (-accel tcg -cpu max). Tests always use TCG.
#
# As root on Debian 12 the script installs missing packages and Rust targets itself; as
# another user it prints the command to run (tools/deps.sh image, shared with ./test.sh).
set -euo pipefail
cd "$(dirname "$0")"
repo=$(pwd)
build=$repo/build

boot=0 direct=0 mem=256M append="" extra="" accel="" kernel_only=0 ports=1 rebuild=()
ssh_port=2222 http_port=8080 root_password="" keys_file=""
while [ $# -gt 0 ]; do
  case $1 in
    --boot) boot=1 ;;
    --direct) direct=1 ;;
    --mem) mem=$2; shift ;;
    --append) append=$2; shift ;;
    --extra) extra=$2; shift ;;
    --accel) accel=$2; shift ;;
    --kernel-only) kernel_only=1 ;;
    --no-ports) ports=0 ;;
    --rebuild) rebuild+=(--rebuild "$2"); shift ;;
    --ssh-port) ssh_port=$2; shift ;;
    --http-port) http_port=$2; shift ;;
    --root-password) root_password=$2; shift ;;
    --authorized-keys) keys_file=$2; shift ;;
    --build-dir) mkdir -p "$2"; build=$(cd "$2" && pwd); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "mkimage: unknown option '$1' (see ./mkimage.sh --help)" >&2; exit 2 ;;
  esac
  shift
done
case $accel in ""|kvm|tcg) ;; *) echo "mkimage: --accel takes kvm or tcg" >&2; exit 2 ;; esac

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# ---- dependencies ----------------------------------------------------------------------------
tools/deps.sh image || { echo "mkimage: missing dependencies (see above)" >&2; exit 1; }
mkdir -p "$build"

# ---- kernel ----------------------------------------------------------------------------------
t=$(now)
say "building the kernel (cargo build --release -p keel-kernel --target x86_64-unknown-none)"
cargo build --release -p keel-kernel --target x86_64-unknown-none
elf=target/x86_64-unknown-none/release/keel
if [ ! -f "$build/keel.elf" ] || [ "$elf" -nt "$build/keel.elf" ]; then
  cp "$elf" "$build/keel.elf.tmp"
  python3 tools/ksyms.py "$build/keel.elf.tmp"
  mv "$build/keel.elf.tmp" "$build/keel.elf"
  say "kernel: build/keel.elf ($(took "$t"))"
else
  say "kernel: build/keel.elf is up to date"
fi
[ $kernel_only = 1 ] && exit 0

# ---- initrd ----------------------------------------------------------------------------------
t=$(now)
root=$build/root
rm -rf "$root.new"
mkdir -p "$root.new"
if [ $ports = 1 ]; then
  say "ports: sysroot, busybox, dropbear, mini_httpd (ports/build.sh; cached builds are reused)"
  ports/build.sh ${rebuild[@]+"${rebuild[@]}"} all
  ports/stage.sh --no-build "$root.new"
else
  cp -a initrd/etc "$root.new/"
fi
[ $ports = 1 ] && tools/image-users.sh "$root.new" "$build" "$ssh_port" "$http_port" \
  "$root_password" "$keys_file"
if [ -n "$extra" ]; then
  [ -d "$extra" ] || { echo "mkimage: --extra $extra is not a directory" >&2; exit 1; }
  say "copying $extra into the initrd root"
  cp -a "$extra/." "$root.new/"
fi
rm -rf "$root"; mv "$root.new" "$root"
owners=()
[ $ports = 1 ] && while read -r o; do owners+=(--owner "$o"); done < "$build/image-owners"
python3 initrd/mkcpio.py "$root" "$build/initrd.cpio.gz.new" --gzip --default-devs ${owners[@]+"${owners[@]}"}
if [ -f "$build/initrd.cpio.gz" ] && cmp -s "$build/initrd.cpio.gz.new" "$build/initrd.cpio.gz"; then
  rm "$build/initrd.cpio.gz.new"
  say "initrd: build/initrd.cpio.gz is up to date"
else
  mv "$build/initrd.cpio.gz.new" "$build/initrd.cpio.gz"
  say "initrd: build/initrd.cpio.gz, $(stat -c %s "$build/initrd.cpio.gz") bytes ($(took "$t"))"
fi

# ---- ISO -------------------------------------------------------------------------------------
args="$append"
printf '%s\n' "$args" > "$build/cmdline.new"
if [ ! -f "$build/keel.iso" ] || [ "$build/keel.elf" -nt "$build/keel.iso" ] \
   || [ "$build/initrd.cpio.gz" -nt "$build/keel.iso" ] || ! cmp -s "$build/cmdline.new" "$build/cmdline"; then
  t=$(now)
  say "ISO: build/keel.iso (grub-mkrescue, multiboot2, kernel arguments: '${args}')"
  tools/mkiso.sh "$build/keel.elf" "$build/initrd.cpio.gz" "$build/keel.iso" $args
  mv "$build/cmdline.new" "$build/cmdline"
  say "ISO done ($(took "$t"))"
else
  rm -f "$build/cmdline.new"
  say "ISO: build/keel.iso is up to date"
fi
[ $boot = 1 ] || { say "done. Boot it with ./mkimage.sh --boot"; exit 0; }

# ---- boot ------------------------------------------------------------------------------------
if [ -z "$accel" ]; then
  if [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then accel=kvm; else accel=tcg; fi
fi
if [ "$accel" = kvm ]; then cpu=(-accel kvm -cpu host,-arch-capabilities); else cpu=(-accel tcg -cpu max); fi
media=(-cdrom "$build/keel.iso" -boot d)
[ $direct = 1 ] && media=(-kernel "$build/keel.elf" -initrd "$build/initrd.cpio.gz" -append "$args")
[ -f "$build/keel-banner" ] && sed 's/^/    /' "$build/keel-banner"
say "booting ($accel, $mem): Ctrl-A X quits"
exec qemu-system-x86_64 -machine pc "${cpu[@]}" -m "$mem" -nographic -no-reboot \
  "${media[@]}" \
  -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$ssh_port-:22,hostfwd=tcp:127.0.0.1:$http_port-:80" \
  -device virtio-net-pci,netdev=net0
