#!/usr/bin/env bats
# Multi-class evaluation: nids-score --predict and nids-roc --multiclass (text, JSON,
# SVG heatmap), with values worked out by hand on a six-row stream and scikit-learn's
# on the fixtures of tests/fixtures/multiclass (the NSL-KDD forest's predictions).
bats_require_minimum_version 1.5.0
load helpers
load eval_helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

R() { "$NIDS_BIN/nids-roc" "$@"; }

setup() {
	setup_tmp
	# true a a a b b c, predicted a b c b b b (test_metrics_multi.c's hand case)
	printf 'label\tclass\tpred:class\n1\ta\ta\n1\ta\tb\n1\ta\tc\n1\tb\tb\n0\tb\tb\n1\tc\tb\n' |
		ncat -r > "$tmp/six.rec"
}
teardown() { teardown_tmp; }

@test "nids-score: --predict adds pred, the argmax of the class probabilities, named" {
	mk_stream 300 1 > "$tmp/all.rec"
	mk_stream 90 2 > "$tmp/test.rec"
	fit -q -t tree --target class -o "$tmp/tree.bin" "$tmp/all.rec"
	score -m "$tmp/tree.bin" --predict "$tmp/test.rec" > "$tmp/s.rec"
	run ncat --types -n 1 "$tmp/s.rec"
	[[ "${lines[0]}" == "#record"$'\tnids.score\t'* ]]
	[[ "${lines[1]}" == *$'\tscore\tp_probe:meta\tp_normal:meta\tp_dos:meta\tpred:class' ]]
	# pred names the most probable class; the input's class column is unchanged
	ncat -H -c p_probe,p_normal,p_dos,pred "$tmp/s.rec" | awk -F '\t' '
		{ b = 1; for (k = 2; k <= 3; k++) if ($k > $b) b = k
		  split("probe normal dos", n, " "); if (n[b] != $4) bad++ }
		END { exit bad || NR != 90 }'
	diff <(ncat -c class "$tmp/test.rec") <(ncat -c class "$tmp/s.rec")
	# a model without class probabilities
	fit -q -t ae --epochs 1 -o "$tmp/ae.bin" "$tmp/all.rec"
	run -2 --separate-stderr score -m "$tmp/ae.bin" --predict "$tmp/test.rec"
	[ "${stderr_lines[0]}" = "nids-score: --classes is not available for -t ae" ]
}

@test "nids-score: --predict with --target label names benign and attack; --truth label" {
	mk_stream 300 1 > "$tmp/all.rec"
	mk_stream 90 2 > "$tmp/test.rec"
	fit -q -t forest --trees 5 -o "$tmp/f.bin" "$tmp/all.rec"
	score -m "$tmp/f.bin" --predict "$tmp/test.rec" > "$tmp/s.rec"
	run R --multiclass --truth label --json "$tmp/s.rec"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"labels": ["attack", "benign"]'* ]]
	# the report's confusion matrix is the rows counted by hand
	want=$(ncat -H -c label,pred "$tmp/s.rec" | awk -F '\t' '
		{ c[($1 ? "attack" : "benign") " " $2]++ }
		END { printf "[%d, %d],  [%d, %d]", c["attack attack"], c["attack benign"],
		      c["benign attack"], c["benign benign"] }')
	got=$(printf '%s' "$output" | tr -d '\n' | sed 's/.*"confusion": \[\(.*\)\],  *"classes".*/\1/')
	[ "$got" = "$want" ]
}

@test "nids-roc --multiclass: the table, hand-computed" {
	run R --multiclass "$tmp/six.rec"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "rows  6" ]
	[ "${lines[2]}" = "              precision     recall   f1-score    support" ]
	[ "${lines[3]}" = "           a   1.000000   0.333333   0.500000          3" ]
	[ "${lines[4]}" = "           b   0.500000   1.000000   0.666667          2" ]
	[ "${lines[5]}" = "           c   0.000000   0.000000   0.000000          1" ]
	[ "${lines[6]}" = "    accuracy                         0.500000          6" ]
	[ "${lines[7]}" = "   macro avg   0.500000   0.444444   0.388889          6" ]
	[ "${lines[8]}" = "weighted avg   0.666667   0.500000   0.472222          6" ]
	[ "${lines[10]}" = "                  1      2      3" ]
	[ "${lines[11]}" = "           a      1      1      1   1" ]
	[ "${lines[12]}" = "           b      0      2      0   2" ]
	[ "${lines[13]}" = "           c      0      1      0   3" ]
}

@test "nids-roc --multiclass --json: every figure, and the heatmap" {
	run R --multiclass --json --svg "$tmp/cm.svg" "$tmp/six.rec"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -c .confusion)" = "[[1,1,1],[0,2,0],[0,1,0]]" ]
	[ "$(printf '%s\n' "$output" | jq -r '.classes[0].recall')" = "0.3333333333333333" ]
	[ "$(printf '%s\n' "$output" | jq -r '.classes[1].f1')" = "0.6666666666666666" ]
	[ "$(printf '%s\n' "$output" | jq -r '.classes[2].support')" = "1" ]
	[ "$(printf '%s\n' "$output" | jq -r '.accuracy')" = "0.5" ]
	near "$(printf '%s\n' "$output" | jq -r '.weighted_avg.f1')" 0.47222222222222222 1e-15
	[ "$(printf '%s\n' "$output" | jq -r '.macro_avg.recall')" = "0.4444444444444444" ]
	# nine cells, each with its count and share in a tooltip; the diagonal of b is darkest
	[ "$(grep -c '<rect x=' "$tmp/cm.svg")" -eq 9 ]
	grep -q '<title>true b, predicted b: 2 (1.0000 of the row)</title>' "$tmp/cm.svg"
	grep -q 'fill="rgb(0,0,255)"' "$tmp/cm.svg"
	# --svg - writes the heatmap alone to stdout
	run R --multiclass --svg - "$tmp/six.rec"
	[[ "${lines[0]}" == "<svg "* && "${lines[-1]}" == "</svg>" ]]
}

@test "nids-roc --multiclass: scikit-learn's report on the NSL-KDD forest's predictions" {
	# the fixture's (true, predicted, rows) triples as a stream of rows
	awk -F '\t' 'BEGIN { print "class\tpred:class" } { for (i = 0; i < $3; i++) print $1 "\t" $2 }' \
		"$fixtures/multiclass/nslkdd_forest.pairs" | ncat -r > "$tmp/p.rec"
	R --multiclass --json "$tmp/p.rec" > "$tmp/r.json"
	e="$fixtures/multiclass/nslkdd_forest.expect"
	jq -r '.classes[] | .name, .precision, .recall, .f1, .support' "$tmp/r.json" > "$tmp/got"
	awk -F '\t' '$1 == "label" || $1 == "precision" || $1 == "recall" || $1 == "f1-score" ||
		$1 == "support" { print $2 }' "$e" > "$tmp/want"
	[ "$(wc -l < "$tmp/got")" -eq 195 ]
	paste "$tmp/got" "$tmp/want" | awk -F '\t' '
		NR % 5 == 1 { if ($1 != $2) bad++; next }
		{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-12) { print; bad++ } } END { exit bad }'
	near "$(jq .accuracy "$tmp/r.json")" "$(awk '$1 == "accuracy" { print $2 }' "$e")" 1e-12
	near "$(jq .weighted_avg.f1 "$tmp/r.json")" "$(awk '$1 == "weighted-f1-score" { print $2 }' "$e")" 1e-12
	near "$(jq .macro_avg.precision "$tmp/r.json")" "$(awk '$1 == "macro-precision" { print $2 }' "$e")" 1e-12
}

@test "nids-roc --multiclass: bad usage and input" {
	run -2 --separate-stderr R --truth label "$tmp/six.rec"
	[ "${stderr_lines[0]}" = "nids-roc: --truth goes with --multiclass" ]
	run -2 --separate-stderr R --multiclass --truth both "$tmp/six.rec"
	[ "${stderr_lines[0]}" = "nids-roc: option '--truth': 'both' is not class or label" ]
	run -2 --separate-stderr R --multiclass --curve roc "$tmp/six.rec"
	[[ "${stderr_lines[0]}" == "nids-roc: --multiclass evaluates predicted classes: "* ]]
	printf 'label\tclass\n1\ta\n' | ncat -r > "$tmp/nopred.rec"
	run -1 --separate-stderr R --multiclass "$tmp/nopred.rec"
	[ "$stderr" = "nids-roc: $tmp/nopred.rec: no column 'pred' of role class (add it with nids-score --predict)" ]
	printf 'label\tpred:class\n2\ta\n' | ncat -r > "$tmp/badlabel.rec"
	run -1 --separate-stderr R --multiclass -o "$tmp/out.txt" "$tmp/badlabel.rec"
	[ "$stderr" = "nids-roc: $tmp/badlabel.rec: row 1: label 2 is not 0 or 1" ]
	[ ! -e "$tmp/out.txt" ]
	printf 'f\tpred:class\n2\ta\n' | ncat -r > "$tmp/notruth.rec"
	run -1 --separate-stderr R --multiclass --truth class "$tmp/notruth.rec"
	[ "$stderr" = "nids-roc: $tmp/notruth.rec: no class column to take the true classes from" ]
}
