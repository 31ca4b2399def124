# tests/busybox/script.sh: a busybox ash script that tests/stages/60-busybox.sh runs inside the
# guest on Linux and on Keel (sh script.sh 2>&1 | cat, from /keel-bb/init). Its output must be
# the same on both kernels byte for byte, after tests/busybox/filter.sed (which only masks the
# numbers of the `pid:` and `time:` lines), and on Linux equal to tests/busybox/script.expected.
# It exercises the process layer through the shell: pipelines, redirections, here-documents,
# subshells, command substitution, background jobs and wait, traps and signals, loops and
# arithmetic, and the usual tools (ls cat grep sed awk sort wc find tar gzip gunzip md5sum
# xargs head tr uniq cut...). Everything it prints must be deterministic: no times, no pids
# (except on the filtered lines), no directory order (sort find's output), no tar mtimes.
# Sections start with `== NAME` so that a diff shows where it is.
set -u
umask 022
export LC_ALL=C LS_COLORS=none
trap 'echo "EXIT trap: status $?"' EXIT
w=/tmp/bbscript
rm -rf "$w"
mkdir -p "$w"
cd "$w" || exit 1

echo "== pipelines"
printf 'pear\napple\nfig\napple\nbanana\ncherry\napple\n' > fruit
sort fruit | uniq -c | sort -k1,1nr -k2 | head -n 3
cat fruit | tr a-z A-Z | sort -r | uniq | head -n 2
grep -c an fruit
grep -v a fruit | wc -l
sed -n '2,4p' fruit | cut -c1-3
awk '{ n += length($0) } END { print "chars:", n, "lines:", NR }' fruit
false | true; echo "status of false | true: $?"
true | false; echo "status of true | false: $?"
! false; echo "status of ! false: $?"
echo a b c | { read -r x y z; echo "$z $y $x"; }
seq 1 100 | awk '$1 % 7 == 0' | xargs echo "multiples of 7:"
yes keel | head -n 1000 | uniq -c
seq 1 20000 | gzip -c | gunzip -c | md5sum
head -c 300000 /dev/zero | tr '\0' k | wc -c
printf '%s\n' c b a | sort | xargs

echo "== redirections"
echo one > out
echo two >> out
echo three >> out
cat < out
wc -l < out
ls does-not-exist > err 2>&1; echo "ls status: $?"
cat err
{ echo to-stdout; echo to-stderr >&2; } > both 2>&1
sort both
cat missing-file 2> /dev/null || echo "cat of a missing file failed quietly"
exec 3> fd3
echo "first line via fd 3" >&3
echo "second line via fd 3" >&3
exec 3>&-
cat fd3
exec 4< fruit
read -r l1 <&4
read -r l2 <&4
exec 4<&-
echo "read from fd 4: $l1 $l2"
set -C
(echo clobber > out) 2> /dev/null || echo "noclobber refused to overwrite"
set +C
: > empty
echo "empty file: $(wc -c < empty) bytes"
echo "to /dev/null" > /dev/null && echo "/dev/null accepted"
exec 5<> rw
echo "read-write fd" >&5
exec 5>&-
cat rw

echo "== here-documents"
name=keel
cat << EOF
unquoted: $name $((6 * 7)) $(echo substituted)
EOF
cat << 'EOF'
quoted: $name $((6 * 7)) $(echo not-substituted)
EOF
cat <<- EOF
	tabs stripped: $name
	EOF
while read -r num word; do echo "$word=$num"; done << EOF
1 one
2 two
3 three
EOF
tr a-z A-Z << EOF | sed 's/^/shouted: /'
here-document into a pipeline
EOF

echo "== subshells and command substitution"
x=outer
(x=inner; echo "in the subshell: $x")
echo "after the subshell: $x"
(cd /usr/bin && pwd)
pwd | sed "s|^$w\$|still in the work directory|"
echo "nested: $(echo "a $(echo "b $(echo c)")")"
echo "lines: $(printf '%s\n' one two three | wc -l)"
echo "backquotes: `echo old style`"
(exit 3); echo "subshell exit status: $?"
v=$(echo captured; exit 4); echo "captured '$v', status $?"
f() { echo "function args: $# $*"; return 6; }
f one two three; echo "function status: $?"
out=$(f a b); echo "function in \$(...): $out"
y=$( (echo deep; echo er) | tr '\n' ' ' ); echo "subshell pipeline: $y"

echo "== background jobs"
(sleep 0.3; echo slow > bg-slow) &
slow=$!
(echo fast > bg-fast; exit 5) &
fast=$!
wait $fast; echo "wait \$! of the fast job: $?"
wait $slow; echo "wait of the slow job: $?"
cat bg-fast bg-slow
for i in 3 1 2; do (sleep 0.$i; echo "job $i done" > job$i) & done
wait; echo "wait for all: $?"
cat job1 job2 job3
sleep 10 &
victim=$!
kill $victim
# ash reports "Terminated" on stderr only if the job dies after `wait` begins, a race on any
# kernel: the report is kept out of the compared output.
wait $victim 2>/dev/null; echo "a job killed by SIGTERM: $?"
echo "pid: shell $$, last job $!"

echo "== traps and signals"
trap 'echo "USR1 caught"' USR1
kill -USR1 $$
echo "after the first USR1"
count=0
trap 'count=$((count + 1))' USR1
kill -USR1 $$; kill -USR1 $$; kill -USR1 $$
echo "USR1 counted: $count"
trap - USR1
(trap 'echo "EXIT trap in a subshell"' EXIT; echo "subshell body")
(trap 'echo "TERM trap in a subshell"; exit 7' TERM; sh -c 'kill -TERM $PPID'; sleep 1; echo "not reached")
echo "subshell ended by its TERM trap: $?"
sh -c 'kill -KILL $$'; echo "sh killed by SIGKILL: $?"
trap '' INT
kill -INT $$
echo "INT ignored by trap ''"
trap - INT

echo "== loops and arithmetic"
i=0
sum=0
while [ $i -lt 10 ]; do
  i=$((i + 1))
  sum=$((sum + i * i))
done
echo "sum of squares 1..10: $sum"
echo "arithmetic: $((7 / 2)) $((7 % 3)) $((2 ** 10)) $((-5 >> 1)) $((0x1f)) $((1 << 40)) $((3 > 2 && 1))"
n=5 fact=1
until [ $n -le 1 ]; do fact=$((fact * n)); n=$((n - 1)); done
echo "5! = $fact"
for word in alpha beta gamma; do printf '%s:%d ' "$word" "${#word}"; done; echo
fib() { if [ "$1" -lt 2 ]; then echo "$1"; else echo $(($(fib $(($1 - 1))) + $(fib $(($1 - 2))))); fi; }
echo "fib 10: $(fib 10)"
k=0
while :; do k=$((k + 1)); [ $k -eq 3 ] && continue; [ $k -ge 5 ] && break; printf '%d ' $k; done; echo
case "archive.tar.gz" in *.tar.gz) echo "case: tarball" ;; *) echo "case: other" ;; esac
s="path/to/file.txt"
echo "expansions: ${s##*/} ${s%/*} ${s#*/} ${s%.txt} ${#s} ${unset_var:-default}"

echo "== files"
mkdir -p tree/a/b tree/c
echo data > tree/a/b/file1
printf 'line1\nline2\n' > tree/a/file2
seq 1 2000 > tree/c/numbers
ln -s ../a/file2 tree/c/link
ls tree
ls -a tree/a
ls -1 tree/c
ls -l tree/a/file2 | awk '{ print $1, $5, $NF }'
ls -ld tree/c | cut -c1-10
find tree -type f | sort
find tree -name 'file*' | sort
find tree -type l
find tree -type f -size +1k
find tree -type d | sort | xargs echo
wc -l tree/c/numbers
wc -c < tree/c/numbers
md5sum tree/a/b/file1 tree/c/numbers
find tree -type f | sort | xargs md5sum
find tree -type f | sort | xargs -n 1 basename
cat tree/c/link
cp tree/c/numbers copy && cmp tree/c/numbers copy && echo "cp: identical"
mv copy moved && [ ! -e copy ] && [ -f moved ] && echo "mv: moved"
rm moved && [ ! -e moved ] && echo "rm: removed"
head -n 3 tree/c/numbers | tr '\n' ' '; echo
tail -n 2 tree/c/numbers | tr '\n' ' '; echo
dd if=/dev/zero bs=1024 count=64 2> /dev/null | md5sum
test -d tree && test -f tree/a/file2 && test -L tree/c/link && test ! -e tree/none && echo "test: all true"

echo "== tar and gzip"
tar cf tree.tar tree
tar tf tree.tar | sort
echo "tar size: $(wc -c < tree.tar)"
gzip -c tree/c/numbers > numbers.gz
echo "gzip size: $(wc -c < numbers.gz)"
gunzip -c numbers.gz | md5sum
gzip tree.tar && ls tree.tar*
gunzip tree.tar.gz && ls tree.tar*
tar czf tree.tgz tree
mkdir restore
tar xzf tree.tgz -C restore
diff -r tree restore/tree && echo "tar czf | tar xzf: the trees are equal"
(cd restore && find . -type f | sort | xargs md5sum)
gzip -t numbers.gz && echo "gzip -t: ok"
echo "not gzip" > bad.gz
gunzip -t bad.gz 2> /dev/null || echo "gunzip -t of a bad file failed"

echo "== text tools"
printf 'b 2\na 1\nc 3\na 1\n' | sort | uniq
printf 'b 2\na 1\nc 3\na 1\n' | sort -k2,2nr -u
printf 'one,two,three\nfour,five,six\n' | cut -d, -f2,3
printf 'x:y:z\n' | awk -F: '{ print $3 $2 $1, NF }'
echo "Hello World" | tr -d lo
echo hello | tr a-y b-z
echo "hello world" | sed -e 's/world/keel/' -e 's/^h/H/'
sed -n '/^1.*5$/p' tree/c/numbers | head -n 3 | xargs
grep -E '^(12|34)[0-9]$' tree/c/numbers | xargs
grep -n -i KEEL << EOF
first
keel here
Keel again
EOF
awk 'BEGIN { printf "%.3f %d %s %s\n", 3.14159, 42, toupper("awk"), substr("keelson", 1, 4) }'
awk '{ s += $1 } END { print s, s / NR }' tree/c/numbers
awk -v n=3 'NR <= n { a[NR] = $1 } END { for (i = n; i >= 1; i--) printf "%s ", a[i]; print "" }' fruit
sort -n -r tree/c/numbers | head -n 2 | xargs
seq 1 10 | xargs -n 3 echo
seq 1 5 | paste -sd+ | sed 's/$/ =/' | tr -d '\n'; echo " $(($(seq 1 5 | paste -sd+)))"
echo "abcdef" | cut -c2-4
echo "  spaced   out  " | awk '{ $1 = $1; print "[" $0 "]" }'
printf '%05d|%-5s|%x|%o|%c\n' 42 ab 255 8 Z
echo "time: $(date +%s)"

echo "== proc and system tools"
# /proc, read by ps, top, free, uptime, mount and df. Pids, times and sizes differ between runs
# and kernels: mask turns every number into N and every run of spaces into one.
mask() { sed -e 's/[0-9][0-9]*/N/g' -e 's/  */ /g' -e 's/ *$//'; }
ps > ps.out
grep -v '\[' ps.out | mask
(
  sleep 30 &
  s=$!
  until grep -q '^[0-9]* (sleep) ' /proc/$s/stat; do :; done
  kill -STOP $s
  until grep -q ') T ' /proc/$s/stat; do :; done
  ps -o stat,comm,args | grep '[s]leep 30' | mask
  kill -CONT $s
  until grep -q ') S ' /proc/$s/stat; do :; done
  ps -o stat,comm,args | grep '[s]leep 30' | mask
  kill $s
  wait $s
  echo "sleep after SIGTERM: status $?"
) 2> /dev/null
grep -e '^Name:' -e '^State:' -e '^Threads:' /proc/self/status
ls /proc/self/ | grep -x -e cmdline -e cwd -e exe -e fd -e stat -e status | xargs
readlink /proc/self/fd/0
readlink /proc/self/fd/1 | mask
tty || echo "tty: status $?"
# A percentage is N.N% or, at 100, N% in top: both mask to N%.
top -n 1 -b | head -n 3 | sed -e 's/[0-9][0-9.]*%/N%/g' | mask
free | mask
uptime | mask
mask < /proc/loadavg
sed -n 's/:.*//p' /proc/meminfo | head -n 5 | xargs
cut -d' ' -f1 /proc/stat | head -n 2 | xargs
mount | grep -v -e '^rootfs ' -e '^sysfs '
mount | grep '^rootfs ' | sed 's/ (.*//'
mount -t tmpfs -o size=1m,mode=750 scratch /run
df /run
# (tmpfs's own options, not /proc's, differ: Keel shows nr_inodes and not inode64)
mount | grep ' /run ' | sed -e 's/,nr_inodes=[0-9]*//' -e 's/,inode64//'
umount /run
mount -t devtmpfs devtmpfs /run
stat -c '%n %F %t:%T %a %U:%G' /run/null /run/zero /run/full /run/random /run/urandom \
  /run/tty /run/console /run/ptmx /run/ttyS0
umount /run
hostname keel-bb
hostname
uname -n
cat /proc/sys/kernel/hostname
