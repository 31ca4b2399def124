#!/usr/bin/env bash
# Runs an initrd on Debian's Linux kernel in QEMU: Linux referees Keel's in-guest tests.
#
#   tools/linux-referee.sh [OPTIONS] INITRD [INIT_PATH [EXTRA_CMDLINE...]]
#   tools/linux-referee.sh --side-by-side LEFT_LOG RIGHT_LOG [LEFT_NAME RIGHT_NAME]
#   tools/linux-referee.sh --kernel-only       (fetch + extract the kernel, print its path)
#
# INIT_PATH (default /init) becomes `rdinit=`; EXTRA_CMDLINE words are appended to the command
# line (e.g. keel.test=conformance). The kernel is Debian's linux-image-amd64 (its versioned
# linux-image-6.1.*-amd64 package), fetched with `apt-get download` into
# ${KEEL_CACHE:-~/.cache/keel}/linux/ and unpacked there with dpkg-deb (never installed); the ELF
# vmlinux is extracted from the bzImage (its payload, xz in Debian 6.1, found through the setup
# header's payload_offset) and boots with `qemu -kernel` through its PVH note, skipping the
# ~5 s of decompression under TCG.
#
# QEMU: -accel tcg -cpu max -m MEM (256M) -nographic -no-reboot, command line
# `console=ttyS0 rdinit=INIT_PATH quiet panic=-1 ...`. The serial output streams to stdout and
# to the log file.
#
# Options:
#   --timeout SEC      kill QEMU after SEC seconds (default 120)
#   --log FILE         serial log (default ${KEEL_CACHE:-~/.cache/keel}/linux/last-run.log)
#   --with-net         append the virtio-net modules (virtio, virtio_ring, virtio_pci and its
#                      modern/legacy helpers, failover, net_failover, virtio_net) to the initrd
#                      under /lib/modules/VERSION/, with their load order in
#                      /lib/modules/keel-net-modules, and give QEMU a virtio-net NIC (user net)
#   --net-opt OPT      with --with-net: one more option for QEMU's user network, e.g.
#                      hostfwd=tcp:127.0.0.1:8080-:80 (repeatable)
#   --qemu-arg ARG     one more QEMU argument (repeatable)
#   --mem SIZE         guest memory (default 256M)
#   --quiet            do not stream the serial output (the summary is still printed)
# Result (exit status): 0 when the log has a summary line `N passed, 0 failed` and no kernel
# panic; 1 when the summary reports failures; 2 when no summary was reached (panic, triple
# fault, timeout: QEMU exits 0 after a triple fault with -no-reboot, so the summary decides).
# The last `N passed, N failed` line in the log is the one that counts.
#
# --side-by-side prints the PASS/FAIL lines of two logs in two columns, then the checks whose
# results differ and the checks that only one side ran. Usable as a function after sourcing
# this file: `KEEL_REFEREE_LIB=1 . tools/linux-referee.sh; side_by_side a.log b.log`.
set -euo pipefail

cache=${KEEL_CACHE:-$HOME/.cache/keel}/linux

die() { echo "linux-referee: $*" >&2; exit 2; }
say() { echo "linux-referee: $*" >&2; }

# --- the kernel ---------------------------------------------------------------------------
# Prints the path of the cached, extracted vmlinux; fetches the package once.
kernel_fetch() {
  mkdir -p "$cache"
  local pkg deb ver
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || pkg=$(cd "$cache" && ls linux-image-6.1.*-amd64_*.deb 2>/dev/null | head -1 | cut -d_ -f1)
  [ -n "$pkg" ] || die "cannot tell which linux-image-6.1.*-amd64 package linux-image-amd64 wants: run 'apt-get update'"
  ver=${pkg#linux-image-}
  if [ -f "$cache/$ver/vmlinux" ]; then echo "$cache/$ver"; return; fi
  deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    say "downloading $pkg (apt-get download) into $cache"
    (cd "$cache" && apt-get download "$pkg" >&2) ||
      die "apt-get download $pkg failed: run 'apt-get update' and retry"
    deb=$(ls "$cache/${pkg}"_*.deb | head -1)
  fi
  say "unpacking $(basename "$deb")"
  rm -rf "$cache/$ver.tmp"; mkdir -p "$cache/$ver.tmp"
  dpkg-deb -x "$deb" "$cache/$ver.tmp"
  say "extracting vmlinux from vmlinuz-$ver"
  python3 - "$cache/$ver.tmp/boot/vmlinuz-$ver" "$cache/$ver.tmp/vmlinux" <<'EOF'
import lzma, struct, sys, subprocess
d = open(sys.argv[1], "rb").read()
if d[0x202:0x206] != b"HdrS":
    sys.exit("not a bzImage: no HdrS setup header")
setup_sects = d[0x1F1] or 4
off, length = struct.unpack_from("<II", d, 0x248)   # payload_offset, payload_length
start = (setup_sects + 1) * 512 + off
p = d[start:start + length]
if p.startswith(b"\xfd7zXZ\x00"):
    v = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(p)
elif p.startswith(b"\x28\xb5\x2f\xfd"):
    v = subprocess.run(["zstd", "-dc"], input=p, capture_output=True, check=True).stdout
elif p.startswith(b"\x1f\x8b"):
    import gzip; v = gzip.decompress(p)
else:
    sys.exit("unknown payload compression %r" % p[:6])
if v[:4] != b"\x7fELF":
    sys.exit("payload is not an ELF")
open(sys.argv[2], "wb").write(v)
EOF
  rm -rf "$cache/$ver"; mv "$cache/$ver.tmp" "$cache/$ver"
  echo "$cache/$ver"
}

# Writes a cpio with the virtio-net modules of kernel dir $1 to $2.
net_modules_cpio() {
  local kdir=$1 out=$2 ver stage m
  ver=$(basename "$kdir")
  stage=$(mktemp -d); mkdir -p "$stage/lib/modules/$ver"
  local order=(drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko
    drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko
    drivers/virtio/virtio_pci.ko net/core/failover.ko drivers/net/net_failover.ko
    drivers/net/virtio_net.ko)
  : > "$stage/lib/modules/keel-net-modules"
  for m in "${order[@]}"; do
    if [ -f "$kdir/lib/modules/$ver/kernel/$m" ]; then
      cp "$kdir/lib/modules/$ver/kernel/$m" "$stage/lib/modules/$ver/"
      echo "/lib/modules/$ver/$(basename "$m")" >> "$stage/lib/modules/keel-net-modules"
    else
      say "note: $m is not a module in $ver (built in?), skipped"
    fi
  done
  python3 "$(dirname "$0")/../initrd/mkcpio.py" "$stage" "$out" >&2
  rm -rf "$stage"
}

# --- side by side ---------------------------------------------------------------------------
# Extracts "name<TAB>PASS|FAIL" from a log (serial noise and \r removed).
results_of() {
  tr -d '\r' < "$1" | sed -n 's/.*\(PASS\|FAIL\) \([^ :]*\).*/\2\t\1/p'
}
summary_of() {
  tr -d '\r' < "$1" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1 || true
}
side_by_side() {
  local left=$1 right=$2 ln=${3:-linux} rn=${4:-keel}
  [ -r "$left" ] || die "cannot read $left"
  [ -r "$right" ] || die "cannot read $right"
  python3 - "$left" "$right" "$ln" "$rn" <<'EOF'
import re, sys
def parse(path):
    res, order, summ = {}, [], None
    for line in open(path, errors="replace"):
        line = line.replace("\r", "").rstrip("\n")
        m = re.search(r"\b(PASS|FAIL) ([^ :]+)", line)
        if m:
            if m.group(2) not in res:
                order.append(m.group(2))
            res[m.group(2)] = m.group(1)
        if re.fullmatch(r"\d+ passed, \d+ failed", line):
            summ = line
    return res, order, summ
(l, lo, ls), (r, ro, rs) = parse(sys.argv[1]), parse(sys.argv[2])
ln, rn = sys.argv[3], sys.argv[4]
names = lo + [n for n in ro if n not in l]
w = max([len(n) for n in names] + [10])
print(f"{'check':<{w}}  {ln:<6}  {rn:<6}")
for n in names:
    a, b = l.get(n, "-"), r.get(n, "-")
    mark = "" if a == b else "   <-- differs"
    print(f"{n:<{w}}  {a:<6}  {b:<6}{mark}")
diff = [n for n in names if n in l and n in r and l[n] != r[n]]
only_l = [n for n in names if n not in r]
only_r = [n for n in names if n not in l]
print(f"\n{ln}: {ls or 'NO SUMMARY'}\n{rn}: {rs or 'NO SUMMARY'}")
print(f"differing results: {len(diff)}" + ("".join(f"\n  {n}: {ln} {l[n]}, {rn} {r[n]}" for n in diff)))
print(f"only on {ln}: {len(only_l)}" + ("".join(f"\n  {n}" for n in only_l)))
print(f"only on {rn}: {len(only_r)}" + ("".join(f"\n  {n}" for n in only_r)))
EOF
}

[ "${KEEL_REFEREE_LIB:-0}" = 1 ] && return 0

# --- main -------------------------------------------------------------------------------------
timeout=120; log=""; with_net=0; quiet=0; qemu_extra=(); mem=256M; net_opts=
while [ $# -gt 0 ]; do
  case $1 in
    --side-by-side) shift; [ $# -ge 2 ] || die "--side-by-side needs two logs"; side_by_side "$@"; exit 0 ;;
    --kernel-only) kernel_fetch; exit 0 ;;
    --timeout) timeout=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --with-net) with_net=1; shift ;;
    --net-opt) net_opts="$net_opts,$2"; shift 2 ;;
    --qemu-arg) qemu_extra+=("$2"); shift 2 ;;
    --quiet) quiet=1; shift ;;
    --mem) mem=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || die "usage: tools/linux-referee.sh [OPTIONS] INITRD [INIT_PATH [CMDLINE...]] (see --help)"
initrd=$1; init=${2:-/init}; shift; [ $# -gt 0 ] && shift
[ -r "$initrd" ] || die "cannot read initrd $initrd: build it with initrd/mkcpio.py"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: apt-get install qemu-system-x86"

kdir=$(kernel_fetch)
mkdir -p "$cache"
log=${log:-$cache/last-run.log}
run_initrd=$initrd
net_args=(-nic none)
if [ $with_net = 1 ]; then
  run_initrd=$(mktemp "${TMPDIR:-/tmp}/keel-referee-initrd.XXXXXX")
  net_modules_cpio "$kdir" "$run_initrd.mods"
  # Linux takes a compressed archive followed by an uncompressed one badly ("invalid magic at
  # start of compressed archive"): a gzipped initrd is unpacked before the modules are added.
  if [ "$(head -c 2 "$initrd" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
    gzip -dc "$initrd" > "$run_initrd"
  else
    cat "$initrd" > "$run_initrd"
  fi
  cat "$run_initrd.mods" >> "$run_initrd"; rm -f "$run_initrd.mods"
  net_args=(-nic "user,model=virtio-net-pci$net_opts")
fi
cmdline="console=ttyS0 rdinit=$init quiet panic=-1 $*"
say "kernel $(basename "$kdir"), initrd $initrd, cmdline: $cmdline"
say "serial log: $log (timeout ${timeout}s)"
start=$(date +%s.%N)
set +e
if [ $quiet = 1 ]; then
  timeout --foreground -k 5 "$timeout" qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 1 \
    -nographic -no-reboot -kernel "$kdir/vmlinux" -initrd "$run_initrd" -append "$cmdline" \
    "${net_args[@]}" "${qemu_extra[@]}" < /dev/null > "$log" 2>&1
  qrc=$?
else
  timeout --foreground -k 5 "$timeout" qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 1 \
    -nographic -no-reboot -kernel "$kdir/vmlinux" -initrd "$run_initrd" -append "$cmdline" \
    "${net_args[@]}" "${qemu_extra[@]}" < /dev/null 2>&1 | tee "$log"
  qrc=${PIPESTATUS[0]}
fi
set -e
[ $with_net = 1 ] && rm -f "$run_initrd"
secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo "?")
summary=$(summary_of "$log")
say "QEMU exited with $qrc after ${secs}s"
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
  say "TIMEOUT after ${timeout}s: the last lines were:"; tail -n 15 "$log" >&2
fi
if grep -q 'Kernel panic' "$log"; then
  say "the kernel panicked:"; grep -A3 'Kernel panic' "$log" | head -5 >&2
  summary=""
fi
if [ -z "$summary" ]; then
  say "RESULT: no summary line reached (crash, panic or timeout); log: $log"
  exit 2
fi
failed=$(echo "$summary" | sed -E 's/.*, ([0-9]+) failed/\1/')
say "RESULT: $summary"
[ "$failed" = 0 ] || { grep -a '^FAIL ' "$log" | tr -d '\r' >&2 || true; exit 1; }
exit 0
