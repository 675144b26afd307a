#!/bin/sh
# The differential: `hvdb replay F` and `hvdb run --script F` (each guest
# partition a KVM VM, each write a guest store) print the same lines for
# every scenario, with offload on, off, and capped at one connection (so
# in-kernel and exit-path fires mix on shared eventfds) (their fixed
# tokens; run notes injected writes in free text). Exit 77 without
# /dev/kvm. HVDB must be an absolute path.
hvdb=$1 src=$2
fail=0 n=0
tmp=${TMPDIR:-/tmp}/hvdb-diff.$$
trap 'rm -rf $tmp.*' EXIT
# Scenarios write and restore snapshots by relative path: run them in a
# directory of their own holding the committed snapshots some restore.
mkdir $tmp.dir && cp "$src"/tests/kvm/scenarios/*.json $tmp.dir/ && cd $tmp.dir ||
	exit 1

for scn in "$src"/tests/scenarios/*.scn "$src"/tests/kvm/scenarios/*.scn \
	   "$src"/examples/*.scn; do
	[ -f "$scn" ] || continue
	$hvdb replay "$scn" >$tmp.replay 2>/dev/null
	want=$?
	for mode in "" --no-offload "--offload-limit 1"; do
		$hvdb run $mode --script "$scn" >$tmp.out 2>$tmp.err
		rc=$?
		# Compare the fixed tokens: free text after "  # " may differ.
		sed 's/  # .*$//' $tmp.out >$tmp.run
		if [ $rc -eq 3 ]; then
			echo "SKIP: /dev/kvm is not usable"
			exit 77
		fi
		if [ $rc -ne $want ] || ! cmp -s $tmp.replay $tmp.run; then
			echo "FAIL $scn $mode: replay exit $want, run exit $rc"
			diff $tmp.replay $tmp.run | head -20
			cat $tmp.err
			fail=1
		fi
		n=$((n + 1))
	done
done
echo "$n runs compared"
exit $fail
