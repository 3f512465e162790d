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
	[[ "${stderr_lines[0]}" == "nids-normalize: -t goes with --fit; the params file names its method" ]]
	run -2 --separate-stderr "$N" --fit "$D/p" -t median "$D/train.rec"
	[[ "${stderr_lines[0]}" == "nids-normalize: unknown method 'median' (minmax, zscore, log1p)" ]]
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
