#!/usr/bin/env python3
"""Pulls one part's output out of a serial log of the tests/stages/60-busybox.sh initrd.

    tests/busybox/section.py LOG PART [--filter SEDFILE]

Prints the lines between `@@keel-bb begin PART@@` and `@@keel-bb end PART status N@@`
(/keel-bb/init writes them), with carriage returns removed and, explicitly, the kernels' own
lines dropped: Keel's `keel: ...` messages (e.g. an unimplemented system call) and log lines
`[   1.234567] ...` of either kernel, which the console interleaves with the guest's output.
With --filter, the lines then go through `sed -f SEDFILE` (tests/busybox/filter.sed).
Exit status: 0 when the end marker was found and said status 0; 1 when it said another status;
3 when the part began but never ended (timeout, crash, hang); 4 when it never began.
The end marker's status (or `never began`/`never ended`) is written to stderr.
"""
import re
import subprocess
import sys

KERNEL_LINE = re.compile(r"^(keel: |\[ *\d+\.\d+\] )")


def main():
    args = sys.argv[1:]
    sed = None
    if "--filter" in args:
        i = args.index("--filter")
        sed = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    log, part = args
    begin, end = f"@@keel-bb begin {part}@@", re.compile(rf"@@keel-bb end {re.escape(part)} status (\d+)@@")
    text = open(log, "rb").read().decode("utf-8", "replace").replace("\r", "")
    lines, state, status = [], "before", None
    for line in text.split("\n"):
        if state == "before":
            if line.endswith(begin):
                state = "in"
            continue
        m = end.search(line)
        if m:
            # a line the guest left unfinished before the marker keeps its text
            if line[:m.start()]:
                lines.append(line[:m.start()])
            status = int(m.group(1))
            state = "done"
            break
        if not KERNEL_LINE.match(line):
            lines.append(line)
    if state == "in" and lines and lines[-1] == "":
        lines.pop()
    out = "".join(line + "\n" for line in lines)
    if sed:
        out = subprocess.run(["sed", "-f", sed], input=out, capture_output=True, text=True, check=True).stdout
    sys.stdout.write(out)
    if state == "before":
        print("never began", file=sys.stderr)
        return 4
    if state == "in":
        print("never ended", file=sys.stderr)
        return 3
    print(f"status {status}", file=sys.stderr)
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
