#!/usr/bin/env bash
# The whole tree under sanitizers, then valgrind:
#  1. clang ASan+UBSan build (build-asan): every ctest test (unit, cli
#     scenarios and malformed input, snapshot, reliability, kvm where
#     /dev/kvm exists), halting on the first report;
#  2. clang TSan build (build-tsan), with .ci/tsan.supp (liburcu
#     internals only): every test that starts threads (ctest -L
#     concurrency: the stress and ring race tests, the KVM backend and
#     run tests, the soak's stress), the ring and delivery unit tests,
#     `hvdb run` in four short configurations, the bench's
#     threads section; then .ci/tsan-planted.sh proves a race planted in
#     the fire path is reported;
#  3. valgrind memcheck over the unit and reliability tests of a gcc
#     build (build-rel), failing on any error or definite/indirect leak.
# Excluded: `install` tests (they install and rebuild the tree: no
# sanitizer signal) everywhere; the slow /dev/kvm scripts (cli_flags,
# replay_vs_run) under TSan, and /dev/kvm tests under valgrind (a vCPU
# under valgrind runs orders of magnitude slower).
#
#   STRESS_SECONDS=3 (stress test length)  .ci/sanitizers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)
start=$(date +%s)
export STRESS_SECONDS=${STRESS_SECONDS:-3}

# liburcu 0.13 inlines a misaligned reader access: see .ci/ubsan.supp.
export UBSAN_OPTIONS="suppressions=$root/.ci/ubsan.supp:halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"

echo "== ASan+UBSan build (clang)"
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DHVDB_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j"$jobs"
echo "== ASan+UBSan: ctest"
bash .ci/ctest.sh build-asan -j"$jobs" -LE install --output-on-failure
t_asan=$(( $(date +%s) - start ))

echo "== TSan build (clang)"
t0=$(date +%s)
CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DHVDB_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$jobs"
# .ci/tsan.supp names only liburcu's internals; src/grace.h models RCU.
# TSan exits 66 on a report, which fails the test or command.
export TSAN_OPTIONS="suppressions=$root/.ci/tsan.supp:halt_on_error=1:second_deadlock_stack=1"
echo "== TSan: every test that starts threads (ctest -L concurrency)"
STRESS_SECONDS=2 bash .ci/ctest.sh build-tsan -L concurrency \
	--output-on-failure
# The ring and delivery unit tests (one thread, plus liburcu's call_rcu
# worker freeing what they retire).
bash .ci/ctest.sh build-tsan -R '^unit\.test_(ring|delivery)$' \
	--output-on-failure
echo "== TSan: hvdb run (vCPU and consumer threads), bench threads section"
if (exec 3<>/dev/kvm) 2>/dev/null; then
	for flags in "" "--no-offload" "--ram-doorbells --offload-limit 1" \
		"--guest-connects --vcpus 3 --queues 2"; do
		echo "   hvdb run --writes 2000 $flags"
		# shellcheck disable=SC2086
		build-tsan/bin/hvdb run --writes 2000 $flags >/dev/null
	done
else
	echo "   SKIP: /dev/kvm is not usable"
	[ -z "${CI_SKIPS:-}" ] || echo "build-tsan: hvdb run" >>"$CI_SKIPS"
fi
build-tsan/bin/hvdb bench --quick --sections threads >/dev/null
bash .ci/tsan-planted.sh build-tsan-planted
t_tsan=$(( $(date +%s) - t0 ))
unset TSAN_OPTIONS

echo "== valgrind build (gcc)"
t0=$(date +%s)
CC=gcc cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-rel -j"$jobs"
echo "== valgrind memcheck: unit and reliability tests"
# Leaks of kind "possible" are left out: liburcu's call_rcu worker thread
# is never joined, so its TLS block is "possibly lost" at exit.
failed=()
ran=0
for t in build-rel/bin/unit_* build-rel/bin/reliability_*; do
	[ -x "$t" ] || continue
	ran=$((ran + 1))
	log=build-rel/valgrind-$(basename "$t").log
	args=()
	# The malformed-input test runs hvdb itself: trace it too (a valgrind
	# error there exits 99, not 2, and fails the test).
	[ "$(basename "$t")" = reliability_test_malformed ] &&
		args=(--trace-children=yes -- "$t" build-rel/bin/hvdb) ||
		args=(-- "$t")
	# --fair-sched: the stress test's dispatchers never block; without
	# it valgrind's scheduler can starve the controller thread.
	if valgrind -q --fair-sched=yes --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect "${args[@]}" >"$log" 2>&1; then
		echo "   ok  $(basename "$t")"
	else
		echo "   FAIL $(basename "$t") (log: $log)"
		tail -n 30 "$log"
		failed+=("$t")
	fi
done
t_vg=$(( $(date +%s) - t0 ))
if [ "$ran" -eq 0 ]; then
	echo "== valgrind: no program ran (none built in build-rel/bin?)"
	exit 1
fi
if [ "${#failed[@]}" -ne 0 ]; then
	echo "== valgrind: ${#failed[@]} of $ran failed"
	exit 1
fi

echo "== sanitizers: ASan+UBSan ${t_asan}s, TSan ${t_tsan}s, valgrind ${t_vg}s ($ran programs)"
echo "== sanitizers took $(( $(date +%s) - start )) s"
