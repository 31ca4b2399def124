#!/usr/bin/env bash
# Makes a GRUB (BIOS) ISO that boots a Keel kernel through multiboot2.
#
#   tools/mkiso.sh KERNEL INITRD OUT.iso [KERNEL ARGS...]
#
# The initrd is passed as a multiboot2 module; GRUB talks on the serial port too, and boots
# the only entry at once. Needs grub-mkrescue (grub-pc-bin, grub-common), xorriso and mtools.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: tools/mkiso.sh KERNEL INITRD OUT.iso [ARGS...]" >&2; exit 2; }
kernel=$1 initrd=$2 out=$3; shift 3
args="$*"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/keel.elf"
cp "$initrd" "$stage/boot/initrd"
cat > "$stage/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "Keel" {
    multiboot2 /boot/keel.elf $args
    module2 /boot/initrd initrd
    boot
}
CFG
log=$(mktemp)
if ! grub-mkrescue -o "$out.tmp" "$stage" >"$log" 2>&1; then
  echo "mkiso: grub-mkrescue failed; its output:" >&2
  cat "$log" >&2
  rm -f "$log" "$out.tmp"
  exit 1
fi
rm -f "$log"
mv "$out.tmp" "$out"
