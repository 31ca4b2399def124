# Shared functions of ports/build.sh and ports/stage.sh: sourced, not run.
#
# Cache layout (KEEL_CACHE, default ~/.cache/keel; see ports/README.md):
#   apt/                 private apt configuration, source lists and archive cache
#   src/PKG_VERSION/     downloaded Debian source package files (.dsc, .orig, .debian)
#   out/NAME-KEY/        a finished build; KEY hashes the recipe files, the source version and
#                        (for ports) the sysroot key. A directory here is always complete: it is
#                        renamed into place only after every step succeeded.
#   tmp/                 build directories in progress (removed when the build ends)
#   logs/NAME-STEP.log   the output of every step of the last build of NAME
# shellcheck shell=bash

PORTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KEEL_ROOT=$(cd "$PORTS_DIR/.." && pwd)
KEEL_CACHE=${KEEL_CACHE:-$HOME/.cache/keel}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
ALL_TARGETS="sysroot busybox dropbear mini-httpd"
# Bump to force every target to rebuild when lib.sh changes how builds are done.
BUILD_ABI=1

log() { printf '[ports] %s\n' "$*" >&2; }
die() { printf '[ports] error: %s\n' "$*" >&2; exit 1; }

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

recipe_dir() {
  case $1 in
    sysroot) echo "$KEEL_ROOT/sysroot" ;;
    busybox|dropbear|mini-httpd) echo "$PORTS_DIR/$1" ;;
    *) die "unknown target '$1' (known: $ALL_TARGETS)" ;;
  esac
}

# ---------------------------------------------------------------- apt, without the host's config
APT_DIR=$KEEL_CACHE/apt
apt_private() {
  apt-get -q \
    -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
    -o Dir::Etc::SourceParts="$APT_DIR/sources.list.d" \
    -o Dir::State::Lists="$APT_DIR/lists" \
    -o Dir::Cache="$APT_DIR/cache" \
    -o Dir::Cache::archives="$APT_DIR/cache/archives" \
    -o APT::Sandbox::User="$(id -un)" \
    "$@"
}

apt_setup() {
  mkdir -p "$APT_DIR/sources.list.d" "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  if [ ! -f "$APT_DIR/sources.list" ]; then
    cat > "$APT_DIR/sources.list" <<'EOF'
# Keel's private apt source list (ports/lib.sh); the host's /etc/apt is never used.
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
  fi
}

# apt_update: refresh the private source lists (network). The security suite is optional.
apt_update() {
  apt_setup
  local t; t=$(now)
  log "fetch: Debian source lists (bookworm, bookworm-updates, bookworm-security) -> $APT_DIR/lists"
  mkdir -p "$KEEL_CACHE/logs"
  local lg=$KEEL_CACHE/logs/apt-update.log
  if ! apt_private update > "$lg" 2>&1 || grep -q '^[EW]: ' "$lg"; then
    if grep -q '^[EW]: .*debian-security' "$lg"; then
      log "fetch: bookworm-security is not reachable; continuing with bookworm and bookworm-updates (see $lg)"
      sed -i '/debian-security/s/^deb-src/# deb-src/' "$APT_DIR/sources.list"
      apt_private update > "$lg" 2>&1 || die "fetch: apt-get update of the source lists failed; log: $lg"
    else
      die "fetch: apt-get update of the source lists failed (network or mirror?); log: $lg"
    fi
  fi
  touch "$APT_DIR/lists/.keel-updated"
  log "fetch: source lists done ($(elapsed "$t"))"
}

apt_lists_present() { [ -f "$APT_DIR/lists/.keel-updated" ]; }

# src_version PKG: the Debian version that `apt-get source PKG` would fetch, read from the cached
# lists (no network unless the lists are missing).
src_version() {
  local pkg=$1 uris
  apt_lists_present || apt_update
  if ! uris=$(cd /tmp && apt_private source --print-uris "$pkg" 2>&1); then
    die "fetch: source package '$pkg' is not in the Debian source lists: $(echo "$uris" | grep '^E:' | head -1)"
  fi
  local dsc; dsc=$(echo "$uris" | awk '{print $2}' | grep '\.dsc$' | head -1)
  [ -n "$dsc" ] || die "fetch: no .dsc for source package '$pkg' in: $uris"
  dsc=${dsc%.dsc}; echo "${dsc#*_}"
}

# src_fetch PKG VERSION: make sure $KEEL_CACHE/src/PKG_VERSION holds the source package files.
src_fetch() {
  local pkg=$1 ver=$2 dir=$KEEL_CACHE/src/${1}_$2
  [ -f "$dir/.complete" ] && { echo "$dir"; return; }
  mkdir -p "$KEEL_CACHE/tmp" "$KEEL_CACHE/logs"
  local t tmp lg=$KEEL_CACHE/logs/fetch-$pkg.log; t=$(now)
  tmp=$(mktemp -d "$KEEL_CACHE/tmp/fetch-$pkg.XXXXXX")
  # No `=VERSION`: VERSION is the dsc name's version, without the epoch apt would want. It is what
  # the same lists give as the candidate, and the .dsc check below makes sure of it.
  log "fetch: apt-get source --download-only $pkg ($ver)"
  if ! (cd "$tmp" && apt_private source --download-only "$pkg" && [ -f "${pkg}_$ver.dsc" ]) > "$lg" 2>&1; then
    log "fetch: $pkg=$ver failed; refreshing the source lists and retrying"
    apt_update
    if ! (cd "$tmp" && apt_private source --download-only "$pkg" && [ -f "${pkg}_$ver.dsc" ]) > "$lg" 2>&1; then
      rm -rf "$tmp"
      die "fetch: downloading Debian source package '$pkg' ($ver) failed: the mirror may not serve it; log: $lg"
    fi
  fi
  touch "$tmp/.complete"
  mkdir -p "$KEEL_CACHE/src"; rm -rf "$dir"; mv -T "$tmp" "$dir"
  log "fetch: $pkg $ver done ($(elapsed "$t"))"
  echo "$dir"
}

# ---------------------------------------------------------------- keys and outputs
recipe_var() { ( set +u; . "$(recipe_dir "$1")/recipe.sh"; eval "echo \"\${$2}\"" ); }

host_tools_id() {
  echo "gcc $(gcc -dumpfullversion 2>/dev/null)"
  echo "linux-libc-dev $(dpkg-query -W -f='${Version}' linux-libc-dev 2>/dev/null)"
}

# target_key NAME: a hash of the recipe files, the source version and what the target builds on.
# compute_key sets KEY_MEMO[NAME] and KEY_MEMO[NAME.version]; call it outside $(...) so it sticks.
declare -A KEY_MEMO=()
compute_key() {
  local name=$1
  [ "$name" = sysroot ] || compute_key sysroot
  if [ -z "${KEY_MEMO[$name]:-}" ]; then
    local dir pkg ver
    dir=$(recipe_dir "$name"); pkg=$(recipe_var "$name" SRC_PACKAGE); ver=$(src_version "$pkg")
    KEY_MEMO[$name]=$( {
        echo "abi $BUILD_ABI"; echo "source $pkg $ver"
        (cd "$dir" && find . -type f ! -name '*.md' | LC_ALL=C sort | xargs sha256sum)
        if [ "$name" = sysroot ]; then host_tools_id; else echo "sysroot ${KEY_MEMO[sysroot]}"; fi
      } | sha256sum | cut -c1-16)
    KEY_MEMO[$name.version]=$ver
  fi
}
target_key() { compute_key "$1"; echo "${KEY_MEMO[$1]}"; }

target_out() { echo "$KEEL_CACHE/out/$1-$(target_key "$1")"; }

# ---------------------------------------------------------------- building
# step NAME CMD...: run CMD with its output in the target's log for NAME, timed. Used by recipes.
step() {
  local s=$1; shift
  local lg=$KEEL_CACHE/logs/$TARGET-$s.log t rc=0; t=$(now)
  log "$TARGET: $s ..."
  # Run as an asynchronous job and wait: inside `cmd || ...` bash would ignore `set -e` in the
  # recipe's functions, and a failing command in the middle of a step would go unnoticed.
  (set -e; "$@") > "$lg" 2>&1 &
  wait $! || rc=$?
  if [ $rc -ne 0 ]; then
    log "$TARGET: step '$s' FAILED (exit $rc, after $(elapsed "$t")); log: $lg"
    tail -n 25 "$lg" | sed 's/^/    | /' >&2
    exit 1
  fi
  log "$TARGET: $s done ($(elapsed "$t"))"
}

# no_interp FILE: fail unless FILE is a static ELF without PT_INTERP. Used by recipes.
no_interp() {
  if readelf -lW "$1" | grep -q INTERP; then echo "$1 has PT_INTERP: not static"; return 1; fi
}

# build_target NAME [force]: build NAME into the cache unless an up-to-date build is there.
declare -A BUILT=()
build_target() {
  local name=$1 force=${2:-}
  [ -n "${BUILT[$name]:-}" ] && [ -z "$force" ] && return
  BUILT[$name]=1
  [ "$name" = sysroot ] || build_target sysroot
  compute_key "$name"
  local key=${KEY_MEMO[$name]} out; out=$KEEL_CACHE/out/$name-$key
  if [ -d "$out" ] && [ -z "$force" ]; then
    log "$name: up to date (cached: $out)"; return
  fi
  local pkg ver src t tmp; pkg=$(recipe_var "$name" SRC_PACKAGE); ver=${KEY_MEMO[$name.version]}
  local want; want=$(recipe_var "$name" UPSTREAM_VERSION)
  case $ver in
    "$want"-*|"$want") ;;
    *) die "$name: the recipe is for upstream $want, but the Debian source lists offer $pkg $ver; update the recipe's UPSTREAM_VERSION after checking it" ;;
  esac
  src=$(src_fetch "$pkg" "$ver")
  t=$(now)
  log "$name: building $pkg $ver (key $key)"
  mkdir -p "$KEEL_CACHE/tmp" "$KEEL_CACHE/logs" "$KEEL_CACHE/out"
  tmp=$(mktemp -d "$KEEL_CACHE/tmp/$name.XXXXXX")
  local rc=0
  (
    set -euo pipefail
    TARGET=$name RECIPE_DIR=$(recipe_dir "$name") PREFIX=$out DESTDIR=$tmp/dest
    export TARGET RECIPE_DIR PREFIX DESTDIR JOBS
    if [ "$name" != sysroot ]; then
      KEEL_SYSROOT=$(target_out sysroot); KEEL_CC=$KEEL_SYSROOT/bin/keel-cc
      export KEEL_SYSROOT KEEL_CC
    fi
    step extract dpkg-source --no-check -x "$src/${pkg}_$ver.dsc" "$tmp/src"
    mkdir -p "$DESTDIR$PREFIX"
    cd "$tmp/src"
    # shellcheck disable=SC1091
    . "$RECIPE_DIR/recipe.sh"
    recipe_build
  ) &
  wait $! || rc=$?    # async, not `( ) || rc=$?`, which would turn off set -e in the recipe
  if [ $rc -ne 0 ]; then
    rm -rf "$tmp"
    die "$name: build failed (the cache is unchanged; logs in $KEEL_CACHE/logs/$name-*.log)"
  fi
  [ -d "$tmp/dest$out" ] || { rm -rf "$tmp"; die "$name: the recipe installed nothing into \$DESTDIR\$PREFIX"; }
  rm -rf "$out.old"; [ -d "$out" ] && mv -T "$out" "$out.old"
  mv -T "$tmp/dest$out" "$out"
  rm -rf "$tmp" "$out.old"
  # Forget older builds of this target.
  local d; for d in "$KEEL_CACHE/out/$name"-*; do
    [ "$d" != "$out" ] && [ "${d%-*}" = "$KEEL_CACHE/out/$name" ] && rm -rf "$d"
  done
  log "$name: built in $(elapsed "$t") -> $out"
}

# lock: one build at a time per cache.
cache_lock() {
  mkdir -p "$KEEL_CACHE"
  exec 9> "$KEEL_CACHE/lock"
  flock -w 1800 9 || die "another build holds $KEEL_CACHE/lock for too long"
}
