#!/usr/bin/env bash
# Stage the ports and the initrd skeleton into a root directory (for the initrd, or a chroot).
#
#   ports/stage.sh [--no-build] ROOTDIR
#
# Builds what is missing (ports/build.sh all, from the cache when possible), then puts into ROOTDIR:
#   /bin/busybox, and a symlink to it for every applet, where `busybox --list-full` places it
#   /usr/sbin/dropbearmulti, /usr/sbin/dropbear, /usr/bin/{dbclient,dropbearkey,dropbearconvert,scp}
#   /usr/sbin/mini_httpd, /usr/sbin/htpasswd
#   the skeleton of initrd/ (initrd/etc: passwd, group, shadow, shells, profile, hostname, hosts,
#   motd, os-release, inittab, init.d/{rcS,rcK,sshd,httpd}; initrd/www: the web root)
#   empty /dev /proc /sys /tmp /run /root /etc/dropbear /var/log /var/www
# Symlinks are relative, so the tree can also be inspected from the host. Existing files in
# ROOTDIR are overwritten, other files are left alone. Checks at the end that every ELF file
# staged is static (no PT_INTERP) and fails if one is not.
# Options:
#   --no-build   use the cache as it is (fails if a port is not built); no build output
# Environment: KEEL_CACHE as for ports/build.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ports/lib.sh
. "$here/lib.sh"

build=1
while [ $# -gt 0 ]; do
  case $1 in
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || die "usage: ports/stage.sh [--no-build] ROOTDIR"
mkdir -p "$1"; root=$(cd "$1" && pwd)
[ "$root" != / ] || die "refusing to stage into /"

if [ $build = 1 ]; then
  env_=$("$here/build.sh" --print-env all) || die "ports/build.sh all failed; see the messages above"
  eval "$env_"
else
  KEEL_PORT_BUSYBOX=$(target_out busybox); KEEL_PORT_DROPBEAR=$(target_out dropbear)
  KEEL_PORT_MINI_HTTPD=$(target_out mini-httpd)
  for d in "$KEEL_PORT_BUSYBOX" "$KEEL_PORT_DROPBEAR" "$KEEL_PORT_MINI_HTTPD"; do
    [ -d "$d" ] || die "--no-build: $d is not built; run ports/build.sh all"
  done
fi
log "stage: into $root"

# link TARGET LINKPATH: a relative symlink at ROOT/LINKPATH to ROOT/TARGET (both root-relative).
link() {
  local target=$1 path=$2 up="" rest
  rest=$(dirname "$path")
  while [ "$rest" != . ] && [ "$rest" != / ]; do up="../$up"; rest=$(dirname "$rest"); done
  mkdir -p "$root/$(dirname "$path")"
  ln -sfn "$up$target" "$root/$path"
}

for d in bin sbin usr/bin usr/sbin dev proc sys run var/log var/www etc/dropbear; do
  mkdir -p "$root/$d"
done
install -d -m 1777 "$root/tmp"; install -d -m 700 "$root/root"

# busybox and its applets
install -m 755 "$KEEL_PORT_BUSYBOX/bin/busybox" "$root/bin/busybox"
n=0
while read -r p; do
  [ "$p" = bin/busybox ] && continue
  link bin/busybox "$p"; n=$((n + 1))
done < <("$root/bin/busybox" --list-full)
log "stage: /bin/busybox and $n applet links"

# dropbear
install -m 755 "$KEEL_PORT_DROPBEAR/bin/dropbearmulti" "$root/usr/sbin/dropbearmulti"
link usr/sbin/dropbearmulti usr/sbin/dropbear
for p in dbclient dropbearkey dropbearconvert scp; do link usr/sbin/dropbearmulti "usr/bin/$p"; done
log "stage: /usr/sbin/dropbearmulti, /usr/sbin/dropbear, /usr/bin/{dbclient,dropbearkey,dropbearconvert,scp}"

# mini_httpd
install -m 755 "$KEEL_PORT_MINI_HTTPD/bin/mini_httpd" "$root/usr/sbin/mini_httpd"
install -m 755 "$KEEL_PORT_MINI_HTTPD/bin/htpasswd" "$root/usr/sbin/htpasswd"
log "stage: /usr/sbin/mini_httpd, /usr/sbin/htpasswd"

# skeleton files: every directory of initrd/ (not the builder script next to them)
for d in "$KEEL_ROOT"/initrd/*/; do
  [ -d "$d" ] || continue
  cp -R --no-preserve=ownership "$d" "$root/"
done
chmod 600 "$root/etc/shadow"
chmod 644 "$root/etc/passwd" "$root/etc/group" "$root/etc/shells"
log "stage: skeleton from initrd/ ($(cd "$KEEL_ROOT/initrd" && find . -mindepth 2 -type f | wc -l) files)"

# every staged ELF must be static: no PT_INTERP
bad=0; elves=0
while IFS= read -r -d '' f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  elves=$((elves + 1))
  if readelf -lW "$f" | grep -q 'INTERP'; then log "stage: $f has PT_INTERP (not static)"; bad=1; fi
done < <(find "$root" -type f -print0)
[ $bad = 0 ] || die "stage: dynamic executables staged; every Keel binary must be static"
log "stage: done; $elves ELF files, all static without PT_INTERP"
