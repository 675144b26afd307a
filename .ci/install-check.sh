#!/usr/bin/env bash
# CI: install a build to a temporary prefix and use it the way the README
# tells a new user to: build both examples against the installed library
# with pkg-config (Makefile) and with find_package (CMake), run them, read
# the man pages, load the bash completion.
#   .ci/install-check.sh [BUILD_DIR]     (default: build, already built)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hvdb-install-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { echo "== install-check: $*"; }
die() { echo "install-check: FAILED: $*" >&2; exit 1; }

# Runs example binary $2 (named $1 in messages): 0 passes, 77 is a visible
# skip (kvm-vmm without /dev/kvm), anything else fails.
run_example() {
	local rc=0
	"$2" >"$tmp/out" 2>&1 || rc=$?
	sed 's/^/    /' "$tmp/out"
	case $rc in
	0) ;;
	77) echo "    ($1: skipped: $(tail -n1 "$tmp/out"))" ;;
	*) die "$1 exited $rc" ;;
	esac
}

step "cmake --install $build --prefix $prefix"
[ -f "$build/CMakeCache.txt" ] || die "$build is not a configured build"
cmake --install "$build" --prefix "$prefix" >/dev/null
pcdir=$(dirname "$(find "$prefix" -name hvdb.pc)")
libdir=$(dirname "$pcdir")
(cd "$prefix" && find . -type f -o -type l | sort | sed 's/^\.\//    /')

for ex in software kvm-vmm; do
	src=$tmp/src/$ex
	mkdir -p "$src"
	cp "examples/$ex/main.c" "examples/$ex/Makefile" \
		"examples/$ex/CMakeLists.txt" "$src/"

	step "$ex: make with pkg-config (shared libraries)"
	PKG_CONFIG_PATH=$pcdir make -s -C "$src"
	LD_LIBRARY_PATH=$libdir run_example "$ex" "$src/hvdb-$ex"

	step "$ex: make STATIC=1 with pkg-config (static libraries)"
	make -s -C "$src" clean
	PKG_CONFIG_PATH=$pcdir make -s -C "$src" STATIC=1
	if ldd "$src/hvdb-$ex" | grep -q libhvdb; then
		die "$ex STATIC=1 still links libhvdb.so"
	fi
	run_example "$ex" "$src/hvdb-$ex"

	for kind in shared static; do
		step "$ex: find_package(hvdb), $kind"
		static=OFF
		[ $kind = static ] && static=ON
		cmake -S "$src" -B "$tmp/cmake-$ex-$kind" -DCMAKE_PREFIX_PATH="$prefix" \
			-DHVDB_EXAMPLE_STATIC=$static >/dev/null
		cmake --build "$tmp/cmake-$ex-$kind" >/dev/null
		# find_package builds carry an RPATH to $libdir: no
		# LD_LIBRARY_PATH needed.
		run_example "$ex" "$tmp/cmake-$ex-$kind/hvdb-$ex"
	done
done

step "the installed hvdb"
"$prefix/bin/hvdb" --version
"$prefix/bin/hvdb" replay examples/quickstart.scn >/dev/null

step "man pages"
export MANPAGER=cat MANWIDTH=80
man -l "$prefix/share/man/man1/hvdb.1" | grep -q '^NAME' || die "man -l hvdb.1"
man -l "$prefix/share/man/man3/libhvdb.3" | grep -q '^NAME' || die "man -l libhvdb.3"
man -l "$prefix/share/man/man3/libhvdb-kvm.3" | grep -q '^NAME' ||
	die "man -l libhvdb-kvm.3"
for page in hvdb libhvdb libhvdb-kvm; do
	MANPATH=$prefix/share/man man "$page" >"$tmp/man" 2>&1 ||
		die "MANPATH=$prefix/share/man man $page"
	grep -q '^NAME' "$tmp/man" || die "man $page has no NAME section"
	echo "    man $page: $(wc -l <"$tmp/man") lines"
done

step "bash completion"
bash -c "source '$prefix/share/bash-completion/completions/hvdb' &&
	complete -p hvdb" >/dev/null || die "completion does not register"

step "ok"
