# tests/busybox/filter.sed: the only differences allowed between runs of script.sh, on Linux
# and on Keel: the numbers on the lines that show process ids (`pid: ...`) or times
# (`time: ...`) become N. tests/stages/60-busybox.sh applies it to both outputs before diff.
/^pid: /s/[0-9][0-9]*/N/g
/^time: /s/[0-9][0-9]*/N/g
