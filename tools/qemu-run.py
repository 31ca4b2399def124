#!/usr/bin/env python3
"""Runs a Keel (or Linux) guest in QEMU under TCG and judges the run.

A run passes only if QEMU exits with the isa-debug-exit success status (33, from the guest
writing 0x10) AND every --expect pattern appears in the serial log, within --timeout seconds.
Everything else is a failure with a stated reason: a hang (timeout), a triple fault or reset
(QEMU exits 0 under -no-reboot), the guest's failure status (35), or a missing line. On
failure the tail of the serial log is printed.

Usage:
  qemu-run.py --kernel ELF [--initrd FILE] [--append ARGS] [--iso ISO] [--timeout S]
              [--expect REGEX]... [--log FILE] [--mem SIZE] [--mark REGEX] [--quiet]
              [--qemu-arg ARG]... [--send REGEX TEXT]... [--status N]

--mark REGEX reports how long after QEMU started the first line matching REGEX appeared
(boot time to the banner).
--send REGEX TEXT types TEXT on the serial console (QEMU's stdin) once REGEX matches the
output that came after the previous --send's text was typed (the sends happen in order);
backslash escapes in TEXT are decoded (\n, \r, \x03). A --send that never fires fails the run.
--status N is the QEMU exit status that counts as success (default 33, isa-debug-exit); 0
suits a guest that powers off (e.g. Linux), but a triple fault also exits 0, so pair it with
an --expect of the power-off message.
Exit status: 0 pass, 1 fail, 2 usage error.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time

SUCCESS = 33  # (0x10 << 1) | 1
FAILURE = 35  # (0x11 << 1) | 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel")
    ap.add_argument("--initrd")
    ap.add_argument("--iso")
    ap.add_argument("--append", default="")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--log")
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--mark")
    ap.add_argument("--quiet", action="store_true", help="do not echo the serial console")
    ap.add_argument("--qemu-arg", action="append", default=[])
    ap.add_argument("--send", nargs=2, action="append", default=[], metavar=("REGEX", "TEXT"))
    ap.add_argument("--status", type=int, default=SUCCESS)
    a = ap.parse_args()
    sends = [(re.compile(r, re.M), t.encode().decode("unicode_escape").encode("latin-1"))
             for r, t in a.send]
    if not a.kernel and not a.iso:
        ap.error("need --kernel or --iso")

    cmd = ["qemu-system-x86_64", "-machine", "pc", "-accel", "tcg", "-cpu", "max", "-m", a.mem,
           "-nographic", "-no-reboot", "-monitor", "none", "-serial", "stdio",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if a.iso:
        cmd += ["-cdrom", a.iso, "-boot", "d"]
    else:
        cmd += ["-kernel", a.kernel, "-append", a.append]
        if a.initrd:
            cmd += ["-initrd", a.initrd]
    cmd += a.qemu_arg

    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if sends else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = bytearray()
    sent = 0          # how many --send texts were typed
    since = 0         # offset in log where the next --send's REGEX is searched
    mark_at = None
    timed_out = False
    buf = b""
    while True:
        left = a.timeout - (time.monotonic() - start)
        if left <= 0:
            timed_out = True
            proc.kill()
            break
        r, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if not r:
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        log += chunk
        while sent < len(sends) and sends[sent][0].search(log[since:].decode("utf-8", "replace")):
            try:
                proc.stdin.write(sends[sent][1])
                proc.stdin.flush()
            except OSError:
                break
            sent += 1
            since = len(log)
        if not a.quiet:
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
        if a.mark and mark_at is None:
            buf += chunk
            text = buf.decode("utf-8", "replace")
            if re.search(a.mark, text, re.M):
                mark_at = time.monotonic() - start
            buf = buf[-4096:]
    try:
        status = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = proc.wait()
    elapsed = time.monotonic() - start
    text = log.decode("utf-8", "replace").replace("\r\n", "\n")
    if a.log:
        with open(a.log, "w") as f:
            f.write(text)

    reasons = []
    if timed_out:
        reasons.append(f"timeout: no exit within {a.timeout:.0f} s (the guest hung)")
    elif status == a.status:
        pass
    elif status == 0:
        reasons.append("QEMU exited 0 without the debug-exit device: triple fault or reset")
    elif status == FAILURE:
        reasons.append("the guest reported failure (isa-debug-exit status 35)")
    else:
        reasons.append(f"QEMU exited with status {status}, expected {a.status}")
    if sent < len(sends):
        reasons.append(f"never saw /{sends[sent][0].pattern}/ to type {a.send[sent][1]!r} on the console")
    for pat in a.expect:
        if not re.search(pat, text, re.M):
            reasons.append(f"expected line not found: /{pat}/")
    if mark_at is not None:
        print(f"qemu-run: /{a.mark}/ after {mark_at:.2f} s")
    if reasons:
        tail = "\n".join(text.splitlines()[-40:])
        print(f"\nqemu-run: FAIL after {elapsed:.1f} s: " + "; ".join(reasons))
        print(f"qemu-run: command: {' '.join(cmd)}")
        print("qemu-run: serial log tail:\n" + tail)
        return 1
    print(f"qemu-run: PASS in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
