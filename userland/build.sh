#!/usr/bin/env bash
# Builds Keel's userland test programs into a root tree for an initrd.
#
#   userland/build.sh OUTDIR [--no-rust]
#
# OUTDIR receives:
#   /init                              the shared test init (userland/init)
#   /etc/keel-tests                    the programs /init runs, one a line
#   /usr/lib/keel-tests/conformance    the C conformance suite (static, ET_EXEC)
#   /usr/lib/keel-tests/exec-check     the exec-chain end (static-pie)
#   /usr/lib/keel-tests/hello          the "must show" C program
#   /usr/lib/keel-tests/bench          the micro-benchmarks
#   /usr/lib/keel-tests/bench-true     exits 0 at once, no libc (bench's fork-exec-wait execs it)
#   /usr/lib/keel-tests/badptr         hostile arguments to every system call
#   /usr/lib/keel-tests/proctests      the process-model tests: fork, exec, wait, signals, pipes,
#                                      poll/select/epoll, threads, futex, limits
#   /usr/lib/keel-tests/procfs         /proc, devtmpfs and devpts against Linux's formats
#   /usr/lib/keel-tests/ptytests       pseudo-terminals: line discipline, echo, signals from
#                                      control characters, job control, window size, hangup, EIO
#   /usr/lib/keel-tests/nettests       socket conformance over 127.0.0.1 and 10.0.2.15
#   /usr/lib/keel-tests/netserve       the test servers the host reaches (echo, http) and the
#                                      in-guest network benchmark
#   /usr/lib/keel-tests/rust-net       Rust std TcpListener/TcpStream/UdpSocket and Unix sockets with threads
#   /usr/lib/keel-tests/rust-probe     the Rust std probe (x86_64-unknown-linux-musl, static-pie)
#   /usr/lib/keel-tests/rust-threads   Rust std threads, sync and processes (same target)
#   /usr/share/keel-tests/...          fixtures (userland/fixtures/mkfixtures.py)
#   /dev /proc /sys /tmp /root         empty directories (device nodes come from mkcpio --dev)
#   /dev/pts /mnt                      empty mount points (devpts, devtmpfs in procfs's tests)
# Then build the initrd with: initrd/mkcpio.py OUTDIR initrd.cpio --default-devs
#
# The C compiler: $KEEL_CC if set; else KEEL_CC from `ports/build.sh --print-env` when that
# exists (the musl sysroot); else Debian's musl-gcc (apt-get install musl-tools).
# --no-rust skips rust-probe and rust-threads. Rust builds go to
# $OUTDIR/../.cargo-target-userland unless USERLAND_CARGO_TARGET_DIR is set.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
[ $# -ge 1 ] || { echo "usage: userland/build.sh OUTDIR [--no-rust]" >&2; exit 2; }
out=$1; shift
rust=1
for a in "$@"; do
  case $a in
    --no-rust) rust=0 ;;
    *) echo "build.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -z "${KEEL_CC:-}" ] && [ -x "$repo/ports/build.sh" ]; then
  if envs=$("$repo/ports/build.sh" --print-env 2>/dev/null); then
    eval "$envs"
  fi
fi
if [ -n "${KEEL_CC:-}" ]; then
  cc=$KEEL_CC
elif command -v musl-gcc >/dev/null; then
  cc=musl-gcc
else
  echo "build.sh: no C compiler for static musl programs: run 'apt-get install musl-tools'" \
       "or build the sysroot (ports/build.sh)" >&2
  exit 1
fi
echo "build.sh: C compiler: $cc"

cflags=(-O2 -g -Wall -Wextra -Wno-unused-function -Wno-missing-field-initializers -std=gnu11)
lib="$out/usr/lib/keel-tests"
mkdir -p "$lib" "$out/etc" "$out/usr/share/keel-tests" "$out/dev" "$out/proc" "$out/sys" \
         "$out/tmp" "$out/root" "$out/dev/pts" "$out/mnt"
chmod 1777 "$out/tmp"

build_c() { # NAME OUTPUT SOURCE [extra flags...]
  local name=$1 dst=$2 src=$3; shift 3
  echo "build.sh: cc $name"
  $cc "${cflags[@]}" "$@" -o "$dst" "$src"
}
build_c init "$out/init" "$here/init/init.c" -static
build_c conformance "$lib/conformance" "$here/conformance/conformance.c" -static -no-pie
# exec-check is static-pie (ET_DYN, no PT_INTERP), like Rust's musl binaries: the C wrappers
# link non-PIE only, so link it by hand against a musl that ships rcrt1.o.
piedir=""
for d in "${KEEL_SYSROOT:-/nonexistent}/lib" /usr/lib/x86_64-linux-musl; do
  [ -f "$d/rcrt1.o" ] && [ -f "$d/libc.a" ] && { piedir=$d; break; }
done
if [ -n "$piedir" ]; then
  echo "build.sh: cc exec-check (static-pie, crt from $piedir)"
  $cc "${cflags[@]}" -fPIE -c -o "$out/../exec-check.o" "$here/exec-check/exec-check.c"
  gcc -nostdlib -static-pie -o "$lib/exec-check" "$piedir/rcrt1.o" "$piedir/crti.o" \
    "$out/../exec-check.o" -L"$piedir" -lc "$(gcc -print-libgcc-file-name)" "$piedir/crtn.o"
  rm -f "$out/../exec-check.o"
else
  echo "build.sh: no musl rcrt1.o (apt-get install musl-tools): exec-check is not static-pie"
  build_c exec-check "$lib/exec-check" "$here/exec-check/exec-check.c" -static
fi
build_c hello "$lib/hello" "$here/mustshow/hello.c" -static
build_c bench "$lib/bench" "$here/bench/bench.c" -static
build_c bench-true "$lib/bench-true" "$here/bench/bench-true.c" -static -nostdlib -ffreestanding
build_c badptr "$lib/badptr" "$here/badptr/badptr.c" -static
build_c proctests "$lib/proctests" "$here/proctests/proctests.c" -static -pthread
build_c procfs "$lib/procfs" "$here/procfs/procfs.c" -static -pthread
build_c ptytests "$lib/ptytests" "$here/ptytests/ptytests.c" -static
build_c nettests "$lib/nettests" "$here/nettests/nettests.c" -static
build_c netserve "$lib/netserve" "$here/netserve/netserve.c" -static

for f in "$out/init" "$lib/conformance" "$lib/exec-check" "$lib/hello" "$lib/bench" "$lib/bench-true" \
         "$lib/badptr" "$lib/proctests" "$lib/procfs" "$lib/ptytests" "$lib/nettests" "$lib/netserve"; do
  file "$f" 2>/dev/null | grep -q 'dynamically linked\|interpreter' && {
    echo "build.sh: $f is dynamically linked: the compiler did not honour -static" >&2; exit 1; }
done

echo "build.sh: fixtures"
python3 "$here/fixtures/mkfixtures.py" "$out/usr/share/keel-tests" "$lib/conformance"

tests="conformance
hello
proctests
procfs
ptytests"
if [ $rust = 1 ]; then
  tdir=${USERLAND_CARGO_TARGET_DIR:-$out/../.cargo-target-userland}
  for prog in rust-probe rust-threads rust-net; do
    echo "build.sh: cargo build $prog (x86_64-unknown-linux-musl)"
    CARGO_TARGET_DIR=$tdir cargo build --quiet --release --target x86_64-unknown-linux-musl \
      --manifest-path "$here/$prog/Cargo.toml"
    cp "$tdir/x86_64-unknown-linux-musl/release/$prog" "$lib/$prog"
    # rust-net needs the network up (netserve exec on Linux): not one of /init's programs.
    [ "$prog" = rust-net ] || tests="$tests
$prog"
  done
fi
printf '# programs /init runs, one a line: a path or a name in /usr/lib/keel-tests, then args\n%s\n' \
  "$tests" > "$out/etc/keel-tests"
echo "build.sh: done: $out"
