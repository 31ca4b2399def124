#!/usr/bin/env bash
# Run busybox's own testsuite (testsuite/ of the busybox source, its ./runtest) in a chroot of a
# staged Keel root on Linux, and compare the tests that pass with the saved Linux baseline
# tests/ports/busybox-baseline.txt (one test name per line). A test in the baseline that does
# not pass now is a failure; new passes are reported.
#
#   tests/ports/busybox-testsuite.sh [--update] [--root ROOT]
#
# Options:
#   --update      write the tests that pass now as the new baseline instead of comparing
#   --root ROOT   use ROOT, already staged (ports/stage.sh) and mounted (chroot_mounts) in the
#                 current private mount namespace; without it the script stages a temporary
#                 root and enters `unshare -m` itself
# Needs root. The full run log is kept in $KEEL_CACHE/logs/busybox-testsuite.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/ports/chroot-lib.sh
. "$here/chroot-lib.sh"
baseline=$here/busybox-baseline.txt
cache=${KEEL_CACHE:-$HOME/.cache/keel}

update=0; root=; inside=0
while [ $# -gt 0 ]; do
  case $1 in
    --update) update=1; shift ;;
    --root) root=$2; shift 2 ;;
    --inside) inside=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done

need_root "busybox's testsuite in a chroot"
if [ -z "$root" ]; then
  tmp=$(mktemp -d /tmp/keel-bbtest.XXXXXX); trap 'rm -rf "$tmp"' EXIT
  "$repo/ports/stage.sh" "$tmp/root" || fail "ports/stage.sh failed"
  args=(--root "$tmp/root" --inside); [ $update = 1 ] && args+=(--update)
  unshare -m --propagation private bash "$0" "${args[@]}"
  exit $?
fi
[ $inside = 1 ] && chroot_mounts "$root"

# busybox testsuite layout: $bindir holds busybox and .config, $tsdir the tests.
eval "$(cd "$repo" && ports/build.sh --print-env busybox 2> /dev/null)" ||
  fail "busybox is not built: run ports/build.sh busybox"
w=$root/tmp/bbts; rm -rf "$w"; mkdir -p "$w/bin"
cp -a "$KEEL_PORT_BUSYBOX/share/busybox/testsuite" "$w/testsuite"
cp "$KEEL_PORT_BUSYBOX/share/busybox/config" "$w/bin/.config"
ln -s /bin/busybox "$w/bin/busybox"
mkdir -p "$cache/logs"; lg=$cache/logs/busybox-testsuite.log
say "busybox testsuite: running in the chroot (log: $lg)"
t0=$SECONDS
rc=0
timeout 900 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C TERM=dumb \
  chroot "$root" /bin/sh -c 'cd /tmp/bbts/testsuite && bindir=/tmp/bbts/bin tsdir=/tmp/bbts/testsuite SED=sed ./runtest' \
  > "$lg" 2>&1 < /dev/null || rc=$?
[ $rc = 124 ] && fail "busybox testsuite timed out after 900 s; log: $lg"
pass=$(grep -c '^PASS: ' "$lg" || true); nfail=$(grep -c '^FAIL: ' "$lg" || true)
skip=$(grep -cE '^(SKIPPED|UNTESTED): ' "$lg" || true)
say "busybox testsuite: $pass passed, $nfail failed, $skip skipped/untested ($((SECONDS - t0)) s, runtest exit $rc)"
now=$(mktemp)
sed -n 's/^PASS: //p' "$lg" | LC_ALL=C sort -u > "$now"

if [ $update = 1 ]; then
  { echo "# busybox 1.35.0 testsuite: tests that pass on Linux in a chroot of the staged Keel root."
    echo "# Regenerate: tests/ports/busybox-testsuite.sh --update"
    cat "$now"; } > "$baseline"
  say "busybox testsuite: baseline written to $baseline ($(wc -l < "$now") tests)"
  rm -f "$now"; exit 0
fi
[ -f "$baseline" ] || fail "no baseline $baseline: run tests/ports/busybox-testsuite.sh --update"
lost=$(grep -v '^#' "$baseline" | LC_ALL=C comm -23 - "$now")
gained=$(grep -v '^#' "$baseline" | LC_ALL=C comm -13 - "$now")
rm -f "$now"
[ -z "$gained" ] || say "busybox testsuite: passing now but not in the baseline: $(echo $gained)"
if [ -n "$lost" ]; then
  echo "$lost" | while read -r t; do grep -A 30 -F "FAIL: $t" "$lg" | head -40 | sed 's/^/    | /'; done >&2
  fail "busybox testsuite: baseline tests that no longer pass: $(echo $lost) (log: $lg)"
fi
say "busybox testsuite: all $(grep -vc '^#' "$baseline") baseline tests pass"
