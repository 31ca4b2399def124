#!/usr/bin/env bash
# Stage 70: the serial console as a terminal, typed into from the host, on Debian's Linux (the
# referee) and on Keel, same QEMU (TCG). About half a minute.
#
#   tests/stages/70-terminals.sh            (or ./test.sh terminals)
#
# Boots the image's root (ports/stage.sh: busybox, /etc/inittab with a root shell on the
# console; on Linux rdinit=/sbin/init, on Keel the kernel's own choice) and types on the serial
# line with tools/qemu-run.py --send, each line once the shell's prompt (`# `) is back:
#   1. `echo XY<BS>Z wrong^Wok` + Enter: busybox's line editing (the terminal in raw mode):
#      the corrected command runs and prints `XZ ok`; then Up + Enter runs it again (history);
#   2. `p=INPUT; read -p "$p> " v; echo "got:$v"`, then at `INPUT> ` (a prompt the echo of the
#      command line cannot match) the line `garbage^UhelXX<BS><BS>lo wrong^Wworld` + Enter:
#      the kernel's canonical editing (KILL, ERASE, WERASE) gives `got:hello world`;
#   3. `(echo napping; exec sleep 100)`, then ^C once `napping` shows (printed by the
#      foreground job itself, so ^C cannot come before it is in the foreground): the prompt
#      comes back and `echo "after-intr $?"` says 130 (SIGINT). The whole run has a 60 s
#      limit, so a ^C that did nothing fails it;
#   4. `sleep 3 &`, `jobs` (`[1]+  Running ... sleep 3`), `wait; echo "waited $?"`, and the
#      `[1]+  Done ... sleep 3` notice;
#   5. `stty size` with nothing set: Linux's serial console has a 0x0 window, which busybox
#      reports as `stty: standard input` (status 0); `stty -a` must print what Linux prints;
#   6. `vi /tmp/vi.txt` (raw mode, its own screen): `i` (the status line shows `I`), `hello
#      from vi`, ESC (the status line shows `-`), `:wq` Enter: the file holds the line;
#   7. `syslogd -O /tmp/syslog.txt` (busybox syslogd binds the AF_UNIX datagram socket
#      /dev/log) and `logger` (musl's syslog() connects and sends to it): the message is in
#      the file once;
#   8. `exit`: busybox init starts a new shell (respawn), whose prompt takes
#      `echo respawned; poweroff`.
# Each check prints PASS/FAIL per kernel; Linux must pass all (it referees the checks), Keel
# too. Logs in $KEEL_BUILD/terminals/logs.
# Environment: KEEL_BUILD (default /tmp/keel-build), KEEL_CACHE (ports and Linux kernel cache),
# KEEL_TERMINALS_TIMEOUT (seconds a run may take, default 60: well under the 100 s of
# `sleep 100`).
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${KEEL_BUILD:-/tmp/keel-build}/terminals
logs=$build/logs
timeout=${KEEL_TERMINALS_TIMEOUT:-60}
say() { echo "70-terminals: $*"; }
t0=$SECONDS

rm -rf "$build/root" "$logs"; mkdir -p "$build" "$logs"
./mkimage.sh --kernel-only > "$logs/kernel-build.log" 2>&1 ||
  { tail -20 "$logs/kernel-build.log"; say "kernel build failed (log $logs/kernel-build.log)"; exit 1; }
ports/build.sh busybox > /dev/null 2> "$logs/ports-build.log" ||
  { tail -20 "$logs/ports-build.log"; say "ports/build.sh busybox failed (log $logs/ports-build.log)"; exit 1; }
vmlinux=$(tools/linux-referee.sh --kernel-only)/vmlinux
[ -f "$vmlinux" ] || { say "no Linux kernel from tools/linux-referee.sh --kernel-only"; exit 1; }
ports/stage.sh "$build/root" > "$logs/stage.log" 2>&1 ||
  { tail -20 "$logs/stage.log"; say "ports/stage.sh failed (log $logs/stage.log)"; exit 1; }
python3 initrd/mkcpio.py "$build/root" "$build/initrd.cpio" --default-devs > "$logs/mkcpio.log" 2>&1
say "initrd $build/initrd.cpio, built in $((SECONDS - t0)) s"

# vi's screen text as a regex: vi may redraw a line in pieces, with cursor moves between.
screen() { python3 -c 'import re, sys; e = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"; print(e.join(re.escape(c) for c in sys.argv[1]))' "$1"; }

# What is typed: REGEX (waited for in the output since the previous line was typed) and TEXT.
prompt='# $'
sends=(
  --send "$prompt" 'echo XY\x7fZ wrong\x17ok\r'
  --send "$prompt" '\x1b[A\r'
  --send "$prompt" 'p=INPUT; read -p "$p> " v; echo "got:$v"\r'
  --send 'INPUT> $' 'garbage\x15helXX\x7f\x7flo wrong\x17world\r'
  --send "$prompt" '(echo napping; exec sleep 100)\r'
  --send '^napping' '\x03'
  --send "$prompt" 'echo "after-intr $?"\r'
  --send "$prompt" 'sleep 3 &\r'
  --send "$prompt" 'jobs\r'
  --send "$prompt" 'wait; echo "waited $?"\r'
  --send "$prompt" 'stty size; echo "stty-rc=$?"\r'
  --send "$prompt" 'echo @@stty-a begin@@; stty -a; echo @@stty-a end@@\r'
  --send "$prompt" 'vi /tmp/vi.txt\r'
  --send '~' 'i'
  --send "$(screen 'I /tmp/vi.txt')" 'hello from vi'
  --send "$(screen 'hello from vi')" '\x1b'
  --send "$(screen '- /tmp/vi.txt')" ':wq\r'
  --send "$prompt" 'echo "vi:$(cat /tmp/vi.txt)"\r'
  --send "$prompt" 'syslogd -O /tmp/syslog.txt; logger -t keel-unix "hello through /dev/log"; sleep 1\r'
  --send "$prompt" 'echo "syslog:$(grep -c "keel-unix: hello through /dev/log" /tmp/syslog.txt)"; killall syslogd\r'
  --send "$prompt" 'exit\r'
  --send "$prompt" 'echo respawned; poweroff\r'
)

# Checks on a run's log: NAME REGEX (Python, multi-line; the log has \r\n made \n).
checks=(
  "lineedit-command-corrected" '^XZ ok$'
  "lineedit-history-up-arrow" '(?s)^XZ ok$.*^XZ ok$'
  "canonical-read-kill-erase-werase" '^got:hello world$'
  "intr-stops-sleep-100" '^after-intr 130$'
  "jobs-shows-running" '^\[1\]\+ +Running +sleep 3'
  "wait-returns" '^waited 0$'
  "bg-job-done" '^\[1\]\+ +Done +sleep 3'
  "stty-size-no-size" '^stty: standard input$'
  "stty-size-status-0" '^stty-rc=0$'
  "vi-raw-mode-writes-file" '^vi:hello from vi$'
  "syslogd-logger-dev-log" '^syslog:1$'
  "exit-new-shell" '^respawned$'
)

pass=0 fail=0 fails=()
check() { # KERNEL NAME OK [WHY]
  if [ "$3" = 1 ]; then echo "PASS $1.console.$2"; pass=$((pass + 1))
  else echo "FAIL $1.console.$2${4:+: $4}"; fail=$((fail + 1)); fails+=("$1.$2"); fi
}
has() { python3 -c 'import re,sys; sys.exit(0 if re.search(sys.argv[1], open(sys.argv[2]).read(), re.M) else 1)' "$1" "$2"; }
# The lines of `stty -a` between the markers (the echoed command line holds them too, but not
# at the start of a line).
stty_a() { sed -n '/^@@stty-a begin@@$/,/^@@stty-a end@@$/p' "$1"; }

run() { # KERNEL
  local k=$1 rc=0 start=$SECONDS log=$logs/$1.log
  if [ "$k" = linux ]; then
    python3 tools/qemu-run.py --quiet --kernel "$vmlinux" --initrd "$build/initrd.cpio" \
      --append "console=ttyS0 rdinit=/sbin/init quiet panic=-1" --qemu-arg=-nic --qemu-arg=none \
      --timeout "$timeout" --status 0 --expect 'reboot: Power down' --log "$log" "${sends[@]}" \
      > "$logs/$k.harness" 2>&1 || rc=$?
  else
    python3 tools/qemu-run.py --quiet --kernel build/keel.elf --initrd "$build/initrd.cpio" \
      --append "keel.test" --qemu-arg=-nic --qemu-arg=none \
      --timeout "$timeout" --expect 'keel: reboot\(2\): power off' --log "$log" "${sends[@]}" \
      > "$logs/$k.harness" 2>&1 || rc=$?
  fi
  say "$k: run took $((SECONDS - start)) s (log $log)"
  touch "$log"
  for ((i = 0; i < ${#checks[@]}; i += 2)); do
    if has "${checks[i + 1]}" "$log"; then check "$k" "${checks[i]}" 1
    else check "$k" "${checks[i]}" 0 "no line matching /${checks[i + 1]}/"; fi
  done
  local never
  never=$(sed -n 's/.*\(never saw .* on the console\).*/\1/p' "$logs/$k.harness" | head -1)
  if [ -z "$never" ]; then check "$k" every-line-typed-at-its-prompt 1
  else check "$k" every-line-typed-at-its-prompt 0 "$never"; fi
  if [ $rc = 0 ]; then check "$k" exit-respawn-poweroff 1
  else check "$k" exit-respawn-poweroff 0 "$(sed -n 's/^qemu-run: FAIL //p' "$logs/$k.harness")"; fi
  if [ "$k" = keel ]; then
    if [ -n "$(stty_a "$log")" ] && diff <(stty_a "$logs/linux.log") <(stty_a "$log") > "$logs/stty-a.diff"; then
      check keel stty-a-equals-linux 1
    else
      check keel stty-a-equals-linux 0 "$(head -c 600 "$logs/stty-a.diff" | tr '\n' '|') (diff: $logs/stty-a.diff)"
    fi
  elif [ -n "$(stty_a "$log")" ]; then check linux stty-a-printed 1
  else check linux stty-a-printed 0 "no @@stty-a@@ section"
  fi
  if [ $rc != 0 ]; then
    echo "  last lines of $log:"
    tr -d '\r' < "$log" | grep -v '^\s*$' | tail -n 15 | sed 's/^/  | /'
  fi
}

run linux
run keel
say "stage time $((SECONDS - t0)) s"
echo "$pass passed, $fail failed"
if [ $fail -gt 0 ]; then
  say "failed: ${fails[*]}"
  exit 1
fi
say "all checks passed on Linux and on Keel"
