#!/usr/bin/env bash
# The image's users, ssh keys and servers' settings, for mkimage.sh (not meant to be run alone).
#
#   tools/image-users.sh ROOT BUILD SSH_PORT HTTP_PORT ROOT_PASSWORD AUTHORIZED_KEYS_FILE
#
# Into the staged ROOT (ports/stage.sh has put busybox and dropbear there):
#   - the user running mkimage.sh, with the same uid/gid (root if that is root), owning /www
#     (the web root, so they can publish files over scp), home
#     /home/NAME (or /root) and ~/.ssh/authorized_keys: AUTHORIZED_KEYS_FILE, else every
#     ~/.ssh/*.pub, else a key pair made once in BUILD/ssh/id_ed25519; the same keys log in
#     as root;
#   - root's password (SHA-512 crypt by the image's own busybox cryptpw) when ROOT_PASSWORD is
#     not empty, and then dropbear allows password logins (/etc/default/dropbear);
#   - dropbear's host keys, made once in BUILD/dropbear/ by the image's dropbearkey and copied;
#   - /etc/keel-banner, printed by /etc/init.d/rcS at boot: the ssh and curl commands.
# Writes BUILD/image-owners (PATH:UID:GID lines for initrd/mkcpio.py --owner) and
# BUILD/keel-banner (the banner, also printed by mkimage.sh --boot).
set -euo pipefail
[ $# -eq 6 ] || { echo "usage: tools/image-users.sh ROOT BUILD SSH_PORT HTTP_PORT ROOT_PASSWORD KEYS_FILE" >&2; exit 2; }
root=$1 build=$2 ssh_port=$3 http_port=$4 root_pw=$5 keys_file=$6
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "mkimage: $*" >&2; exit 1; }
bb=$root/bin/busybox   # static: runs on the build machine as well

# ---- the user -------------------------------------------------------------------------------
name=$(id -un) uid=$(id -u) gid=$(id -g)
if [ "$uid" = 0 ]; then
  name=root home=/root
else
  home=/home/$name
  grep -q "^$name:" "$root/etc/passwd" && die "user '$name' clashes with a user of the image's /etc/passwd"
  group=$(id -gn)
  grep -q "^[^:]*:[^:]*:$gid:" "$root/etc/group" ||
    printf '%s:x:%s:\n' "$group" "$gid" >> "$root/etc/group"
  printf '%s:x:%s:%s:%s:%s:/bin/sh\n' "$name" "$uid" "$gid" "$name" "$home" >> "$root/etc/passwd"
  # `*`: no password works; dropbear's public-key logins do not read the shadow entry.
  printf '%s:*:20000:0:99999:7:::\n' "$name" >> "$root/etc/shadow"
fi
install -d -m 700 "$root$home" "$root$home/.ssh"

keys=$root$home/.ssh/authorized_keys
: > "$keys"
ident=""
if [ -n "$keys_file" ]; then
  [ -r "$keys_file" ] || die "--authorized-keys $keys_file cannot be read"
  cat "$keys_file" >> "$keys"
else
  for f in "${HOME:-/nonexistent}"/.ssh/*.pub; do [ -r "$f" ] && cat "$f" >> "$keys"; done
fi
if ! grep -q . "$keys"; then
  if [ ! -f "$build/ssh/id_ed25519" ]; then
    command -v ssh-keygen > /dev/null || die "no public key in ~/.ssh and no ssh-keygen to make one (apt-get install openssh-client)"
    mkdir -p "$build/ssh"
    ssh-keygen -q -t ed25519 -N '' -C "keel-image" -f "$build/ssh/id_ed25519"
    say "users: no public key in ~/.ssh: made $build/ssh/id_ed25519 for logging in"
  fi
  cat "$build/ssh/id_ed25519.pub" >> "$keys"
  ident="-i $build/ssh/id_ed25519 "
fi
chmod 600 "$keys"
# The same keys open root's account: the image is the builder's machine to administer.
if [ "$home" != /root ]; then
  install -d -m 700 "$root/root/.ssh"
  install -m 600 "$keys" "$root/root/.ssh/authorized_keys"
fi
printf "%s\n" "$home:$uid:$gid" "/www:$uid:$gid" > "$build/image-owners"
say "users: $name (uid $uid) with $(grep -c . "$keys") authorized key(s)"

# ---- root's password ------------------------------------------------------------------------
mkdir -p "$root/etc/default"
if [ -n "$root_pw" ]; then
  hash=$("$bb" cryptpw -m sha512 "$root_pw")
  sed -i "s|^root:[^:]*:|root:$hash:|" "$root/etc/shadow"
  echo 'DROPBEAR_ARGS=""' > "$root/etc/default/dropbear"
  say "users: root has the password given; ssh takes passwords and keys"
else
  echo 'DROPBEAR_ARGS="-s"' > "$root/etc/default/dropbear"
fi

# ---- dropbear's host keys -------------------------------------------------------------------
mkdir -p "$build/dropbear"
for t in ed25519 ecdsa rsa; do
  k=$build/dropbear/dropbear_${t}_host_key
  if [ ! -f "$k" ]; then
    "$root/usr/bin/dropbearkey" -t "$t" -f "$k.new" > /dev/null 2>&1 || die "dropbearkey -t $t failed"
    mv "$k.new" "$k"
    say "host key: made $k (kept for later builds)"
  fi
  install -m 600 "$k" "$root/etc/dropbear/"
done

# ---- the banner -----------------------------------------------------------------------------
at=$name@localhost
{
  echo
  echo "Keel is up. From the host that runs QEMU (mkimage.sh --boot forwards these ports):"
  echo "    ssh ${ident}-p $ssh_port $at"
  echo "    curl http://localhost:$http_port/"
  echo
} > "$build/keel-banner"
cp "$build/keel-banner" "$root/etc/keel-banner"
[ -n "$ident" ] && say "log in with: ssh ${ident}-p $ssh_port $at"
exit 0
