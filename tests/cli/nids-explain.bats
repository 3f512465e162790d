#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

setup() {
	setup_tmp
	mk_stream 300 1 benign > "$tmp/benign.rec"
	mk_stream 300 1 > "$tmp/all.rec"
	mk_stream 60 2 > "$tmp/test.rec"
	fit -q -t ae --epochs 20 --batch 16 --lr 0.01 -o "$tmp/ae.bin" "$tmp/benign.rec"
}
teardown() { teardown_tmp; }

explain() { "$NIDS_BIN/nids-explain" "$@"; }

# efficiency FILE: in a stream with score, attr_base and attr_f1..f4, base + the
# attributions equal the score to a relative 1e-5, row by row
efficiency() {
	# (to 1e-5 of the terms' sizes: each is stored as a float32, and sampled kernel SHAP
	# can give large attributions that cancel)
	ncat -H -c score,attr_base,attr_f1,attr_f2,attr_f3,attr_f4 "$1" |
		awk -F '\t' '{ d = $2 + $3 + $4 + $5 + $6 - $1; d = d < 0 ? -d : d; a = 0
			for (i = 1; i <= 6; i++) a += $i < 0 ? -$i : $i
			if (d > 1e-5 * a + 1e-7) { print "row " NR ": " $0; bad++ } n++ }
			END { exit bad || n == 0 }'
}

@test "nids-explain: --help first line is the man SYNOPSIS" {
	check_help_matches_man nids-explain
}

@test "nids-explain: --version" {
	run explain --version
	[ "$status" -eq 0 ]
	[[ "$output" == "nids-explain 0."* ]]
}

@test "nids-explain: usage errors exit 2 with a message" {
	run -2 --separate-stderr explain --bogus
	[[ "$stderr" == *"unknown option '--bogus'"*"usage: nids-explain"* ]]
	run -2 --separate-stderr explain "$tmp/test.rec"
	[ "${stderr_lines[0]}" = "nids-explain: -m is required" ]
	run -2 --separate-stderr explain -m "$tmp/ae.bin" -t lime "$tmp/test.rec"
	[ "${stderr_lines[0]}" = "nids-explain: -t: 'lime' is not a method (tree, shap, gradient, error)" ]
	run -2 --separate-stderr explain -m "$tmp/ae.bin" --json "$tmp/test.rec"
	[ "${stderr_lines[0]}" = "nids-explain: --json goes with --top" ]
	run -2 --separate-stderr explain -m "$tmp/ae.bin" -t shap "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/test.rec: -t shap needs a background stream (-b FILE: benign training rows)" ]
	run -2 --separate-stderr explain -m "$tmp/ae.bin" -t tree "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/test.rec: -t tree explains tree and forest models, not ae (try -t shap)" ]
	# TreeSHAP and the errors have no score function to take the logit of
	run -2 --separate-stderr explain -m "$tmp/ae.bin" -t error --logit "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/test.rec: --logit goes with -t shap or -t gradient" ]
	run -2 --separate-stderr explain -m "$tmp/ae.bin" -t gradient --alarms-only "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/ae.bin: the model stores no threshold (give one with --threshold, or store one with nids-threshold -m)" ]
	fit -q -t kmeans --k 2 -o "$tmp/km.bin" "$tmp/benign.rec"
	run -2 --separate-stderr explain -m "$tmp/km.bin" -t error "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/test.rec: a kmeans model has no per-feature reconstruction error (try -t shap)" ]
	# a background with other features is named, not the input
	printf 'a\tb\n1\t2\n' | ncat -r > "$tmp/other.rec"
	run -1 --separate-stderr explain -m "$tmp/km.bin" -t shap -b "$tmp/other.rec" "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/other.rec: feature 1: the stream has 'a', the model 'f1'" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "nids-explain: kernel SHAP columns pass every column through and sum to the score" {
	explain -m "$tmp/ae.bin" -b "$tmp/benign.rec" --nsamples 64 "$tmp/test.rec" > "$tmp/x.rec"
	run ncat --types -n 1 "$tmp/x.rec"
	[ "${lines[0]}" = $'f1\tf2\tf3\tf4\tid:meta\tlabel\tclass\tattr_f1:meta\tattr_f2:meta\tattr_f3:meta\tattr_f4:meta\tattr_base:meta' ]
	cmp <(ncat -c f1,f2,f3,f4,id,label,class "$tmp/x.rec") <(ncat "$tmp/test.rec")
	score -m "$tmp/ae.bin" "$tmp/x.rec" > "$tmp/s.rec"
	efficiency "$tmp/s.rec"
	# every coalition of 4 features (14) is within the budget: the same values for any seed
	explain -m "$tmp/ae.bin" -b "$tmp/benign.rec" --sample -k 1000 --nsamples 14 --seed 9 "$tmp/test.rec" | ncat -c attr_f1,attr_f2 > "$tmp/a.tsv"
	explain -m "$tmp/ae.bin" -b "$tmp/benign.rec" --sample -k 1000 --nsamples 20 --seed 3 "$tmp/test.rec" | ncat -c attr_f1,attr_f2 > "$tmp/b.tsv"
	paste "$tmp/a.tsv" "$tmp/b.tsv" | awk -F '\t' 'NR > 1 { d = $1 - $3; e = $2 - $4
		if (d * d + e * e > 1e-10) bad++ } END { exit bad }'
}

@test "nids-explain: TreeSHAP is the default for a forest and sums to its score" {
	fit -q -t forest --trees 10 --max-depth 6 -o "$tmp/f.bin" "$tmp/all.rec"
	explain -m "$tmp/f.bin" -b "$tmp/all.rec" "$tmp/test.rec" | score -m "$tmp/f.bin" > "$tmp/s.rec"
	efficiency "$tmp/s.rec"
	# attacks differ from benign rows in f1 and f2: those carry the attributions
	ncat -H -c label,attr_f1,attr_f2,attr_f3,attr_f4 "$tmp/s.rec" | awk -F '\t' '$1 == 1 {
		a += $2 + $3; b += ($4 < 0 ? -$4 : $4) + ($5 < 0 ? -$5 : $5) } END { exit !(a > 5 * b) }'
	fit -q -t tree --max-depth 4 -o "$tmp/t.bin" "$tmp/all.rec"
	explain -m "$tmp/t.bin" -t tree "$tmp/test.rec" | score -m "$tmp/t.bin" > "$tmp/t.rec"
	efficiency "$tmp/t.rec"
}

@test "nids-explain: -t gradient equals nids-score --explain for ae; --times-input multiplies" {
	explain -m "$tmp/ae.bin" -t gradient "$tmp/test.rec" | ncat -H -c attr_f1,attr_f2,attr_f3,attr_f4 > "$tmp/g.tsv"
	score -m "$tmp/ae.bin" --explain "$tmp/test.rec" | ncat -H -c grad_f1,grad_f2,grad_f3,grad_f4 > "$tmp/want.tsv"
	cmp "$tmp/g.tsv" "$tmp/want.tsv"
	explain -m "$tmp/ae.bin" -t gradient --times-input "$tmp/test.rec" | ncat -H -c f1,attr_f1 > "$tmp/gx.tsv"
	paste "$tmp/gx.tsv" <(cut -f1 "$tmp/g.tsv") | awk -F '\t' '{ d = $1 * $3 - $2; if (d * d > 1e-12) bad++ } END { exit bad }'
}

@test "nids-explain: -t error equals nids-score --errors" {
	explain -m "$tmp/ae.bin" -t error "$tmp/test.rec" | ncat -H -c attr_f1,attr_f2,attr_f3,attr_f4 > "$tmp/e.tsv"
	score -m "$tmp/ae.bin" --errors "$tmp/test.rec" | ncat -H -c err_f1,err_f2,err_f3,err_f4 > "$tmp/want.tsv"
	cmp "$tmp/e.tsv" "$tmp/want.tsv"
}

@test "nids-explain: logreg's margin: central-difference gradients are its weights, kernel SHAP is w (x - E x)" {
	fit -q -t logreg -o "$tmp/lr.bin" "$tmp/all.rec"
	# the gradient of the margin is the same weight vector at every row
	explain -m "$tmp/lr.bin" -t gradient --logit "$tmp/test.rec" | ncat -H -c attr_f1,attr_f2,attr_f3,attr_f4 > "$tmp/g.tsv"
	awk -F '\t' 'NR == 1 { for (i = 1; i <= 4; i++) w[i] = $i; next }
		{ for (i = 1; i <= 4; i++) { d = $i - w[i]; a = w[i] < 0 ? -w[i] : w[i]
			if ((d < 0 ? -d : d) > 1e-2 * a + 1e-3) bad++ } } END { exit bad }' "$tmp/g.tsv"
	# kernel SHAP on the margin against every benign row (a sample as large as them)
	explain -m "$tmp/lr.bin" -t shap --logit --sample -k 1000 -b "$tmp/all.rec" "$tmp/test.rec" |
		ncat -H -c f1,f2,f3,f4,attr_f1,attr_f2,attr_f3,attr_f4 > "$tmp/s.tsv"
	ncat -H -c label,f1,f2,f3,f4 "$tmp/all.rec" | awk -F '\t' '$1 == 0 { for (i = 1; i <= 4; i++) m[i] += $(i + 1); n++ }
		END { for (i = 1; i <= 4; i++) printf "%.9g\n", m[i] / n }' > "$tmp/mean.txt"
	head -1 "$tmp/g.tsv" > "$tmp/w.tsv"
	awk -F '\t' 'FILENAME ~ /mean/ { m[++k] = $1; next } FILENAME ~ /w.tsv/ { for (i = 1; i <= 4; i++) w[i] = $i; next }
		{ for (i = 1; i <= 4; i++) { want = w[i] * ($i - m[i]); d = $(i + 4) - want
			if ((d < 0 ? -d : d) > 1e-2 * (want < 0 ? -want : want) + 1e-3) { print i, $(i + 4), want; bad++ } } }
		END { exit bad }' "$tmp/mean.txt" "$tmp/w.tsv" "$tmp/s.tsv"
}

@test "nids-explain: --top K lines name the row and its largest attributions; --json parses" {
	run explain -m "$tmp/ae.bin" -b "$tmp/benign.rec" --nsamples 14 --top 2 "$tmp/test.rec"
	[ "${#lines[@]}" -eq 60 ]
	[[ "${lines[0]}" =~ ^id=0\ label=1\ class=probe\ score=[0-9.e-]+$'\t'f[1-4]=[0-9.]+\ [-+][0-9.e-]+$'\t'f[1-4]=[0-9.]+\ [-+][0-9.e-]+$ ]]
	# the two named are the largest in absolute value, in that order
	explain -m "$tmp/ae.bin" -b "$tmp/benign.rec" --nsamples 14 "$tmp/test.rec" | ncat -H -c attr_f1,attr_f2,attr_f3,attr_f4 |
		awk -F '\t' '{ for (i = 1; i <= 4; i++) a[i] = $i < 0 ? -$i : $i; b = 1
			for (i = 2; i <= 4; i++) if (a[i] > a[b]) b = i; print "f" b }' > "$tmp/want.txt"
	printf '%s\n' "${lines[@]}" | cut -f2 | sed 's/=.*//' > "$tmp/got.txt"
	cmp "$tmp/got.txt" "$tmp/want.txt"
	explain -m "$tmp/ae.bin" -b "$tmp/benign.rec" --nsamples 14 --top 3 --json "$tmp/test.rec" > "$tmp/j.json"
	run jq -c '[.id, .label, .class, (.top | length), (.top[0] | keys)]' "$tmp/j.json"
	[ "${lines[0]}" = '[0,1,"probe",3,["attribution","feature","value"]]' ]
	[ "${#lines[@]}" -eq 60 ]
}

@test "nids-explain: kernel SHAP gives a row the same attributions wherever it stands in the input" {
	ncat --types "$tmp/test.rec" > "$tmp/t.tsv"
	# rows 31 to 60 alone, and all 60 rows in reverse order
	awk 'NR == 1 || NR > 31' "$tmp/t.tsv" | ncat -r > "$tmp/tail.rec"
	{ head -1 "$tmp/t.tsv"; tail -n +2 "$tmp/t.tsv" | tac; } | ncat -r > "$tmp/rev.rec"
	for f in test tail rev; do
		explain -m "$tmp/ae.bin" -t shap -b "$tmp/benign.rec" --nsamples 8 "$tmp/$f.rec" |
			ncat -H -c id,attr_f1,attr_f2,attr_f3,attr_f4 | sort -n > "$tmp/$f.txt"
	done
	[ "$(wc -l < "$tmp/tail.txt")" -eq 30 ]
	cmp <(tail -30 "$tmp/test.txt") "$tmp/tail.txt"
	cmp "$tmp/test.txt" "$tmp/rev.txt"
	# another seed draws other coalitions (8 of the 14 for 4 features: not every one)
	explain -m "$tmp/ae.bin" -t shap -b "$tmp/benign.rec" --nsamples 8 --seed 2 "$tmp/test.rec" |
		ncat -H -c id,attr_f1,attr_f2,attr_f3,attr_f4 | sort -n > "$tmp/seed2.txt"
	run ! cmp -s "$tmp/test.txt" "$tmp/seed2.txt"
}

@test "nids-explain: --top quotes a name or value holding a space, quote, backslash or '=' (logfmt)" {
	printf 'a=1\tb c\tlabel\tclass\tAttempted Category:meta\n' > "$tmp/q.tsv"
	printf '0\t0\t0\tnormal\t0\n1\t0\t0\tnormal\t0\n' >> "$tmp/q.tsv"
	printf '9\t9\t1\t"DoS ""slow\\\\loris"""\t-1\n' >> "$tmp/q.tsv"
	ncat -r "$tmp/q.tsv" > "$tmp/q.rec"
	fit -q -t kmeans --k 1 -o "$tmp/q.bin" "$tmp/q.rec"
	run explain -m "$tmp/q.bin" -t shap -b "$tmp/q.rec" --top 2 -k 2 "$tmp/q.rec"
	[ "${lines[2]}" = $'label=1 class="DoS \\"slow\\\\loris\\"" "Attempted Category"=-1 score=8.252946\t"b c"=9 +2.17467\t"a=1"=9 +1.93572' ]
}

@test "nids-explain: --alarms-only explains the rows over the stored or given threshold" {
	t=$(score -m "$tmp/ae.bin" "$tmp/test.rec" | "$NIDS_BIN/nids-threshold" --rate 0.2 -m "$tmp/ae.bin")
	explain -m "$tmp/ae.bin" -t gradient --alarms-only "$tmp/test.rec" | ncat -H -c id > "$tmp/got.txt"
	score -m "$tmp/ae.bin" --alarms "$tmp/test.rec" | ncat -H -c id > "$tmp/want.txt"
	cmp "$tmp/got.txt" "$tmp/want.txt"
	[ "$(wc -l < "$tmp/got.txt")" -ge 10 ]
	explain -m "$tmp/ae.bin" -t gradient --alarms-only --threshold 1e30 --top 1 "$tmp/test.rec" > "$tmp/none.txt"
	[ ! -s "$tmp/none.txt" ]
}

@test "nids-explain: raw featurized rows get the model's normalization; metadata passes through" {
	feat -q "$NIDS_TOP/tests/fixtures/feat/nslkdd_20.txt" > "$tmp/raw.rec"
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" "$tmp/raw.rec" > "$tmp/norm.rec"
	fit -q -t logreg -o "$tmp/lr.bin" "$tmp/norm.rec"
	explain -m "$tmp/lr.bin" -b "$tmp/raw.rec" --nsamples 64 "$tmp/raw.rec" > "$tmp/a.rec"
	explain -m "$tmp/lr.bin" -b "$tmp/norm.rec" --nsamples 64 "$tmp/norm.rec" > "$tmp/b.rec"
	cmp <(ncat -c attr_base,attr_duration,attr_src_bytes "$tmp/a.rec") <(ncat -c attr_base,attr_duration,attr_src_bytes "$tmp/b.rec")
	cmp <(ncat -c record,duration,src_bytes "$tmp/a.rec") <(ncat -c record,duration,src_bytes "$tmp/raw.rec")
	run explain -m "$tmp/lr.bin" -b "$tmp/raw.rec" --nsamples 64 --top 1 "$tmp/raw.rec"
	[[ "${lines[0]}" == "record=1 label=1 class=neptune difficulty=21 score="* ]]
}

@test "nids-explain: bad input exits 1, leaves no output file; a full disk is an error" {
	head -c 100 "$tmp/test.rec" > "$tmp/cut.rec"
	run -1 --separate-stderr explain -m "$tmp/ae.bin" -t gradient -o "$tmp/out.rec" "$tmp/cut.rec"
	[[ "$stderr" == "nids-explain: $tmp/cut.rec: "* ]]
	[ ! -e "$tmp/out.rec" ]
	mk_tsv 20 1 | sed '1s/f4/g4/' | ncat -r > "$tmp/other.rec"
	run -1 --separate-stderr explain -m "$tmp/ae.bin" -t shap -b "$tmp/other.rec" "$tmp/test.rec"
	[[ "$stderr" == "nids-explain: "*"g4"* ]]
	run -1 --separate-stderr explain -m "$tmp/ae.bin" -t gradient "$tmp/test.rec" -o /dev/full
	run -1 --separate-stderr explain -m "$tmp/ae.bin" -t gradient --top 2 "$tmp/test.rec" -o /dev/full
}

@test "nids-explain: a plot or table that outgrows the stdio buffer on a full disk says why" {
	# 30 features with long names: each writer's output passes 4 KiB, so the write
	# fails inside it, not at the commit
	awk 'BEGIN { srand(5); printf "label\tclass"
		for (j = 1; j <= 30; j++) printf "\tthe_feature_with_a_long_descriptive_name_that_fills_the_plot_margin_and_then_some_more_of_it_%02d", j
		print ""
		for (i = 0; i < 200; i++) { c = int(rand() * 6); printf "%d\tc%d", (c > 0), c
			for (j = 1; j <= 30; j++) printf "\t%.3f", rand() + (j <= 5 ? c : 0)
			print "" } }' | ncat -r > "$tmp/wide.rec"
	fit -q -t tree --max-depth 6 -o "$tmp/t.bin" "$tmp/wide.rec"
	for opt in "--heatmap /dev/full --features 30" "--waterfall 3:/dev/full" "--fingerprint /dev/full"; do
		run -1 --separate-stderr explain -m "$tmp/t.bin" $opt -o "$tmp/x.rec" "$tmp/wide.rec"
		[ "$stderr" = "nids-explain: /dev/full: write error: No space left on device" ]
		[ ! -e "$tmp/x.rec" ]
	done
	# the other outputs of a failed run are not left behind
	run -1 --separate-stderr explain -m "$tmp/t.bin" --fingerprint "$tmp/fp.tsv" --heatmap /dev/full \
		--features 30 --waterfall 3:"$tmp/w.svg" -o "$tmp/x.rec" "$tmp/wide.rec"
	[ ! -e "$tmp/fp.tsv" ]
	[ ! -e "$tmp/w.svg" ]
	[ ! -e "$tmp/x.rec" ]
}

@test "nids-explain: --fingerprint is each class's mean and mean |attribution|; heatmap and waterfall SVGs" {
	fit -q -t forest --trees 5 --max-depth 5 -o "$tmp/f.bin" "$tmp/all.rec"
	explain -m "$tmp/f.bin" -b "$tmp/all.rec" --fingerprint "$tmp/fp.tsv" --heatmap "$tmp/fp.svg" \
		--waterfall 3:"$tmp/w3.svg" "$tmp/test.rec" > "$tmp/x.rec"
	[ "$(head -1 "$tmp/fp.tsv")" = $'class\tfeature\trows\tmean\tmean_abs' ]
	[ "$(wc -l < "$tmp/fp.tsv")" -eq 13 ] # 3 classes x 4 features
	# the same means from the attribution columns
	ncat -H -c class,attr_f1,attr_f2,attr_f3,attr_f4 "$tmp/x.rec" | awk -F '\t' '
		{ n[$1]++; for (i = 1; i <= 4; i++) { s[$1, "f" i] += $(i + 1); a[$1, "f" i] += $(i + 1) < 0 ? -$(i + 1) : $(i + 1) } }
		END { for (k in s) { split(k, p, SUBSEP); printf "%s\t%s\t%d\t%.6g\t%.6g\n", p[1], p[2], n[p[1]], s[k] / n[p[1]], a[k] / n[p[1]] } }' |
		sort > "$tmp/want.tsv"
	tail -n +2 "$tmp/fp.tsv" | awk -F '\t' '{ printf "%s\t%s\t%d\t%.6g\t%.6g\n", $1, $2, $3, $4, $5 }' | sort > "$tmp/got.tsv"
	cmp "$tmp/got.tsv" "$tmp/want.tsv"
	explain -m "$tmp/f.bin" -b "$tmp/all.rec" --fingerprint "$tmp/fp.json" "$tmp/test.rec" > /dev/null
	[ "$(jq -s 'length' "$tmp/fp.json")" -eq 12 ]
	[[ $(head -c 38 "$tmp/fp.svg") == '<?xml version="1.0" encoding="UTF-8"?>' ]]
	grep -q '>probe (' "$tmp/fp.svg"
	# the waterfall ends at the third row's score
	s=$(score -m "$tmp/f.bin" "$tmp/test.rec" | ncat -H -c score | sed -n 3p)
	grep -q ">f(x) = $(printf '%.4g' "$s")</text>" "$tmp/w3.svg"
	run grep -q 'href\|<script' "$tmp/fp.svg" "$tmp/w3.svg"
	[ "$status" -eq 1 ]
	if command -v xmllint >/dev/null; then xmllint --noout "$tmp/fp.svg" "$tmp/w3.svg"; fi
	run -2 --separate-stderr explain -m "$tmp/f.bin" --waterfall 3 "$tmp/test.rec"
	[ "${stderr_lines[0]}" = "nids-explain: --waterfall: '3' is not ROW:FILE" ]
	# a row never explained (past the end; not an alarm): exit 1, no SVG, no output
	run -1 --separate-stderr explain -m "$tmp/f.bin" --waterfall 61:"$tmp/w61.svg" -o "$tmp/o.rec" "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/test.rec: --waterfall 61: the input has 60 rows" ]
	[ ! -e "$tmp/w61.svg" ]
	[ ! -e "$tmp/o.rec" ]
	ncat -H -c score <(score -m "$tmp/f.bin" "$tmp/test.rec") | awk '$1 < 0.5 { print NR; exit }' >"$tmp/quiet"
	run -1 --separate-stderr explain -m "$tmp/f.bin" --alarms-only --threshold 0.5 \
		--waterfall "$(cat "$tmp/quiet")":"$tmp/wq.svg" "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/test.rec: --waterfall $(cat "$tmp/quiet"): row $(cat "$tmp/quiet") is not an alarm, and --alarms-only explains alarms alone" ]
	[ ! -e "$tmp/wq.svg" ]
}

@test "nids-explain: the heatmap and waterfall render in headless Chromium" {
	local chrome
	chrome=$(command -v chromium || command -v chromium-browser || true)
	[[ -n $chrome ]] || skip "chromium is not installed (apt-get install chromium)"
	fit -q -t forest --trees 5 --max-depth 5 -o "$tmp/f.bin" "$tmp/all.rec"
	explain -m "$tmp/f.bin" -b "$tmp/all.rec" --heatmap "$tmp/fp.svg" --waterfall 1:"$tmp/w.svg" "$tmp/test.rec" > /dev/null
	local flags=(--headless --no-sandbox --disable-gpu --window-size=900,500)
	for f in fp w; do
		timeout 120 "$chrome" "${flags[@]}" --screenshot="$tmp/$f.png" "file://$tmp/$f.svg" 2>/dev/null
		[[ $(head -c 8 "$tmp/$f.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]
		# a blank page compresses to a few KB; cells, bars and labels to much more
		[[ $(stat -c %s "$tmp/$f.png") -gt 8000 ]]
		run -0 timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --dump-dom "file://$tmp/$f.svg"
		[[ $output != *parsererror* ]]
	done
}

@test "nids-explain: aegmm: the whole pipeline and, with --stage gmm, the mixture by the error vector" {
	fit -q -t aegmm --layers 3,2 --k 2 --epochs 10 --batch 16 --lr 0.01 -o "$tmp/ag.bin" "$tmp/benign.rec"
	explain -m "$tmp/ag.bin" -b "$tmp/benign.rec" --nsamples 14 "$tmp/test.rec" | score -m "$tmp/ag.bin" > "$tmp/a.rec"
	efficiency "$tmp/a.rec"
	explain -m "$tmp/ag.bin" -b "$tmp/benign.rec" --nsamples 14 --stage gmm "$tmp/test.rec" | score -m "$tmp/ag.bin" > "$tmp/g.rec"
	efficiency "$tmp/g.rec"
	# the two explain different functions of the same score: their base values differ
	run cmp <(ncat -H -c attr_base "$tmp/a.rec" | head -1) <(ncat -H -c attr_base "$tmp/g.rec" | head -1)
	[ "$status" -eq 1 ]
	run -2 --separate-stderr explain -m "$tmp/ae.bin" -b "$tmp/benign.rec" --stage gmm "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/test.rec: --stage gmm goes with -t shap and an aegmm model" ]
	run -2 --separate-stderr explain -m "$tmp/ag.bin" --stage ae "$tmp/test.rec"
	[ "${stderr_lines[0]}" = "nids-explain: --stage: 'ae' is not gmm" ]
	# the analytic gradient of the whole pipeline runs and is finite
	explain -m "$tmp/ag.bin" -t gradient "$tmp/test.rec" | ncat -H -c attr_f1,attr_f2,attr_f3,attr_f4 |
		awk -F '\t' '{ for (i = 1; i <= 4; i++) if ($i != $i + 0 || $i ~ /nan|inf/) bad++ } END { exit bad || NR != 60 }'
}

@test "nids-explain: -t gradient and --integrated run for every differentiable model" {
	fit -q -t vae --epochs 3 -o "$tmp/vae.bin" "$tmp/benign.rec"
	fit -q -t dagmm --layers 3,1 --k 2 --epochs 3 --batch 32 -o "$tmp/dagmm.bin" "$tmp/benign.rec"
	fit -q -t memae --layers 3,2 --mem 5 --epochs 3 -o "$tmp/memae.bin" "$tmp/benign.rec"
	fit -q -t dsebm --layers 4,4 --epochs 3 -o "$tmp/dsebm.bin" "$tmp/benign.rec"
	fit -q -t sae --hidden 3 --pretrain 1 --epochs 3 -o "$tmp/sae.bin" "$tmp/all.rec"
	fit -q -t logreg -o "$tmp/logreg.bin" "$tmp/all.rec"
	for m in ae vae dagmm memae dsebm sae logreg; do
		explain -m "$tmp/$m.bin" -t gradient "$tmp/test.rec" > "$tmp/g.rec"
		explain -m "$tmp/$m.bin" -t gradient --integrated 8 -b "$tmp/benign.rec" "$tmp/test.rec" > "$tmp/ig.rec"
		for f in g ig; do
			ncat -H -c attr_f1,attr_f2,attr_f3,attr_f4 "$tmp/$f.rec" | awk -F '\t' -v m="$m" '
				{ for (i = 1; i <= 4; i++) if ($i ~ /nan|inf/) { print m ": " $0; bad++ } }
				END { exit bad || NR != 60 }'
		done
	done
	run -2 --separate-stderr explain -m "$tmp/logreg.bin" -t tree "$tmp/test.rec"
	fit -q -t forest --trees 2 -o "$tmp/f.bin" "$tmp/all.rec"
	run -2 --separate-stderr explain -m "$tmp/f.bin" -t gradient "$tmp/test.rec"
	[ "$stderr" = "nids-explain: $tmp/test.rec: a forest model's score has no useful gradient (try -t tree)" ]
}

@test "nids-explain: central differences are finite where 1e-3 is below a feature's float32 spacing" {
	# at 1e6 the step of 1e-3 is lost in float32 (x - h = x + h), which once gave 0 / 0
	fit -q -t dsebm --layers 4,4 --epochs 3 --score recon -o "$tmp/dr.bin" "$tmp/benign.rec"
	printf 'f1\tf2\tf3\tf4\n0.5\t0.25\t1e6\t0.125\n' | ncat -r > "$tmp/big.rec"
	# the score is about f3 squared: its slope there is about 2e6, and integrated
	# gradients from 0 add up to about the score, 1e12
	explain -m "$tmp/dr.bin" -t gradient "$tmp/big.rec" > "$tmp/g.rec"
	explain -m "$tmp/dr.bin" -t gradient --integrated 4 "$tmp/big.rec" > "$tmp/ig.rec"
	for f in g:2e6 ig:1e12; do
		ncat -H -c attr_f1,attr_f2,attr_f3,attr_f4 "$tmp/${f%:*}.rec" > "$tmp/g.tsv"
		run ! grep -E 'nan|inf' "$tmp/g.tsv"
		awk -F '\t' -v want="${f#*:}" '{ exit !($3 > want / 2 && $3 < want * 2) }' "$tmp/g.tsv"
	done
}

@test "nids-explain: --top names a row by a label or time of any value" {
	# (a label past int's range was once cast to int to look up a class name)
	printf 'f1\tf2\tf3\tf4\tlabel\tt:time\n0.5\t0.25\t0.75\t0.125\t1e30\t-3e38\n' | ncat -r > "$tmp/odd.rec"
	run -0 --separate-stderr explain -m "$tmp/ae.bin" -t gradient --top 1 "$tmp/odd.rec"
	[[ "$output" == "label=1e+30 t=-3e+38 score="* ]]
	[ -z "$stderr" ]
	run -0 --separate-stderr explain -m "$tmp/ae.bin" -t gradient --top 1 --json "$tmp/odd.rec"
	[[ "$output" == '{"label":1.00000002e+30,"t":-3.00000001e+38,"score":'* ]]
}

@test "nids-explain: kernel SHAP sums to the score for every model type" {
	fit -q -t vae --epochs 3 -o "$tmp/vae.bin" "$tmp/benign.rec"
	fit -q -t dagmm --layers 3,1 --k 2 --epochs 3 --batch 32 -o "$tmp/dagmm.bin" "$tmp/benign.rec"
	fit -q -t memae --layers 3,2 --mem 5 --epochs 3 -o "$tmp/memae.bin" "$tmp/benign.rec"
	fit -q -t dsebm --layers 4,4 --epochs 3 -o "$tmp/dsebm.bin" "$tmp/benign.rec"
	fit -q -t aegmm --layers 3,2 --k 2 --epochs 5 -o "$tmp/aegmm.bin" "$tmp/benign.rec"
	fit -q -t sae --hidden 3 --pretrain 1 --epochs 3 -o "$tmp/sae.bin" "$tmp/all.rec"
	fit -q -t kmeans --k 3 -o "$tmp/kmeans.bin" "$tmp/benign.rec"
	fit -q -t logreg -o "$tmp/logreg.bin" "$tmp/all.rec"
	fit -q -t tree --max-depth 4 -o "$tmp/tree.bin" "$tmp/all.rec"
	fit -q -t forest --trees 5 --max-depth 4 -o "$tmp/forest.bin" "$tmp/all.rec"
	fit -q -t iforest --trees 20 -o "$tmp/iforest.bin" "$tmp/benign.rec"
	for m in ae vae dagmm memae dsebm aegmm sae kmeans logreg tree forest iforest; do
		explain -m "$tmp/$m.bin" -t shap -b "$tmp/benign.rec" --nsamples 8 "$tmp/test.rec" |
			score -m "$tmp/$m.bin" > "$tmp/s.rec"
		efficiency "$tmp/s.rec" || { echo "$m"; return 1; }
	done
}

@test "nids-explain: -j threads change only rounding; -z compresses; --features sizes the heatmap" {
	explain -m "$tmp/ae.bin" -t error "$tmp/test.rec" | ncat -H -c attr_f1,attr_f2 > "$tmp/1.tsv"
	explain -m "$tmp/ae.bin" -t error -j 2 "$tmp/test.rec" | ncat -H -c attr_f1,attr_f2 > "$tmp/2.tsv"
	paste "$tmp/1.tsv" "$tmp/2.tsv" | awk -F '\t' '{ for (i = 1; i <= 2; i++) { d = $i - $(i + 2)
		a = $i < 0 ? -$i : $i; if ((d < 0 ? -d : d) > 1e-4 * a + 1e-9) bad++ } } END { exit bad || NR != 60 }'
	explain -m "$tmp/ae.bin" -t error --zstd 3 -o "$tmp/z.rec" "$tmp/test.rec"
	explain -m "$tmp/ae.bin" -t error -o "$tmp/raw.rec" "$tmp/test.rec"
	cmp <(ncat "$tmp/z.rec") <(ncat "$tmp/raw.rec")
	[ "$(stat -c %s "$tmp/z.rec")" -lt "$(stat -c %s "$tmp/raw.rec")" ]
	explain -m "$tmp/ae.bin" -t error --heatmap "$tmp/h.svg" --features 2 "$tmp/test.rec" > /dev/null
	[ "$(grep -c '<title>' "$tmp/h.svg")" -eq 6 ] # 3 classes x 2 features
}
