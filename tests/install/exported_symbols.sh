#!/bin/sh
# exported_symbols.sh LIB HEADER... - the dynamic symbols LIB defines must
# be exactly the functions (and objects) the HEADERs declare with HVDB_API.
# The expected list is parsed from the headers, so the check fails both
# ways: a public function that is not exported, or an exported symbol that
# no public header declares (a hidden-visibility leak).
set -eu
NM=${NM:-nm}
lib=$1
shift

# The names declared with HVDB_API: drop comments and preprocessor lines,
# split at ';', take the identifier before the first '(' (or '[', '=').
declared=$(awk '
	{ text = text $0 "\n" }
	END {
		while ((i = index(text, "/*")) > 0) {
			rest = substr(text, i + 2)
			j = index(rest, "*/")
			if (!j) { text = substr(text, 1, i - 1); break }
			text = substr(text, 1, i - 1) " " substr(rest, j + 2)
		}
		gsub(/\/\/[^\n]*/, "", text)
		gsub(/\\\n/, " ", text)
		n = split(text, lines, "\n")
		text = ""
		for (k = 1; k <= n; k++)
			if (lines[k] !~ /^[ \t]*#/)
				text = text lines[k] "\n"
		n = split(text, decls, ";")
		for (k = 1; k <= n; k++) {
			d = decls[k]
			if (!match(d, /(^|[^A-Za-z0-9_])HVDB_API[^A-Za-z0-9_]/))
				continue
			d = substr(d, RSTART + RLENGTH - 1)
			if ((p = index(d, "(")) > 0)
				d = substr(d, 1, p - 1)
			sub(/[[=].*/, "", d)
			if (match(d, /[A-Za-z_][A-Za-z0-9_]*[ \t\n*]*$/)) {
				name = substr(d, RSTART, RLENGTH)
				gsub(/[ \t\n*]/, "", name)
				print name
			}
		}
	}' "$@" | LC_ALL=C sort -u)

exported=$("$NM" -D --defined-only "$lib" | awk '{ sub(/@.*/, "", $NF); print $NF }' |
	LC_ALL=C sort -u)

if [ -z "$declared" ]; then
	echo "no HVDB_API declaration found in: $*" >&2
	exit 1
fi
missing=$(printf '%s\n' "$declared" | LC_ALL=C comm -23 - /dev/fd/3 3<<EOF3
$exported
EOF3
)
extra=$(printf '%s\n' "$exported" | LC_ALL=C comm -23 - /dev/fd/3 3<<EOF3
$declared
EOF3
)
status=0
if [ -n "$missing" ]; then
	echo "declared HVDB_API but not exported by $lib:" >&2
	printf '  %s\n' $missing >&2
	status=1
fi
if [ -n "$extra" ]; then
	echo "exported by $lib but not declared HVDB_API in a public header:" >&2
	printf '  %s\n' $extra >&2
	status=1
fi
[ $status -eq 0 ] &&
	echo "$(printf '%s\n' "$declared" | wc -l) exported symbols match the HVDB_API declarations"
exit $status
