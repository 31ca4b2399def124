#!/usr/bin/env bash
# Build the Keel sysroot and ports (static against the sysroot), from the cache when possible.
#
#   ports/build.sh [OPTIONS] [all|sysroot|busybox|dropbear|mini-httpd]...
#
# With no target, builds `all`. A target is rebuilt only when its Debian source version or its
# recipe files (sysroot/* or ports/NAME/*) change; a port is also rebuilt when the sysroot is.
# Options:
#   --rebuild NAME    rebuild NAME even if it is cached (repeatable; implies building NAME)
#   --refresh         refresh the private Debian source lists first (network)
#   --print-env       after building, print shell assignments for `eval`: KEEL_SYSROOT, KEEL_CC,
#                     and KEEL_PORT_<NAME>=<output dir> for every built port (stdout only)
#   -h, --help        this text
# Environment:
#   KEEL_CACHE        cache directory (default ~/.cache/keel); see ports/README.md
#   JOBS              parallel make jobs (default: nproc)
# Progress, timings and errors go to stderr. Exits non-zero on any failure, naming the target,
# the step and the log file.
set -euo pipefail
# shellcheck source=ports/lib.sh
. "$(dirname "$0")/lib.sh"

targets=(); rebuild=(); refresh=0; print_env=0
while [ $# -gt 0 ]; do
  case $1 in
    --rebuild) [ $# -ge 2 ] || die "--rebuild needs a target name"; recipe_dir "$2" > /dev/null
               rebuild+=("$2"); targets+=("$2"); shift 2 ;;
    --rebuild=*) recipe_dir "${1#*=}" > /dev/null; rebuild+=("${1#*=}"); targets+=("${1#*=}"); shift ;;
    --refresh) refresh=1; shift ;;
    --print-env) print_env=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    all) read -ra a <<< "$ALL_TARGETS"; targets+=("${a[@]}"); shift ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) recipe_dir "$1" > /dev/null; targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  if [ $print_env = 1 ]; then targets=(sysroot); else read -ra targets <<< "$ALL_TARGETS"; fi
fi

for tool in apt-get dpkg-source gcc make ar nm readelf bzip2 xz flock; do
  command -v "$tool" > /dev/null ||
    die "'$tool' is missing: apt-get install -y dpkg-dev gcc make binutils bzip2 xz-utils util-linux"
done
if ! dpkg-query -W -f='${Status}' linux-libc-dev 2>/dev/null | grep -q 'ok installed'; then
  log "installing linux-libc-dev (the Linux UAPI headers for the sysroot)"
  apt-get install -y linux-libc-dev >&2 || die "apt-get install linux-libc-dev failed; install it and retry"
fi

cache_lock
[ $refresh = 1 ] && apt_update
start=$(now)
declare -A done_=()
for t in "${targets[@]}"; do
  [ -n "${done_[$t]:-}" ] && continue
  force=
  for r in "${rebuild[@]+"${rebuild[@]}"}"; do [ "$r" = "$t" ] && force=1; done
  build_target "$t" "$force"
  done_[$t]=1
done
log "all requested targets ready ($(elapsed "$start"); cache $KEEL_CACHE)"

if [ $print_env = 1 ]; then
  s=$(target_out sysroot)
  printf 'export KEEL_SYSROOT=%q\nexport KEEL_CC=%q\n' "$s" "$s/bin/keel-cc"
  for t in "${!done_[@]}"; do
    [ "$t" = sysroot ] && continue
    v=KEEL_PORT_$(echo "$t" | tr 'a-z-' 'A-Z_')
    printf 'export %s=%q\n' "$v" "$(target_out "$t")"
  done
fi
