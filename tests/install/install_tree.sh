#!/bin/sh
# install_tree.sh BUILD PREFIX VERSION - `cmake --install BUILD --prefix
# PREFIX` lays out what a Linux library is expected to: both libraries with
# a SONAME (and libhvdb-kvm beside them), headers that compile on their
# own (C11, C++), hvdb.pc and hvdb-kvm.pc,
# find_package files, the hvdb binary, man pages that render, completion.
set -eu
build=$1 prefix=$2 version=$3
major=${version%%.*}
fail() { echo "install_tree: $*" >&2; exit 1; }

rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

pc=$(find "$prefix" -name hvdb.pc)
[ -n "$pc" ] || fail "no hvdb.pc under $prefix"
libdir=$(dirname "$(dirname "$pc")")
for f in "$libdir/libhvdb.so.$version" "$libdir/libhvdb.so.$major" \
	"$libdir/libhvdb.so" "$libdir/libhvdb.a" \
	"$libdir/libhvdb-kvm.so.$version" "$libdir/libhvdb-kvm.so.$major" \
	"$libdir/libhvdb-kvm.so" "$libdir/libhvdb-kvm.a" \
	"$libdir/pkgconfig/hvdb-kvm.pc" "$prefix/include/hvdb/kvm.h" \
	"$libdir/cmake/hvdb/hvdbConfig.cmake" \
	"$libdir/cmake/hvdb/hvdbConfigVersion.cmake" \
	"$libdir/cmake/hvdb/hvdbTargets.cmake" \
	"$prefix/include/hvdb/hvdb.h" "$prefix/include/hvdb/hvdef.h" \
	"$prefix/include/hvdb/dialect.h" \
	"$prefix/bin/hvdb" "$prefix/share/man/man1/hvdb.1" \
	"$prefix/share/man/man3/libhvdb.3" \
	"$prefix/share/man/man3/libhvdb-kvm.3" \
	"$prefix/share/bash-completion/completions/hvdb"; do
	[ -e "$f" ] || fail "missing $f"
done

for lib in libhvdb libhvdb-kvm; do
	soname=$(readelf -d "$libdir/$lib.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
	[ "$soname" = "$lib.so.$major" ] || fail "$lib: SONAME is '$soname'"
done

for pc in hvdb hvdb-kvm; do
	got=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --modversion $pc)
	[ "$got" = "$version" ] || fail "pkg-config $pc says version '$got'"
done
cflags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags hvdb hvdb-kvm)

# The public headers stand alone, as strict C11 and as C++.
# Each header on its own, then all together.
for h in "$prefix"/include/hvdb/*.h; do
	printf '#include <hvdb/%s>\n' "$(basename "$h")" >"$prefix/one.c"
	${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror $cflags -c \
		-o "$prefix/one.o" "$prefix/one.c" ||
		fail "hvdb/$(basename "$h") does not build on its own"
done
{
	for h in "$prefix"/include/hvdb/*.h; do
		printf '#include <hvdb/%s>\n' "$(basename "$h")"
	done
	printf 'int main(void) { return hvdb_reason_name(HVDB_REASON_NONE)[0] != 111; }\n'
} >"$prefix/hdr.c"
${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror $cflags -c \
	-o "$prefix/hdr.o" "$prefix/hdr.c" || fail "hvdb.h does not build as C11"
if command -v ${CXX:-c++} >/dev/null 2>&1; then
	${CXX:-c++} -x c++ -std=c++11 -Wall -Wextra -Werror $cflags -c \
		-o "$prefix/hdr.o" "$prefix/hdr.c" ||
		fail "hvdb.h does not build as C++"
fi

out=$("$prefix/bin/hvdb" --version)
[ "$out" = "hvdb $version" ] || fail "hvdb --version says '$out'"

bash -n "$prefix/share/bash-completion/completions/hvdb" ||
	fail "the bash completion does not parse"
for page in "$prefix/share/man/man1/hvdb.1" "$prefix/share/man/man3/libhvdb.3" \
	"$prefix/share/man/man3/libhvdb-kvm.3"; do
	warn=$(groff -man -ww -z "$page" 2>&1) || fail "groff failed on $page"
	[ -z "$warn" ] || fail "groff warns about $page: $warn"
done
echo "install tree under $prefix is complete"
