#!/usr/bin/env bats
# nids-featurize: the KDD formats, detection, and bad input shared by every format.
bats_require_minimum_version 1.5.0
load helpers
# the counts these tests check go to stderr with -v (it is not a terminal here); a
# later -q still silences them
feat() { "$NIDS_BIN/nids-featurize" -v "$@"; }

setup() { setup_tmp; }
teardown() { teardown_tmp; }


@test "nids-featurize: --help first line is the man SYNOPSIS" {
	check_help_matches_man nids-featurize
}

@test "nids-featurize: nslkdd detected; 125 features, label, class, difficulty" {
	feat -q "$fixtures/feat/nslkdd_20.txt" > "$tmp/a.rec"
	run ncat -i "$tmp/a.rec"
	[ "${lines[0]}" = "columns	128" ]
	[ "${lines[126]}" = "126	label	label" ]
	[ "${lines[127]}" = "127	class	class" ]
	[ "${lines[128]}" = "128	difficulty	meta" ]
	[ "${lines[-1]}" = "rows	20" ]
}

@test "nids-featurize: nslkdd values, one-hot slots, label and class" {
	run sh -c "'$NIDS_BIN/nids-featurize' -q '$fixtures/feat/nslkdd_20.txt' | '$NIDS_BIN/nids-cat' -H -n 3 -c duration,protocol_type=tcp,service=private,flag=REJ,flag=SF,src_bytes,dst_host_same_srv_rate,label,class,difficulty"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf '0\t1\t1\t1\t0\t0\t0.04\t1\tneptune\t21')" ]
	[ "${lines[2]}" = "$(printf '2\t1\t0\t0\t1\t12983\t0.61\t0\tnormal\t21')" ]
}

@test "nids-featurize: exactly one slot set in each one-hot group" {
	feat -q "$fixtures/feat/nslkdd_20.txt" > "$tmp/a.rec"
	run sh -c "'$NIDS_BIN/nids-cat' '$tmp/a.rec' | awk -F'\t' 'NR==1{for(i=1;i<=NF;i++){split(\$i,p,\"=\"); g[i]=(\$i ~ /=/)?p[1]:\"\"}; next}
		{delete s; for(i=1;i<=NF;i++) if(g[i]!=\"\") s[g[i]]+=\$i; for(k in s) if(s[k]!=1) bad++} END{print bad+0}'"
	[ "$output" = "0" ]
}

@test "nids-featurize: kdd99 detected by the trailing dot, dot removed from the class" {
	run sh -c "'$NIDS_BIN/nids-featurize' -q '$fixtures/feat/kdd99_20.txt' | '$NIDS_BIN/nids-cat' -H -n 1 -c protocol_type=udp,service=private,src_bytes,dst_bytes,label,class"
	[ "$output" = "$(printf '1\t1\t105\t146\t0\tnormal')" ]
	run sh -c "'$NIDS_BIN/nids-featurize' -q '$fixtures/feat/kdd99_20.txt' | '$NIDS_BIN/nids-cat' -i | head -1"
	[ "$output" = "columns	127" ]
}

@test "nids-featurize: a service outside the vocabulary goes to service=_other and is counted" {
	run feat -o "$tmp/a.rec" "$fixtures/feat/kdd99_unseen.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"6 rows (4 benign, 2 attack), 1 values outside the vocabulary (in _other)"* ]]
	run sh -c "'$NIDS_BIN/nids-cat' -H -c service=_other,service=other '$tmp/a.rec' | tail -1"
	[ "$output" = "$(printf '1\t0')" ]
}

@test "nids-featurize: --strict makes an unknown category an error with file:line" {
	run feat --strict -o "$tmp/a.rec" "$fixtures/feat/kdd99_unseen.txt"
	[ "$status" -eq 1 ]
	[[ "$output" == *"kdd99_unseen.txt:6: field 3 'icmp': unknown service"* ]]
	[ ! -e "$tmp/a.rec" ]
}

@test "nids-featurize: zstd-compressed input on stdin" {
	zstd -q -c "$fixtures/feat/nslkdd_20.txt" > "$tmp/t.zst"
	feat -q < "$tmp/t.zst" > "$tmp/a.rec"
	feat -q "$fixtures/feat/nslkdd_20.txt" > "$tmp/b.rec"
	cmp "$tmp/a.rec" "$tmp/b.rec"
}

@test "nids-featurize: CRLF line ends and a BOM give the same stream" {
	{ printf '\357\273\277'; sed 's/$/\r/' "$fixtures/feat/nslkdd_20.txt"; } > "$tmp/crlf.txt"
	feat -q "$tmp/crlf.txt" > "$tmp/a.rec"
	feat -q "$fixtures/feat/nslkdd_20.txt" > "$tmp/b.rec"
	cmp "$tmp/a.rec" "$tmp/b.rec"
}

@test "nids-featurize: -z compresses, same rows" {
	feat -q -z 3 "$fixtures/feat/nslkdd_20.txt" > "$tmp/a.rec"
	feat -q "$fixtures/feat/nslkdd_20.txt" > "$tmp/b.rec"
	cmp <(ncat "$tmp/a.rec") <(ncat "$tmp/b.rec")
}

@test "nids-featurize: wrong field count names file:line; no output file" {
	sed '7s/,[^,]*$//' "$fixtures/feat/nslkdd_20.txt" > "$tmp/bad.txt"
	run feat -f nslkdd -o "$tmp/out.rec" "$tmp/bad.txt"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad.txt:7: 42 fields, expected 43"* ]]
	[ ! -e "$tmp/out.rec" ]
	[ "$(ls "$tmp")" = "bad.txt" ]
}

@test "nids-featurize: non-number where a number is due names the field" {
	sed '2s/^0,tcp,private,REJ,0,/0,tcp,private,REJ,x1,/' "$fixtures/feat/nslkdd_20.txt" > "$tmp/bad.txt"
	run feat -o "$tmp/out.rec" "$tmp/bad.txt"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad.txt:2: field 5 (src_bytes): 'x1' is not a number"* ]]
	[ ! -e "$tmp/out.rec" ]
}

@test "nids-featurize: nslkdd and kdd99 numbers beyond the float32 range are its largest float, counted" {
	sed -e '1s/^0,tcp,private,REJ,0,/1e400,tcp,private,REJ,-1e39,/' -e "2s/^0,/$(printf '9%.0s' $(seq 130)),/" \
	    "$fixtures/feat/nslkdd_20.txt" >"$tmp/big.txt"
	run --separate-stderr feat -f nslkdd -o "$tmp/big.rec" "$tmp/big.txt"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $tmp/big.txt: 20 rows (10 benign, 10 attack), 3 values beyond the float32 range stored as +-3.40282e+38" ]
	run ncat -H -n 3 -c duration,src_bytes "$tmp/big.rec"
	[ "$output" = "$(printf '3.4028235e+38\t-3.4028235e+38\n3.4028235e+38\t0\n2\t12983')" ]
	sed -e 's/,[^,]*$//' -e 's/$/./' -e '1s/^0,/1e400,/' "$fixtures/feat/nslkdd_20.txt" >"$tmp/big99.txt"
	run --separate-stderr feat -f kdd99 -o "$tmp/big99.rec" "$tmp/big99.txt"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $tmp/big99.txt: 20 rows (10 benign, 10 attack), 1 values beyond the float32 range stored as +-3.40282e+38" ]
	[ "$(ncat -H -n 1 -c duration "$tmp/big99.rec")" = "3.4028235e+38" ]
}

@test "nids-featurize: --skip-bad skips and counts, naming the first" {
	sed -e '2s/^0,tcp,private,REJ,0,/0,tcp,private,REJ,x1,/' -e '9s/,[^,]*$//' "$fixtures/feat/nslkdd_20.txt" > "$tmp/bad.txt"
	run feat -f nslkdd --skip-bad -o "$tmp/out.rec" "$tmp/bad.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"18 rows"*"2 bad records skipped"* ]]
	[[ "$output" == *"first skipped: $tmp/bad.txt:2: field 5 (src_bytes): 'x1' is not a number"* ]]
	[ "$(ncat -H "$tmp/out.rec" | wc -l)" -eq 18 ]
}

@test "nids-featurize: empty input, binary garbage, undetectable format" {
	run feat < /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"empty input"* ]]
	printf 'a\0b\n' > "$tmp/bin"
	run feat -f nslkdd "$tmp/bin"
	[ "$status" -eq 1 ]
	[[ "$output" == *"binary data"* ]]
	printf 'hello,world\n' > "$tmp/x.csv"
	run feat -f kdd99 -o "$tmp/o.rec" "$tmp/x.csv"
	[ "$status" -eq 1 ]
	[ ! -e "$tmp/o.rec" ]
}

@test "nids-featurize: a NUL byte is reported on its own line, in any read of the input" {
	printf 'a,b,label\n1,2,0\n3,4,0\n5\0006,7,0\n' >"$tmp/nul.csv"
	run --separate-stderr feat -f csv -o "$tmp/o.rec" "$tmp/nul.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/nul.csv:4: binary data (a NUL byte): this is not CSV text" ]
	[ ! -e "$tmp/o.rec" ]
	{ printf 'a,b,label\r\n'; seq 199999 | sed 's/$/,1,0\r/'; printf '5\0006,7,0\r\n'; } >"$tmp/big.csv"
	run --separate-stderr feat -f csv -o "$tmp/o.rec" "$tmp/big.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/big.csv:200001: binary data (a NUL byte): this is not CSV text" ]
	[ ! -e "$tmp/o.rec" ]
}

@test "nids-featurize: an archive is named as one, with the command that pipes its CSV out" {
	mkdir "$tmp/day"
	cp "$fixtures/feat/nslkdd_20.txt" "$tmp/day/flows.txt"
	tar -czf "$tmp/day.tar.gz" -C "$tmp/day" flows.txt
	run feat -f nslkdd -o "$tmp/o.rec" "$tmp/day.tar.gz"
	[ "$status" -eq 1 ]
	[[ "$output" == "nids-featurize: $tmp/day.tar.gz:1: a tar archive, not CSV text: pipe a CSV file out of it (tar -xzOf $tmp/day.tar.gz 'flows.txt' | ...)" ]]
	[ ! -e "$tmp/o.rec" ]
	# the command it gives works, from a file and from a pipe (which needs the -z)
	run sh -c "tar -xzOf '$tmp/day.tar.gz' 'flows.txt' | '$NIDS_BIN/nids-featurize' -q -f nslkdd | '$NIDS_BIN/nids-cat' -H | wc -l"
	[ "$output" = 20 ]
	run sh -c "'$NIDS_BIN/nids-featurize' -f nslkdd < '$tmp/day.tar.gz'"
	[[ "$output" == *"(tar -xzOf - 'flows.txt' | ...)" ]]
	run sh -c "cat '$tmp/day.tar.gz' | tar -xzOf - 'flows.txt' | wc -l"
	[ "$output" = 20 ]
	# a directory first: no member named (-O then writes every file's bytes)
	tar -cf "$tmp/dir.tar" -C "$tmp" day
	run feat "$tmp/dir.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == "nids-featurize: $tmp/dir.tar:1: a tar archive, not CSV text: pipe a CSV file out of it (tar -xOf $tmp/dir.tar | ...)" ]]
	# a zip entry (stored, name day/flows.csv)
	printf 'PK\003\004\024\000\000\000\000\000\000\000\000\000\000\000\000\000\004\000\000\000\004\000\000\000\015\000\000\000day/flows.csva,b\n' >"$tmp/cic.zip"
	run feat -f csv "$tmp/cic.zip"
	[ "$status" -eq 1 ]
	[[ "$output" == "nids-featurize: $tmp/cic.zip:1: a zip archive, not CSV text: pipe a CSV file out of it (unzip -p $tmp/cic.zip 'day/flows.csv' | ...)" ]]
}

@test "nids-featurize: writing to /dev/full fails with exit 1" {
	run sh -c "'$NIDS_BIN/nids-featurize' -q '$fixtures/feat/nslkdd_20.txt' > /dev/full"
	[ "$status" -eq 1 ]
	[[ "$output" == *"No space left on device"* || "$output" == *"write error"* ]]
}

@test "nids-featurize: refuses to write binary to a terminal" {
	command -v script >/dev/null || skip "script(1) not installed"
	run script -qec "'$NIDS_BIN/nids-featurize' '$fixtures/feat/nslkdd_20.txt'" /dev/null
	[[ "$output" == *"refusing to write binary to a terminal; pipe into nids-cat"* ]]
}

@test "nids-featurize: bad usage exits 2" {
	run feat -f nope x
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown format 'nope'"* ]]
	run feat --zstd 40
	[ "$status" -eq 2 ]
	run feat --fit-vocab "$tmp/v" a b
	[ "$status" -eq 2 ]
	[[ "$output" == *"--fit-vocab learns from one input"* ]]
	run feat --onehot service "$fixtures/feat/nslkdd_20.txt"
	[ "$status" -eq 2 ]
	[[ "$output" == *"nslkdd"* ]]
}

@test "nids-featurize: real NSL-KDD and KDD Cup 99 row counts" {
	need_shared KDDTrain+.txt.zst
	run feat -o "$tmp/t.rec" "$shared_data/KDDTrain+.txt.zst"
	[[ "$output" == *"125973 rows (67343 benign, 58630 attack)"* ]]
	run feat -o "$tmp/t.rec" "$shared_data/KDDTest+.txt.zst"
	[[ "$output" == *"22544 rows (9711 benign, 12833 attack)"* ]]
	run feat -o "$tmp/t.rec" "$shared_data/kddcup.data_10_percent.zst"
	[[ "$output" == *"494021 rows (97278 benign, 396743 attack)"* ]]
	run feat -o "$tmp/t.rec" "$shared_data/corrected.zst"
	[[ "$output" == *"311029 rows (60593 benign, 250436 attack), 2 values outside the vocabulary"* ]]
}

@test "nids-featurize: gzip input is sniffed like zstd; --progress draws and erases a line" {
	gzip -c "$fixtures/feat/nslkdd_20.txt" > "$tmp/n.txt.gz"
	zstd -q -c "$fixtures/feat/nslkdd_20.txt" > "$tmp/n.txt.zst"
	feat -q "$fixtures/feat/nslkdd_20.txt" > "$tmp/plain.rec"
	feat -q "$tmp/n.txt.gz" | cmp - "$tmp/plain.rec"
	feat -q < "$tmp/n.txt.gz" | cmp - "$tmp/plain.rec"
	feat -q "$tmp/n.txt.zst" | cmp - "$tmp/plain.rec"
	head -c 100 "$tmp/n.txt.gz" > "$tmp/cut.gz"
	run -1 --separate-stderr feat -o "$tmp/o.rec" "$tmp/cut.gz"
	[ "$stderr" = "nids-featurize: $tmp/cut.gz: truncated gzip input" ]
	[ ! -e "$tmp/o.rec" ]
	run -0 --separate-stderr "$NIDS_BIN/nids-featurize" -o "$tmp/o.rec" "$tmp/n.txt.gz"
	[ -z "$stderr" ]
	run -0 --separate-stderr "$NIDS_BIN/nids-featurize" --progress -o "$tmp/o.rec" "$tmp/n.txt.gz"
	[[ "$stderr" == $'\r'"nids-featurize: 0.0 MB of 0.0 MB (100%)"*$'\r' ]]
}

@test "nids-featurize: several inputs make one stream; each row names its file and record" {
	nsl="$fixtures/feat/nslkdd_20.txt"
	head -5 "$nsl" > "$tmp/a.txt"
	tail -n +6 "$nsl" | zstd -q > "$tmp/b.txt.zst"
	run --separate-stderr feat -o "$tmp/ab.rec" "$tmp/a.txt" "$tmp/b.txt.zst"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: inputs: 20 rows (10 benign, 10 attack)" ]
	run ncat -c file,record -H "$tmp/ab.rec"
	[ "${#lines[@]}" -eq 20 ]
	[ "${lines[0]}" = "$(printf '%s\t1' "$tmp/a.txt")" ]
	[ "${lines[4]}" = "$(printf '%s\t5' "$tmp/a.txt")" ]
	[ "${lines[5]}" = "$(printf '%s\t1' "$tmp/b.txt.zst")" ]
	[ "${lines[19]}" = "$(printf '%s\t15' "$tmp/b.txt.zst")" ]
	# the features are those of the one file
	cmp <(ncat -c duration,src_bytes,label,class "$tmp/ab.rec") <(feat -q "$nsl" | ncat -c duration,src_bytes,label,class)
	# one input: no file column
	run sh -c "'$NIDS_BIN/nids-featurize' -q '$nsl' | '$NIDS_BIN/nids-cat' -n 0 | tr '\t' '\n'"
	[ "${lines[0]}" = record ]
	[[ " ${lines[*]} " != *" file "* ]]
}

@test "nids-featurize: inputs with different header lines are refused, naming the file" {
	printf 'a,b,label\n1,2,0\n' > "$tmp/x.csv"
	printf 'a,c,label\n1,2,0\n' > "$tmp/y.csv"
	run --separate-stderr feat -f csv -o "$tmp/o.rec" "$tmp/x.csv" "$tmp/y.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/y.csv:1: the header line differs from the first input's" ]
	[ ! -e "$tmp/o.rec" ]
	printf 'a,b,label\n3,4,1\n' > "$tmp/z.csv"
	feat -q -f csv "$tmp/x.csv" "$tmp/z.csv" | ncat -c record,a,label -H > "$tmp/out"
	[ "$(cat "$tmp/out")" = "$(printf '1\t1\t0\n1\t3\t1')" ]
}

@test "nids-featurize -o '' (or --output=) is a usage error at once, and no file is made" {
	cd "$tmp"
	run -2 --separate-stderr "$NIDS_BIN/nids-featurize" -o '' "$fixtures/feat/nslkdd_20.txt"
	[ "${stderr_lines[0]}" = "nids-featurize: option '-o': empty file name" ]
	[[ "${stderr_lines[1]}" == usage:* ]]
	run -2 --separate-stderr "$NIDS_BIN/nids-featurize" --output= "$fixtures/feat/nslkdd_20.txt"
	[ "${stderr_lines[0]}" = "nids-featurize: option '-o': empty file name" ]
	[ -z "$(ls -A "$tmp")" ]
}
