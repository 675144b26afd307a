#!/usr/bin/env bash
# Proves ThreadSanitizer sees the read path: builds a scratch copy of the
# tree with a plain `counter++` planted at the top of deliver_fire (the
# fire path every hvdb_write takes, inside the RCU read section) and runs
# the stress test under TSan with .ci/tsan.supp. Passes only when TSan
# reports that race (exit 66 and a report naming deliver_fire); fails if
# the plant did not apply, or TSan stayed quiet.
#
#   .ci/tsan-planted.sh [BUILD_DIR]   (default build-tsan-planted)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/${1:-build-tsan-planted}
copy=$build/tree

rm -rf "$copy"
mkdir -p "$copy"
git ls-files -z | xargs -0 cp --parents -t "$copy"
awk '/^void deliver_fire\(/ { f = 1 }
     f && /^\{/ { print; print "\tstatic unsigned long planted_race;";
		  print "\tplanted_race++;"; f = 0; next }
     { print }' "$root/src/deliver.c" >"$copy/src/deliver.c"
if [ "$(grep -c planted_race "$copy/src/deliver.c")" -ne 2 ]; then
	echo "tsan-planted: could not plant the race in src/deliver.c" >&2
	exit 1
fi

CC=clang cmake -S "$copy" -B "$build/out" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DHVDB_SANITIZE=thread -DHVDB_WERROR=OFF >/dev/null
cmake --build "$build/out" -j"$(nproc)" --target reliability_test_stress \
	>/dev/null
log=$build/stress.log
rc=0
TSAN_OPTIONS="suppressions=$root/.ci/tsan.supp:halt_on_error=1" \
	STRESS_SECONDS=1 "$build/out/bin/reliability_test_stress" >"$log" 2>&1 ||
	rc=$?
if [ "$rc" -eq 66 ] && grep -q "WARNING: ThreadSanitizer: data race" "$log" &&
	grep -q "deliver_fire" "$log"; then
	echo "== TSan reported the planted race in deliver_fire: wired"
	exit 0
fi
tail -n 30 "$log"
echo "tsan-planted: TSan did not report the planted race (exit $rc)" >&2
exit 1
