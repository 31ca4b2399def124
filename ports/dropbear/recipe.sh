# Recipe for dropbear 2022.83 (Debian 12 source package `dropbear`): one static `dropbearmulti`
# holding dropbear, dbclient, dropbearkey, dropbearconvert and scp, built with the sysroot's
# keel-cc. Configuration only: ./configure flags and localoptions.h (next to this file).
# Password auth needs crypt() and getspnam(), which the sysroot's libc.a has.
# Sourced by ports/lib.sh with cwd = the extracted source; installs into $DESTDIR$PREFIX:
#   bin/dropbearmulti
# shellcheck shell=bash
SRC_PACKAGE=dropbear
UPSTREAM_VERSION=2022.83
DROPBEAR_PROGRAMS="dropbear dbclient dropbearkey dropbearconvert scp"

recipe_build() {
  cp "$RECIPE_DIR/localoptions.h" localoptions.h
  # --enable-bundled-libtom: Debian's libtomcrypt/libtommath are built for glibc.
  step configure ./configure CC="$KEEL_CC" --host=x86_64-linux-musl --prefix=/usr \
    --enable-static --disable-zlib --enable-bundled-libtom
  step check-config check_config
  step make make -j"$JOBS" PROGRAMS="$DROPBEAR_PROGRAMS" MULTI=1 STATIC=1
  step install install_dropbear
}

# Without crypt() or getspnam() configure silently drops password authentication: refuse that.
check_config() {
  local h
  for h in HAVE_CRYPT HAVE_GETSPNAM HAVE_OPENPTY; do
    grep -E "^#define $h( |$)" config.h || { echo "config.h lacks $h"; return 1; }
  done
}

install_dropbear() {
  mkdir -p "$DESTDIR$PREFIX/bin"
  install -m 755 dropbearmulti "$DESTDIR$PREFIX/bin/dropbearmulti"
  no_interp dropbearmulti
  ./dropbearmulti dropbearkey -h 2>&1 | head -3 || true
}
