# Recipe for the Keel sysroot: musl 1.2.3 from Debian's `musl` source package, built with musl's
# own build system (not dpkg-buildpackage, whose debian/clean deletes src/crypt and crypt.h),
# plus the Linux UAPI headers of linux-libc-dev and the `keel-cc` wrapper.
# Sourced by ports/lib.sh with cwd = the extracted source; installs into $DESTDIR$PREFIX.
# shellcheck shell=bash
SRC_PACKAGE=musl
UPSTREAM_VERSION=1.2.3

UAPI_DIRS="linux asm-generic mtd drm misc rdma sound video xen"

recipe_build() {
  step configure ./configure --prefix="$PREFIX" --disable-shared CC=gcc
  step make make -j"$JOBS"
  step install make install DESTDIR="$DESTDIR"
  step uapi install_uapi
  step wrapper install_wrapper
  step rust-unwind install_rust_unwind
  step check check_sysroot
}

install_uapi() {
  local inc=$DESTDIR$PREFIX/include d
  dpkg-query -W linux-libc-dev
  for d in $UAPI_DIRS; do
    [ -d "/usr/include/$d" ] || continue
    echo "copy /usr/include/$d"; cp -a "/usr/include/$d" "$inc/"
  done
  echo "copy /usr/include/x86_64-linux-gnu/asm -> asm"; cp -a /usr/include/x86_64-linux-gnu/asm "$inc/asm"
}

install_wrapper() {
  local b=$DESTDIR$PREFIX/bin
  install -m 755 "$RECIPE_DIR/keel-cc" "$b/keel-cc"
  ln -sf keel-cc "$b/cc"
  # musl's own musl-gcc.specs holds the final paths ($PREFIX), which keel-cc uses.
  grep -q "$PREFIX/include" "$DESTDIR$PREFIX/lib/musl-gcc.specs"
}

# Rust's std for x86_64-unknown-linux-musl links -lunwind, which Rust ships next to its own musl
# (self-contained/); Debian's libgcc_eh needs glibc. Copy only libunwind.a into lib/rust so that
# `-L native=$KEEL_SYSROOT/lib/rust` finds it without shadowing this sysroot's libc.a.
install_rust_unwind() {
  local r
  if ! r=$(rustc --print sysroot 2>/dev/null) ||
     [ ! -f "$r/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/libunwind.a" ]; then
    echo "no rustc with the x86_64-unknown-linux-musl target: Rust linking against the sysroot unavailable"
    return 0
  fi
  mkdir -p "$DESTDIR$PREFIX/lib/rust"
  cp -v "$r/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/libunwind.a" "$DESTDIR$PREFIX/lib/rust/"
}

# crypt() must be in libc.a (dropbear and mini_httpd need it); a static hello must link.
check_sysroot() {
  local l=$DESTDIR$PREFIX/lib
  nm "$l/libc.a" 2>/dev/null | grep -E ' T (crypt|crypt_r)$'
  [ -f "$DESTDIR$PREFIX/include/crypt.h" ]
  for f in crt1.o crti.o crtn.o libc.a; do [ -f "$l/$f" ]; done
}
