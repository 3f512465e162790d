#!/usr/bin/env bats
# nids-roc: metrics against scikit-learn values in tests/fixtures/eval/*.expect, the
# table, JSON, curves, the SVG (rendered by headless Chromium) and bad input.
bats_require_minimum_version 1.5.0
load helpers
load eval_helpers

R() { "$NIDS_BIN/nids-roc" "$@"; }

setup() {
	cd "$BATS_TEST_TMPDIR"
	mkrec "$FIX/ties.tsv" ties.rec
}

# check_expect FILE.expect [--low]: nids-roc --json output in $output against scikit-learn
check_expect() {
	local f=$1 s=${2:+_low}
	[[ $(jget rows) -eq $(ex "$f" rows) ]]
	[[ $(jget benign) -eq $(ex "$f" benign) ]]
	[[ $(jget attacks) -eq $(ex "$f" attacks) ]]
	# scikit-learn's undefined AUROC (one class only) is nids-roc's JSON null
	if [ "$(ex "$f" auroc$s)" = nan ]; then
		[ "$(jget auroc)" = null ]
	else
		near "$(jget auroc)" "$(ex "$f" auroc$s)" 1e-9
	fi
	near "$(jget auprc)" "$(ex "$f" auprc$s)" 1e-9
	near "$(jget best_f1)" "$(ex "$f" best_f1$s)" 1e-12
	same "$(jget best_f1_threshold)" "$(ex "$f" best_f1_threshold$s)"
}

# check_at FILE.expect: the confusion matrix at the fixture's threshold
check_at() {
	local f=$1 k
	for k in tp fp tn fn; do [[ $(jget $k) -eq $(ex "$f" $k) ]]; done
	for k in precision recall f1 accuracy fpr; do near "$(jget $k)" "$(ex "$f" $k)" 1e-15; done
}

@test "nids-roc: --help synopsis equals the man page's; --version; bad options" {
	check_help_matches_man nids-roc
	run -0 R --version
	[[ ${lines[0]} == "nids-roc 0.2.0 (stream 3, model 2)" ]]
	[[ ${lines[1]} =~ ^"OpenBLAS kernels: "[A-Za-z0-9]+$ ]]
	run -2 --separate-stderr R --nope
	[[ ${stderr_lines[0]} == "nids-roc: unknown option '--nope'" ]]
	[[ ${stderr_lines[1]} == usage:* ]]
	run -2 --separate-stderr R --curve det ties.rec
	[[ ${stderr_lines[0]} == "nids-roc: option '--curve': 'det' is not roc or pr" ]]
	run -2 --separate-stderr R --json --curve roc ties.rec
	[[ ${stderr_lines[0]} == "nids-roc: give one of --json and --curve" ]]
	run -2 --separate-stderr R --bins 1 ties.rec
	[[ ${stderr_lines[0]} == "nids-roc: option '--bins': '1' is not a whole number from 2 to 1000" ]]
}

@test "nids-roc: scikit-learn's values on tied scores, both directions" {
	run -0 R --json --threshold 0.5 ties.rec
	check_expect "$FIX/ties.expect"
	check_at "$FIX/ties.expect"
	[[ $output == *'{"name": "neptune", "rows": 4, "attacks": 4, "alarms": 3, "alarm_rate": 0.75}'* ]]
	[[ $output == *'{"name": "normal", "rows": 12, "attacks": 0, "alarms": 5, "alarm_rate": 0.4166666666666667}'* ]]
	run -0 R --json --low ties.rec
	check_expect "$FIX/ties.expect" --low
}

@test "nids-roc: among equal best F1 the least anomalous threshold is reported, both directions" {
	# thresholds 4 and 1 both give F1 2/3 (tp 1 of 2 at 4; tp 2, fp 2 at 1)
	printf 'score\tlabel\n4\t1\n3\t0\n2\t0\n1\t1\n' > f1tie.tsv
	mkrec f1tie.tsv f1tie.rec
	run -0 R --json f1tie.rec
	[ "$(jget best_f1_threshold)" = 1 ]
	[ "$(jget best_f1)" = 0.6666666666666666 ]
	[ "$(jget threshold)" = 1 ]
	run -0 R f1tie.rec
	[ "${lines[6]}" = "best F1     0.666667 at threshold 1" ]
	run -0 R -q --json --low f1tie.rec
	[ "$(jget best_f1_threshold)" = 4 ]
}

@test "nids-roc: scikit-learn's values on 10^5 random rows" {
	"$MAKER" random 100000 42 > r.rec
	run -0 R --json --threshold 0.5 r.rec
	check_expect "$FIX/random.expect"
	check_at "$FIX/random.expect"
	run -0 R --json --low r.rec
	check_expect "$FIX/random.expect" --low
}

@test "nids-roc: --high overrides a score-low column's direction, --low a score column's" {
	# attacks have the lowest values: as the role says (score-low) they rank perfectly
	printf 'll:score-low\tlabel\n-5\t1\n-1\t0\n-3\t0\n-4\t1\n' > ll.tsv
	mkrec ll.tsv ll.rec
	run -0 R --json ll.rec
	[ "$(jget auroc)" = 1 ]
	run -0 R --json --low ll.rec
	[ "$(jget auroc)" = 1 ]
	run -0 R --json --high ll.rec
	[ "$(jget auroc)" = 0 ]
	[ "$(jget tp)" -eq 2 ]
	[ "$(jget fp)" -eq 2 ]
	printf 'hh\tlabel\n5\t1\n1\t0\n3\t0\n4\t1\n' > hh.tsv
	mkrec hh.tsv hh.rec
	run -0 R --json --score hh --high hh.rec
	[ "$(jget auroc)" = 1 ]
	run -0 R --json --score hh --low hh.rec
	[ "$(jget auroc)" = 0 ]
}

@test "nids-roc: one class absent gives documented NaN (null) and a warning" {
	mkrec "$FIX/benign-only.tsv" b.rec
	run -0 --separate-stderr R --json --threshold 0.5 b.rec
	[[ $stderr == "nids-roc: warning: b.rec: no attack rows; AUROC, AUPRC and best F1 are undefined (nan)" ]]
	[[ $(jget auroc) == null && $(jget auprc) == null && $(jget best_f1) == null ]]
	check_at "$FIX/benign-only.expect"
	run -0 R --svg b.svg b.rec
	[[ $(grep -c '>undefined: no attack rows</text>' b.svg) -eq 2 ]]
	grep -q '>AUC = nan</text>' b.svg
	mkrec "$FIX/attack-only.tsv" a.rec
	run -0 --separate-stderr R --json --threshold 2 a.rec
	[[ $stderr == "nids-roc: warning: a.rec: no benign rows; AUROC is undefined (nan)" ]]
	[[ $(jget auroc) == null ]]
	check_expect "$FIX/attack-only.expect"
	check_at "$FIX/attack-only.expect"
}

@test "nids-roc: a curve without benign or attack rows is an error, not nan points" {
	mkrec "$FIX/benign-only.tsv" b.rec
	mkrec "$FIX/attack-only.tsv" a.rec
	run -1 --separate-stderr R --curve roc -o c.tsv a.rec
	[ "$stderr" = "nids-roc: a.rec: no benign rows: the ROC curve is undefined" ]
	[ ! -e c.tsv ]
	run -1 --separate-stderr R --curve roc b.rec
	[ "$stderr" = "nids-roc: b.rec: no attack rows: the ROC curve is undefined" ]
	run -1 --separate-stderr R --curve pr b.rec
	[ "$stderr" = "nids-roc: b.rec: no attack rows: the precision-recall curve is undefined" ]
	# precision needs no benign rows
	run -0 R --curve pr a.rec
	[[ ${lines[-1]} == $'-1\t1\t1' ]]
	# a class of the class table with no rows, against the background
	"$NIDS_BIN/nids-split" --benign ties.rec > tb.rec
	run -1 --separate-stderr R --curve pr --class smurf tb.rec
	[ "$stderr" = "nids-roc: tb.rec: no rows of class 'smurf': the precision-recall curve is undefined" ]
	run -1 --separate-stderr R --curve roc --class smurf tb.rec
	[ "$stderr" = "nids-roc: tb.rec: no rows of class 'smurf': the ROC curve is undefined" ]
}

@test "nids-roc --multiclass: a full disk says why and leaves neither the report nor the heatmap" {
	awk 'BEGIN { print "label\tclass\tpred:class"
		for (i = 0; i < 144; i++) printf "1\tclass_%02d\tclass_%02d\n", int(i / 12), i % 12 }' |
		"$NIDS_BIN/nids-cat" -r > mc.rec
	run -1 --separate-stderr R --multiclass --svg /dev/full -o t.txt mc.rec
	[ "$stderr" = "nids-roc: /dev/full: write error: No space left on device" ]
	[ ! -e t.txt ]
	# the report failing leaves no heatmap behind
	run -1 --separate-stderr R --multiclass --svg cm.svg -o /dev/full mc.rec
	[[ "$stderr" == "nids-roc: /dev/full: "*"No space left on device" ]]
	[ ! -e cm.svg ]
	R --multiclass --svg cm.svg -o t.txt mc.rec
	[ -s cm.svg ]
	[ -s t.txt ]
}

@test "nids-roc: the table" {
	run -0 R --threshold 0.5 ties.rec
	[[ ${lines[0]} == "input       ties.rec" ]]
	[[ ${lines[4]} == "AUROC       0.588542" ]]
	[[ ${lines[5]} == "AUPRC       0.495174" ]]
	[[ ${lines[6]} == "best F1     0.592593 at threshold -0.200000003" ]]
	[[ ${lines[7]} == "threshold   0.5 (--threshold)" ]]
	[[ $output == *"benign                    7              5"* ]]
	[[ $output == *"attack                    3              5"* ]]
	[[ $output == *"satan                attack             2            1   0.500000"* ]]
	run -0 R ties.rec
	[[ ${lines[7]} == "threshold   -0.200000003 (best F1)" ]]
}

@test "nids-roc: a threshold file from nids-threshold" {
	"$NIDS_BIN/nids-threshold" --percentile 50 -o t.thr ties.rec
	run -0 R -p t.thr ties.rec
	[[ ${lines[7]} == "threshold   0.350000009 (percentile 50)" ]]
	run -2 --separate-stderr R -p t.thr --low ties.rec
	[[ ${stderr_lines[0]} == "nids-roc: --low contradicts the direction 'high' in 't.thr'" ]]
	run -2 --separate-stderr R -p t.thr --threshold 1 ties.rec
	[[ ${stderr_lines[0]} == "nids-roc: give one of -p and --threshold" ]]
}

@test "nids-roc: --curve roc and pr" {
	run -0 R --curve roc ties.rec
	[[ ${lines[0]} == $'threshold\tfpr\ttpr' ]]
	[[ ${lines[1]} == $'inf\t0\t0' ]]
	[[ ${lines[2]} == $'0.8999999761581421\t0.08333333333333333\t0.125' ]]
	[[ ${lines[-1]} == $'-1.5\t1\t1' ]]
	[[ ${#lines[@]} -eq 12 ]] # header, start, 10 distinct scores (0 and -0 are one)
	run -0 R --curve pr ties.rec
	[[ ${lines[0]} == $'threshold\trecall\tprecision' ]]
	[[ ${lines[2]} == $'0.800000011920929\t0.375\t0.6' ]]
	[[ ${#lines[@]} -eq 11 ]]
}

@test "nids-roc: concatenated and zstd streams read as one" {
	"$MAKER" random 1000 1 > a.rec
	"$MAKER" random 3000 2 > b.rec
	cat a.rec b.rec > ab.rec
	run -0 R --json ab.rec
	[[ $(jget rows) -eq 4000 ]]
	local auc; auc=$(jget auroc)
	zstd -q -c ab.rec | { run -0 R --json; [[ $(jget auroc) == "$auc" ]]; }
	printf 'score\tlabel\n1\t0\n' > o.tsv
	mkrec o.tsv o.rec
	cat a.rec o.rec > bad.rec
	run -1 --separate-stderr R bad.rec
	[[ $stderr == "nids-roc: bad.rec"*"columns"* ]]
}

@test "nids-roc: several inputs read as one; -o writes the report; -q silences warnings" {
	"$MAKER" random 1000 1 > a.rec
	"$MAKER" random 3000 2 > b.rec
	cat a.rec b.rec > ab.rec
	gzip -c b.rec > b.rec.gz
	R --json ab.rec > want.json
	run -0 --separate-stderr R --json -o got.json a.rec b.rec.gz
	[[ -z $output && -z $stderr ]]
	cmp want.json got.json
	run -0 R a.rec b.rec
	[[ ${lines[0]} == "input       2 files" ]]
	[[ ${lines[1]} == "rows        4000" ]]
	run -0 R --curve roc -o c.tsv ab.rec
	cmp c.tsv <(R --curve roc ab.rec)
	# a failure writes no report
	printf 'score\tlabel\n1\t0\n' > o.tsv
	mkrec o.tsv o.rec
	run -1 --separate-stderr R -o bad.txt a.rec o.rec
	[[ $stderr == "nids-roc: o.rec: "*"columns"* ]]
	[ ! -e bad.txt ]
	run -2 --separate-stderr R --svg - -o x.txt a.rec
	[[ ${stderr_lines[0]} == "nids-roc: --svg - writes the picture to stdout; -o has nothing to write" ]]
	mkrec "$FIX/benign-only.tsv" ben.rec
	run -0 --separate-stderr R -q --json --threshold 0.5 ben.rec
	[[ -z $stderr ]]
	run -0 --separate-stderr R --progress --json ab.rec
	[[ $stderr == $'\r'"nids-roc: 0 rows, "*$'\r' ]]
}

@test "nids-roc: bad input names the row" {
	printf 'score\tlabel\n0.5\t0\n0.7\t2\n' > l.tsv
	mkrec l.tsv l.rec
	run -1 --separate-stderr R --svg out.svg l.rec
	[[ $stderr == "nids-roc: l.rec: row 2: label 2 is not 0 or 1" ]]
	[[ ! -e out.svg ]]
	printf 'score\n0.5\n' > n.tsv
	mkrec n.tsv n.rec
	run -1 --separate-stderr R n.rec
	[[ $stderr == "nids-roc: n.rec: no label column (role label); metrics need to know which rows are attacks" ]]
	run -1 --separate-stderr R --score nope ties.rec
	[[ $stderr == "nids-roc: ties.rec: no column 'nope'" ]]
	run -1 --separate-stderr R --score label ties.rec
	[[ $stderr == "nids-roc: ties.rec: column 'label' is a label, not a score" ]]
	head -c 100 ties.rec > cut.rec
	run -1 R cut.rec
	run -1 --separate-stderr bash -c '"$NIDS_BIN/nids-roc" ties.rec > /dev/full'
	[[ $stderr == "nids-roc: write error: "* ]]
}

@test "nids-roc: --svg writes a self-contained picture with AUC, classes and threshold" {
	# a class name with XML and JSON specials (quoted as CSV quotes it; the backslash
	# escaped as TSV escapes it)
	printf 'score\tlabel\tclass\n0.1\t0\tnormal\n0.9\t1\t"<b&""q"">\\\\"\n0.4\t1\tsmurf\n0.3\t0\tnormal\n' > x.tsv
	mkrec x.tsv x.rec
	run -0 R --svg x.svg --threshold 0.35 x.rec
	[[ $(head -c 38 x.svg) == '<?xml version="1.0" encoding="UTF-8"?>' ]]
	grep -q '>AUC = 1.0000</text>' x.svg
	grep -q '>AP = 1.0000</text>' x.svg
	grep -q '>&lt;b&amp;&quot;q&quot;&gt;\\ (1)</text>' x.svg
	grep -q '>benign (2)</text>' x.svg
	grep -q '>threshold 0.35</text>' x.svg
	# no script and no external reference
	run grep -c 'href\|<script' x.svg
	[ "$output" = 0 ]
	if command -v xmllint >/dev/null; then xmllint --noout x.svg; fi
	run -0 R --json x.rec
	[[ $output == *'{"name": "<b&\"q\">\\", "rows": 1, "attacks": 1, "alarms": 1, "alarm_rate": 1}'* ]]
	run -0 R --svg ties.svg ties.rec
	grep -q '>AUC = 0.5885</text>' ties.svg
	R --svg - ties.rec > stdout.svg
	cmp ties.svg stdout.svg
	run -2 --separate-stderr R --svg - --json ties.rec
	[[ ${stderr_lines[0]} == "nids-roc: --svg - writes the picture to stdout; it cannot share it with --json" ]]
}

@test "nids-roc: the SVG renders in headless Chromium and is not blank" {
	local chrome
	chrome=$(command -v chromium || command -v chromium-browser || true)
	[[ -n $chrome ]] || skip "chromium is not installed (apt-get install chromium)"
	"$MAKER" random 20000 7 > r.rec
	R --svg plot.svg --threshold 0.5 r.rec > /dev/null
	local flags=(--headless --no-sandbox --disable-gpu --window-size=960,900)
	timeout 120 "$chrome" "${flags[@]}" --screenshot="$PWD/plot.png" "file://$PWD/plot.svg" 2>/dev/null
	[[ $(head -c 8 plot.png | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]
	# a blank 960x900 page compresses to about 4.4 KB; three panels of lines, text
	# and filled histograms to about 60 KB
	[[ $(stat -c %s plot.png) -gt 20000 ]]
	# and the document parsed: Chromium shows a parse error page otherwise
	run -0 timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --dump-dom "file://$PWD/plot.svg"
	[[ $output != *parsererror* && $output == *"AUC = "* ]]
}

@test "nids-roc: NSL-KDD test set with a feature as the score equals scikit-learn" {
	need_shared KDDTest+.txt.zst
	zstdcat "$shared_data/KDDTest+.txt.zst" | "$NIDS_BIN/nids-featurize" -f nslkdd 2>/dev/null > kdd.rec
	# same_srv_rate is low for attacks; values from roc_auc_score and
	# average_precision_score on `nids-cat -c same_srv_rate,label` of this stream
	run -0 R --json --score same_srv_rate --low kdd.rec
	[[ $(jget rows) -eq 22544 && $(jget benign) -eq 9711 && $(jget attacks) -eq 12833 ]]
	near "$(jget auroc)" 0.7358054740626405 1e-9
	near "$(jget auprc)" 0.7755662396616433 1e-9
	[[ $output == *'{"name": "neptune", "rows": 4657, "attacks": 4657, '* ]]
}

@test "examples/auroc.sh: four decimals, or exit 1 when the AUROC is undefined" {
	printf 'score\tlabel\n0.9\t1\n0.5\t0\n0.7\t1\n0.8\t0\n' | ncat -r >four.rec
	run -0 env PATH="$NIDS_BIN:$PATH" sh "$NIDS_TOP/examples/auroc.sh" four.rec
	[ "$output" = 0.7500 ]
	printf 'score\tlabel\n0.9\t1\n0.5\t1\n' | ncat -r >attacks.rec
	run -1 --separate-stderr env PATH="$NIDS_BIN:$PATH" sh "$NIDS_TOP/examples/auroc.sh" attacks.rec
	[ -z "$output" ]
	[ "${stderr_lines[1]}" = "auroc.sh: the AUROC is undefined" ]
	run -1 env PATH="$NIDS_BIN:$PATH" sh "$NIDS_TOP/examples/auroc.sh" missing.rec
}

@test "nids-roc --svg, --density: scores past a double's unit and infinite scores draw finite numbers" {
	# equal scores at 2^52 (their axis spans one unit, which a tick step of 0.1 cannot
	# cross), equal scores at 1e30 (a span of 0 even after widening by one), and an
	# infinite score (no density)
	printf 'score\tlabel\tclass\n4503599627370496\t0\tnormal\n4503599627370496\t1\tdos\n' |
		ncat -r >p52.rec
	printf 'score\tlabel\tclass\n1e30\t0\tnormal\n1e30\t1\tdos\n' | ncat -r >e30.rec
	printf 'score\tlabel\tclass\n1\t0\tnormal\n2\t0\tnormal\n3\t1\tdos\n5\t1\tdos\ninf\t1\tdos\n' |
		ncat -r >inf.rec
	for f in p52 e30 inf; do
		run -0 timeout 20 "$NIDS_BIN/nids-roc" -q --svg $f.svg --density $f-d.svg -o /dev/null $f.rec
		run -1 grep -E '[" ,-](nan|inf)[" ,]' $f.svg $f-d.svg
	done
	grep -q '>dos (n=2, bw 1.23)</text>' inf-d.svg
}
