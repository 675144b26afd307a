#!/usr/bin/env bash
# Every standard CMake build type, and -O1, builds warning-free with
# -Werror under gcc: each optimisation level runs different warning
# passes (gcc 12's -Wformat-truncation needs value ranges that only -O1
# and up compute; MinSizeRel once failed on cli/scenario.c: issue 14).
# The RelWithDebInfo builds of .ci/run cover the default type under gcc
# and clang. Build directories: build-type-<name>.
#
#   .ci/build-types.sh [TYPE...]   (default: Debug Release MinSizeRel O1)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$(date +%s)
types=("$@")
[ ${#types[@]} -ne 0 ] || types=(Debug Release MinSizeRel O1)

for t in "${types[@]}"; do
	dir=build-type-$t
	args=(-DCMAKE_BUILD_TYPE="$t")
	# -O1 is no CMake type: RelWithDebInfo with its flags replaced
	[ "$t" = O1 ] && args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo
		-DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g")
	echo "== gcc $t"
	CC=gcc cmake -S . -B "$dir" -DHVDB_WERROR=ON "${args[@]}" >/dev/null
	cmake --build "$dir" -j"$jobs" >/dev/null
done
echo "== build types took $(( $(date +%s) - start )) s"
