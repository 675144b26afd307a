#!/usr/bin/env bash
# CI: model-check the lock-free protocols with spin (Debian package spin).
# Each model sits next to the code it describes and says in its header
# what it proves and what it leaves out. A model passes only when pan
# explored its state space and reported "errors: 0"; each planted bug
# (spin -DPLANT_...) must make it fail, so a model that checks nothing
# fails here too.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$PWD
ran=0

# pan for (model) built with spin flags (rest); prints pan's report.
pan_run() {
	local model=$1
	shift
	(cd "$work" && rm -f pan pan.* &&
		spin "$@" -a "$root/$model" >/dev/null &&
		cc -O2 -DSAFETY -DCOLLAPSE -o pan pan.c &&
		./pan -m1000000)
}

# (model) with spin flags (rest) must explore with no error.
check() {
	local model=$1 out
	shift
	out=$(pan_run "$model" "$@") || { echo "$out"; return 1; }
	if ! grep -q "errors: 0" <<<"$out" ||
		grep -q "max search depth too small" <<<"$out"; then
		echo "$out"
		echo "models: $model $*: FAILED"
		return 1
	fi
	echo "models: $model $*: ok ($(grep -o '[0-9]* states, stored' <<<"$out"))"
	ran=$((ran + 1))
}

# (model) with the bug (plant) planted must report an error.
check_catches() {
	local model=$1 plant=$2 out
	shift 2
	out=$(pan_run "$model" -D"$plant" "$@") || true
	if ! grep -q "errors: [1-9]" <<<"$out"; then
		echo "$out"
		echo "models: $model -D$plant: the planted bug was NOT caught"
		return 1
	fi
	echo "models: $model -D$plant: caught ($(grep -m1 -o 'assertion violated.*' <<<"$out"))"
	ran=$((ran + 1))
}

# src/oatable.pml: the index's publication and retirement under RCU.
# One reader through every order of up to 9 writer operations, then two
# readers (the grace period over both) through up to 4.
check src/oatable.pml -DOPS=9 -DNREADER=1
check src/oatable.pml -DOPS=4 -DNREADER=2
for plant in PLANT_PUBLISH_EARLY PLANT_RETURN_EARLY PLANT_NO_TOMBSTONE \
	PLANT_FREE_EARLY PLANT_ARRAY_FREE_EARLY; do
	check_catches src/oatable.pml "$plant" -DOPS=9 -DNREADER=1
done

# src/ring.pml: the notification ring (2 producers, 4 fires of 3 ports, a
# consumer on a 2-slot ring).
check src/ring.pml
for plant in PLANT_SIGNAL_FIRST PLANT_CLEAR_EARLY PLANT_PUBLISH_EARLY; do
	check_catches src/ring.pml "$plant"
done

[ "$ran" -gt 0 ] || { echo "models: nothing ran"; exit 1; }
echo "models: $ran checks"
