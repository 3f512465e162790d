#!/usr/bin/env bats
# Feature importances and selection: nids-fit --importances (tree: equal to
# scikit-learn's feature_importances_ within 1e-6; forest), nids-select's top K,
# correlation filter (the columns pandas' recipe keeps), permutation importance, and
# --apply; bad usage and input.
bats_require_minimum_version 1.5.0
load helpers

F="$NIDS_TOP/tests/fixtures/importance"
SEL() { "$NIDS_BIN/nids-select" "$@"; }

setup() {
	cd "$BATS_TEST_TMPDIR"
	ncat -r < "$F/data.tsv" > data.rec
	ncat -r < "$F/corr.tsv" > corr.rec
}

@test "nids-select: --help synopsis equals the man page's; --version; bad options" {
	check_help_matches_man nids-select
	run SEL --version
	[ "$status" -eq 0 ]
	[[ "$output" == "nids-select "* ]]
	run -2 --separate-stderr SEL --bogus
	[[ "$stderr" == *"unknown option '--bogus'"*"usage: nids-select"* ]]
	run -2 --separate-stderr SEL corr.rec
	[ "${stderr_lines[0]}" = "nids-select: give --apply, or what to choose by (--importances, --permutation, --top, --corr)" ]
	run -2 --separate-stderr SEL --apply x --top 3 corr.rec
	[ "${stderr_lines[0]}" = "nids-select: --apply takes a list: it chooses nothing" ]
	run -2 --separate-stderr SEL --permutation p.tsv corr.rec
	[ "${stderr_lines[0]}" = "nids-select: --permutation and -m go together" ]
	run -2 --separate-stderr SEL --importances "$F/rank.tsv" --top 2 corr.rec
	[ "${stderr_lines[0]}" = "nids-select: --importances with --top alone reads no input" ]
	# --top without a ranking: the same usage error from a file and from stdin, no empty list
	for input in corr.rec "- < corr.rec"; do
		run -2 --separate-stderr bash -c "'$NIDS_BIN/nids-select' --top 1 $input"
		[ "${stderr_lines[0]}" = "nids-select: --top needs a ranking to take the top of (--importances or --permutation; with --corr alone, the stream's order)" ]
		[ -z "$output" ]
	done
	# with --corr alone, the first features in stream order
	run -0 --separate-stderr SEL --top 1 --corr 1 corr.rec
	[ "$output" = $'# nids-select: 1 of 8 features kept; the top 1; 0 dropped for |r| > 1 over 300 rows\nf1' ]
	run -2 --separate-stderr SEL --corr 1.5 corr.rec
	run -2 --separate-stderr SEL --corr 0.9 -z 3 corr.rec
	[ "${stderr_lines[0]}" = "nids-select: -z goes with --apply" ]
}

@test "nids-fit --importances: a tree's equal scikit-learn's feature_importances_ (1e-6)" {
	for c in gini entropy; do
		fit -q -t tree --target class --criterion $c --max-depth 4 --importances $c.tsv -o t.bin data.rec
		[ "$(head -1 $c.tsv)" = "$(printf 'feature\timportance')" ]
		# most important first
		tail -n +2 $c.tsv | cut -f2 | sort -g -r -c
		join -t $'\t' <(tail -n +2 $c.tsv | sort) <(sort "$F/$c.expect") > j.tsv
		[ "$(wc -l < j.tsv)" -eq 5 ]
		awk -F '\t' '{ d = $2 - $3; if (d < 0) d = -d; if (d > 1e-6) { print; bad++ } } END { exit bad }' j.tsv
	done
}

@test "nids-fit --importances: a forest's are non-negative, sum to 1, most important first" {
	fit -q -t forest --target class --trees 7 --importances f.tsv -o f.bin data.rec
	[ "$(tail -n +2 f.tsv | wc -l)" -eq 5 ]
	tail -n +2 f.tsv | cut -f2 | sort -g -r -c
	tail -n +2 f.tsv | awk -F '\t' '$2 < 0 { bad++ } { s += $2 } END { exit bad || (s - 1) ^ 2 > 1e-24 }'
	# the label-deciding features lead, the noise features trail
	[[ "$(tail -n +2 f.tsv | head -3 | cut -f1 | sort | tr '\n' ' ')" == "f1 f2 f3 " ]]
	run -1 --separate-stderr fit -q -t forest --trees 2 --importances /nonexistent/dir/f.tsv -o f2.bin data.rec
	[[ "$stderr" == *"/nonexistent/dir/f.tsv"* ]]
}

@test "nids-select --corr keeps the columns pandas' recipe keeps, in either order" {
	SEL --corr 0.9 corr.rec > k1
	[ "$(grep -v '^#' k1 | tr '\n' ' ')" = "$(sed -n 's/^stream order: //p' "$F/corr.expect") " ]
	[ "$(head -1 k1)" = "# nids-select: 6 of 8 features kept; 2 dropped for |r| > 0.9 over 300 rows" ]
	SEL -q --importances "$F/rank.tsv" --corr 0.9 -o k2 corr.rec
	[ "$(grep -v '^#' k2 | tr '\n' ' ')" = "$(sed -n 's/^rank order: //p' "$F/corr.expect") " ]
	# the top 3 of the ranking, with and without the filter
	[ "$(SEL --importances "$F/rank.tsv" --top 3 | grep -v '^#' | tr '\n' ' ')" = "f6 f2 f8 " ]
	[ "$(SEL --importances "$F/rank.tsv" --top 4 --corr 0.9 corr.rec | grep -v '^#' | tr '\n' ' ')" = "f6 f2 f8 " ]
}

@test "nids-select --apply keeps the listed features and every other column" {
	printf '# kept\nf6\nf2\n\nf8\textra\n' > list
	SEL --apply list -z 3 corr.rec > a.rec
	run ncat --types -n 1 a.rec
	[ "${lines[0]}" = "$(printf 'f2\tf6\tf8\tlabel')" ]
	diff <(ncat -c f2,f6,f8,label corr.rec) <(ncat a.rec)
	# a model fitted on the selected stream scores the selected stream
	fit -q -t tree -o s.bin a.rec
	score -m s.bin a.rec | ncat -c score -n 2 > /dev/null
	printf 'f2\nnope\n' > bad
	run -1 --separate-stderr SEL --apply bad -o out.rec corr.rec
	[ "$stderr" = "nids-select: corr.rec: the kept feature 'nope' is not a feature of the stream" ]
	[ ! -e out.rec ]
	printf 'f2\nf2\n' > twice
	run -1 --separate-stderr SEL --apply twice corr.rec
	[ "$stderr" = "nids-select: twice:2: feature 'f2' listed twice" ]
	run -1 --separate-stderr SEL --apply list /dev/null
}

@test "nids-select --permutation ranks by the AUROC lost when a feature is shuffled" {
	fit -q -t tree --max-depth 4 -o t.bin data.rec
	run --separate-stderr SEL -m t.bin --permutation p.tsv --repeats 3 --seed 2 -j 2 --top 3 -o k data.rec
	[ "$status" -eq 0 ]
	[[ "${stderr_lines[0]}" == "nids-select: AUROC 0."*" on 800 rows; importances in p.tsv" ]]
	[ "$(tail -n +2 p.tsv | wc -l)" -eq 5 ]
	# the noise features cost nothing: the tree never splits on them
	[ "$(awk -F '\t' '$1 == "f4" || $1 == "f5" { print $2 }' p.tsv | tr '\n' ' ')" = "0 0 " ]
	[ "$(grep -v '^#' k | sort | tr '\n' ' ')" = "f1 f2 f3 " ]
	# the same seed gives the same importances
	SEL -q -m t.bin --permutation p2.tsv --repeats 3 --seed 2 --top 3 data.rec > /dev/null
	cmp p.tsv p2.tsv
	printf 'f1\tf2\tlabel\n1\t2\t0\n1\t2\t1\n' | ncat -r > other.rec
	run -1 --separate-stderr SEL -m t.bin --permutation p3.tsv other.rec
	[ "$stderr" = "nids-select: other.rec: the stream has 2 features, the model 5 (first missing: 'f3')" ]
	[ ! -e p3.tsv ]
	printf 'f1\tf2\n1\t2\n' | ncat -r > nolabel.rec
	run -1 --separate-stderr SEL -m t.bin --permutation p3.tsv nolabel.rec
	[ "$stderr" = "nids-select: nolabel.rec: permutation importance needs a label column" ]
}

@test "nids-select --permutation: a row the model scores nan is named by file, row and record" {
	# min-max over a tiny range of f2 takes 1e37 past float32: the scorer gives nan
	awk -F '\t' 'NR == 1 { print "f1,f2,label"; next }
		{ print $1 "," $2 / 10000 "," ($6 ? "attack" : "normal") }' "$F/data.tsv" > tr.csv
	printf 'f1,f2,label\n1,0.0001,normal\n0.5,0.0001,attack\n0.2,1e37,attack\n3,0.0001,normal\n' > te.csv
	feat -f csv -o tr.rec tr.csv
	feat -f csv -o te.rec te.csv
	"$NIDS_BIN/nids-normalize" -q --fit n.par tr.rec | fit -q -t logreg -o lg.bin
	run -1 --separate-stderr SEL -m lg.bin --permutation p.tsv tr.rec te.rec
	[ "$stderr" = "nids-select: te.rec: row 3 (CSV record 3): the model's score is nan" ]
	[ ! -e p.tsv ]
	run -1 --separate-stderr SEL -m lg.bin --permutation p.tsv - < te.rec
	[ "$stderr" = "nids-select: -: row 3 (CSV record 3): the model's score is nan" ]
	# rows that carry their CSV file
	feat -f csv -o both.rec tr.csv te.csv
	run -1 --separate-stderr SEL -m lg.bin --permutation p.tsv both.rec
	[ "$stderr" = "nids-select: te.csv: record 3: the model's score is nan" ]
}

@test "nids-select --permutation: a row the model's normalization refuses is named by file, row and record" {
	printf 'f1,f2,label\n1,2,normal\n0.5,1,attack\n0.2,3,normal\n3,0.1,attack\n2,2,normal\n1,1,attack\n' > tr.csv
	printf 'f1,f2,label\n1,2,normal\n0.5,1,attack\n-5,3,attack\n' > te.csv
	feat -f csv -o tr.rec tr.csv
	feat -f csv -o te.rec te.csv
	"$NIDS_BIN/nids-normalize" -q -t log1p --fit n.par tr.rec | fit -q -t logreg -o lg.bin
	run -1 --separate-stderr SEL -m lg.bin --permutation p.tsv te.rec
	[ "$stderr" = "nids-select: te.rec: row 3 (CSV record 3): column 'f1': value -5 is negative; log1p needs values >= 0 (try -t minmax or -t zscore)" ]
	[ ! -e p.tsv ]
}

@test "nids-select: a damaged importance file is refused with its line" {
	printf 'feature\timportance\nf1\t0.5\nf2 0.5\n' > bad.tsv
	run -1 --separate-stderr SEL --importances bad.tsv --top 1
	[ "$stderr" = "nids-select: bad.tsv:3: 'f2 0.5' is not a feature name, a tab and an importance" ]
	printf 'f1\t0.5\n' > nohead.tsv
	run -1 --separate-stderr SEL --importances nohead.tsv --top 1
	[ "$stderr" = "nids-select: nohead.tsv:1: not an importance file (the first line is not 'feature<TAB>importance')" ]
	run -1 --separate-stderr SEL --importances "$F/rank.tsv" --corr 0.9 data.rec
	[ "$stderr" = "nids-select: feature 'f6' is not in the stream" ]
}
