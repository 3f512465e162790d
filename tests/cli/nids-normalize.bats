#!/usr/bin/env bats
# nids-normalize: fit and apply, values through mkstream -d, bad input of every kind.
bats_require_minimum_version 1.5.0
load helpers
load prep

setup() {
	N="$NIDS_BIN/nids-normalize"
	D="$BATS_TEST_TMPDIR"
	printf 'a\tlabel\tb\tclass\n0\t0\t1\tnormal\n2\t1\t3\tneptune\n4\t0\t7\tnormal\n10\t1\t1\tsmurf\n' |
		"$CAT" -r >"$D/train.rec"
	printf 'a\tlabel\tb\tclass\n20\t0\t0\tnormal\n-5\t1\t4\tback\n' | "$CAT" -r >"$D/test.rec"
}

@test "--help's first line is the man page's SYNOPSIS" {
	check_help_matches_man nids-normalize
}

@test "--version and bad usage" {
	run -0 "$N" --version
	[[ "$output" == "nids-normalize 0.2.0 (stream 3, model 2)" ]]
	run -2 --separate-stderr "$N" --bogus -p x
	[[ "${stderr_lines[0]}" == "nids-normalize: unknown option '--bogus'" ]]
	[[ "${stderr_lines[1]}" == usage:* ]]
	run -2 --separate-stderr "$N" "$D/train.rec"
	[[ "${stderr_lines[0]}" == "nids-normalize: give exactly one of --fit and -p" ]]
	run -2 --separate-stderr "$N" -p x -t zscore "$D/train.rec"
	[[ "${stderr_lines[0]}" == "nids-normalize: -t, --column, --quantiles and --subsample go with --fit; the params file names its methods" ]]
	run -2 --separate-stderr "$N" -p x --column a=none "$D/train.rec"
	[[ "${stderr_lines[0]}" == "nids-normalize: -t, --column, --quantiles and --subsample go with --fit; the params file names its methods" ]]
	run -2 --separate-stderr "$N" --fit "$D/p" -t median "$D/train.rec"
	[[ "${stderr_lines[0]}" == "nids-normalize: unknown method 'median' (minmax, zscore, log1p, log1p-zscore, quantile, quantile-normal, none)" ]]
	[ ! -e "$D/p" ]
}

@test "--fit writes the params and the min-max scaled stream; only features change" {
	run -0 --separate-stderr bash -c "'$N' -v --fit '$D/p' '$D/train.rec' | '$CAT'"
	[[ "$output" == $'a\tlabel\tb\tclass\n0\t0\t0\tnormal\n0.2\t1\t0.33333334\tneptune\n0.4\t0\t1\tnormal\n1\t1\t0\tsmurf' ]]
	[[ "$stderr" == "nids-normalize: $D/p: minmax over 4 rows, 2 feature columns (0 constant)" ]]
	[[ "$(head -c 5 "$D/p" | od -An -c | tr -d ' ')" == '211NIDN' ]]
}

@test "-p applies: out-of-range values pass through, or clamp with --clamp" {
	"$N" --fit "$D/p" -o "$D/n.rec" "$D/train.rec"
	run -0 bash -c "'$N' -p '$D/p' '$D/test.rec' | '$CAT'"
	[[ "$output" == $'a\tlabel\tb\tclass\n2\t0\t-0.16666667\tnormal\n-0.5\t1\t0.5\tback' ]]
	run -0 bash -c "'$N' -p '$D/p' --clamp '$D/test.rec' | '$CAT'"
	[[ "$output" == $'a\tlabel\tb\tclass\n1\t0\t0\tnormal\n0\t1\t0.5\tback' ]]
}

@test "zscore and log1p" {
	run -0 bash -c "'$N' -q --fit '$D/p' -t zscore '$D/train.rec' | '$CAT' | cut -f1 | tail -1"
	[[ "$output" == "1.6035675" ]] # (10 - 4) / sqrt(14)
	run -0 bash -c "'$N' -q --fit '$D/p' -t log1p '$D/train.rec' | '$CAT' | cut -f1 | sed -n 3p"
	[[ "$output" == "0.4581569" ]] # log1p(2) / log1p(10)
}

@test "log1p of a negative value names the row; nothing is left behind" {
	"$N" --fit "$D/p" -t log1p "$D/train.rec" >/dev/null
	run -1 --separate-stderr "$N" -p "$D/p" -o "$D/o.rec" "$D/test.rec"
	[[ "$stderr" == "nids-normalize: $D/test.rec: row 2: column 'a': value -5 is negative; log1p needs values >= 0 (try -t minmax or -t zscore)" ]]
	[ ! -e "$D/o.rec" ]
	run -1 --separate-stderr "$N" --fit "$D/q" -t log1p -o "$D/o.rec" "$D/test.rec"
	[[ "$stderr" == *"row 2: column 'a': value -5 is negative"* ]]
	[ ! -e "$D/q" ]
	[ ! -e "$D/o.rec" ]
	[[ -z "$(ls "$D" | grep tmp)" ]]
}

@test "non-finite values are an error" {
	printf 'a\tb\n1\t2\nnan\t3\n' | "$CAT" -r >"$D/nan.rec"
	run -1 --separate-stderr "$N" --fit "$D/p" -o "$D/o.rec" "$D/nan.rec"
	[[ "$stderr" == "nids-normalize: $D/nan.rec: row 2: column 'a': value nan is not finite" ]]
	[ ! -e "$D/p" ]
	[ ! -e "$D/o.rec" ]
}

@test "a stream whose feature columns differ from the params is refused" {
	"$N" --fit "$D/p" "$D/train.rec" >/dev/null
	printf 'a\tlabel\tc\n1\t0\t2\n' | "$CAT" -r >"$D/other.rec"
	run -1 --separate-stderr "$N" -p "$D/p" -o "$D/o.rec" "$D/other.rec"
	[[ "$stderr" == "nids-normalize: $D/other.rec: feature column 2: 'b' in the params vs 'c' in the stream" ]]
	[ ! -e "$D/o.rec" ]
	printf 'a\n1\n' | "$CAT" -r >"$D/short.rec"
	run -1 --separate-stderr "$N" -p "$D/p" "$D/short.rec"
	[[ "$stderr" == "nids-normalize: $D/short.rec: feature column 2: 'b' in the params, missing in the stream" ]]
	# other roles may differ: a stream without label and class still matches
	printf 'a\tb\n10\t7\n' | "$CAT" -r >"$D/bare.rec"
	run -0 bash -c "'$N' -p '$D/p' '$D/bare.rec' | '$CAT'"
	[[ "$output" == $'a\tb\n1\t1' ]]
}

@test "corrupt and truncated params files" {
	"$N" --fit "$D/p" "$D/train.rec" >/dev/null
	cp "$D/p" "$D/bad"
	flip_byte "$D/bad" 40
	run -1 --separate-stderr "$N" -p "$D/bad" -o "$D/o.rec" "$D/test.rec"
	[[ "$stderr" == "nids-normalize: $D/bad: params file checksum mismatch" ]]
	[ ! -e "$D/o.rec" ]
	head -c 50 "$D/p" >"$D/short"
	run -1 --separate-stderr "$N" -p "$D/short" "$D/test.rec"
	[[ "$stderr" == "nids-normalize: $D/short: truncated params file (50 of 110 bytes)" ]]
	run -1 --separate-stderr "$N" -p "$D/train.rec" "$D/test.rec"
	[[ "$stderr" == "nids-normalize: $D/train.rec: not a nids-normalize params file (bad magic)" ]]
	run -1 --separate-stderr "$N" -p "$D/none" "$D/test.rec"
	[[ "$stderr" == "nids-normalize: $D/none: cannot open: No such file or directory" ]]
}

@test "truncated and corrupt streams fail and leave no files" {
	size=$(stat -c %s "$D/train.rec")
	head -c $((size - 10)) "$D/train.rec" >"$D/cut.rec"
	run -1 --separate-stderr "$N" --fit "$D/p" -o "$D/o.rec" "$D/cut.rec"
	[[ "$stderr" == "nids-normalize: $D/cut.rec: row 5: truncated stream (no end block)" ]]
	[ ! -e "$D/p" ]
	[ ! -e "$D/o.rec" ]
	cp "$D/train.rec" "$D/flip.rec"
	flip_byte "$D/flip.rec" $((size - 40))
	run -1 --separate-stderr "$N" --fit "$D/p" -o "$D/o.rec" "$D/flip.rec"
	[[ "$stderr" == *"checksum mismatch"* ]]
	[ ! -e "$D/p" ]
	[ ! -e "$D/o.rec" ]
	run -1 --separate-stderr "$N" --fit "$D/p" </dev/null
	echo "stderr: $stderr"
	[[ "$stderr" == "nids-normalize: -: empty input: no stream header" ]]
	run -1 --separate-stderr "$N" --fit "$D/p" <<<"a,b,label"
	[[ "$stderr" == "nids-normalize: -: not a nids stream (bad magic); is this CSV? try nids-featurize or nids-cat -r" ]]
	[ ! -e "$D/p" ]
}

@test "a header-only stream: nothing to fit, but it applies" {
	printf 'a\tb\n' | "$CAT" -r >"$D/empty.rec"
	run -1 --separate-stderr "$N" --fit "$D/p" "$D/empty.rec"
	[[ "$stderr" == "nids-normalize: $D/empty.rec: no rows to fit the parameters on" ]]
	[ ! -e "$D/p" ]
	printf 'a\tb\n1\t2\n3\t2\n' | "$CAT" -r >"$D/two.rec"
	"$N" --fit "$D/p" "$D/two.rec" >/dev/null
	run -0 bash -c "'$N' -p '$D/p' '$D/empty.rec' | '$CAT'"
	[[ "$output" == "$(printf 'a\tb')" ]]
}

@test "a stream with no feature column cannot be fitted" {
	printf 'label\n1\n' | "$CAT" -r >"$D/nofeat.rec"
	run -1 --separate-stderr "$N" --fit "$D/p" "$D/nofeat.rec"
	[[ "$stderr" == "nids-normalize: $D/nofeat.rec: the stream has no feature columns" ]]
}

@test "> /dev/full fails with exit 1 and leaves no params file" {
	run -1 --separate-stderr bash -c "'$N' --fit '$D/p' '$D/train.rec' >/dev/full"
	[[ "$stderr" == "nids-normalize: write error: No space left on device" ]]
	[ ! -e "$D/p" ]
	"$N" --fit "$D/p" "$D/train.rec" >/dev/null
	run -1 --separate-stderr bash -c "'$N' -p '$D/p' '$D/train.rec' >/dev/full"
	[[ "$stderr" == "nids-normalize: write error: No space left on device" ]]
	# params that cannot be written leave an output file of an earlier run as it was
	echo earlier >"$D/o.rec"
	run -1 --separate-stderr "$N" --fit /dev/full -o "$D/o.rec" "$D/train.rec"
	[ "$stderr" = "nids-normalize: /dev/full: write error: No space left on device" ]
	[ "$(cat "$D/o.rec")" = earlier ]
}

@test "binary output to a terminal is refused" {
	command -v script >/dev/null || skip "script(1) is not installed"
	"$N" --fit "$D/p" "$D/train.rec" >/dev/null
	run script -qec "'$N' -p '$D/p' '$D/train.rec'" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"nids-normalize: refusing to write binary to a terminal; pipe into nids-cat"* ]]
}

@test "zstd input, compressed output, concatenated input" {
	command -v zstd >/dev/null || skip "zstd is not installed"
	zstd -q -c "$D/train.rec" >"$D/train.rec.zst"
	run -0 bash -c "'$N' -q --fit '$D/p' -z 3 < '$D/train.rec.zst' | '$CAT' | cut -f1 | tr '\n' ' '"
	[[ "$output" == "a 0 0.2 0.4 1 " ]]
	cat "$D/train.rec" "$D/test.rec" >"$D/both.rec"
	run -0 bash -c "'$N' -q --fit '$D/p' '$D/both.rec' | '$CAT' | cut -f1 | tr '\n' ' '"
	[[ "$output" == "a 0.2 0.28 0.36 0.6 1 0 " ]]
	printf 'x\n1\n' | "$CAT" -r >"$D/x.rec"
	cat "$D/train.rec" "$D/x.rec" >"$D/mixed.rec"
	run -1 --separate-stderr "$N" --fit "$D/m" "$D/mixed.rec"
	[[ "$stderr" == "nids-normalize: $D/mixed.rec: column 1: 'a' vs 'x' (concatenated streams differ)" ]]
	[ ! -e "$D/m" ]
}

@test "several inputs read as one, gzip among them; the summary with -v" {
	gzip -c "$D/train.rec" > "$D/train.rec.gz"
	cat "$D/train.rec" "$D/train.rec" > "$D/two.rec"
	"$N" -q --fit "$D/p1" "$D/two.rec" > "$D/want.rec"
	run -0 --separate-stderr "$N" --fit "$D/p2" -o "$D/got.rec" "$D/train.rec" "$D/train.rec.gz"
	[[ -z "$stderr" ]]
	cmp "$D/want.rec" "$D/got.rec"
	cmp "$D/p1" "$D/p2"
	run -0 --separate-stderr "$N" -v -p "$D/p1" -o "$D/o.rec" "$D/test.rec" "$D/train.rec.gz"
	[[ -z "$stderr" ]]
	run -1 --separate-stderr "$N" -p "$D/p1" -o "$D/o.rec" "$D/test.rec" "$D/none.rec"
	[[ "$stderr" == "nids-normalize: $D/none.rec: cannot open: No such file or directory" ]]
}

@test "--progress draws a line on a pipe (and erases it), nothing without it" {
	run -0 --separate-stderr "$N" --progress --fit "$D/p" -o "$D/o.rec" "$D/train.rec"
	[[ "$stderr" == $'\r'"nids-normalize: "*" rows, "*"(100%)"$'\r'* ]]
	run -0 --separate-stderr "$N" -p "$D/p" -o "$D/o.rec" "$D/train.rec"
	[ -z "$stderr" ]
}

@test "quantile: scikit-learn's QuantileTransformer on four rows, fitted and applied" {
	# a: quantiles 0 2 4 10 at 0, 1/3, 2/3, 1; b: 1 1 3 7, the tie at 1 maps to 0 (the
	# first quantile), 3 to 2/3, 4 to the middle of both interpolations, 0.75
	run -0 --separate-stderr bash -c "'$N' -v -t quantile --fit '$D/p' '$D/train.rec' | '$CAT'"
	[[ "$output" == $'a\tlabel\tb\tclass\n0\t0\t0\tnormal\n0.33333334\t1\t0.6666667\tneptune\n0.6666667\t0\t1\tnormal\n1\t1\t0\tsmurf' ]]
	[[ "$stderr" == "nids-normalize: $D/p: quantile over 4 rows, 2 feature columns (0 constant)" ]]
	run -0 bash -c "'$N' -p '$D/p' '$D/test.rec' | '$CAT'"
	[[ "$output" == $'a\tlabel\tb\tclass\n1\t0\t0\tnormal\n0\t1\t0.75\tback' ]]
	# version 1.1 with the per-column flag
	[[ "$(od -An -tu1 -j10 -N3 "$D/p" | tr -s ' ')" == " 1 0 1" ]]
	run -0 bash -c "'$N' -q -t quantile --quantiles 2 --fit '$D/p' '$D/train.rec' | '$CAT' | cut -f1 | sed -n 3p"
	[[ "$output" == "0.2" ]] # two quantiles, 0 and 10
	# one quantile: scikit-learn's references are linspace(0, 1, 1) = [0], every value 0
	run -0 bash -c "'$N' -q -t quantile --quantiles 1 --fit '$D/p' '$D/train.rec' | '$CAT' -H | cut -f1,3 | tr '\n' ' '"
	[[ "$output" == $'0\t0 0\t0 0\t0 0\t0 ' ]]
	run -0 bash -c "'$N' -p '$D/p' '$D/test.rec' | '$CAT' -H | cut -f1,3 | tr '\n' ' '"
	[[ "$output" == $'0\t0 0\t0 ' ]]
	# more quantiles than the default subsample: the message gives the value in force
	run -2 --separate-stderr "$N" -t quantile --quantiles 20000 --fit "$D/p" "$D/train.rec"
	[[ "${stderr_lines[0]}" == "nids-normalize: --subsample 10000 (the default) is less than the 20000 quantiles" ]]
	run -0 bash -c "'$N' -q -t quantile-normal --fit '$D/p' '$D/train.rec' | '$CAT' | cut -f1 | tr '\n' ' '"
	[[ "$output" == "a -5.1993375 -0.4307273 0.4307273 5.1993375 " ]] # as scikit-learn's
}

@test "--column: a method per column, none leaves a column as it is" {
	run -0 --separate-stderr bash -c "'$N' -v --column b=none --fit '$D/p' '$D/train.rec' | '$CAT'"
	[[ "$output" == $'a\tlabel\tb\tclass\n0\t0\t1\tnormal\n0.2\t1\t3\tneptune\n0.4\t0\t7\tnormal\n1\t1\t1\tsmurf' ]]
	[[ "$stderr" == "nids-normalize: $D/p: minmax over 4 rows, 2 feature columns (0 constant, 1 with a method of their own)" ]]
	run -0 bash -c "'$N' -p '$D/p' --clamp '$D/test.rec' | '$CAT'"
	[[ "$output" == $'a\tlabel\tb\tclass\n1\t0\t0\tnormal\n0\t1\t4\tback' ]]
	run -0 bash -c "'$N' -q -t none --column a=log1p-zscore --column b=zscore --fit '$D/p' '$D/train.rec' | '$CAT' | sed -n 5p"
	[[ "$output" == $'1.2885776\t1\t-0.8164966\tsmurf' ]] # numpy: 1.28857759, -0.81649658
	run -2 --separate-stderr "$N" --column a=cube --fit "$D/p2" "$D/train.rec"
	[[ "$stderr" == "nids-normalize: $D/train.rec: --column: 'a=cube' is not NAME=METHOD (methods: minmax, zscore, log1p, none, log1p-zscore, quantile, quantile-normal)" ]]
	run -2 --separate-stderr "$N" --column c=none --fit "$D/p2" "$D/train.rec"
	[[ "$stderr" == "nids-normalize: $D/train.rec: --column: 'c' is not a feature column of the stream" ]]
	run -2 --separate-stderr "$N" -t quantile --quantiles 20 --subsample 10 --fit "$D/p2" "$D/train.rec"
	[[ "${stderr_lines[0]}" == "nids-normalize: --subsample 10 is less than the 20 quantiles" ]]
	[ ! -e "$D/p2" ]
}

@test "a model trained on quantile-transformed rows applies the transform to raw rows" {
	printf 'a,b,label\n0,1,normal\n2,3,attack\n4,7,normal\n10,1,attack\n20,0,normal\n' >"$D/t.csv"
	"$NIDS_BIN/nids-featurize" -q -f csv -o "$D/raw.rec" "$D/t.csv"
	"$N" -q -t quantile --column b=none --fit "$D/p" -o "$D/n.rec" "$D/raw.rec"
	"$NIDS_BIN/nids-fit" -q -t kmeans --k 2 -o "$D/m.bin" "$D/n.rec"
	run -0 bash -c "'$NIDS_BIN/nids-score' -m '$D/m.bin' '$D/raw.rec' | '$CAT' -c score"
	want=$("$N" -p "$D/p" "$D/raw.rec" | "$NIDS_BIN/nids-score" -m "$D/m.bin" | "$CAT" -c score)
	[[ "$output" == "$want" && "${#lines[@]}" == 6 ]]
	run -0 "$NIDS_BIN/nids-score" --info -m "$D/m.bin"
	[[ "$output" == *"prep=nids.normalize (quantile over 2 feature columns, not clamped; applied to raw featurized rows)"* ]]
}
