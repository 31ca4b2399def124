#!/bin/sh
# /keel-bb/init: PID 1 (busybox ash) of the initrd that tests/stages/60-busybox.sh builds, the
# same on Linux (rdinit=/keel-bb/init) and on Keel (init=/keel-bb/init). The kernel command
# line picks the part through the environment (both kernels pass key=value words to init):
#   keel_bb=script      runs /keel-bb/script.sh (tests/busybox/script.sh), stdout and stderr
#                       through a pipe to the console
#   keel_bb=testsuite   runs busybox's testsuite (/keel-bb/testsuite, its bindir /keel-bb/bin)
#                       for the applets in keel_bb_applets=A,B,..., or else for every applet
#                       that has tests except those in keel_bb_skip=A,B,...
# The output of a part sits between the lines `@@keel-bb begin PART@@` and
# `@@keel-bb end PART status N@@`; then init powers off with `poweroff -f` (reboot(2), exec'd so
# that it needs no fork). Mounting /proc, /sys and devpts may fail quietly (a young Keel).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C LC_ALL=C TERM=dumb
mount -t proc proc /proc 2> /dev/null
mount -t sysfs sysfs /sys 2> /dev/null
mkdir -p /dev/pts 2> /dev/null && mount -t devpts -o ptmxmode=666 devpts /dev/pts 2> /dev/null
set -o pipefail
cd /
case ${keel_bb:-} in
  script)
    echo "@@keel-bb begin script@@"
    sh /keel-bb/script.sh < /dev/null 2>&1 | cat
    echo "@@keel-bb end script status $?@@"
    ;;
  testsuite)
    if [ -n "${keel_bb_applets:-}" ]; then
      applets=$(echo "$keel_bb_applets" | tr , ' ')
    else
      applets=""
      for a in busybox $(busybox --list); do
        case ",${keel_bb_skip:-}," in *",$a,"*) continue ;; esac
        [ -e "/keel-bb/testsuite/$a.tests" ] || [ -d "/keel-bb/testsuite/$a" ] || continue
        applets="$applets $a"
      done
    fi
    echo "keel-bb: testsuite of $(echo $applets | wc -w) applets${keel_bb_skip:+, skipped: $keel_bb_skip}"
    echo "@@keel-bb begin testsuite@@"
    # shellcheck disable=SC2086 # one word per applet
    (cd /keel-bb/testsuite && env -i PATH="$PATH" HOME=/root LANG=C TERM=dumb bindir=/keel-bb/bin \
      tsdir=/keel-bb/testsuite SED=sed ./runtest $applets) < /dev/null 2>&1 | cat
    echo "@@keel-bb end testsuite status $?@@"
    ;;
  *)
    echo "keel-bb: no part to run: put keel_bb=script or keel_bb=testsuite on the kernel command line"
    ;;
esac
exec poweroff -f
