#!/usr/bin/env bats
# nids-threshold: fits against numpy values in tests/fixtures/eval/*.expect, the
# threshold file, applying, and bad input.
bats_require_minimum_version 1.5.0
load helpers
load eval_helpers

T() { "$NIDS_BIN/nids-threshold" "$@"; }
R() { "$NIDS_BIN/nids-roc" "$@"; }

setup() {
	cd "$BATS_TEST_TMPDIR"
	mkrec "$FIX/ties.tsv" ties.rec
	mkrec "$FIX/benign-only.tsv" benign.rec
}

@test "nids-threshold: --help synopsis equals the man page's" {
	check_help_matches_man nids-threshold
	run -0 T --help
	[[ $output == *"see nids-threshold(1)"* ]]
}

@test "nids-threshold: --version, unknown option, missing rule" {
	run -0 T --version
	[[ ${lines[0]} == "nids-threshold 0.2.0 (stream 3, model 2)" ]]
	[[ ${lines[1]} =~ ^"OpenBLAS kernels: "[A-Za-z0-9]+$ ]]
	run -2 --separate-stderr T --bogus
	[[ ${stderr_lines[0]} == "nids-threshold: unknown option '--bogus'" ]]
	[[ ${stderr_lines[1]} == usage:* ]]
	run -2 --separate-stderr T ties.rec
	[[ ${stderr_lines[0]} == "nids-threshold: give a rule to fit"* ]]
	run -2 --separate-stderr T --percentile 101 ties.rec
	[[ ${stderr_lines[0]} == "nids-threshold: option '--percentile': '101' is not a number from 0 to 100" ]]
	run -2 --separate-stderr T --percentile 5 --best-f1 ties.rec
	[[ ${stderr_lines[0]} == "nids-threshold: give one of -p, --value, --percentile, --sigma, --rate, --best-f1" ]]
	run -2 --separate-stderr T --percentile 5 -e ties.rec
	[[ ${stderr_lines[0]} == "nids-threshold: -e is for applying a threshold (-p or --value)" ]]
	run -2 --separate-stderr T --percentile 5 --apply ties.rec
	[[ ${stderr_lines[0]} == "nids-threshold: --apply goes with -p or --value" ]]
	run -2 --separate-stderr T --value 1 -o y.thr ties.rec
	[[ ${stderr_lines[0]} == "nids-threshold: --value with -o writes a threshold file and reads no input (--apply -o writes the stream)" ]]
	run -2 --separate-stderr T --percentile 5 --alarms-only ties.rec
	[[ ${stderr_lines[0]} == "nids-threshold: --alarms-only is for applying a threshold (-p or --value)" ]]
	run -2 --separate-stderr T --value 1 --alarms-only -o y.rec ties.rec
	[[ ${stderr_lines[0]} == "nids-threshold: --alarms-only is for applying a threshold: --value with -o writes a threshold file (--apply -o writes the stream)" ]]
}

@test "nids-threshold: percentiles equal numpy.percentile (linear) on tied scores" {
	for p in 0 1.2 25 50 90 98 99.9 100; do
		run -0 T --percentile "$p" ties.rec
		same "$output" "$(ex "$FIX/ties.expect" percentile "$p")"
	done
	# the reference rows are the benign ones: attacks at 0.9 do not move the 100th
	run -0 T --percentile 100 ties.rec
	[[ $output == 0.8999999761581421 ]]
}

@test "nids-threshold: a percentile with weight over one half interpolates from the upper score, as numpy does" {
	# numpy.percentile([6.958328723907471, 12.663305282592773], 95) is
	# 12.663305282592773 - d * (1 - 0.95), which differs in the last bit from
	# 6.958328723907471 + d * 0.95 (12.378056454658509)
	printf 'score\tlabel\n6.958328723907471\t0\n12.663305282592773\t0\n' > pct.tsv
	mkrec pct.tsv pct.rec
	run -0 T --percentile 95 pct.rec
	[ "$output" = 12.378056454658507 ]
}

@test "nids-threshold: sigma, rate and best F1 equal numpy / scikit-learn, both directions" {
	# (-q: --low on a column of role score is deliberate here; see the warning's test)
	run -0 T --sigma 3 ties.rec
	near "$output" "$(ex "$FIX/ties.expect" sigma 3)" 1e-12
	run -0 T -q --sigma 3 --low ties.rec
	near "$output" "$(ex "$FIX/ties.expect" sigma_low 3)" 1e-12
	run -0 T --rate 0.1 ties.rec
	same "$output" "$(ex "$FIX/ties.expect" rate 0.1)"
	run -0 T -q --rate 0.1 --low ties.rec
	same "$output" "$(ex "$FIX/ties.expect" rate_low 0.1)"
	run -0 T --best-f1 ties.rec
	same "$output" "$(ex "$FIX/ties.expect" best_f1_threshold)"
	run -0 T -q --best-f1 --low ties.rec
	same "$output" "$(ex "$FIX/ties.expect" best_f1_threshold_low)"
}

@test "nids-threshold: --best-f1 among equal F1 takes the least anomalous threshold, both directions" {
	# thresholds 4 and 1 both give F1 2/3 (tp 1 of 2 at 4; tp 2, fp 2 at 1)
	printf 'score\tlabel\n4\t1\n3\t0\n2\t0\n1\t1\n' > f1tie.tsv
	mkrec f1tie.tsv f1tie.rec
	run -0 T --best-f1 f1tie.rec
	[ "$output" = 1 ]
	run -0 T -q --best-f1 --low f1tie.rec
	[ "$output" = 4 ]
}

@test "nids-threshold: 10^5 random rows" {
	"$MAKER" random 100000 42 > r.rec
	run -0 T --percentile 98 r.rec
	same "$output" "$(ex "$FIX/random.expect" percentile 98)"
	run -0 T --rate 0.1 r.rec
	same "$output" "$(ex "$FIX/random.expect" rate 0.1)"
	run -0 T --best-f1 r.rec
	same "$output" "$(ex "$FIX/random.expect" best_f1_threshold)"
}

@test "nids-threshold: unlabeled rows are all reference rows; a score-low column sets the direction" {
	printf 'x:score-low\n1\n2\n3\n4\n5\n' > u.tsv
	mkrec u.tsv u.rec
	run -0 T --percentile 90 u.rec
	[[ $output == 4.6 ]] # numpy.percentile([1, 2, 3, 4, 5], 90)
	run -0 T --sigma 1 u.rec -o u.thr
	[[ $output == 1.5857864376269049 ]] # mean - sd, lower is more anomalous
	grep -qx 'direction low' u.thr
	grep -qx 'score x' u.thr
	run -1 --separate-stderr T --best-f1 u.rec
	[[ $stderr == "nids-threshold: u.rec: --best-f1 needs a label column" ]]
}

@test "nids-threshold: the threshold file records the fit and is checksummed" {
	run -0 T --percentile 98 -o t.thr ties.rec
	[[ $(sed -n 1p t.thr) == "nids-threshold 1" ]]
	[[ $(sed -n 2p t.thr) == "threshold $output" ]]
	grep -qx 'direction high' t.thr
	grep -qx 'method percentile 98' t.thr
	grep -qx 'rows 20' t.thr
	grep -Eqx 'xxh32 [0-9a-f]{8}' t.thr
	sed 's/^threshold .*/threshold 0.5/' t.thr > bad.thr
	run -1 --separate-stderr T -p bad.thr ties.rec
	[[ $stderr == "nids-threshold: bad.thr: threshold file checksum mismatch (damaged or edited? write a new one with nids-threshold --value)" ]]
	sed '1s/1/7/' t.thr > v7.thr
	run -1 --separate-stderr T -p v7.thr ties.rec
	[[ $stderr == "nids-threshold: v7.thr:1: threshold file version 7 is not supported (this reads 1)" ]]
	head -n 3 t.thr > cut.thr
	run -1 --separate-stderr T -p cut.thr ties.rec
	[[ $stderr == "nids-threshold: cut.thr: truncated threshold file (no checksum line)" ]]
	run -1 --separate-stderr T -p missing.thr ties.rec
	[[ $stderr == "nids-threshold: missing.thr: cannot open: No such file or directory" ]]
}

@test "nids-threshold: -m with -o: a threshold file that cannot be written leaves the model as it was" {
	printf 'a\tb\tlabel\n0\t0\t0\n1\t0\t0\n0\t1\t0\n9\t9\t1\n1\t1\t0\n' | ncat -r > t.rec
	"$NIDS_BIN/nids-fit" -q -t logreg -o m.bin t.rec
	"$NIDS_BIN/nids-score" -m m.bin t.rec > s.rec
	cp m.bin before.bin
	run -1 --separate-stderr T --percentile 50 -m m.bin -o /dev/full s.rec
	[ "$stderr" = "nids-threshold: /dev/full: write error: No space left on device" ]
	cmp m.bin before.bin
	# and both are written when both can be
	run -0 T --percentile 50 -m m.bin -o t.thr s.rec
	[ -s t.thr ]
	[[ $("$NIDS_BIN/nids-score" --info -m m.bin) == *$'\nthreshold='*" high score"* ]]
}

@test "nids-threshold: -m reads the model once, so it may be a FIFO" {
	printf 'a\tb\tlabel\n0\t0\t0\n1\t0\t0\n0\t1\t0\n9\t9\t1\n1\t1\t0\n' | ncat -r > t.rec
	"$NIDS_BIN/nids-fit" -q -t logreg -o m.bin t.rec
	"$NIDS_BIN/nids-score" -m m.bin t.rec > s.rec
	mkfifo m.fifo
	# the model in through the FIFO, and back out of it with its threshold
	{ cat m.bin > m.fifo; cat m.fifo > stored.bin; } >/dev/null 2>&1 &
	run --separate-stderr timeout 20 "$NIDS_BIN/nids-threshold" --percentile 50 -m m.fifo s.rec
	# a second read would wait for a writer with the reader above: release it
	[ "$status" -eq 0 ] || timeout 5 sh -c ': > m.fifo' || true
	wait
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ $("$NIDS_BIN/nids-score" --info -m stored.bin) == *$'\nthreshold='*" high score"* ]]
}

@test "nids-threshold: --value -o writes a file without reading input" {
	run -0 T --value 0.5 --low --score ll -o v.thr < /dev/null
	[[ $output == 0.5 ]]
	[[ $(sed -n 2,6p v.thr | tr '\n' ' ') == "threshold 0.5 direction low score ll method value 0.5 rows 0 " ]]
}

@test "nids-threshold: applying appends an alarm column, 1 exactly where score >= threshold" {
	T --percentile 50 -o t.thr ties.rec
	local th; th=$(sed -n 's/^threshold //p' t.thr)
	T -p t.thr ties.rec | "$NIDS_BIN/nids-cat" > a.tsv
	[[ $(head -n 1 a.tsv) == $'score\tlabel\tclass\talarm' ]]
	awk -F'\t' -v t="$th" 'NR > 1 { n++; a += $4; if (($1 + 0 >= t + 0) != ($4 == 1)) bad++ }
		END { exit !(n == 20 && a == 11 && !bad) }' a.tsv
	# the other columns pass through: text -> stream -> text is the fixture again
	cut -f1-3 a.tsv | diff - "$FIX/ties.tsv"
	run -1 --separate-stderr T -p t.thr <(T -p t.thr ties.rec)
	[[ $stderr == *": the stream already has a column 'alarm'" ]]
}

@test "nids-threshold: --alarms-only keeps the alarm rows unchanged; --value and --low" {
	T --value 0.5 --alarms-only ties.rec | "$NIDS_BIN/nids-cat" > a.tsv
	[[ $(head -n 1 a.tsv) == $'score\tlabel\tclass' ]]
	[[ $(($(wc -l < a.tsv) - 1)) -eq $(( $(ex "$FIX/ties.expect" tp) + $(ex "$FIX/ties.expect" fp) )) ]]
	[[ $(cut -f1 a.tsv | tail -n +2 | sort -u | tr '\n' ' ') == "0.5 0.7 0.8 0.9 " ]]
	T --value 0.1 --low --alarms-only ties.rec | "$NIDS_BIN/nids-cat" -c score -H > l.txt
	[[ $(sort -g l.txt | tr '\n' ' ') == "-1.5 -0.2 -0.2 -0 0 0.1 " ]]
}

@test "nids-threshold: the score column's score-low role sets the direction when applying" {
	printf 'll:score-low\tlabel\n-5\t1\n-1\t0\n-3\t0\n' > ll.tsv
	mkrec ll.tsv ll.rec
	[[ $(T --value -3 ll.rec | "$NIDS_BIN/nids-cat" -c alarm -H | tr '\n' ' ') == "1 0 1 " ]]
	[[ $(T --value -3 --high ll.rec | "$NIDS_BIN/nids-cat" -c alarm -H | tr '\n' ' ') == "0 1 1 " ]]
	T --percentile 50 -o ll.thr ll.rec
	grep -qx 'direction low' ll.thr
	[[ $(T -p ll.thr ll.rec | "$NIDS_BIN/nids-cat" -c alarm -H | tr '\n' ' ') == "1 0 1 " ]]
	run -2 --separate-stderr T -p ll.thr --high ll.rec
	[[ ${stderr_lines[0]} == "nids-threshold: --high contradicts the direction 'low' in 'll.thr'" ]]
}

@test "nids-threshold: -z output, zstd input, concatenated input with new classes" {
	"$MAKER" random 5000 3 > r.rec
	T --value 0.5 -z 3 r.rec > z.rec
	T --value 0.5 r.rec > plain.rec
	[[ $(stat -c %s z.rec) -lt $(( $(stat -c %s plain.rec) / 2 )) ]]
	cmp <("$NIDS_BIN/nids-cat" z.rec) <("$NIDS_BIN/nids-cat" plain.rec)
	run -2 --separate-stderr T --value 0.5 -z 20 r.rec
	[[ ${stderr_lines[0]} == "nids-threshold: option '-z': '20' is not a whole number from 1 to 19" ]]
	zstd -q -c ties.rec > ties.rec.zst
	run -0 T --percentile 98 ties.rec.zst
	same "$output" "$(ex "$FIX/ties.expect" percentile 98)"
	printf 'score\tlabel\tclass\n7\t1\tportsweep\n0.1\t0\tnormal\n' > more.tsv
	mkrec more.tsv more.rec
	cat ties.rec more.rec > both.rec
	run -0 T --percentile 98 -o both.thr both.rec
	grep -qx 'rows 22' both.thr
	# a class first met in the second stream is passed on to the output's class table
	[[ $(T --value 1 both.rec | "$NIDS_BIN/nids-cat" | tail -n 2 | cut -f3,4 | tr '\t\n' ', ') == "portsweep,1 normal,0 " ]]
}

@test "nids-threshold: bad streams fail with the row, and leave no file" {
	printf 'score\tlabel\n0.5\t0\nnan\t1\n' > nan.tsv
	mkrec nan.tsv nan.rec
	run -1 --separate-stderr T --percentile 98 -o out.thr nan.rec
	[[ $stderr == "nids-threshold: nan.rec: row 2: score 'score' is nan" ]]
	[[ ! -e out.thr ]]
	run -1 --separate-stderr T --best-f1 -o out.thr benign.rec
	[[ $stderr == "nids-threshold: benign.rec: --best-f1 needs attack rows" ]]
	[[ ! -e out.thr ]]
	printf 'score\tlabel\n0.5\t2\n' > l2.tsv
	mkrec l2.tsv l2.rec
	run -1 --separate-stderr T --percentile 50 l2.rec
	[[ $stderr == "nids-threshold: l2.rec: row 1: label 2 is not 0 or 1" ]]
	printf 'mae:score\tscore\tlabel\n1\t2\t0\n' > two.tsv
	mkrec two.tsv two.rec
	run -1 --separate-stderr T --percentile 50 two.rec
	[[ $stderr == "nids-threshold: two.rec: several score columns ('mae', 'score'); choose one with --score" ]]
	run -0 T --percentile 50 --score mae two.rec
	[[ $output == 1 ]]
	printf 'f\tlabel\n1\t0\n' > none.tsv
	mkrec none.tsv none.rec
	run -1 --separate-stderr T --percentile 50 none.rec
	[[ $stderr == "nids-threshold: none.rec: no score column (role score or score-low); name one with --score" ]]
	printf 'not a stream\n' > text.rec
	run -1 T --percentile 50 text.rec
	cat ties.rec two.rec > mixed.rec
	run -1 --separate-stderr T --percentile 50 mixed.rec
	[[ $stderr == "nids-threshold: mixed.rec"*"column 1: 'score' vs 'mae'"* ]]
}

@test "nids-threshold: /dev/full and a terminal are refused" {
	run -1 --separate-stderr bash -c '"$NIDS_BIN/nids-threshold" --percentile 50 ties.rec > /dev/full'
	[[ $stderr == "nids-threshold: write error: "* ]]
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "\"$NIDS_BIN/nids-threshold\" --value 1 ties.rec" /dev/null
	[[ $status -ne 0 ]]
	[[ $output == *"refusing to write binary to a terminal; pipe into nids-cat"* ]]
}

@test "nids-threshold: applying writes the stream to -o, atomically" {
	T --percentile 50 -o t.thr ties.rec
	T -p t.thr ties.rec > want.rec
	run -0 --separate-stderr T -p t.thr -o got.rec ties.rec
	[[ -z $output && -z $stderr ]]
	cmp want.rec got.rec
	T --value 0.5 --apply -o v.rec ties.rec
	cmp <(T --value 0.5 ties.rec) v.rec
	# a failure leaves no file, and no temporary
	head -c $(( $(stat -c %s ties.rec) - 10 )) ties.rec > cut.rec
	run -1 --separate-stderr T -p t.thr -o bad.rec cut.rec
	[[ $stderr == "nids-threshold: cut.rec: row 21: truncated stream (no end block)" ]]
	[ ! -e bad.rec ]
	[[ -z $(ls | grep '\.tmp') ]]
}

@test "nids-threshold: -e exits 0 when a row alarmed, 3 when none, 1 on error" {
	run -0 --separate-stderr T --value 0.5 --apply --alarms-only -e -o a.rec ties.rec
	[[ $("$NIDS_BIN/nids-cat" -H -c score a.rec | wc -l) -eq 10 ]]
	run -3 --separate-stderr T --value 5 --apply --alarms-only -e -o n.rec ties.rec
	[[ -z $stderr ]]
	# the (empty) output is still written: the run succeeded
	[[ $("$NIDS_BIN/nids-cat" -H n.rec | wc -l) -eq 0 ]]
	run -3 T --value 5 --exit-status ties.rec
	run -0 T --value 5 ties.rec
	run -1 --separate-stderr T --value 5 -e missing.rec
	[[ $stderr == "nids-threshold: missing.rec: cannot open: No such file or directory" ]]
	# the exit status goes with the threshold file too
	T --value 100 -o t.thr < /dev/null
	run -3 bash -c '"$NIDS_BIN/nids-threshold" -p t.thr -e --alarms-only benign.rec | "$NIDS_BIN/nids-cat" -H; exit ${PIPESTATUS[0]}'
}

@test "nids-threshold: counts with -v only; progress only when forced; -q" {
	run -0 --separate-stderr T --value 0.5 --apply -o a.rec ties.rec
	[[ -z $stderr ]]
	run -0 --separate-stderr T -v --value 0.5 --apply -o a.rec ties.rec
	[[ $stderr == "nids-threshold: 20 rows, 10 alarms" ]]
	run -0 --separate-stderr T --progress --value 0.5 --apply -o a.rec ties.rec
	# drawn with a carriage return and erased at the end: the last thing is the blank line
	[[ $stderr == $'\r'"nids-threshold: 0 rows, 0.0 MB of 0.0 MB (100%)"* ]]
	[[ $stderr == *$'\r' ]]
	[[ $(printf '%s' "$stderr" | tr '\r' '\n' | tail -n 1 | tr -d ' ') == "" ]]
	run -0 --separate-stderr T -q --progress --percentile 50 ties.rec
	[[ $stderr == $'\r'"nids-threshold: "*" rows, "* ]]
}

@test "nids-threshold: several inputs read as one, gzip and zstd among them" {
	gzip -c ties.rec > ties.rec.gz
	zstd -q -c ties.rec > ties.rec.zst
	cat ties.rec ties.rec ties.rec > three.rec
	T --value 0.5 three.rec > want.rec
	T --value 0.5 ties.rec ties.rec.gz ties.rec.zst > got.rec
	cmp want.rec got.rec
	run -0 T --percentile 50 ties.rec ties.rec.gz
	[[ $output == "$(T --percentile 50 ties.rec)" ]]
	run -0 --separate-stderr T -v --value 0.5 --apply -o a.rec ties.rec - ties.rec.gz < ties.rec.zst
	[[ $stderr == "nids-threshold: 60 rows, 30 alarms" ]]
	run -2 --separate-stderr T --value 0.5 - - < ties.rec
	[[ $stderr == "nids-threshold: standard input ('-') given twice" ]]
	# a file that ends early is named, even with a good file after it
	rm a.rec
	head -c $(( $(stat -c %s ties.rec) - 10 )) ties.rec > cut.rec
	run -1 --separate-stderr T --value 0.5 --apply -o a.rec cut.rec ties.rec
	[[ $stderr == "nids-threshold: cut.rec: row 21: truncated stream (no end block)" ]]
	run -1 --separate-stderr T --value 0.5 --apply -o a.rec ties.rec nosuch.rec
	[[ $stderr == "nids-threshold: nosuch.rec: cannot open: No such file or directory" ]]
	[ ! -e a.rec ]
}

@test "nids-threshold: --low on a higher-is-anomalous score warns and spells out the fix" {
	# the AE-GMM rule copied literally: the 1.2th percentile, --low, on -log p
	run -0 --separate-stderr T --percentile 1.2 --low ties.rec
	[ "$stderr" = "nids-threshold: warning: --low takes the lowest values of 'score' as anomalous, but its role (score) says higher values are: the alarms would be its most normal rows; drop --low; a percentile stated on log-probabilities (lower = more anomalous) gives the same alarms as --percentile 98.8 on this column without --low (or take a log-likelihood column as it is, e.g. aegmm's: --score logp)" ]
	# the fix: the 98.8th percentile of -log p is minus the 1.2th of log p
	a=$(T --percentile 98.8 ties.rec)
	ncat -H -c label,score ties.rec | awk -F '\t' '$1 == 0 { print -$2 }' | sort -g > ll.txt
	b=$(awk '{ v[NR] = $1 } END { p = 0.012 * (NR - 1); i = int(p)
		printf "%.9g\n", -(v[i + 1] + (p - i) * (v[i + 2] - v[i + 1])) }' ll.txt)
	near "$a" "$b" 1e-6
	# --high on a score-low column, when applying; -q silences it
	printf 'll:score-low\tlabel\n-5\t1\n-1\t0\n' | ncat -r > ll.rec
	run -0 --separate-stderr T --value -3 --high ll.rec
	[ "$stderr" = "nids-threshold: warning: --high takes the highest values of 'll' as anomalous, but its role (score-low) says lower values are: the alarms would be its most normal rows; drop --high" ]
	run -0 --separate-stderr T -q --value -3 --high ll.rec
	[ -z "$stderr" ]
	# no warning where the flag agrees with the role, or for a column without one
	run -0 --separate-stderr T --percentile 5 --low ll.rec
	[ -z "$stderr" ]
	printf 'f\tlabel\n1\t0\n2\t0\n3\t1\n' | ncat -r > f.rec
	run -0 --separate-stderr T --percentile 5 --low --score f f.rec
	[ -z "$stderr" ]
}

@test "nids-threshold: --alpha: p < alpha on a -log p or a log p column" {
	# -log p column: the threshold is -ln 0.05; rows with p < 0.05 (score > 2.9957) alarm
	printf 'score\tlabel\n1\t0\n2.99\t0\n3.1\t1\n10\t1\n' | ncat -r > nl.rec
	[ "$(T --alpha 0.05 nl.rec | ncat -H -c alarm | tr '\n' ' ')" = "0 0 1 1 " ]
	run -0 T --alpha 0.05 -o a.thr < /dev/null
	near "$output" 2.995732273553991 1e-15
	[[ $(sed -n 2,5p a.thr | tr '\n' ' ') == "threshold 2.995732273553991 direction high score score method alpha 0.05 " ]]
	# log p column (role score-low): ln 0.05
	printf 'logp:score-low\tlabel\n-1\t0\n-2.99\t0\n-3.1\t1\n' | ncat -r > lp.rec
	[ "$(T --alpha 0.05 lp.rec | ncat -H -c alarm | tr '\n' ' ')" = "0 0 1 " ]
	run -0 T --alpha 0.05 --low -o b.thr < /dev/null
	near "$output" -2.995732273553991 1e-15
	run -2 --separate-stderr T --alpha 1 nl.rec
	[ "${stderr_lines[0]}" = "nids-threshold: option '--alpha': '1' is not between 0 and 1" ]
	run -2 --separate-stderr T --alpha 0.1 --percentile 5 nl.rec
}

@test "nids-threshold: infinite scores fit an infinite threshold, or fail where it would be nan" {
	printf 'score\tlabel\n1\t0\ninf\t0\n2\t0\ninf\t1\n' | "$NIDS_BIN/nids-cat" -r >inf.rec
	run -0 T --percentile 75 -o p.thr inf.rec
	[ "$output" = inf ]
	run -0 T -p p.thr --alarms-only inf.rec -o alarms.rec
	run -0 "$NIDS_BIN/nids-cat" -H alarms.rec
	[ "${#lines[@]}" -eq 2 ]
	run -1 --separate-stderr T --sigma 3 -o s.thr inf.rec
	[ "$stderr" = "nids-threshold: inf.rec: sigma 3: the threshold is nan (the benign scores include infinite ones)" ]
	[ ! -e s.thr ]
}
