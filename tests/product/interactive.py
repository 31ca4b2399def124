#!/usr/bin/env python3
"""An interactive ssh session through a pseudo-terminal on the host, as a person would type it.

    tests/product/interactive.py PORT KEY USER

Runs OpenSSH `ssh -tt` on a host pty (so ssh puts its own terminal in raw mode and forwards
window changes), and checks, each step with its own deadline:
  1. a shell prompt arrives;
  2. `tty` names /dev/pts/N;
  3. the host pty is resized to 37x111 (ssh gets SIGWINCH and sends window-change): `stty size`
     prints "37 111";
  4. `sleep 100` is interrupted by ^C: the prompt is back and `echo $?` prints 130;
  5. `exit` closes the session: ssh exits with status 0.
Prints one PASS/FAIL line per step; exit status 0 only if every step passed.
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

port, key, user = sys.argv[1], sys.argv[2], sys.argv[3]
argv = ["ssh", "-tt", "-F", "/dev/null", "-i", key, "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
        "-p", port, f"{user}@127.0.0.1"]

pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "vt100"
    os.execvp(argv[0], argv)

buf = b""
failed = 0


def read_until(pattern, timeout):
    """Reads the session's output until `pattern` (bytes regex) matches text read since the
    last call; returns the match or None at the deadline."""
    global buf
    end = time.monotonic() + timeout
    rx = re.compile(pattern)
    while True:
        m = rx.search(buf)
        if m:
            buf = buf[m.end():]
            return m
        left = end - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return None
            if not data:
                return None
            buf += data


def check(name, ok, detail=""):
    global failed
    print(f"{'PASS' if ok else 'FAIL'} interactive.{name}{'' if ok else ': ' + detail}", flush=True)
    if not ok:
        failed += 1


def send(text):
    os.write(fd, text.encode())


PROMPT = rb"[#$] $"
check("prompt", read_until(PROMPT, 60) is not None, f"no prompt; got {buf[-200:]!r}")

send("tty\r")
m = read_until(rb"(/dev/pts/\d+)\r?\n", 20)
check("tty-names-pts", m is not None, f"got {buf[-200:]!r}")
if m:
    print(f"  tty: {m.group(1).decode()}")
read_until(PROMPT, 20)

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 37, 111, 0, 0))
os.kill(pid, signal.SIGWINCH)   # the kernel sends it to ssh's group too; twice is harmless
time.sleep(1)
send("stty size\r")
m = read_until(rb"\n(\d+ \d+)\r?\n", 20)
check("window-size", m is not None and m.group(1) == b"37 111",
      f"stty size printed {m.group(1) if m else buf[-200:]!r}, expected 37 111")
read_until(PROMPT, 20)

send("sleep 100\r")
time.sleep(2)
t0 = time.monotonic()
send("\x03")
m = read_until(PROMPT, 20)
took = time.monotonic() - t0
check("ctrl-c-interrupts-sleep", m is not None, f"no prompt after ^C; got {buf[-200:]!r}")
send("echo status=$?\r")
m = read_until(rb"status=(\d+)", 20)
check("ctrl-c-status-130", m is not None and m.group(1) == b"130",
      f"got {m.group(0) if m else buf[-200:]!r}")
print(f"  ^C to prompt: {took:.2f} s")
read_until(PROMPT, 20)

send("exit\r")
status = None
end = time.monotonic() + 30
while time.monotonic() < end:
    try:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            os.read(fd, 4096)
    except OSError:
        pass
    p, st = os.waitpid(pid, os.WNOHANG)
    if p == pid:
        status = os.waitstatus_to_exitcode(st)
        break
check("exit-closes-session", status == 0, f"ssh status {status}")
if status is None:
    os.kill(pid, signal.SIGKILL)
sys.exit(1 if failed else 0)
