#!/usr/bin/env bash
# Print shell assignments for the Keel sysroot, building it first if needed:
#   eval "$(ports/sysroot-env.sh)"    # sets KEEL_SYSROOT and KEEL_CC (the keel-cc wrapper)
# Same as `ports/build.sh --print-env`; extra arguments (targets, --refresh) are passed on.
set -euo pipefail
exec "$(dirname "$0")/build.sh" --print-env "$@"
