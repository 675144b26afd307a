#!/bin/sh
# Issue 14's `hvdb run` findings, one check each, named after the finding
# (the --script ones about restored RAM and more than 64 partitions are
# scenarios of the differential, tests/kvm/scenarios). Exit 77 (CTest
# skip) without /dev/kvm.
hvdb=$1 src=$2
fail=0
scn=$src/examples/quickstart.scn

$hvdb run --script "$scn" >/dev/null 2>&1
if [ $? -eq 3 ]; then
	echo "SKIP: /dev/kvm is not usable"
	exit 77
fi

# script_ignores_demo_options: `run --script` silently ignored --vcpus,
# --queues, --json, ...; each is now a usage error naming the option.
for opt in "--vcpus 2" "--queues 2" "--writes 5" "--notify always" \
	"--ram-doorbells" "--guest-connects" "--json" \
	"--offload-policy adaptive"; do
	err=$($hvdb run --script "$scn" $opt 2>&1 >/dev/null)
	rc=$?
	name=${opt%% *}
	if [ $rc -ne 2 ] || ! echo "$err" | grep -q "^hvdb: run: $name.* is not used with --script"; then
		echo "FAIL script_ignores_demo_options $opt: exit $rc: $err"
		fail=1
	fi
done
# ... while what it does use still works
for opt in "--no-offload" "--offload-limit 1" "--offload-policy none" \
	"--offload-policy all" "--debug"; do
	if ! $hvdb run --script "$scn" $opt >/dev/null 2>&1; then
		echo "FAIL script_ignores_demo_options: $opt refused"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "ok   script_ignores_demo_options"

# queues_50000_fails_after_15_s: with too few file descriptors for one
# eventfd per queue the run failed deep in setup, after registering
# thousands of ioeventfds, with a bare "Too many open files". It now
# fails before creating anything, naming the need and the limit.
# (256: below any hard limit, so the subshell may set it)
err=$( (ulimit -n 256 && $hvdb run --queues 50000) 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 1 ] || ! echo "$err" | grep -q "needs at least 50066 open files.*the limit is 256"; then
	echo "FAIL queues_50000_fails_after_15_s: exit $rc: $err"
	fail=1
else
	echo "ok   queues_50000_fails_after_15_s"
fi

# json_failure_prints_no_object: hvdb(1) promises one JSON object with
# "error" on failure; some failures printed none.
out=$( (ulimit -n 256 && $hvdb run --json --queues 50000) 2>/dev/null)
rc=$?
if [ $rc -ne 1 ] || ! echo "$out" | grep -q '"ok": false' ||
	! echo "$out" | grep -q '"error": "--queues 50000 needs'; then
	echo "FAIL json_failure_prints_no_object: exit $rc:"; echo "$out"
	fail=1
else
	echo "ok   json_failure_prints_no_object"
fi
exit $fail
