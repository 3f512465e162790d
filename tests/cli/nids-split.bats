#!/usr/bin/env bats
# nids-split: selection, sampling, balancing, train/val outputs, bad input.
bats_require_minimum_version 1.5.0
load helpers
load prep

setup_file() {
	# 300 rows: i, label (attack every third row), class; "smurf" first appears at row 200
	awk 'BEGIN { print "i\tlabel\tclass";
		for (i = 1; i <= 300; i++) {
			c = i % 3 ? "normal" : (i > 200 && i % 2 ? "smurf" : "neptune");
			printf "%d\t%d\t%s\n", i, c != "normal", c } }' |
		"$NIDS_BIN/nids-cat" -r >"$BATS_FILE_TMPDIR/all.rec"
}

setup() {
	S="$NIDS_BIN/nids-split"
	D="$BATS_TEST_TMPDIR"
	A="$BATS_FILE_TMPDIR/all.rec"
}

@test "--help's first line is the man page's SYNOPSIS" {
	check_help_matches_man nids-split
}

@test "--version and bad usage" {
	run -0 "$S" --version
	[[ "$output" == "nids-split 0.2.0 (stream 3, model 2)" ]]
	run -2 --separate-stderr "$S" --bogus
	[[ "${stderr_lines[0]}" == "nids-split: unknown option '--bogus'" ]]
	[[ "${stderr_lines[1]}" == usage:* ]]
	run -2 --separate-stderr "$S" --val 0.2 "$A"
	[[ "${stderr_lines[0]}" == "nids-split: --val F and --val-output file go together (F above 0)" ]]
	run -2 --separate-stderr "$S" --fraction 1.5 "$A"
	[[ "${stderr_lines[0]}" == "nids-split: option '--fraction': '1.5' is not a number from 0 to 1" ]]
	run -2 --separate-stderr "$S" --benign --attacks "$A"
	[[ "${stderr_lines[0]}" == "nids-split: give one of --benign and --attacks" ]]
	run -2 --separate-stderr "$S" --balance --benign "$A"
	[[ "${stderr_lines[0]}" == "nids-split: --balance needs both labels; drop --benign" ]]
	run -2 --separate-stderr "$S" --val 0.1 -o "$D/t" --val-output "$D/t" "$A"
	[[ "${stderr_lines[0]}" == "nids-split: the train and validation outputs must differ" ]]
}

@test "--benign and --attacks keep exact rows, counts on stderr" {
	run -0 --separate-stderr bash -c "'$S' -v --benign '$A' | '$CAT' | tail -n +2 | cut -f2 | sort | uniq -c"
	[[ "$output" == "    200 0" ]]
	[[ "$stderr" == $'nids-split: '"$A"$': 300 rows read, 200 kept\nnids-split: -: 200 rows (normal 200)' ]]
	run -0 --separate-stderr bash -c "'$S' -q --attacks '$A' | '$CAT' | sed -n '2p;\$p'"
	[[ "$output" == $'3\t1\tneptune\n300\t1\tneptune' ]]
	[[ -z "$stderr" ]]
}

@test "--class keeps named classes, including one first seen mid-stream" {
	run -0 --separate-stderr bash -c "'$S' -v --class smurf '$A' | '$CAT'"
	[[ "${lines[0]}" == $'i\tlabel\tclass' ]]
	[[ "${lines[1]}" == $'201\t1\tsmurf' ]]
	[ "${#lines[@]}" -eq 18 ]
	[[ "$stderr" == *"-: 17 rows (smurf 17)" ]]
	run -0 --separate-stderr bash -c "'$S' --class neptune,smurf '$A' | '$CAT' | wc -l"
	[[ "$output" == "101" ]]
}

@test "an unknown class is a usage error listing the known ones; no file is left" {
	run -2 --separate-stderr "$S" --class smurf,nepture -o "$D/o.rec" "$A"
	[[ "$stderr" == "nids-split: unknown class 'nepture' (the stream has: normal, neptune, smurf)" ]]
	[ ! -e "$D/o.rec" ]
	# on stdout the stream is left without its end block, so no reader takes it as whole
	run -1 --separate-stderr bash -c "'$S' --class nepture '$A' 2>/dev/null | '$CAT'"
	[[ "$stderr" == *"truncated stream"* ]]
}

@test "--fraction is deterministic for a seed" {
	"$S" -q --fraction 0.3 --seed 5 -o "$D/a.rec" "$A"
	"$S" -q --fraction 0.3 --seed 5 <"$A" >"$D/b.rec"
	"$S" -q --fraction 0.3 --seed 6 -o "$D/c.rec" "$A"
	cmp "$D/a.rec" "$D/b.rec"
	run cmp -s "$D/a.rec" "$D/c.rec"
	[ "$status" -eq 1 ]
	n=$("$CAT" <"$D/a.rec" | tail -n +2 | wc -l)
	[ "$n" -gt 60 ]
	[ "$n" -lt 120 ]
	run -0 --separate-stderr "$S" -v --fraction 1 -o "$D/d.rec" "$A"
	[[ "${stderr_lines[0]}" == *": 300 rows read, 300 kept" ]]
}

@test "--val splits into two outputs that together are the input" {
	run -0 --separate-stderr "$S" -v --val 0.25 --seed 1 -o "$D/t.rec" --val-output "$D/v.rec" "$A"
	t=$("$CAT" <"$D/t.rec" | tail -n +2 | wc -l)
	v=$("$CAT" <"$D/v.rec" | tail -n +2 | wc -l)
	[ $((t + v)) -eq 300 ]
	[ "$v" -gt 40 ]
	[ "$v" -lt 110 ]
	[[ "${stderr_lines[1]}" == "nids-split: $D/t.rec: $t rows ("* ]]
	[[ "${stderr_lines[2]}" == "nids-split: $D/v.rec: $v rows ("* ]]
	diff <("$CAT" <"$A" | tail -n +2) \
		<(cat <("$CAT" <"$D/t.rec" | tail -n +2) <("$CAT" <"$D/v.rec" | tail -n +2) | sort -n)
	# the same seed gives the same files
	"$S" -q --val 0.25 --seed 1 -o "$D/t2.rec" --val-output "$D/v2.rec" "$A"
	cmp "$D/t.rec" "$D/t2.rec" && cmp "$D/v.rec" "$D/v2.rec"
}

@test "--balance downsamples the majority label to the minority's count" {
	run -0 --separate-stderr bash -c "'$S' -v --balance --seed 3 '$A' | '$CAT' | tail -n +2 | cut -f2 | sort | uniq -c"
	[[ "$output" == $'    100 0\n    100 1' ]]
	[[ "$stderr" == *": 300 rows read, 200 kept"*"-: 200 rows (normal 100, neptune 83, smurf 17)" ]]
	# every minority row is kept, in order
	run -0 bash -c "'$S' -q --balance '$A' | '$CAT' | awk '\$2 == 1' | cut -f1 | md5sum"
	[[ "$output" == "$(seq 3 3 300 | md5sum)" ]]
	# a seed chooses the same majority rows every time, another seed others
	"$S" -q --balance --seed 3 -o "$D/a.rec" "$A"
	"$S" -q --balance --seed 3 -o "$D/b.rec" "$A"
	"$S" -q --balance --seed 4 -o "$D/c.rec" "$A"
	cmp "$D/a.rec" "$D/b.rec"
	run cmp -s "$D/a.rec" "$D/c.rec"
	[ "$status" -eq 1 ]
	# with --val the balanced rows are split
	run -0 --separate-stderr "$S" -v --balance --val 0.5 -o "$D/t.rec" --val-output "$D/v.rec" "$A"
	[[ "${stderr_lines[0]}" == *": 300 rows read, 200 kept" ]]
}

@test "options needing a label or class column fail on a stream without one" {
	printf 'x\ty\n1\t2\n' | "$CAT" -r >"$D/plain.rec"
	run -1 --separate-stderr "$S" --benign -o "$D/o.rec" "$D/plain.rec"
	[[ "$stderr" == "nids-split: $D/plain.rec: --benign needs a label column; the stream has none" ]]
	[ ! -e "$D/o.rec" ]
	run -1 --separate-stderr "$S" --balance "$D/plain.rec"
	[[ "$stderr" == "nids-split: $D/plain.rec: --balance needs a label column; the stream has none" ]]
	run -1 --separate-stderr "$S" --class normal "$D/plain.rec"
	[[ "$stderr" == "nids-split: $D/plain.rec: --class needs a class column; the stream has none" ]]
	run -0 --separate-stderr bash -c "'$S' -v '$D/plain.rec' | '$CAT'"
	[[ "$output" == $'x\ty\n1\t2' ]]
	[[ "$stderr" == *$'\nnids-split: -: 1 rows' ]]
}

@test "truncated and corrupt input fail and leave neither output" {
	size=$(stat -c %s "$A")
	head -c $((size - 100)) "$A" >"$D/cut.rec"
	run -1 --separate-stderr "$S" --val 0.5 -o "$D/t.rec" --val-output "$D/v.rec" "$D/cut.rec"
	[[ "$stderr" == "nids-split: $D/cut.rec: row "*": truncated stream (no end block)" ]]
	[ ! -e "$D/t.rec" ]
	[ ! -e "$D/v.rec" ]
	run -1 --separate-stderr "$S" --balance -o "$D/t.rec" "$D/cut.rec"
	[ ! -e "$D/t.rec" ]
	cp "$A" "$D/flip.rec"
	flip_byte "$D/flip.rec" 200
	run -1 --separate-stderr "$S" --val 0.5 -o "$D/t.rec" --val-output "$D/v.rec" "$D/flip.rec"
	[[ "$stderr" == *"checksum mismatch" ]]
	[ ! -e "$D/t.rec" ]
	[ ! -e "$D/v.rec" ]
	[[ -z "$(ls "$D" | grep tmp)" ]]
	run -1 --separate-stderr "$S" </dev/null
	echo "stderr: $stderr"
	[[ "$stderr" == "nids-split: -: empty input: no stream header" ]]
}

@test "> /dev/full fails with exit 1; a failing val output leaves the train file as it was" {
	run -1 --separate-stderr bash -c "'$S' '$A' >/dev/full"
	[[ "$stderr" == "nids-split: write error: No space left on device" ]]
	run -1 --separate-stderr bash -c "'$S' --val 0.5 -o '$D/t.rec' --val-output - '$A' >/dev/full"
	[[ "$stderr" == *"write error: No space left on device" ]]
	[ ! -e "$D/t.rec" ]
	# a train file of an earlier run is neither replaced nor removed
	echo earlier >"$D/t.rec"
	run -1 --separate-stderr "$S" --val 0.5 -o "$D/t.rec" --val-output /dev/full "$A"
	[ "$stderr" = "nids-split: /dev/full: write error: No space left on device" ]
	[ "$(cat "$D/t.rec")" = earlier ]
}

@test "binary output to a terminal is refused" {
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "'$S' '$A'" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"nids-split: refusing to write binary to a terminal; pipe into nids-cat"* ]]
}

@test "zstd input and compressed output" {
	command -v zstd >/dev/null || skip "zstd is not installed"
	zstd -q -c "$A" >"$D/all.rec.zst"
	run -0 bash -c "'$S' -q -z 3 --attacks < '$D/all.rec.zst' | '$CAT' | wc -l"
	[[ "$output" == "101" ]]
}

@test "a label other than 0 or 1 is an error, as in nids-fit, nids-roc and nids-threshold" {
	for bad in 0.5 1e+20 -1 2 nan; do
		printf 'i\tlabel\n1\t0\n2\t1\n3\t%s\n' "$bad" | "$NIDS_BIN/nids-cat" -r >"$D/bad.rec"
		for flags in "--benign" "--attacks" "--balance" "--fraction 1"; do
			run -1 --separate-stderr "$S" $flags -o "$D/out.rec" "$D/bad.rec"
			[ "$stderr" = "nids-split: $D/bad.rec: row 3: label $bad is not 0 or 1" ]
			[ ! -e "$D/out.rec" ]
		done
	done
}

@test "several inputs read as one; counts only with -v or on a terminal; --progress" {
	gzip -c "$A" > "$D/all.rec.gz"
	cat "$A" "$A" > "$D/two.rec"
	"$S" --attacks "$D/two.rec" > "$D/want.rec"
	run -0 --separate-stderr "$S" --attacks -o "$D/got.rec" "$A" "$D/all.rec.gz"
	[[ -z "$stderr" ]]
	cmp "$D/want.rec" "$D/got.rec"
	run -0 --separate-stderr "$S" -v --attacks -o "$D/got.rec" "$A" "$D/all.rec.gz"
	[[ "$stderr" == $'nids-split: 2 files: 600 rows read, 200 kept\nnids-split: '"$D/got.rec"$': 200 rows (neptune 166, smurf 34)' ]]
	# the later of -q and -v wins
	run -0 --separate-stderr "$S" -v -q --attacks -o "$D/got.rec" "$A"
	[[ -z "$stderr" ]]
	run -0 --separate-stderr "$S" --progress -o "$D/got.rec" "$A"
	[[ "$stderr" == $'\r'"nids-split: 0 rows, "*$'\r' ]]
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "'$S' -o '$D/got.rec' '$A'" /dev/null
	[[ "$output" == *"nids-split: $A: 300 rows read, 300 kept"* ]]
}

@test "several inputs sample as their concatenation: the same draws, rows in input order" {
	"$NIDS_BIN/nids-cat" "$A" | sed '152,$d' | "$NIDS_BIN/nids-cat" -r >"$D/a.rec"
	"$NIDS_BIN/nids-cat" "$A" | sed '2,151d' | "$NIDS_BIN/nids-cat" -r >"$D/b.rec"
	cat "$D/a.rec" "$D/b.rec" >"$D/ab.rec"
	for opts in "--rows 40 --seed 3" "--fraction 0.3 --seed 5" "--benign-rows 20 --attack-rows 10" \
		"--val 0.25 --val-output $D/v.rec --seed 2"; do
		"$S" $opts "$D/ab.rec" | ncat -c i >"$D/want"
		"$S" $opts "$D/a.rec" "$D/b.rec" | ncat -c i >"$D/got"
		cmp "$D/want" "$D/got"
	done
	ncat -H -c i "$D/got" | sort -n -c
	# two copies of one file are two different parts of the input: different draws
	"$S" --fraction 0.5 --seed 1 "$D/a.rec" "$D/a.rec" | ncat -H -c i >"$D/twice"
	[ "$(head -n "$(($(wc -l <"$D/twice") / 2))" "$D/twice" | md5sum)" != "$(tail -n "$(($(wc -l <"$D/twice") / 2))" "$D/twice" | md5sum)" ]
}

@test "--rows keeps exactly N rows in input order; --attack-ratio fixes the mix" {
	run --separate-stderr "$S" -v --rows 37 --seed 3 -o "$D/r.rec" "$A"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "nids-split: $A: 300 rows read, 37 kept" ]
	[ "$(ncat -H -c i "$D/r.rec" | wc -l)" -eq 37 ]
	ncat -H -c i "$D/r.rec" | sort -n -c
	# another seed, another sample; the same seed, the same one
	[ "$(ncat -c i "$D/r.rec" | md5sum)" != "$("$S" --rows 37 --seed 4 "$A" | ncat -c i | md5sum)" ]
	[ "$(ncat -c i "$D/r.rec" | md5sum)" = "$("$S" --rows 37 --seed 3 "$A" | ncat -c i | md5sum)" ]
	# 40 rows, 31.7% attacks: round(12.68) = 13 attacks, 27 benign
	"$S" --rows 40 --attack-ratio 0.317 "$A" | ncat -H -c label | sort | uniq -c > "$D/mix"
	[ "$(awk '{ printf "%s:%s ", $2, $1 }' "$D/mix")" = "0:27 1:13 " ]
	run -1 --separate-stderr "$S" --rows 301 -o "$D/x.rec" "$A"
	[ "$stderr" = "nids-split: $A: --rows 301: only 300 rows were selected" ]
	[ ! -e "$D/x.rec" ]
	# 200 benign and 100 attack rows: 150 at 0.5 wants 75 of each, 250 wants 125 attacks
	[ "$("$S" --rows 150 --attack-ratio 0.5 "$A" | ncat -H -c label | sort | uniq -c | tr -s ' ' | tr '\n' ,)" = \
		" 75 0, 75 1," ]
	run -1 --separate-stderr "$S" --rows 250 --attack-ratio 0.5 "$A"
	[ "$stderr" = "nids-split: $A: --rows 250 with --attack-ratio takes 125 attack rows: only 100 were selected" ]
	# all attacks: as many as --rows, even where --rows is not a double
	run -1 --separate-stderr "$S" --rows 9223372036854775807 --attack-ratio 1 "$A"
	[ "$stderr" = "nids-split: $A: --rows 9223372036854775807 with --attack-ratio takes 9223372036854775807 attack rows: only 100 were selected" ]
	run -2 --separate-stderr "$S" --attack-ratio 0.5 "$A"
	[ "${stderr_lines[0]}" = "nids-split: --attack-ratio goes with --rows" ]
	run -2 --separate-stderr "$S" --rows 5 --balance "$A"
	[[ "${stderr_lines[0]}" == "nids-split: --balance and exact-size sampling"* ]]
	run -2 --separate-stderr "$S" --rows 0 "$A"
}

@test "--benign-rows and --attack-rows: exact counts; a label not named is kept whole" {
	"$S" --benign-rows 20 --attack-rows 7 --class normal,neptune "$A" | ncat -H -c label,class |
		sort | uniq -c | awk '{ printf "%s/%s:%s ", $2, $3, $1 }' > "$D/c"
	[ "$(cat "$D/c")" = "0/normal:20 1/neptune:7 " ]
	# all 200 benign rows, exactly 5 of the 100 attacks
	[ "$("$S" --attack-rows 5 "$A" | ncat -H -c label | sort | uniq -c | tr -s ' ' | tr '\n' ,)" = \
		" 200 0, 5 1," ]
	[ "$("$S" --benign-rows 3 "$A" | ncat -H -c label | sort | uniq -c | tr -s ' ' | tr '\n' ,)" = \
		" 3 0, 100 1," ]
	run -1 --separate-stderr "$S" --attack-rows 101 "$A"
	[ "$stderr" = "nids-split: $A: --attack-rows 101: only 100 attack rows were selected" ]
	run -2 --separate-stderr "$S" --rows 5 --attack-rows 1 "$A"
	[ "${stderr_lines[0]}" = "nids-split: give --rows [--attack-ratio] or --benign-rows and --attack-rows" ]
	printf 'i\n1\n' | ncat -r > "$D/nolabel.rec"
	run -1 --separate-stderr "$S" --attack-rows 1 "$D/nolabel.rec"
	[ "$stderr" = "nids-split: $D/nolabel.rec: --benign-rows, --attack-rows and --attack-ratio needs a label column; the stream has none" ]
}

@test "--since and --until keep a time range; --records keeps listed record numbers" {
	printf 'time:timestamp\trecord:u64:id\tlabel\n2016-07-27T13:43:21Z\t1\t0\n2016-07-27T13:43:25Z\t2\t1\n2016-07-27T13:43:35Z\t3\t0\n\t4\t0\n' |
		ncat -r > "$D/t.rec"
	[ "$("$S" --since 2016-07-27T13:43:22Z "$D/t.rec" | ncat -H -c record | tr '\n' ,)" = "2,3," ]
	[ "$("$S" --until 2016-07-27T13:43:35Z "$D/t.rec" | ncat -H -c record | tr '\n' ,)" = "1,2," ]
	[ "$("$S" --since 1469627005 --until 1469627016 "$D/t.rec" | ncat -H -c record | tr '\n' ,)" = "2,3," ]
	printf '3\n# the first\n1-1\n' > "$D/recs"
	[ "$("$S" --records "$D/recs" "$D/t.rec" | ncat -H -c record | tr '\n' ,)" = "1,3," ]
	# an empty list (no alarms to look at, say) keeps no row, not every row
	printf '# none\n' > "$D/none"
	[ "$("$S" --records "$D/none" "$D/t.rec" | ncat -H -c record | wc -l)" -eq 0 ]
	[ "$("$S" --records /dev/null "$D/t.rec" | ncat -H -c record | wc -l)" -eq 0 ]
	printf '3\nthree\n' > "$D/bad"
	run -1 --separate-stderr "$S" --records "$D/bad" "$D/t.rec"
	[ "$stderr" = "nids-split: $D/bad:2: 'three' is not a record number or a range A-B" ]
	run -2 --separate-stderr "$S" --since yesterday "$D/t.rec"
	[[ "${stderr_lines[0]}" == "nids-split: option '--since': 'yesterday' is not a time"* ]]
	run -2 --separate-stderr "$S" --since 2016-07-28T00:00:00Z --until 2016-07-27T00:00:00Z "$D/t.rec"
	[ "${stderr_lines[0]}" = "nids-split: --since must be before --until" ]
	run -1 --separate-stderr "$S" --since 2016-07-27T00:00:00Z "$A"
	[ "$stderr" = "nids-split: $A: --since and --until need a timestamp column; the stream has none" ]
	run -1 --separate-stderr "$S" --records "$D/recs" "$A"
	[ "$stderr" = "nids-split: $A: --records needs a record-number column (u64); the stream has none" ]
}
