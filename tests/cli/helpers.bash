# Shared by the bats files: paths, and checks every program must pass.
: "${NIDS_TOP:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
: "${NIDS_BIN:=$NIDS_TOP/build/bin}"
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

# A directory of its own for each test.
setup_tmp() {
	tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/nids-bats.XXXXXX")
}
teardown_tmp() { rm -rf "$tmp"; }
