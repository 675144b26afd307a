#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, fuzz/) and runs each for
# a bounded time, one after the other. Fails on any crash, leak, sanitizer
# report, timeout or invariant breach; the input that broke is kept in
# build-fuzz/artifacts/. The committed seeds (fuzz/corpus/<target>) are
# read, never written: new inputs go to build-fuzz/corpus/<target>.
#
#   FUZZ_SECONDS=60 (per target; default: 240 s shared by the targets)
#   FUZZ_TARGETS="fuzz_state ..."  .ci/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
start=$(date +%s)

CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DHVDB_BUILD_FUZZ=ON -DHVDB_BUILD_TESTS=OFF >/dev/null
# The targets fuzz/CMakeLists.txt defined (fuzz_scenario only when cli/
# provides the hvdb_scenario library).
all=$(cmake --build "$build" --target help |
	sed -n 's/^\.\.\. \(fuzz_[a-z_]*\)$/\1/p')
targets=${FUZZ_TARGETS:-$all}
if [ -z "${targets//[[:space:]]/}" ]; then
	echo "== fuzz: no targets (none scraped from --target help)" >&2
	exit 1
fi
# A fixed total by default, so a new target does not lengthen CI.
ntargets=$(echo $targets | wc -w)
seconds=${FUZZ_SECONDS:-$(( 240 / ntargets ))}
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc)" --target $targets >/dev/null

# liburcu 0.13 inlines a misaligned reader access: see .ci/ubsan.supp.
export UBSAN_OPTIONS="suppressions=$root/.ci/ubsan.supp:halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"

mkdir -p "$build/artifacts"
summary=()
for t in $targets; do
	work=$build/corpus/$t
	mkdir -p "$work"
	log=$build/$t.log
	echo "== $t for ${seconds}s"
	t0=$(date +%s)
	# Leaks: libhvdb frees through call_rcu, a moment after the call, so
	# every input looks unbalanced and libFuzzer's per-input leak check
	# would run a full LeakSanitizer scan each time (40x slower). LSan
	# still runs when the fuzzer exits and fails it on any leak.
	if ! "$build/bin/$t" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -detect_leaks=0 \
		-artifact_prefix="$build/artifacts/$t-" \
		"$work" "$root/fuzz/corpus/$t" >"$log" 2>&1; then
		tail -n 40 "$log"
		echo "== $t FAILED (log: $log, inputs: $build/artifacts/)"
		exit 1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
	summary+=("$(printf '%-16s %12s execs %4ss  cov %s  corpus %s' "$t" \
		"$execs" "$(( $(date +%s) - t0 ))" "${cov:-?}" \
		"$(ls "$work" | wc -l)")")
done

if [ "${#summary[@]}" -eq 0 ]; then
	echo "== fuzz: no target ran" >&2
	exit 1
fi
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
echo "== fuzzing took $(( $(date +%s) - start )) s"
