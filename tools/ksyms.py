#!/usr/bin/env python3
"""Writes the kernel's symbol table into its `.ksyms` section, in place.

Usage: tools/ksyms.py KERNEL_ELF

The kernel reserves a fixed-size `.ksyms` section; this fills it with the sorted function
symbols (demangled, from `nm`) so backtraces print names. Sizes and addresses do not change.
Format (little endian): b"KSYM", u32 count, count x (u64 addr, u32 name_off, u32 name_len),
then the names; name_off is relative to the section start.
"""
import struct
import subprocess
import sys


def section(path, name):
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        sys.exit(f"ksyms: {path} is not an ELF64 file")
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)

    def sh(i):
        return struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize)
    strtab_off = sh(shstrndx)[4]
    for i in range(shnum):
        s = sh(i)
        end = elf.index(b"\0", strtab_off + s[0])
        if elf[strtab_off + s[0]:end].decode() == name:
            return s[4], s[5]  # file offset, size
    sys.exit(f"ksyms: no {name} section in {path}")


def main():
    path = sys.argv[1]
    off, size = section(path, ".ksyms")
    out = subprocess.run(["nm", "-n", "-C", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "TtWw":
            syms.setdefault(int(parts[0], 16), parts[2])
    entries = sorted(syms.items())
    names = b""
    table = b""
    base = 8 + 16 * len(entries)
    for addr, name in entries:
        n = name.encode()[:200]
        table += struct.pack("<QII", addr, base + len(names), len(n))
        names += n
    blob = b"KSYM" + struct.pack("<I", len(entries)) + table + names
    if len(blob) > size:
        sys.exit(f"ksyms: table needs {len(blob)} bytes, .ksyms holds {size}")
    blob += b"\0" * (size - len(blob))
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(blob)
    print(f"ksyms: {len(entries)} symbols")


if __name__ == "__main__":
    main()
