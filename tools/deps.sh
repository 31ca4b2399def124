#!/usr/bin/env bash
# The host packages and Rust pieces Keel's scripts need, installed when missing. Called by
# ./mkimage.sh (PROFILE image) and ./test.sh (PROFILE test); usable by hand.
#
#   tools/deps.sh [--check] image|test
#
#   image     what ./mkimage.sh needs: QEMU, GRUB (grub-mkrescue, xorriso, mtools), python3,
#             cpio/gzip, the compilers and Debian source tools of ports/ (build-essential,
#             dpkg-dev, bzip2, xz-utils, linux-libc-dev), `file`, openssh-client (ssh-keygen
#             for the image's login key, ssh to log in); Rust targets x86_64-unknown-none and
#             x86_64-unknown-linux-musl
#   test      image's set plus what the stages of tests/stages/ use: musl-tools (userland
#             fallback compiler), curl, apache2-utils
#             (ab), util-linux (unshare), binutils (readelf), coreutils (timeout), bc, and the
#             Rust components clippy and rustfmt; and apt lists that know linux-image-amd64
#             (tools/linux-referee.sh downloads Debian's kernel) unless that kernel is cached
#   --check   install nothing: report what is missing and exit 1 if anything is
#
# Missing Debian packages: as root, `apt-get update` then `apt-get install -y` them
# (DEBIAN_FRONTEND=noninteractive); as another user, print the one-line command to run as
# root and exit 1. Missing Rust targets and components are added with rustup (a per-user
# toolchain, so any user may). Without dpkg-query (not Debian) the package check is skipped
# with a warning. Exit status: 0 when everything is present (or was installed), 1 otherwise.
# Environment: KEEL_CACHE (where linux-referee caches the kernel, default ~/.cache/keel);
# for testing this script, KEEL_DEPS_EXTRA="PKG..." adds packages to the list and
# KEEL_DEPS_PRETEND_MISSING="PKG..." treats installed packages as missing.
set -euo pipefail

check=0
while [ $# -gt 0 ]; do
  case $1 in
    --check) check=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    image|test) break ;;
    *) echo "deps: unknown argument '$1' (see tools/deps.sh --help)" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: tools/deps.sh [--check] image|test" >&2; exit 2; }
profile=$1

image_pkgs="qemu-system-x86 grub-pc-bin grub-common xorriso mtools python3 cpio gzip
  build-essential dpkg-dev bzip2 xz-utils linux-libc-dev file
  openssh-client"
test_pkgs="musl-tools curl apache2-utils util-linux binutils coreutils bc"
rust_targets="x86_64-unknown-none x86_64-unknown-linux-musl"
rust_components=""
pkgs=$image_pkgs
if [ "$profile" = test ]; then
  pkgs="$pkgs $test_pkgs"
  rust_components="clippy rustfmt"
fi
pkgs="$pkgs ${KEEL_DEPS_EXTRA:-}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
err() { echo "deps: $*" >&2; }

# ---- Debian packages ---------------------------------------------------------------------------
missing=()
installed() {
  case " ${KEEL_DEPS_PRETEND_MISSING:-} " in *" $1 "*) return 1 ;; esac
  dpkg-query -W -f='${Status}' "$1" 2> /dev/null | grep -q "ok installed"
}
# Does apt know Debian's kernel package, or is the kernel already cached for linux-referee?
referee_kernel_reachable() {
  ls "${KEEL_CACHE:-$HOME/.cache/keel}"/linux/*/vmlinux > /dev/null 2>&1 && return 0
  apt-cache policy linux-image-amd64 2> /dev/null | grep -q 'Candidate: [0-9]'
}

if command -v dpkg-query > /dev/null; then
  for p in $pkgs; do installed "$p" || missing+=("$p"); done
  need_update=0
  [ ${#missing[@]} -gt 0 ] && need_update=1
  if [ "$profile" = test ] && ! referee_kernel_reachable; then
    need_update=1
    [ ${#missing[@]} -gt 0 ] || say "apt does not know linux-image-amd64 yet (tools/linux-referee.sh needs it): apt-get update"
  fi
  if [ $need_update = 1 ]; then
    if [ ${#missing[@]} -gt 0 ]; then
      cmd="apt-get update && apt-get install -y ${missing[*]}"
    else
      cmd="apt-get update"
    fi
    if [ $check = 1 ]; then
      err "missing: ${missing[*]:-(apt lists without linux-image-amd64)}; run as root: $cmd"
      exit 1
    elif [ "$(id -u)" != 0 ]; then
      err "missing Debian packages${missing[*]:+: ${missing[*]}}. Run as root:"
      echo "  $cmd" >&2
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    say "apt-get update"
    apt-get update -qq || { err "apt-get update failed (network? /etc/apt/sources.list?)"; exit 1; }
    if [ ${#missing[@]} -gt 0 ]; then
      say "installing ${missing[*]}"
      log=$(mktemp)
      if ! apt-get install -y -qq "${missing[@]}" > "$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"
        err "apt-get install ${missing[*]} failed (output above)"
        exit 1
      fi
      rm -f "$log"
      for p in "${missing[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "ok installed" ||
          { err "apt-get install succeeded but $p is still not installed"; exit 1; }
      done
    fi
  fi
else
  err "warning: no dpkg-query (not Debian?): not checking the packages ($(echo $pkgs))"
fi

# ---- Rust ----------------------------------------------------------------------------------------
command -v cargo > /dev/null && command -v rustup > /dev/null || {
  err "cargo/rustup not found: install Rust with rustup (https://rustup.rs), then rerun"; exit 1; }
# rustup answers for the toolchain of rust-toolchain.toml when run in the repository.
cd "$(dirname "$0")/.."
have_targets=$(rustup target list --installed 2> /dev/null || true)
have_components=$(rustup component list --installed 2> /dev/null || true)
for t in $rust_targets; do
  grep -qx "$t" <<< "$have_targets" && continue
  [ $check = 1 ] && { err "missing Rust target $t: rustup target add $t"; exit 1; }
  say "adding Rust target $t"
  rustup target add "$t" || { err "rustup target add $t failed"; exit 1; }
done
for c in $rust_components; do
  grep -q "^$c-" <<< "$have_components" && continue
  [ $check = 1 ] && { err "missing Rust component $c: rustup component add $c"; exit 1; }
  say "adding Rust component $c"
  rustup component add "$c" || { err "rustup component add $c failed"; exit 1; }
done
exit 0
