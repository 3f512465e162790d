# Shared by the bats files: paths, and checks every program must pass.
: "${NIDS_TOP:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
: "${NIDS_BIN:=$NIDS_TOP/${BUILD:-build}/bin}"
# exported: scripts and `sh -c` lines the tests start use them too
export NIDS_TOP NIDS_BIN
bin() { echo "$NIDS_BIN/$1"; }

# the programs, for `run` and pipelines
feat() { "$NIDS_BIN/nids-featurize" "$@"; }
ncat() { "$NIDS_BIN/nids-cat" "$@"; }
fit() { "$NIDS_BIN/nids-fit" "$@"; }
score() { "$NIDS_BIN/nids-score" "$@"; }
fixtures="$NIDS_TOP/tests/fixtures"
# model files record their date: a fixed one keeps fits reproducible byte for byte
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
shared_data="$NIDS_TOP/../shared/data"

# The man page's SYNOPSIS, as one line.
man_synopsis() {
	groff -mdoc -Tascii -rLL=400n -P-cbou "$NIDS_TOP/man/$1.1" 2>/dev/null |
		awk '/^SYNOPSIS/{getline; sub(/^ +/, ""); print; exit}'
}

# --help's first line is "usage: " + the man page's SYNOPSIS.
check_help_matches_man() {
	local want got
	want="usage: $(man_synopsis "$1")"
	got=$("$NIDS_BIN/$1" --help | head -1)
	[ "$got" = "$want" ] || { echo "help:  $got"; echo "man:   $want"; return 1; }
}

# Needs a file from ../shared/data, or skips saying so.
need_shared() {
	[ -e "$shared_data/$1" ] || skip "../shared/data/$1 not present"
}

# Skips a test that limits the address space (ulimit -v) of program P: ASan reserves
# terabytes of it, and valgrind runs the program inside its own; no limit fits them.
need_address_limit() {
	if ! ldd "$1" >/dev/null 2>&1 || ldd "$1" | grep -q libasan; then
		skip "an ASan build, or the program under valgrind"
	fi
}

# A directory of its own for each test.
setup_tmp() {
	tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/nids-bats.XXXXXX")
}
teardown_tmp() { rm -rf "$tmp"; }

# is_num V: V is a finite decimal number (sign, digits, point, exponent). Empty, nan,
# inf and any other text are not: awk would read them as 0 or as nan, and a comparison
# with nan can pass.
is_num() {
	[[ $1 =~ ^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]] ||
		{ echo "not a number: '$1'" >&2; return 1; }
}

# close FILE1 FILE2: one-column files of finite numbers, the same number of rows (at
# least one), agree to a relative 1e-4 row by row. An empty, nan or non-numeric value
# fails: awk would read it as 0, or compare nan as equal.
close() {
	paste "$1" "$2" | awk -F '\t' '
	function num(v) { return v ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
	{ n++
	  if (NF != 2 || !num($1) || !num($2)) { print "row " NR ": not two numbers: " $0; bad++; next }
	  d = $1 - $2; d = d < 0 ? -d : d; a = $1 < 0 ? -$1 : $1
	  if (d > 1e-4 * a + 1e-30) { print "row " NR ": " $1 " vs " $2; bad++ } }
	END { exit bad || n == 0 }'
}
