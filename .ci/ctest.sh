#!/usr/bin/env bash
# ctest as CI runs it: fails when the selection holds no test
# (--no-tests=error), and appends each test it skipped ("BUILD_DIR:
# NAME") to the file $CI_SKIPS when that is set (.ci/run prints them).
#
#   .ci/ctest.sh BUILD_DIR [ctest arguments...]
set -euo pipefail
dir=$1
shift
log=$(mktemp)
rc=0
ctest --test-dir "$dir" --no-tests=error "$@" 2>&1 | tee "$log" || rc=$?
if [ -n "${CI_SKIPS:-}" ]; then
	sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$log" |
		sed "s|^|$dir: |" >>"$CI_SKIPS"
fi
rm -f "$log"
exit "$rc"
