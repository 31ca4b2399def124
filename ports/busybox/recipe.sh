# Recipe for busybox 1.35.0 (Debian 12 source package `busybox`): `make defconfig` plus
# CONFIG_STATIC=y, built with the sysroot's keel-cc. Configuration only, no source patch.
# Sourced by ports/lib.sh with cwd = the extracted source; installs into $DESTDIR$PREFIX:
#   bin/busybox                      the static binary
#   share/busybox/config             the .config it was built with
#   share/busybox/testsuite/         busybox's own testsuite (tests/ports/busybox-testsuite.sh)
# shellcheck shell=bash
SRC_PACKAGE=busybox
UPSTREAM_VERSION=1.35.0

recipe_build() {
  step defconfig make defconfig
  step config configure_static
  step make make -j"$JOBS" CC="$KEEL_CC" HOSTCC=gcc
  step install install_busybox
}

configure_static() {
  sed -i 's|^# CONFIG_STATIC is not set$|CONFIG_STATIC=y|' .config
  { yes "" || true; } | make oldconfig CC="$KEEL_CC" HOSTCC=gcc   # yes ends by SIGPIPE
  grep -x 'CONFIG_STATIC=y' .config
}

install_busybox() {
  local o=$DESTDIR$PREFIX
  mkdir -p "$o/bin" "$o/share/busybox"
  install -m 755 busybox "$o/bin/busybox"
  cp .config "$o/share/busybox/config"
  cp -a testsuite "$o/share/busybox/testsuite"
  no_interp busybox
  "$o/bin/busybox" --list | wc -l
}
