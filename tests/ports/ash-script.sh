# busybox ash script run by tests/stages/30-ports-linux.sh in the chroot (`/bin/sh` is busybox):
# pipelines, here-documents, $(...), trap, functions, arithmetic and coreutils. Its output must
# equal ash-script.expected exactly.
set -u
cd /tmp
mkdir -p ashtest && cd ashtest

# pipelines and coreutils
printf 'pear\napple\nfig\napple\nbanana\n' > fruit.txt
echo "sorted: $(sort fruit.txt | uniq | tr '\n' ' ')"
echo "count: $(wc -l < fruit.txt | tr -d ' ')"
echo "apples: $(grep -c apple fruit.txt)"
sort fruit.txt | uniq -c | sort -k1,1nr -k2 | head -n 1 | awk '{ print "most: " $2 " x" $1 }'
echo "upper: $(echo keel | tr a-z A-Z) $(echo hello-world | cut -d- -f2) $(basename /usr/bin/env)"
seq 1 5 | paste -sd+ | sed 's/^/sum of /;s/$/ = /' | tr -d '\n'; echo $(( $(seq 1 5 | paste -sd+) ))

# here-documents, quoted and unquoted
name=Keel
cat <<EOT
here: $name $((6 * 7))
EOT
cat <<'EOT'
literal: $name $((6 * 7))
EOT
while read -r a b; do echo "pair: $b-$a"; done <<EOT
1 one
2 two
EOT

# command substitution, nested
echo "nested: $(echo "$(echo inner) outer")"
len=$(printf '%s' "$(head -c 1000 /dev/zero | tr '\0' x)" | wc -c)
echo "length: $((len + 0))"

# functions, return status, case, loops
f() { [ "$1" -gt 2 ] && return 0; return 1; }
for i in 1 2 3 4; do if f "$i"; then echo "big $i"; else echo "small $i"; fi; done
case "file.tar.gz" in *.tar.gz) echo "case: tarball";; *) echo "case: other";; esac
i=0; while [ $i -lt 3 ]; do i=$((i + 1)); done; echo "loop: $i"

# trap on EXIT in a subshell, and on a signal
( trap 'echo "trap: exit in subshell"' EXIT; echo "subshell body" )
trap 'echo "trap: USR1 caught"' USR1
kill -USR1 $$
trap - USR1

# files, find, tar, gzip, md5sum
mkdir -p tree/a/b && echo data > tree/a/b/file && echo more > tree/top
find tree -type f | sort
tar czf tree.tgz tree && rm -rf tree && tar xzf tree.tgz && cat tree/a/b/file
echo hello | md5sum | cut -c1-32
echo "exit status: $(false; echo $?) $(true; echo $?)"

# background job and wait
( sleep 0.1; echo "background done" ) & wait $!
cd / && rm -rf /tmp/ashtest
trap 'echo "trap: EXIT at end"' EXIT
