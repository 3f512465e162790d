#!/usr/bin/env bats
# nids-featurize -f csv: generic CSV with a header; vocabularies saved and applied.
load helpers
# the counts these tests check go to stderr with -v (it is not a terminal here); a
# later -q still silences them
feat() { "$NIDS_BIN/nids-featurize" -v "$@"; }
bats_require_minimum_version 1.5.0

setup() { setup_tmp; }
teardown() { teardown_tmp; }

fx="$NIDS_TOP/tests/fixtures/feat"
train="$NIDS_TOP/tests/fixtures/feat/csv_train.csv"
test_csv="$NIDS_TOP/tests/fixtures/feat/csv_test.csv"

@test "csv: --fit-vocab learns sorted vocabularies, --vocab gives the test file the same columns" {
	run --separate-stderr feat --onehot proto,service --drop host --fit-vocab "$tmp/v" -o "$tmp/train.rec" "$train"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $train: 3 rows (2 benign, 1 attack)" ]
	run ncat "$tmp/train.rec"
	[ "${lines[0]}" = "$(printf 'record\tdur\tproto=tcp\tproto=udp\tproto=_other\tservice=dns\tservice=http\tservice=ssh\tservice=_other\tbytes\tlabel\tclass')" ]
	[ "${lines[1]}" = "$(printf '1\t1.5\t1\t0\t0\t0\t1\t0\t0\t100\t0\tnormal')" ]
	[ "${lines[2]}" = "$(printf '2\t0\t0\t1\t0\t1\t0\t0\t0\t40\t1\tneptune')" ]
	run --separate-stderr feat --vocab "$tmp/v" --drop host -o "$tmp/test.rec" "$test_csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $test_csv: 2 rows (1 benign, 1 attack), 1 values outside the vocabulary (in _other)" ]
	cmp <(ncat -n 0 "$tmp/train.rec") <(ncat -n 0 "$tmp/test.rec")
	run ncat -H "$tmp/test.rec"
	[ "${lines[0]}" = "$(printf '1\t3\t0\t0\t1\t0\t1\t0\t0\t5\t1\tsmurf')" ]
	[ "${lines[1]}" = "$(printf '2\t0.25\t1\t0\t0\t1\t0\t0\t0\t1000\t0\tnormal')" ]
}

@test "csv: the vocabulary file: magic, sorted values, checksum line" {
	feat -q --onehot service,proto --drop host --fit-vocab "$tmp/v" "$train" > /dev/null
	run cat "$tmp/v"
	[ "${lines[0]}" = "nids-vocab 1" ]
	[ "${lines[1]}" = "$(printf 'column\tproto\t2')" ]
	[ "${lines[2]}" = tcp ]
	[ "${lines[4]}" = "$(printf 'column\tservice\t3')" ]
	[[ "${lines[8]}" =~ ^end.xxh32.[0-9a-f]{8}$ ]]
}

@test "csv: an unseen value under --strict is an error naming file:line and the column" {
	feat -q --onehot proto,service --drop host --fit-vocab "$tmp/v" "$train" > /dev/null
	run --separate-stderr feat --strict --vocab "$tmp/v" --drop host -o "$tmp/out.rec" "$test_csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $test_csv:2: field 2 'icmp': unknown proto" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "csv: a damaged, cut or foreign vocabulary file is refused" {
	feat -q --onehot proto,service --drop host --fit-vocab "$tmp/v" "$train" > /dev/null
	sed 's/^udp$/udq/' "$tmp/v" > "$tmp/flipped"
	run --separate-stderr feat --vocab "$tmp/flipped" --drop host -o "$tmp/out.rec" "$test_csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/flipped: checksum mismatch: the vocabulary file is damaged" ]
	[ ! -e "$tmp/out.rec" ]
	head -n 5 "$tmp/v" > "$tmp/cut"
	run --separate-stderr feat --vocab "$tmp/cut" --drop host "$test_csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/cut: cut short: no end line" ]
	run --separate-stderr feat --vocab "$train" --drop host "$test_csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $train: not a nids vocabulary file (made by --fit-vocab)" ]
	sed '1s/1/9/' "$tmp/v" > "$tmp/v9"
	run --separate-stderr feat --vocab "$tmp/v9" --drop host "$test_csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/v9: unknown vocabulary file version (this is 1)" ]
	run --separate-stderr feat --vocab "$tmp/none" "$test_csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/none: cannot open: No such file or directory" ]
}

@test "csv: a vocabulary column missing from the file, or one-hot without a vocabulary" {
	feat -q --onehot proto,service --drop host --fit-vocab "$tmp/v" "$train" > /dev/null
	run --separate-stderr feat --vocab "$tmp/v" --drop host,proto "$test_csv"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-featurize: $test_csv:1: column 'proto' is one-hot in $tmp/v but is the label, class or dropped here" ]
	printf 'dur,service,host,label\n1,http,a,normal\n' > "$tmp/noproto.csv"
	run --separate-stderr feat --vocab "$tmp/v" --drop host "$tmp/noproto.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/noproto.csv:1: column 'proto' of the vocabulary $tmp/v is not in this file" ]
	run --separate-stderr feat --vocab "$tmp/v" --onehot proto,service,host "$test_csv"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-featurize: $test_csv:1: --onehot: column 'host' has no vocabulary in $tmp/v" ]
}

@test "csv: a failed --fit-vocab run leaves neither the stream nor the vocabulary" {
	{ cat "$train"; echo '1,tcp,http,many,d,normal'; } > "$tmp/bad.csv"
	run --separate-stderr feat --onehot proto,service --drop host --fit-vocab "$tmp/v" -o "$tmp/out.rec" "$tmp/bad.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/bad.csv:5: field 4 (bytes): 'many' is not a number (categorical? name it in --onehot)" ]
	[ ! -e "$tmp/v" ]
	[ ! -e "$tmp/out.rec" ]
	[ "$(ls "$tmp")" = bad.csv ]
}

@test "csv: text in a numeric column names the column and suggests --onehot" {
	run --separate-stderr feat -f csv -o "$tmp/out.rec" "$train"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $train:2: field 2 (proto): 'tcp' is not a number (categorical? name it in --onehot)" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "csv: label: a column named label (any case), else the last, else --label; --class" {
	printf 'a,LABEL,b\n1,0,2\n3,1,4\n' > "$tmp/l.csv"
	run ncat -H <(feat -q "$tmp/l.csv")
	[ "$output" = "$(printf '1\t1\t2\t0\tbenign\n2\t3\t4\t1\tattack')" ]
	printf 'a,b,verdict\n1,2,normal\n3,4,dos\n' > "$tmp/last.csv"
	run ncat -H <(feat -q "$tmp/last.csv")
	[ "$output" = "$(printf '1\t1\t2\t0\tnormal\n2\t3\t4\t1\tdos')" ]
	printf 'y,a,kind,b\n0,1,web,2\n1,3,scan,4\n' > "$tmp/named.csv"
	run ncat <(feat -q --label y --class kind "$tmp/named.csv")
	[ "$output" = "$(printf 'record\ta\tb\tlabel\tclass\n1\t1\t2\t0\tweb\n2\t3\t4\t1\tscan')" ]
	run --separate-stderr feat --label nope "$tmp/named.csv"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-featurize: $tmp/named.csv:1: --label: no column 'nope' in the header" ]
	run --separate-stderr feat --drop nope "$tmp/named.csv"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-featurize: $tmp/named.csv:1: --drop: no column 'nope' in the header" ]
	printf 'a,label\n1,2\n' > "$tmp/two.csv"
	run --separate-stderr feat "$tmp/two.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/two.csv:2: label '2': a numeric label must be 0 or 1" ]
	printf 'a,label\n1,1.0\n2,0.5\n' > "$tmp/half.csv"
	run --separate-stderr feat "$tmp/half.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/half.csv:3: label '0.5': a numeric label must be 0 or 1" ]
	printf 'a,label\n1,-0\n2,-1\n' > "$tmp/neg.csv"
	run --separate-stderr feat "$tmp/neg.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/neg.csv:3: label '-1': a numeric label must be 0 or 1" ]
}

@test "csv: BOM and CRLF, Infinity/NaN/empty policy, repeated header, wrong field count" {
	printf '\357\273\277a,b,label\r\n1,inf,normal\r\n2,,dos\r\na,b,label\r\n3,4,dos\r\n' > "$tmp/w.csv"
	run --separate-stderr feat -o "$tmp/w.rec" "$tmp/w.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $tmp/w.csv: 3 rows (1 benign, 2 attack), 1 repeated header lines skipped, 2 Infinity/NaN/empty values replaced by 0" ]
	run ncat "$tmp/w.rec"
	# the record numbers count data records: the repeated header line is not one
	[ "$output" = "$(printf 'record\ta\tb\tlabel\tclass\n1\t1\t0\t0\tnormal\n2\t2\t0\t1\tdos\n3\t3\t4\t1\tdos')" ]
	run --separate-stderr feat --drop-nonfinite -o "$tmp/d.rec" "$tmp/w.csv"
	[ "$stderr" = "nids-featurize: $tmp/w.csv: 1 rows (0 benign, 1 attack), 1 repeated header lines skipped, 2 records with Infinity/NaN/empty values dropped" ]
	printf 'a,b,label\n1,2,normal\n1,2\n' > "$tmp/short.csv"
	run --separate-stderr feat -o "$tmp/s.rec" "$tmp/short.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/short.csv:3: 2 fields, expected 3" ]
	[ ! -e "$tmp/s.rec" ]
	printf 'a,b,label\n1,2,normal\n1,2,normal,3\n' > "$tmp/long.csv"
	run --separate-stderr feat -o "$tmp/s.rec" "$tmp/long.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/long.csv:3: 4 fields, expected 3" ]
	[ ! -e "$tmp/s.rec" ]
}

@test "csv: --skip-bad counts skipped records, when learning a vocabulary too" {
	{ cat "$train"; echo '1,tcp'; echo '1,tcp,http,x,d,normal'; } > "$tmp/bad.csv"
	run --separate-stderr feat --skip-bad --onehot proto,service --drop host -o "$tmp/out.rec" "$tmp/bad.csv"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "nids-featurize: $tmp/bad.csv: 3 rows (2 benign, 1 attack), 2 bad records skipped" ]
	[ "${stderr_lines[1]}" = "nids-featurize: first skipped: $tmp/bad.csv:5: 2 fields, expected 6" ]
	[ "$(ncat -H "$tmp/out.rec" | wc -l)" -eq 3 ]
}

@test "csv: empty input and a header alone" {
	: > "$tmp/empty.csv"
	run --separate-stderr feat -f csv -o "$tmp/out.rec" "$tmp/empty.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/empty.csv: empty input: no CSV records" ]
	[ ! -e "$tmp/out.rec" ]
	printf 'a,b,label\n' > "$tmp/h.csv"
	run --separate-stderr feat --onehot a -o "$tmp/h.rec" "$tmp/h.csv"
	[ "$status" -eq 0 ]
	[ "$(ncat -n 0 "$tmp/h.rec")" = "$(printf 'record\ta=_other\tb\tlabel\tclass')" ]
}

@test "csv: the stream to /dev/full fails with exit 1, and leaves no --fit-vocab file" {
	run --separate-stderr sh -c "'$NIDS_BIN/nids-featurize' --onehot proto,service --drop host '$train' > /dev/full"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: write error: No space left on device" ]
	run -1 --separate-stderr sh -c "'$NIDS_BIN/nids-featurize' --onehot proto,service --drop host --fit-vocab '$tmp/v.voc' '$train' > /dev/full"
	[ "$stderr" = "nids-featurize: write error: No space left on device" ]
	[ ! -e "$tmp/v.voc" ]
	"$NIDS_BIN/nids-featurize" --onehot proto,service --drop host --fit-vocab "$tmp/v.voc" -o "$tmp/t.rec" "$train"
	[ -s "$tmp/v.voc" ]
	[ -s "$tmp/t.rec" ]
}

@test "csv: blank lines are skipped and counted, so lines in = rows out + reported skips" {
	printf 'a,b,label\n1,2,0\n\n3,4,1\n  \n\n5,6,0\n' >"$tmp/blank.csv"
	run --separate-stderr feat -f csv -o "$tmp/b.rec" "$tmp/blank.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $tmp/blank.csv: 3 rows (2 benign, 1 attack), 3 blank lines skipped" ]
	[ "$(ncat -H "$tmp/b.rec" | wc -l)" -eq 3 ]
	# CRLF line ends: the LF of each CRLF is not a blank line
	printf 'a,b,label\r\n1,2,0\r\n\r\n3,4,1\r\n' >"$tmp/crlf.csv"
	run --separate-stderr feat -f csv -o "$tmp/c.rec" "$tmp/crlf.csv"
	[ "$stderr" = "nids-featurize: $tmp/crlf.csv: 2 rows (1 benign, 1 attack), 1 blank lines skipped" ]
}

@test "csv: finite values beyond the float32 range are stored as +-FLT_MAX and counted" {
	printf 'a,b,label\n1,1e39,0\n-1e300,2,1\n3,4,0\n' >"$tmp/big.csv"
	run --separate-stderr feat -f csv -o "$tmp/big.rec" "$tmp/big.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $tmp/big.csv: 3 rows (2 benign, 1 attack), 2 values beyond the float32 range stored as +-3.40282e+38" ]
	run ncat -H -c a,b,label,class "$tmp/big.rec"
	[ "${lines[0]}" = "$(printf '1\t3.4028235e+38\t0\tbenign')" ]
	[ "${lines[1]}" = "$(printf -- '-3.4028235e+38\t2\t1\tattack')" ]
}

@test "csv: numbers beyond a double (1e400, 130 digits) are beyond float32 too; inf and nan are not numbers beyond it" {
	big=$(printf '9%.0s' $(seq 130))
	printf 'a,b,label\n1e400,1,0\n-1e400,2,0\n%s,3,0\n1e-400,-%s,0\n' "$big" "$big" >"$tmp/huge.csv"
	run --separate-stderr feat -f csv -o "$tmp/huge.rec" "$tmp/huge.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $tmp/huge.csv: 4 rows (4 benign, 0 attack), 4 values beyond the float32 range stored as +-3.40282e+38" ]
	run ncat -H -c a,b "$tmp/huge.rec"
	[ "$output" = "$(printf '3.4028235e+38\t1\n-3.4028235e+38\t2\n3.4028235e+38\t3\n0\t-3.4028235e+38')" ]
	# --drop-nonfinite keeps them: they are finite
	run --separate-stderr feat -f csv --drop-nonfinite -o "$tmp/huge.rec" "$tmp/huge.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $tmp/huge.csv: 4 rows (4 benign, 0 attack), 4 values beyond the float32 range stored as +-3.40282e+38" ]
	# the literals stay non-finite, replaced or dropped
	printf 'a,label\ninf,0\n-Infinity,0\nnan,0\n1e400,0\n' >"$tmp/lit.csv"
	run --separate-stderr feat -f csv --nonfinite-value 7 -o "$tmp/lit.rec" "$tmp/lit.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $tmp/lit.csv: 4 rows (4 benign, 0 attack), 3 Infinity/NaN/empty values replaced by 7, 1 values beyond the float32 range stored as +-3.40282e+38" ]
	run ncat -H -c a "$tmp/lit.rec"
	[ "$output" = "$(printf '7\n7\n7\n3.4028235e+38')" ]
	run --separate-stderr feat -f csv --drop-nonfinite -o "$tmp/lit.rec" "$tmp/lit.csv"
	[ "$stderr" = "nids-featurize: $tmp/lit.csv: 1 rows (1 benign, 0 attack), 3 records with Infinity/NaN/empty values dropped, 1 values beyond the float32 range stored as +-3.40282e+38" ]
}

@test "csv: spaces around a number are ignored before it as after it, quoted or not" {
	printf 'a,b,label\n" 7","8 ",0\n 9 ,"\t10\t",1\n' >"$tmp/sp.csv"
	run --separate-stderr feat -f csv -o "$tmp/sp.rec" "$tmp/sp.csv"
	[ "$status" -eq 0 ]
	run ncat -H -c a,b,label,class "$tmp/sp.rec"
	[ "${lines[0]}" = "$(printf '7\t8\t0\tbenign')" ]
	[ "${lines[1]}" = "$(printf '9\t10\t1\tattack')" ]
}

@test "csv: an empty vocabulary file is refused as not a vocabulary file" {
	: >"$tmp/empty.voc"
	run -1 --separate-stderr feat --vocab "$tmp/empty.voc" --onehot proto -o "$tmp/o.rec" "$train"
	[ "$stderr" = "nids-featurize: $tmp/empty.voc: not a nids vocabulary file (made by --fit-vocab)" ]
	[ ! -e "$tmp/o.rec" ]
}

@test "csv: a first line wider than a stream can be is refused before any format reads it" {
	awk 'BEGIN { for (i = 1; i <= 70000; i++) printf "c%d,", i; print "label";
		for (i = 1; i <= 70000; i++) printf "1,"; print "0" }' >"$tmp/wide.csv"
	for f in "" "-f csv" "-f cic" "-f netflow"; do
		run -1 --separate-stderr feat $f -o "$tmp/o.rec" "$tmp/wide.csv"
		[ "$stderr" = "nids-featurize: $tmp/wide.csv:1: 70001 fields, more than the 65536 columns a stream can hold" ]
		[ ! -e "$tmp/o.rec" ]
	done
}

@test "csv: several inputs while --onehot learns the vocabularies from the first" {
	run --separate-stderr feat --onehot proto,service --drop host -o "$tmp/two.rec" "$train" "$train"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: inputs: 6 rows (4 benign, 2 attack)" ]
	run ncat -H -c dur,proto=udp,service=dns,label "$tmp/two.rec"
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[1]}" = "$(printf '0\t1\t1\t1')" ]
	[ "${lines[4]}" = "$(printf '0\t1\t1\t1')" ]
	# the first input's rows come first and name it; the second's values it lacks
	# (icmp) go to _other
	run --separate-stderr feat --onehot proto,service --drop host -o "$tmp/two.rec" "$train" "$test_csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: inputs: 5 rows (3 benign, 2 attack), 1 values outside the vocabulary (in _other)" ]
	run ncat -H -c record,file,dur,proto=_other,class "$tmp/two.rec"
	[ "$output" = "$(printf '1\t%s\t1.5\t0\tnormal\n2\t%s\t0\t0\tneptune\n3\t%s\t2\t0\tnormal\n1\t%s\t3\t1\tsmurf\n2\t%s\t0.25\t0\tnormal' \
		"$train" "$train" "$train" "$test_csv" "$test_csv")" ]
}
