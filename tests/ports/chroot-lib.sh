# Helpers for tests that run staged Keel roots in a chroot on Linux: sourced, not run.
# Used by tests/stages/30-ports-linux.sh and tests/ports/busybox-testsuite.sh.
# shellcheck shell=bash

say() { printf '[ports-test] %s\n' "$*"; }
fail() { printf '[ports-test] FAIL: %s\n' "$*" >&2; exit 1; }

# need_root WHAT: chroot and mount namespaces need root; without it, fail with the reason.
need_root() {
  [ "$(id -u)" = 0 ] || fail "$1 needs root (chroot, unshare -m, mknod); run it as root"
  command -v unshare > /dev/null || fail "unshare is missing: apt-get install -y util-linux"
}

# need_cmds PKG:CMD...: install the Debian package PKG when CMD is missing.
need_cmds() {
  local pc pkgs=()
  for pc in "$@"; do command -v "${pc#*:}" > /dev/null || pkgs+=("${pc%%:*}"); done
  [ ${#pkgs[@]} -eq 0 ] && return
  say "installing missing packages: ${pkgs[*]}"
  { apt-get install -y "${pkgs[@]}" || { apt-get update && apt-get install -y "${pkgs[@]}"; }; } > /dev/null ||
    fail "could not install ${pkgs[*]}; install them and retry"
}

# chroot_mounts ROOT: /dev (tmpfs with the usual nodes and a private devpts), /proc and /tmp,
# mounted in the current mount namespace, which must be a private one (unshare -m).
chroot_mounts() {
  local r=$1
  [ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] ||
    fail "chroot_mounts must run inside a private mount namespace (unshare -m)"
  mount -t tmpfs -o mode=755,size=1m keel-dev "$r/dev"
  mknod -m 666 "$r/dev/null" c 1 3; mknod -m 666 "$r/dev/zero" c 1 5
  mknod -m 666 "$r/dev/full" c 1 7; mknod -m 666 "$r/dev/random" c 1 8
  mknod -m 666 "$r/dev/urandom" c 1 9; mknod -m 666 "$r/dev/tty" c 5 0
  mkdir "$r/dev/pts" "$r/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620 keel-devpts "$r/dev/pts"
  ln -s pts/ptmx "$r/dev/ptmx"; ln -s /proc/self/fd "$r/dev/fd"
  ln -s /proc/self/fd/0 "$r/dev/stdin"; ln -s /proc/self/fd/1 "$r/dev/stdout"
  ln -s /proc/self/fd/2 "$r/dev/stderr"
  mount -t proc keel-proc "$r/proc"
  mount -t tmpfs -o mode=1777 keel-tmp "$r/tmp"
}

# in_chroot ROOT CMD...: run CMD in ROOT with a clean environment.
in_chroot() {
  local r=$1; shift
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C chroot "$r" "$@"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PID: until 127.0.0.1:PORT accepts connections (10 s), or PID died.
wait_port() {
  local i
  for i in $(seq 100); do
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0
    kill -0 "$2" 2> /dev/null || return 1
    sleep 0.1
  done
  return 1
}

# stop_pid NAME PID: stop a server this test started, by its PID.
stop_pid() {
  kill "$2" 2> /dev/null || true
  wait "$2" 2> /dev/null || true
  say "stopped $1 (pid $2)"
}
