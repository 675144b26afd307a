#!/usr/bin/env bash
# CI: build the Debian packages (debian/) from a copy of the tree, check
# what each holds, run lintian (errors fail), build the examples that
# libhvdb-dev ships against the unpacked packages alone, and the Rust
# crate through pkg-config against them too.
#
# DEB_BUILD_OPTIONS=nocheck: .ci/run has already run ctest on the same
# sources; the package build only compiles and installs (the tests are not
# even built). Set DEB_BUILD_OPTIONS yourself to run them in the package
# build too.
#   .ci/debian.sh            (HVDB_DEBIAN_OUT=DIR: copy the packages there)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hvdb-debian.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

step() { echo "== debian: $*"; }
die() { echo "debian: FAILED: $*" >&2; exit 1; }

# dpkg-buildpackage builds in the source tree and writes ../*.deb: build
# in a copy of the committed files plus local changes (no build*/, no
# cargo target/, no .git), so the clone stays clean.
step "copy the tree to $tmp/hvdoorbell"
mkdir "$tmp/hvdoorbell"
git ls-files -z --cached --others --exclude-standard |
	tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$tmp/hvdoorbell"
[ -f "$tmp/hvdoorbell/debian/control" ] || die "copy of the tree has no debian/control"

step "dpkg-source -b (for lintian's source checks)"
(cd "$tmp" && dpkg-source -b hvdoorbell) >"$tmp/source.log" 2>&1 ||
	{ cat "$tmp/source.log"; die "dpkg-source -b"; }

step "dpkg-buildpackage -us -uc -b"
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-"nocheck parallel=$(nproc)"}
# A symbol that vanished from a library fails the build at the default
# check level; CI reports it instead of failing, so that a change of the
# API under way does not break CI (README: Install the Debian packages).
export DPKG_GENSYMBOLS_CHECK_LEVEL=${DPKG_GENSYMBOLS_CHECK_LEVEL-0}
(cd "$tmp/hvdoorbell" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 ||
	{ tail -n 40 "$tmp/build.log"; die "dpkg-buildpackage"; }
if grep -q '^dpkg-gensymbols: warning: some .* symbols' "$tmp/build.log"; then
	echo "debian: WARNING: debian/*.symbols differ from the libraries:"
	sed -n '/^--- debian\/.*symbols/,/^dpkg-gensymbols\|^dh_/p' "$tmp/build.log" | head -n 40
fi
ls "$tmp"/*.deb
grep -E '^[0-9]+% tests passed' "$tmp/build.log" || echo "    (ctest not run: DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"

step "contents (dpkg -c)"
# Each package must hold these paths (regular expressions on dpkg -c).
check_contents() {
	local deb=$1
	shift
	dpkg -c "$deb" >"$tmp/contents"
	awk '{ print "    " $6 ($7 == "->" ? " -> " $8 : "") }' "$tmp/contents"
	for want in "$@"; do
		grep -Eq " \./$want( |$)" "$tmp/contents" || die "$(basename "$deb") lacks $want"
	done
}
deb() { ls "$tmp"/"$1"_*.deb; }
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
check_contents "$(deb libhvdb0)" "usr/lib/$multiarch/libhvdb\.so\.0" \
	"usr/lib/$multiarch/libhvdb\.so\.0\.[0-9.]+" \
	"usr/share/doc/libhvdb0/copyright"
check_contents "$(deb libhvdb-kvm0)" "usr/lib/$multiarch/libhvdb-kvm\.so\.0" \
	"usr/lib/$multiarch/libhvdb-kvm\.so\.0\.[0-9.]+"
check_contents "$(deb libhvdb-dev)" "usr/include/hvdb/hvdb\.h" \
	"usr/include/hvdb/hvdef\.h" "usr/include/hvdb/kvm\.h" \
	"usr/lib/$multiarch/libhvdb\.so" "usr/lib/$multiarch/libhvdb-kvm\.so" \
	"usr/lib/$multiarch/libhvdb-kvm\.a" "usr/lib/$multiarch/pkgconfig/hvdb-kvm\.pc" \
	"usr/lib/$multiarch/libhvdb\.a" "usr/lib/$multiarch/pkgconfig/hvdb\.pc" \
	"usr/lib/$multiarch/cmake/hvdb/hvdbConfig\.cmake" \
	"usr/lib/$multiarch/cmake/hvdb/hvdbTargets\.cmake" \
	"usr/share/man/man3/libhvdb\.3\.gz" "usr/share/man/man3/libhvdb-kvm\.3\.gz" \
	"usr/share/doc/libhvdb-dev/examples/software/main\.c" \
	"usr/share/doc/libhvdb-dev/examples/kvm-vmm/Makefile"
check_contents "$(deb hvdb)" "usr/bin/hvdb" "usr/share/man/man1/hvdb\.1\.gz" \
	"usr/share/doc/hvdb/examples/quickstart\.scn" \
	"usr/share/bash-completion/completions/hvdb"
for p in libhvdb0 libhvdb-kvm0; do
	dpkg -c "$(deb $p)" >"$tmp/contents"
	if grep -q '\.so -> \|\.a$\|/include/' "$tmp/contents"; then
		die "$p holds development files"
	fi
done

step "lintian"
lintian --fail-on error --display-info --display-experimental --pedantic --info "$tmp"/*.dsc "$tmp"/*.changes | tee "$tmp/lintian.log" ||
	die "lintian reports errors"
echo "    lintian: $(grep -c '^E:' "$tmp/lintian.log" || true) errors, $(grep -c '^W:' "$tmp/lintian.log" || true) warnings , $(grep -c "^[IPX]:" "$tmp/lintian.log" || true) info/pedantic/experimental (overridden tags not shown)"

step "examples/ against the unpacked libhvdb-dev, libhvdb0, libhvdb-kvm0"
root=$tmp/root
for p in libhvdb-dev libhvdb0 libhvdb-kvm0; do dpkg -x "$(deb $p)" "$root"; done
libdir=$root/usr/lib/$multiarch
pcdir=$libdir/pkgconfig
# hvdb.pc is relocatable (prefix from its own directory), so it points
# into the unpacked tree; nothing from the source tree may be used.
cflags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags hvdb)
case $cflags in *"$root"/*) ;; *) die "hvdb.pc --cflags is '$cflags', not under $root" ;; esac
for ex in software kvm-vmm; do
	mkdir "$tmp/$ex"
	# the copy libhvdb-dev ships in /usr/share/doc/libhvdb-dev/examples
	cp "$root/usr/share/doc/libhvdb-dev/examples/$ex/"{main.c,Makefile,CMakeLists.txt} "$tmp/$ex/"
	echo "    $ex: make with pkg-config"
	PKG_CONFIG_PATH=$pcdir make -s -C "$tmp/$ex"
	# (grep without -q: an early exit would SIGPIPE ldd and fail the
	# pipeline under pipefail)
	LD_LIBRARY_PATH=$libdir ldd "$tmp/$ex/hvdb-$ex" >"$tmp/ldd"
	grep "=> $libdir/libhvdb.so.0" "$tmp/ldd" >/dev/null ||
		die "$ex does not load the packaged libhvdb.so.0"
	rc=0
	LD_LIBRARY_PATH=$libdir "$tmp/$ex/hvdb-$ex" >"$tmp/out" 2>&1 || rc=$?
	sed 's/^/      /' "$tmp/out"
	[ $rc = 0 ] || [ $rc = 77 ] || die "$ex exited $rc"
	echo "    $ex: find_package(hvdb) in $root/usr"
	cmake -S "$tmp/$ex" -B "$tmp/$ex/cmake" -DCMAKE_PREFIX_PATH="$root/usr" >/dev/null
	cmake --build "$tmp/$ex/cmake" >/dev/null
	rc=0
	"$tmp/$ex/cmake/hvdb-$ex" >/dev/null 2>&1 || rc=$?
	[ $rc = 0 ] || [ $rc = 77 ] || die "$ex (CMake) exited $rc"
done

step "the Rust crate against the unpacked packages (pkg-config hvdb hvdb-kvm)"
command -v cargo >/dev/null || PATH=$HOME/.cargo/bin:$PATH
if command -v cargo >/dev/null; then
	# hvdb-sys's pkg-config path, as a user of libhvdb-dev has it: the
	# quickstart example links the packaged libhvdb.so / libhvdb-kvm.so
	# and must print what hvdb replay prints.
	(cd "$tmp/hvdoorbell/bindings/rust" &&
		HVDB_PKG_CONFIG=1 PKG_CONFIG_PATH=$pcdir CARGO_TARGET_DIR=$tmp/cargo \
			cargo build --offline -q --example quickstart) ||
		die "cargo build against the packages"
	LD_LIBRARY_PATH=$libdir ldd "$tmp/cargo/debug/examples/quickstart" >"$tmp/ldd"
	grep "=> $libdir/libhvdb.so.0" "$tmp/ldd" >/dev/null ||
		die "the Rust example does not load the packaged libhvdb.so.0"
	LD_LIBRARY_PATH=$libdir "$tmp/cargo/debug/examples/quickstart" 2>/dev/null >"$tmp/rust.out"
	diff -u "$tmp/hvdoorbell/tests/cli/quickstart.out" "$tmp/rust.out" ||
		die "the Rust example's output against the packages"
	echo "    quickstart (Rust, packaged libhvdb.so.0): $(wc -l <"$tmp/rust.out") lines as expected"
else
	echo "    (skipped: no cargo)"
fi

if [ -n "${HVDB_DEBIAN_OUT:-}" ]; then
	mkdir -p "$HVDB_DEBIAN_OUT"
	cp "$tmp"/*.deb "$tmp"/*.changes "$tmp/lintian.log" "$HVDB_DEBIAN_OUT/"
	step "packages copied to $HVDB_DEBIAN_OUT"
fi
step "ok"
