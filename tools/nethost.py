#!/usr/bin/env python3
"""Host side of the network system tests: talks to a guest server through QEMU's port
forward (slirp's hostfwd binds a port on the host's 127.0.0.1; nothing leaves this machine).

Usage:
  nethost.py freeport                      print a free TCP port on 127.0.0.1
  nethost.py wait PORT [SECONDS]           until an HTTP GET on PORT answers (default 120 s)
  nethost.py requests PORT N               N sequential HTTP GETs, a connection each; fails
                                           on any error; prints the request rate
  nethost.py flood PORT                    hostile clients: half-open connections that never
                                           send, resets (SO_LINGER 0), random bytes, truncated
                                           requests; then 50 normal requests must all succeed
  nethost.py quit PORT                     GET /quit (the guest server ends)
Every loop is bounded in count and time. Exit status 0 on success, 1 on failure.
"""
import os
import socket
import struct
import sys
import time

HOST = "127.0.0.1"


def get(port, path="/", timeout=10.0):
    """One HTTP/1.0 GET; returns (status, body) or raises."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: keel\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head:
        raise IOError("empty reply")
    status = int(head.split(b" ", 2)[1])
    return status, body


def wait(port, secs):
    end = time.monotonic() + secs
    last = None
    while time.monotonic() < end:
        try:
            st, _ = get(port, timeout=3)
            if st == 200:
                return 0
        except (OSError, ValueError, IndexError) as e:
            last = e
        time.sleep(0.3)
    print(f"nethost: no HTTP answer on port {port} within {secs} s (last error: {last})")
    return 1


def requests(port, n):
    errors = 0
    t0 = time.monotonic()
    for i in range(n):
        try:
            st, body = get(port)
            if st != 200 or not body.startswith(b"hello from netserve"):
                errors += 1
                print(f"nethost: request {i}: status {st}, body {body[:60]!r}")
        except (OSError, ValueError, IndexError) as e:
            errors += 1
            print(f"nethost: request {i}: {e}")
        if errors > 10:
            print("nethost: too many errors, stopping")
            break
    dt = time.monotonic() - t0
    print(f"nethost: {n} requests, {errors} errors, {n / dt:.1f} requests/s")
    return 1 if errors else 0


def flood(port):
    rnd = os.urandom
    half_open = []
    for _ in range(60):
        try:
            half_open.append(socket.create_connection((HOST, port), timeout=5))
        except OSError:
            pass
    for _ in range(100):
        try:
            s = socket.create_connection((HOST, port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()  # a reset
        except OSError:
            pass
    for i in range(100):
        try:
            with socket.create_connection((HOST, port), timeout=5) as s:
                s.sendall(rnd(1 + (i * 97) % 3000) if i % 2 else b"GET /trunc")
        except OSError:
            pass
    for s in half_open:
        s.close()
    print(f"nethost: flood done ({len(half_open)} half-open, 100 resets, 100 garbage or truncated)")
    return requests(port, 50)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    cmd = sys.argv[1]
    if cmd == "freeport":
        with socket.socket() as s:
            s.bind((HOST, 0))
            print(s.getsockname()[1])
        return 0
    port = int(sys.argv[2])
    if cmd == "wait":
        return wait(port, float(sys.argv[3]) if len(sys.argv) > 3 else 120)
    if cmd == "requests":
        return requests(port, int(sys.argv[3]))
    if cmd == "flood":
        return flood(port)
    if cmd == "quit":
        # The guest may power off before its answer crosses the port forward: no answer is
        # fine here, the guest's own log says whether it ended cleanly.
        try:
            get(port, "/quit")
        except (OSError, ValueError, IndexError) as e:
            print(f"nethost: quit sent ({e})")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
