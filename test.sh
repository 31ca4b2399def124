#!/usr/bin/env bash
# The one test command: ./test.sh [STAGE...]
#
# Runs every stage in tests/stages/ in order (or only the named ones, e.g. `./test.sh host`),
# each a script that builds what it needs and exits 0 on success. Prints one line per stage and
# `N passed, N failed` at the end; exits non-zero if any stage failed.
#
# First it makes sure the machine has what the stages need (tools/deps.sh test, shared with
# ./mkimage.sh): as root on Debian 12 it apt-installs missing packages and adds the Rust targets
# and components itself; as another user it prints the apt-get command to run as root and
# exits 1 before any stage runs.
set -euo pipefail
cd "$(dirname "$0")"
tools/deps.sh test || { echo "test.sh: missing dependencies (see above); no stage ran" >&2; exit 1; }
pass=0; fail=0; failed=()
for s in tests/stages/*.sh; do
  name=$(basename "$s" .sh); short=${name#*-}
  if [ $# -gt 0 ]; then
    want=0; for a in "$@"; do [ "$a" = "$short" ] || [ "$a" = "$name" ] && want=1; done
    [ $want = 1 ] || continue
  fi
  echo "=== stage $name"
  start=$(date +%s)
  if bash "$s"; then
    echo "=== stage $name: PASS ($(( $(date +%s) - start )) s)"; pass=$((pass + 1))
  else
    echo "=== stage $name: FAIL ($(( $(date +%s) - start )) s)"; fail=$((fail + 1)); failed+=("$name")
  fi
done
[ $fail -eq 0 ] || echo "failed stages: ${failed[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
