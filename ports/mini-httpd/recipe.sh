# Recipe for mini_httpd 1.30 (Debian 12 source package `mini-httpd`) without TLS, plus its
# htpasswd, static with the sysroot's keel-cc (crypt() is in the sysroot's libc.a).
# Debian's patched Makefile hard-codes `-DUSE_SSL ... -lssl -lcrypto` and dpkg-buildflags, so
# only its two sed-generated headers are made with it; the compiler is run directly on the
# unmodified sources. No `-ansi` (upstream's CFLAGS): under -ansi the macro `linux` is undefined
# and port.h would lose sendfile, scandir and the rest of OS_Linux.
# Sourced by ports/lib.sh with cwd = the extracted source; installs into $DESTDIR$PREFIX:
#   bin/mini_httpd  bin/htpasswd
# shellcheck shell=bash
SRC_PACKAGE=mini-httpd
UPSTREAM_VERSION=1.30
MINI_HTTPD_CFLAGS="-O2 -Wall"

recipe_build() {
  step headers make mime_encodings.h mime_types.h
  step compile compile_all
  step install install_mini_httpd
}

compile_all() {
  local f
  for f in mini_httpd match tdate_parse; do
    # shellcheck disable=SC2086
    "$KEEL_CC" $MINI_HTTPD_CFLAGS -c "$f.c" -o "$f.o"
  done
  "$KEEL_CC" -o mini_httpd mini_httpd.o match.o tdate_parse.o
  # shellcheck disable=SC2086
  "$KEEL_CC" $MINI_HTTPD_CFLAGS -o htpasswd htpasswd.c
}

install_mini_httpd() {
  local b=$DESTDIR$PREFIX/bin f
  mkdir -p "$b"
  for f in mini_httpd htpasswd; do
    install -m 755 "$f" "$b/$f"
    no_interp "$f"
  done
  ./mini_httpd -V
}
