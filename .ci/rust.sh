#!/usr/bin/env bash
# CI: the Rust bindings (bindings/rust) against the C build in BUILD_DIR:
# cargo test (layout checks at build time, the SPEC §3/§4 tables, the doc
# example), then the quickstart example, whose output must be what
# `hvdb replay examples/quickstart.scn` prints.
#   .ci/rust.sh [BUILD_DIR]     (default: build, already built)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)

# cargo comes with this machine kind (rustup, in ~/.cargo/bin); Debian 12's
# own cargo (Rust 1.63) is too old for offset_of!, so it is no fallback.
command -v cargo >/dev/null || PATH=$HOME/.cargo/bin:$PATH
if ! command -v cargo >/dev/null; then
	echo "rust: FAILED: cargo not found (install Rust >= 1.82)" >&2
	exit 1
fi
cargo --version

cd bindings/rust
# Every function the libraries export should have its declaration in
# hvdb-sys (a warning, not a failure: C lands first, the binding follows).
for so in "$build/src/libhvdb.so" "$build/src/kvm/libhvdb-kvm.so"; do
	[ -f "$so" ] || continue
	nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | while read -r fn; do
		grep -q "pub fn $fn(" hvdb-sys/src/*.rs ||
			echo "rust: WARNING: $fn (exported by $(basename "$so")) has no declaration in hvdb-sys"
	done
done
export HVDB_BUILD_DIR=$build CARGO_TERM_COLOR=never
cargo test --offline
# without the kvm feature (libhvdb alone) it must still build
cargo check --offline -q --no-default-features --all-targets
cargo run --offline -q --example quickstart 2>/dev/null >"$build/rust-quickstart.out"
"$build/bin/hvdb" replay ../../examples/quickstart.scn >"$build/replay-quickstart.out"
if ! diff -u "$build/replay-quickstart.out" "$build/rust-quickstart.out"; then
	echo "rust: FAILED: the quickstart example differs from hvdb replay" >&2
	exit 1
fi
echo "rust: the quickstart example prints what hvdb replay prints ($(wc -l <"$build/rust-quickstart.out") lines)"
