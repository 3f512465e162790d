# Shared by nids-roc.bats and nids-threshold.bats (after helpers.bash).
FIX="$NIDS_TOP/tests/fixtures/eval"
# `test_metrics random N SEED` writes make_expected.py's random rows as a stream
MAKER="$NIDS_TOP/${BUILD:-build}/tests/test_metrics"

# mkrec IN.tsv OUT.rec: a stream from a TSV fixture
mkrec() { "$NIDS_BIN/nids-cat" -r < "$1" > "$2"; }

# ex FILE KEY...: the value after KEY in an .expect file ("percentile 98" takes two words)
ex() {
	local f=$1; shift
	awk -v k="$*" -v n=$# '{ key = $1; for (i = 2; i <= n; i++) key = key " " $i }
		key == k { print $(n + 1); exit }' "$f"
}

# jget KEY: a top-level number from nids-roc --json output in $output
jget() { printf '%s\n' "$output" | sed -n "s/.*\"$1\": \([^,}]*\).*/\1/p" | head -n 1; }

# near A B TOL: |A - B| <= TOL, all three finite numbers (is_num)
near() {
	is_num "$1" && is_num "$2" && is_num "$3" || return 1
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}

# same A B: equal as doubles, both finite numbers (is_num)
same() {
	is_num "$1" && is_num "$2" || return 1
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'
}
