#!/usr/bin/env bash
# Stage 60: busybox in the guest, on Debian's Linux (the referee) and on Keel, same QEMU (TCG).
#
#   tests/stages/60-busybox.sh [init] [script] [testsuite]     (default: all three; or
#                                                              ./test.sh busybox)
#
# 1. builds $KEEL_BUILD/busybox/initrd.cpio: the image's root as ./mkimage.sh stages it
#    (ports/stage.sh: busybox, its applet links, initrd/etc with /etc/inittab) plus /keel-bb:
#    init (tests/busybox/init.sh), script.sh (tests/busybox/script.sh), and busybox's testsuite
#    with its bindir (busybox and the .config it was built with) from the busybox port;
# 2. init: boots it with busybox init as PID 1 (rdinit=/sbin/init on Linux; on Keel no init=,
#    so the kernel's own choice, /sbin/init, is tested), types `echo hi; poweroff` at the shell prompt, and passes when `hi` is printed
#    and the machine powers off;
# 3. script: /keel-bb/init (keel_bb=script) runs tests/busybox/script.sh under ash; its output
#    (tests/busybox/section.py: the lines between the part's markers without the kernels' own
#    lines, then tests/busybox/filter.sed, which masks the numbers of `pid:` and `time:` lines)
#    must equal tests/busybox/script.expected on Linux, and Linux's output on Keel; a difference
#    is printed as a unified diff, Linux's lines `-` and Keel's `+`, with the first differing
#    line and its section named;
# 4. testsuite: busybox's own testsuite in the guest (keel_bb=testsuite) for every applet that
#    has tests except those in tests/busybox/testsuite-skip (the whole testsuite takes over 20
#    minutes under TCG; see that file); both pass counts are printed, and every test that passes
#    on Linux but not on Keel is named. Linux must finish it; Keel must pass every test that
#    Linux passed, except those named, with their reasons, in tests/busybox/keel-known-failures.
# Keel gets twice Linux's time for each run plus a margin before it counts as hung. Logs are in
# $KEEL_BUILD/busybox/logs. Exit status 0 when every check passed on both kernels.
# Environment: KEEL_BUILD (default /tmp/keel-build), KEEL_CACHE (ports and Linux kernel cache),
# KEEL_BB_APPLETS="A B ..." (the testsuite's applets instead; "all": every one, no skip list),
# KEEL_BB_TIMEOUT (seconds a Linux run may take, default 400).
# Updating the expected output after changing script.sh: run the stage, check the diff, then
#   tests/busybox/section.py $KEEL_BUILD/busybox/logs/linux-script.log script \
#     --filter tests/busybox/filter.sed > tests/busybox/script.expected
set -euo pipefail
cd "$(dirname "$0")/../.."

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(init script testsuite)
for p in "${parts[@]}"; do
  case $p in init|script|testsuite) ;; *) echo "60-busybox: unknown part '$p' (init, script, testsuite)" >&2; exit 2 ;; esac
done
build=${KEEL_BUILD:-/tmp/keel-build}/busybox
logs=$build/logs
linux_timeout=${KEEL_BB_TIMEOUT:-400}
bb=tests/busybox
say() { echo "60-busybox: $*"; }
fails=()
fail() { say "FAIL [$1]: $2"; fails+=("$1"); } # TAG MESSAGE

# ---- 1. build --------------------------------------------------------------------------------
t0=$SECONDS
rm -rf "$build/root" "$logs"; mkdir -p "$build" "$logs"
./mkimage.sh --kernel-only > "$logs/kernel-build.log" 2>&1 ||
  { tail -20 "$logs/kernel-build.log"; say "kernel build failed (log $logs/kernel-build.log)"; exit 1; }
ports/build.sh busybox > /dev/null 2> "$logs/ports-build.log" ||
  { tail -20 "$logs/ports-build.log"; say "ports/build.sh busybox failed (log $logs/ports-build.log)"; exit 1; }
eval "$(ports/build.sh --print-env busybox 2> /dev/null)"
vmlinux=$(tools/linux-referee.sh --kernel-only)/vmlinux
[ -f "$vmlinux" ] || { say "no Linux kernel from tools/linux-referee.sh --kernel-only"; exit 1; }
ports/stage.sh "$build/root" > "$logs/stage.log" 2>&1 ||
  { tail -20 "$logs/stage.log"; say "ports/stage.sh failed (log $logs/stage.log)"; exit 1; }
k=$build/root/keel-bb
mkdir -p "$k/bin"
install -m 755 $bb/init.sh "$k/init"
install -m 644 $bb/script.sh "$k/script.sh"
cp -R --no-preserve=ownership "$KEEL_PORT_BUSYBOX/share/busybox/testsuite" "$k/testsuite"
cp "$KEEL_PORT_BUSYBOX/share/busybox/config" "$k/bin/.config"
ln -s /bin/busybox "$k/bin/busybox"
python3 initrd/mkcpio.py "$build/root" "$build/initrd.cpio" --default-devs > "$logs/mkcpio.log" 2>&1
say "initrd $build/initrd.cpio ($(stat -c %s "$build/initrd.cpio") bytes), built in $((SECONDS - t0)) s"

# ---- QEMU runs -------------------------------------------------------------------------------
# Both kernels run in qemu-run.py with the same flags (TCG, -cpu max, 256 MiB, no NIC). Linux
# powers off through ACPI (QEMU status 0, and "reboot: Power down" must be in the log); Keel
# runs with keel.test, so its reboot(2) leaves QEMU through isa-debug-exit with status 33.
# Each function leaves the log in $logs/KERNEL-NAME.log, qemu-run's verdict in .harness, and
# the seconds it took in $secs.
secs=0
run_linux() { # NAME INIT TIMEOUT [qemu-run args...]
  local name=$1 init=$2 timeout=$3 start=$SECONDS rc=0; shift 3
  python3 tools/qemu-run.py --quiet --kernel "$vmlinux" --initrd "$build/initrd.cpio" \
    --append "console=ttyS0 rdinit=$init quiet panic=-1 ${append:-}" --qemu-arg=-nic --qemu-arg=none \
    --timeout "$timeout" --status 0 --expect 'reboot: Power down' --log "$logs/linux-$name.log" "$@" \
    > "$logs/linux-$name.harness" 2>&1 || rc=$?
  secs=$((SECONDS - start))
  return $rc
}
run_keel() { # NAME INIT|"" TIMEOUT [qemu-run args...]
  local name=$1 init=$2 timeout=$3 start=$SECONDS rc=0; shift 3
  python3 tools/qemu-run.py --quiet --kernel build/keel.elf --initrd "$build/initrd.cpio" \
    --append "keel.test ${init:+init=$init }${append:-}" --qemu-arg=-nic --qemu-arg=none \
    --timeout "$timeout" --expect 'keel: reboot\(2\): power off' --log "$logs/keel-$name.log" "$@" \
    > "$logs/keel-$name.harness" 2>&1 || rc=$?
  secs=$((SECONDS - start))
  return $rc
}
# Keel's time limit after Linux took $1 seconds.
keel_timeout() { echo $(($1 * 2 + 30)); }
# Why a run failed, from its harness output and log: qemu-run's verdict, the system calls Keel
# reported as unimplemented, and the log's tail.
explain() { # KERNEL NAME
  local missing
  sed -n 's/^qemu-run: FAIL /  qemu-run: /p' "$logs/$1-$2.harness"
  missing=$(sed -n 's/^keel: unimplemented system call \([a-z0-9_]*\).*/\1/p' "$logs/$1-$2.log" | paste -sd, || true)
  [ -z "$missing" ] || echo "  system calls Keel does not have yet (ENOSYS) in this run: ${missing//,/, }"
  echo "  last lines of $logs/$1-$2.log:"
  tr -d '\r' < "$logs/$1-$2.log" | grep -v '^\s*$' | tail -n 12 | sed 's/^/  | /' || true
}

# ---- 2. init ---------------------------------------------------------------------------------
part_init() {
  local send=(--send '# $' 'echo hi; poweroff\n' --expect '^hi$') lt=60
  append=""
  if run_linux init /sbin/init 120 "${send[@]}"; then
    lt=$secs; say "init on Linux: busybox init, shell prompt, 'echo hi; poweroff' powered off ($secs s)"
  else
    fail linux-init "busybox init on Linux did not reach a shell that runs 'echo hi; poweroff' ($secs s):"
    explain linux init
  fi
  if run_keel init "" "$(keel_timeout "$lt")" "${send[@]}"; then
    say "init on Keel: busybox init, shell prompt, 'echo hi; poweroff' powered off ($secs s)"
  else
    fail keel-init "busybox init on Keel did not reach a shell that runs 'echo hi; poweroff' ($secs s):"
    explain keel init
  fi
}

# ---- 3. script -------------------------------------------------------------------------------
# Prints the first differing line of two outputs and the `== section` it is in.
first_difference() { # A B
  python3 - "$1" "$2" << 'EOF'
import sys
a, b = (open(p).read().split("\n") for p in sys.argv[1:3])
section = "(before the first section)"
for i in range(max(len(a), len(b))):
    x = a[i] if i < len(a) else None
    y = b[i] if i < len(b) else None
    if x is not None and x.startswith("== "):
        section = x
    if x != y:
        print(f"  first difference at line {i + 1}, in section '{section}':")
        print(f"    linux: {x!r}" if x is not None else "    linux: (output ended)")
        print(f"    keel:  {y!r}" if y is not None else "    keel:  (output ended)")
        break
EOF
}
part_script() {
  local lt=60 rc=0 lst kst lrc=0 krc=0
  append=keel_bb=script
  run_linux script /keel-bb/init "$linux_timeout" || lrc=$?
  lt=$secs
  lst=$($bb/section.py "$logs/linux-script.log" script --filter $bb/filter.sed 2>&1 > "$logs/linux-script.out") || rc=$?
  if [ $lrc != 0 ] || [ $rc != 0 ]; then
    fail linux-script "script.sh on Linux: the run or the script failed (script: $lst; $secs s):"
    explain linux script
  elif ! diff -u --label script.expected --label linux $bb/script.expected "$logs/linux-script.out" > "$logs/linux-script.diff"; then
    fail linux-script "script.sh on Linux: output differs from $bb/script.expected (script: $lst):"
    head -n 60 "$logs/linux-script.diff" | sed 's/^/  /'
  else
    say "script on Linux: output equals script.expected, $(wc -l < "$logs/linux-script.out") lines ($secs s)"
  fi
  run_keel script /keel-bb/init "$(keel_timeout "$lt")" || krc=$?
  rc=0; kst=$($bb/section.py "$logs/keel-script.log" script --filter $bb/filter.sed 2>&1 > "$logs/keel-script.out") || rc=$?
  if diff -u --label linux --label keel "$logs/linux-script.out" "$logs/keel-script.out" > "$logs/script.diff" &&
     [ $rc = 0 ] && [ $krc = 0 ]; then
    say "script on Keel: output equals Linux's ($secs s)"
    return
  fi
  fail keel-script "script.sh on Keel (script: $kst; $secs s; log $logs/keel-script.log):"
  if [ $rc = 4 ]; then
    explain keel script
    return
  fi
  [ $krc = 0 ] || sed -n 's/^qemu-run: FAIL /  qemu-run: /p' "$logs/keel-script.harness"
  if [ -s "$logs/script.diff" ]; then
    first_difference "$logs/linux-script.out" "$logs/keel-script.out"
    echo "  $(grep -c '^-[^-]' "$logs/script.diff" || true) lines of Linux's output missing or different on Keel," \
         "$(grep -c '^+[^+]' "$logs/script.diff" || true) lines only on Keel; the diff (linux -, keel +; $logs/script.diff):"
    head -n 80 "$logs/script.diff" | sed 's/^/  /'
    [ "$(wc -l < "$logs/script.diff")" -le 80 ] || echo "  ... (the rest is in $logs/script.diff)"
  fi
}

# ---- 4. testsuite ----------------------------------------------------------------------------
part_testsuite() {
  local lt=60 lrc=0 krc=0 lst kst
  local skip
  skip=$(sed 's/#.*//' $bb/testsuite-skip | xargs | tr ' ' ,)
  case ${KEEL_BB_APPLETS:-} in
    "") append="keel_bb=testsuite keel_bb_skip=$skip"
        say "testsuite: every applet with tests but $skip (tests/busybox/testsuite-skip)" ;;
    all) append="keel_bb=testsuite"; say "testsuite: every applet (KEEL_BB_APPLETS=all)" ;;
    *) append="keel_bb=testsuite keel_bb_applets=$(echo "$KEEL_BB_APPLETS" | xargs | tr ' ' ,)"
       say "testsuite: applets $KEEL_BB_APPLETS (KEEL_BB_APPLETS)" ;;
  esac
  run_linux testsuite /keel-bb/init "$linux_timeout" || lrc=$?
  lt=$secs
  lst=$($bb/section.py "$logs/linux-testsuite.log" testsuite 2>&1 > "$logs/linux-testsuite.out") || true
  sed -n 's/^PASS: //p' "$logs/linux-testsuite.out" | LC_ALL=C sort -u > "$logs/linux-testsuite.pass"
  local lpass lfail
  lpass=$(wc -l < "$logs/linux-testsuite.pass"); lfail=$(grep -c '^FAIL: ' "$logs/linux-testsuite.out" || true)
  if [ $lrc != 0 ] || [ "$lst" = "never began" ] || [ "$lst" = "never ended" ] || [ "$lpass" = 0 ]; then
    fail linux-testsuite "busybox testsuite on Linux did not finish (testsuite: $lst; $lpass passed so far; $secs s):"
    explain linux testsuite
  else
    say "testsuite on Linux: $lpass passed, $lfail failed ($secs s; runtest $lst)"
  fi
  run_keel testsuite /keel-bb/init "$(keel_timeout "$lt")" || krc=$?
  kst=$($bb/section.py "$logs/keel-testsuite.log" testsuite 2>&1 > "$logs/keel-testsuite.out") || true
  sed -n 's/^PASS: //p' "$logs/keel-testsuite.out" | LC_ALL=C sort -u > "$logs/keel-testsuite.pass"
  local kpass kfail lost gained
  kpass=$(wc -l < "$logs/keel-testsuite.pass"); kfail=$(grep -c '^FAIL: ' "$logs/keel-testsuite.out" || true)
  lost=$(LC_ALL=C comm -23 "$logs/linux-testsuite.pass" "$logs/keel-testsuite.pass")
  # Tests Keel is known to fail, each with its reason in tests/busybox/keel-known-failures:
  # they may fail; one of them passing is reported so the list can shrink.
  local known
  known=$(sed -e 's/[[:space:]]*#.*//' -e '/^$/d' "$bb/keel-known-failures" | LC_ALL=C sort -u)
  if [ -n "$known" ]; then
    local now_pass
    now_pass=$(LC_ALL=C comm -12 <(echo "$known") "$logs/keel-testsuite.pass")
    [ -z "$now_pass" ] || say "testsuite: known failures that now pass on Keel (remove them from the list): $(echo "$now_pass" | paste -sd, | sed 's/,/, /g')"
    lost=$(LC_ALL=C comm -23 <(echo "$lost" | sed '/^$/d') <(echo "$known"))
    say "testsuite: $(echo "$known" | grep -c .) known Keel failures not counted (tests/busybox/keel-known-failures)"
  fi
  gained=$(LC_ALL=C comm -13 "$logs/linux-testsuite.pass" "$logs/keel-testsuite.pass")
  say "testsuite on Keel: $kpass passed, $kfail failed ($secs s; runtest $kst)"
  [ -z "$gained" ] || say "testsuite: passing on Keel but not on Linux: $(echo "$gained" | paste -sd, | sed 's/,/, /g')"
  if [ $krc != 0 ] || [ "$kst" = "never began" ] || [ "$kst" = "never ended" ] || [ -n "$lost" ]; then
    fail keel-testsuite "busybox testsuite on Keel: $kpass passed against Linux's $lpass (testsuite: $kst; log $logs/keel-testsuite.log)"
    if [ "$kst" = "never began" ]; then
      explain keel testsuite
      return
    fi
    [ $krc = 0 ] || sed -n 's/^qemu-run: FAIL /  qemu-run: /p' "$logs/keel-testsuite.harness"
    # Linux's passes that Keel failed, and those Keel has no result for (the run stopped first)
    sed -n 's/^FAIL: //p' "$logs/keel-testsuite.out" | LC_ALL=C sort -u > "$logs/keel-testsuite.fail"
    LC_ALL=C comm -12 <(echo "$lost") "$logs/keel-testsuite.fail" > "$logs/lost-failed"
    LC_ALL=C comm -23 <(echo "$lost") "$logs/keel-testsuite.fail" | sed '/^$/d' > "$logs/lost-missing"
    if [ -s "$logs/lost-failed" ]; then
      echo "  $(wc -l < "$logs/lost-failed") tests pass on Linux and FAIL on Keel:"
      sed -n '1,60s/^/    /p' "$logs/lost-failed"
      [ "$(wc -l < "$logs/lost-failed")" -le 60 ] || echo "    ... (all: $logs/lost-failed)"
    fi
    if [ -s "$logs/lost-missing" ]; then
      echo "  $(wc -l < "$logs/lost-missing") tests pass on Linux and have no result on Keel (the run stopped" \
           "before them), the first: $(sed -n '1,5p' "$logs/lost-missing" | paste -sd, | sed 's/,/, /g') (all: $logs/lost-missing)"
    fi
  fi
}

for p in "${parts[@]}"; do "part_$p"; done
say "logs in $logs; stage time $((SECONDS - t0)) s"
if [ ${#fails[@]} -gt 0 ]; then
  say "failed: ${fails[*]}"
  exit 1
fi
say "all checks passed on Linux and on Keel"
