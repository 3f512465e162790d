#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load helpers

setup() { setup_tmp; }
teardown() { teardown_tmp; }

tsv() { printf 'duration\tsrc_bytes\tdifficulty:meta\tlabel\tclass\n0\t181\t20\t0\tnormal\n2.5\t0.1\t21\t1\tneptune\n-1e-07\t3.4028235e+38\t0\t1\tback\n'; }

@test "nids-cat: --help first line is the man SYNOPSIS" {
	check_help_matches_man nids-cat
}

@test "nids-cat: --version" {
	run "$NIDS_BIN/nids-cat" --version
	[ "$status" -eq 0 ]
	[ "$output" = "nids-cat 0.2.0 (stream 3, model 2)" ]
}

@test "nids-cat: text -> stream -> text is exact, roles kept with --types" {
	tsv > "$tmp/a.tsv"
	"$NIDS_BIN/nids-cat" -r "$tmp/a.tsv" > "$tmp/a.rec"
	"$NIDS_BIN/nids-cat" --types "$tmp/a.rec" > "$tmp/b.tsv"
	cmp "$tmp/a.tsv" "$tmp/b.tsv"
	# without --types the header holds the plain names, the ones -c takes
	run "$NIDS_BIN/nids-cat" -n 0 "$tmp/a.rec"
	[ "$output" = "$(printf 'duration\tsrc_bytes\tdifficulty\tlabel\tclass')" ]
	run "$NIDS_BIN/nids-cat" -c difficulty -n 1 -H "$tmp/a.rec"
	[ "$status" -eq 0 ]
	[ "$output" = "20" ]
}

@test "nids-cat: stream -> text -> stream is byte-identical" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	"$NIDS_BIN/nids-cat" --types "$tmp/a.rec" | "$NIDS_BIN/nids-cat" -r > "$tmp/b.rec"
	cmp "$tmp/a.rec" "$tmp/b.rec"
}

typed() {
	printf 'time:timestamp\tsrc_addr:addr\tsport:port\tproto:proto\trecord:u64\tfile:str\tx\tlabel\n'
	printf '2016-07-27T13:43:21Z\t42.219.153.7\t53\t17\t1\ta.csv\t0.5\t0\n'
	printf '2018-03-02T16:46:12.972385Z\t2001:db8::7\t65535\t6\t18446744073709551614\tb.csv\t1\t1\n'
	printf '\t\t0\t0\t\t\t2\t0\n'
}

@test "nids-cat: typed metadata columns read back exactly (times, addresses, ports, record numbers, strings)" {
	typed > "$tmp/t.tsv"
	"$NIDS_BIN/nids-cat" -r "$tmp/t.tsv" > "$tmp/t.rec"
	"$NIDS_BIN/nids-cat" --types "$tmp/t.rec" | cmp - "$tmp/t.tsv"
	"$NIDS_BIN/nids-cat" --types "$tmp/t.rec" | "$NIDS_BIN/nids-cat" -r | cmp - "$tmp/t.rec"
	run "$NIDS_BIN/nids-cat" -i "$tmp/t.rec"
	[[ "$output" == *$'metadata\t6\n1\ttime\ttimestamp\ttime\n2\tsrc_addr\taddr\tid'* ]]
	[[ "$output" == *$'strings\t2'* ]]
}

@test "nids-cat: --epoch prints seconds since the epoch; -c selects metadata columns by name" {
	typed | "$NIDS_BIN/nids-cat" -r > "$tmp/t.rec"
	run "$NIDS_BIN/nids-cat" --epoch -c record,time,src_addr -H "$tmp/t.rec"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf '1\t1469627001\t42.219.153.7')" ]
	[ "${lines[1]}" = "$(printf '18446744073709551614\t1520009172.972385\t2001:db8::7')" ]
	[ "${lines[2]}" = "$(printf '\t\t')" ]
}

@test "nids-cat: --json writes one object per row, text for times and addresses, null for none" {
	typed | "$NIDS_BIN/nids-cat" -r > "$tmp/t.rec"
	run "$NIDS_BIN/nids-cat" --json "$tmp/t.rec"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"time":"2016-07-27T13:43:21Z","src_addr":"42.219.153.7","sport":53,"proto":17,"record":1,"file":"a.csv","x":0.5,"label":0}' ]
	[ "${lines[2]}" = '{"time":null,"src_addr":null,"sport":0,"proto":0,"record":null,"file":null,"x":2,"label":0}' ]
	run "$NIDS_BIN/nids-cat" --json --epoch -c time,class "$tmp/t.rec"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no column 'class'"* ]]
	run "$NIDS_BIN/nids-cat" --json --epoch -c time,x "$tmp/t.rec"
	[ "${lines[1]}" = '{"time":1520009172.972385,"x":1}' ]
	if command -v python3 >/dev/null; then
		"$NIDS_BIN/nids-cat" --json "$tmp/t.rec" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'
	fi
}

@test "nids-cat: a bad typed value names the line, field and type" {
	printf 'src_addr:addr\tx\n42.219.153\t1\n' > "$tmp/b.tsv"
	run "$NIDS_BIN/nids-cat" -r "$tmp/b.tsv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"b.tsv:2: field 1 (src_addr): '42.219.153' is not a addr value"* ]]
	printf 'time:timestamp\tx\n2016-13-01 00:00:00\t1\n' > "$tmp/c.tsv"
	run "$NIDS_BIN/nids-cat" -r "$tmp/c.tsv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"c.tsv:2: field 1 (time)"* ]]
}

@test "nids-cat: awkward floats survive a round trip" {
	printf 'x\n0.1\n1e-45\n16777217\n-0.333333343\n123456.789\nnan\n-inf\n-0\n' > "$tmp/f.tsv"
	"$NIDS_BIN/nids-cat" -r "$tmp/f.tsv" | "$NIDS_BIN/nids-cat" > "$tmp/g.tsv"
	run cat "$tmp/g.tsv"
	[ "${lines[1]}" = "0.1" ]
	[ "${lines[2]}" = "1.4013e-45" ]
	[ "${lines[3]}" = "16777216" ]
	[ "${lines[4]}" = "-0.33333334" ]
	[ "${lines[5]}" = "123456.79" ]
	[ "${lines[6]}" = "nan" ]
	[ "${lines[7]}" = "-inf" ]
	[ "${lines[8]}" = "-0" ]
	"$NIDS_BIN/nids-cat" -r "$tmp/g.tsv" | "$NIDS_BIN/nids-cat" | cmp - "$tmp/g.tsv"
}

@test "nids-cat: CSV with BOM and CRLF, quoted class names" {
	printf '\357\273\277a,class\r\n1,"Web Attack, XSS"\r\n2,normal\r\n' > "$tmp/c.csv"
	run sh -c "'$NIDS_BIN/nids-cat' -r --csv '$tmp/c.csv' | '$NIDS_BIN/nids-cat' --csv"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "a,class" ]
	[ "${lines[1]}" = '1,"Web Attack, XSS"' ]
	[ "${lines[2]}" = "2,normal" ]
}

@test "nids-cat: -c selects and orders columns, -n limits rows, -H drops the header" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	run "$NIDS_BIN/nids-cat" -c class,duration -n 2 -H "$tmp/a.rec"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "$(printf 'normal\t0')" ]
	[ "${lines[1]}" = "$(printf 'neptune\t2.5')" ]
}

@test "nids-cat: -c with an unknown column is a usage error" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	run "$NIDS_BIN/nids-cat" -c nope "$tmp/a.rec"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no column 'nope' in the stream"* ]]
}

@test "nids-cat: -i describes columns, classes and rows" {
	tsv | "$NIDS_BIN/nids-cat" -r -z 3 > "$tmp/a.rec"
	run "$NIDS_BIN/nids-cat" -i "$tmp/a.rec"
	[ "$status" -eq 0 ]
	[[ "$output" == *"3	difficulty	meta"* ]]
	[[ "$output" == *"2	back"* ]]
	[ "${lines[-1]}" = "rows	3" ]
}

@test "nids-cat: concatenated streams read as one" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	tsv | "$NIDS_BIN/nids-cat" -r -z 1 > "$tmp/b.rec"
	run sh -c "cat '$tmp/a.rec' '$tmp/b.rec' | '$NIDS_BIN/nids-cat' -H | wc -l"
	[ "$output" -eq 6 ]
}

@test "nids-cat: several input files read as one; plain, zstd and gzip mixed" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	tsv | "$NIDS_BIN/nids-cat" -r -z 1 > "$tmp/b.rec"
	cat "$tmp/a.rec" "$tmp/b.rec" "$tmp/a.rec" | "$NIDS_BIN/nids-cat" > "$tmp/want.tsv"
	gzip -c "$tmp/b.rec" > "$tmp/b.rec.gz"
	zstd -q -c "$tmp/a.rec" > "$tmp/a.rec.zst"
	run -0 "$NIDS_BIN/nids-cat" -o "$tmp/got.tsv" "$tmp/a.rec" "$tmp/b.rec.gz" "$tmp/a.rec.zst"
	cmp "$tmp/want.tsv" "$tmp/got.tsv"
	# multi-member gzip, as cat a.gz b.gz makes
	{ gzip -c "$tmp/a.rec"; gzip -c "$tmp/b.rec"; gzip -c "$tmp/a.rec"; } > "$tmp/m.gz"
	"$NIDS_BIN/nids-cat" "$tmp/m.gz" | cmp - "$tmp/want.tsv"
	"$NIDS_BIN/nids-cat" < "$tmp/m.gz" | cmp - "$tmp/want.tsv"
	run -2 --separate-stderr "$NIDS_BIN/nids-cat" -r "$tmp/want.tsv" "$tmp/want.tsv"
	[ "${stderr_lines[0]}" = "nids-cat: -r reads one text input" ]
}

@test "nids-cat: truncated and corrupt gzip input is an error naming the file" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	gzip -c "$tmp/a.rec" > "$tmp/a.rec.gz"
	head -c -4 "$tmp/a.rec.gz" > "$tmp/cut.gz"
	run -1 --separate-stderr "$NIDS_BIN/nids-cat" -o "$tmp/o.tsv" "$tmp/a.rec" "$tmp/cut.gz"
	[ "$stderr" = "nids-cat: $tmp/cut.gz: truncated gzip input" ]
	[ ! -e "$tmp/o.tsv" ]
	# a damaged CRC-32 in the gzip trailer
	cp "$tmp/a.rec.gz" "$tmp/crc.gz"
	n=$(stat -c %s "$tmp/crc.gz")
	printf '\x00\x00\x00\x00' | dd of="$tmp/crc.gz" bs=1 seek=$((n - 8)) conv=notrunc 2>/dev/null
	run -1 --separate-stderr "$NIDS_BIN/nids-cat" "$tmp/crc.gz"
	[ "$stderr" = "nids-cat: $tmp/crc.gz: corrupt gzip input: incorrect data check" ]
	# text after a gzip member that is not another member
	{ cat "$tmp/a.rec.gz"; echo junk; } > "$tmp/junk.gz"
	run -1 --separate-stderr "$NIDS_BIN/nids-cat" "$tmp/junk.gz"
	[ "$stderr" = "nids-cat: $tmp/junk.gz: corrupt gzip input: incorrect header check" ]
	# CSV, gzip-compressed, into a stream
	tsv | gzip -c > "$tmp/t.tsv.gz"
	"$NIDS_BIN/nids-cat" -r "$tmp/t.tsv.gz" | "$NIDS_BIN/nids-cat" | cmp - <("$NIDS_BIN/nids-cat" "$tmp/a.rec")
}

@test "nids-cat: concatenated streams with different columns: error naming the column" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	printf 'x\tsrc_bytes\tdifficulty:meta\tlabel\tclass\n1\t2\t3\t0\tnormal\n' |
		"$NIDS_BIN/nids-cat" -r > "$tmp/b.rec"
	run sh -c "cat '$tmp/a.rec' '$tmp/b.rec' | '$NIDS_BIN/nids-cat' > '$tmp/out.tsv'"
	[ "$status" -eq 1 ]
	[[ "$output" == *"column 1: 'duration' vs 'x' (concatenated streams differ)"* ]]
}

@test "nids-cat: truncated stream is an error, with -o no file is left" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	head -c -5 "$tmp/a.rec" > "$tmp/t.rec"
	run "$NIDS_BIN/nids-cat" -o "$tmp/out.tsv" "$tmp/t.rec"
	[ "$status" -eq 1 ]
	[[ "$output" == *"t.rec: row 4: truncated stream (no end block)"* ]]
	[ ! -e "$tmp/out.tsv" ]
	[ -z "$(ls "$tmp" | grep -v -e a.rec -e t.rec)" ]
}

@test "nids-cat: bytes after a stream's end block are an error: a line end, a second stream cut inside its magic" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	run sh -c "{ cat '$tmp/a.rec'; echo; } | '$NIDS_BIN/nids-cat' -H > /dev/null"
	[ "$status" -eq 1 ]
	[ "$output" = "nids-cat: -: row 4: unexpected bytes after the end of the stream" ]
	head -c 5 "$tmp/a.rec" > "$tmp/cut.rec"
	run sh -c "cat '$tmp/a.rec' '$tmp/cut.rec' | '$NIDS_BIN/nids-cat' -H > /dev/null"
	[ "$status" -eq 1 ]
	[ "$output" = "nids-cat: -: row 4: unexpected bytes after the end of the stream" ]
	# the cut stream as a file of its own is named
	run "$NIDS_BIN/nids-cat" -o "$tmp/out.tsv" "$tmp/a.rec" "$tmp/cut.rec"
	[ "$status" -eq 1 ]
	[ "$output" = "nids-cat: $tmp/cut.rec: truncated stream (5 of the 8 bytes of its magic)" ]
	[ ! -e "$tmp/out.tsv" ]
	run -1 "$NIDS_BIN/nids-cat" "$tmp/cut.rec"
	[ "$output" = "nids-cat: $tmp/cut.rec: truncated stream (5 of the 8 bytes of its magic)" ]
}

@test "nids-cat: times of years 0 to 999 keep four digits; years past 9999 and before 0 are written as seconds" {
	printf 'time:timestamp\tx\n0228-07-27T13:43:21Z\t1\n-62167219201\t2\n9999-12-31T23:59:59.5Z\t3\n253402300800\t4\n' |
		ncat -r > "$tmp/t.rec"
	run -0 ncat -H "$tmp/t.rec"
	[ "$output" = "$(printf '0228-07-27T13:43:21Z\t1\n-62167219201\t2\n9999-12-31T23:59:59.500000Z\t3\n253402300800\t4')" ]
	ncat --types "$tmp/t.rec" | ncat -r > "$tmp/u.rec"
	cmp "$tmp/t.rec" "$tmp/u.rec"
}

@test "nids-cat: times before the epoch with a fraction print as signed seconds and read back exactly" {
	printf 'time:timestamp\tx\n-1.5\t1\n-0.000001\t2\n-62167219201.5\t3\n-9223372036854.775807\t4\n9223372036854.775807\t5\n' > "$tmp/t.tsv"
	ncat -r "$tmp/t.tsv" > "$tmp/t.rec"
	run -0 ncat -H "$tmp/t.rec"
	[ "$output" = "$(printf '1969-12-31T23:59:58.500000Z\t1\n1969-12-31T23:59:59.999999Z\t2\n-62167219201.500000\t3\n-9223372036854.775807\t4\n9223372036854.775807\t5')" ]
	run -0 ncat -H --epoch -c time "$tmp/t.rec"
	[ "$output" = "$(printf -- '-1.500000\n-0.000001\n-62167219201.500000\n-9223372036854.775807\n9223372036854.775807')" ]
	ncat --types "$tmp/t.rec" | ncat -r | cmp - "$tmp/t.rec"
	ncat --types --epoch "$tmp/t.rec" | ncat -r | cmp - "$tmp/t.rec"
}

@test "nids-cat -r: a day past its month's end is refused, not moved to the next month" {
	printf 'time:timestamp\tx\n2016-02-29T00:00:00Z\t1\n2016-02-30T00:00:00Z\t2\n' > "$tmp/d.tsv"
	run -1 --separate-stderr ncat -r -o "$tmp/d.rec" "$tmp/d.tsv"
	[ "$stderr" = "nids-cat: $tmp/d.tsv:3: field 1 (time): '2016-02-30T00:00:00Z' is not a timestamp value" ]
	[ ! -e "$tmp/d.rec" ]
	printf 'time:timestamp\tx\n1900-02-29 00:00:00\t1\n' > "$tmp/d.tsv"
	run -1 --separate-stderr ncat -r -o "$tmp/d.rec" "$tmp/d.tsv"
	[ "$stderr" = "nids-cat: $tmp/d.tsv:2: field 1 (time): '1900-02-29 00:00:00' is not a timestamp value" ]
	printf 'time:timestamp\tx\n2000-02-29T00:00:00Z\t1\n2016-04-30T23:59:59Z\t2\n' > "$tmp/ok.tsv"
	ncat -r "$tmp/ok.tsv" | ncat --types | cmp - "$tmp/ok.tsv"
}

@test "nids-cat -r: a quoted tab or line end in a TSV field is refused (TSV escapes them); CSV keeps it" {
	printf 'x\tlabel\tclass\n1\t0\t"a\tb"\n' > "$tmp/t.tsv"
	run -1 --separate-stderr ncat -r -o "$tmp/t.rec" "$tmp/t.tsv"
	[ "$stderr" = "nids-cat: $tmp/t.tsv:2: field 3 holds a tab or line end in quotes (TSV writes them as \\t, \\n, \\r; or use --csv)" ]
	[ ! -e "$tmp/t.rec" ]
	printf '"x\ny"\tlabel\n1\t0\n' > "$tmp/h.tsv"
	run -1 --separate-stderr ncat -r "$tmp/h.tsv"
	[ "$stderr" = "nids-cat: $tmp/h.tsv:1: field 1 holds a tab or line end in quotes (TSV writes them as \\t, \\n, \\r; or use --csv)" ]
	printf 'x,label,class\n1,0,"a\tb"\n' | ncat -r --csv > "$tmp/c.rec"
	ncat --csv --types "$tmp/c.rec" | ncat -r --csv | cmp - "$tmp/c.rec"
}

@test "nids-cat: a tab, line end or backslash in a class name, string or column name is escaped in TSV, and -r reads it back" {
	printf 'a,label\n1,"dos\tattack"\n2,"x\\y"\n3,"l\nf"\n4,"c\rr"\n5,normal\n' | feat -f csv > "$tmp/e.rec"
	run -0 ncat "$tmp/e.rec"
	[ "$output" = "$(printf 'record\ta\tlabel\tclass\n1\t1\t1\tdos\\tattack\n2\t2\t1\tx\\\\y\n3\t3\t1\tl\\nf\n4\t4\t1\tc\\rr\n5\t5\t0\tnormal')" ]
	# every line has the header's 4 fields
	[ "$(ncat "$tmp/e.rec" | awk -F'\t' 'NF != 4' | wc -l)" = 0 ]
	ncat --types "$tmp/e.rec" | ncat -r | cmp - "$tmp/e.rec"
	ncat --csv --types "$tmp/e.rec" | ncat --csv -r | cmp - "$tmp/e.rec"
	# strings and column names too
	printf 'f:str,"x\ty",class\n"a\\b\tc",1,"p\nq"\n' | ncat --csv -r > "$tmp/s.rec"
	run -0 ncat --types "$tmp/s.rec"
	[ "$output" = "$(printf 'f:str\tx\\ty\tclass\na\\\\b\\tc\t1\tp\\nq')" ]
	ncat --types "$tmp/s.rec" | ncat -r | cmp - "$tmp/s.rec"
	# and the header's class and string tables
	printf '#class\tp\\nq\n#string\ta\\\\b\\tc\nf:str\tx\tclass\na\\\\b\\tc\t1\tp\\nq\n' > "$tmp/h.tsv"
	ncat -r "$tmp/h.tsv" > "$tmp/h.rec"
	ncat --types "$tmp/h.rec" | cmp - "$tmp/h.tsv"
	run -0 ncat -i "$tmp/h.rec"
	[[ "$output" == *$'classes\t1\n0\tp\\nq\nstrings\t1'* ]]
	# a backslash that starts no escape is an error naming the line
	printf 'x\tclass\n1\tC:\\data\n' > "$tmp/b.tsv"
	run -1 --separate-stderr ncat -r -o "$tmp/b.rec" "$tmp/b.tsv"
	[ "$stderr" = "nids-cat: $tmp/b.tsv:2: field 2: '\\d' is not an escape (TSV has \\t, \\n, \\r and \\\\ for a backslash)" ]
	[ ! -e "$tmp/b.rec" ]
}

@test "nids-cat: a quote, or a space or tab at either end, of a name goes in quotes (TSV and CSV), and -r reads it back" {
	printf 'a,label\n1,"a""b"\n2," lead"\n3,"trail "\n4,"\tedge"\n5,plain\n' | feat -f csv > "$tmp/q.rec"
	run -0 ncat -c class "$tmp/q.rec"
	[ "$output" = "$(printf 'class\n"a""b"\n" lead"\n"trail "\n"\\tedge"\nplain')" ]
	run -0 ncat --csv -c class "$tmp/q.rec"
	[ "$output" = "$(printf 'class\n"a""b"\n" lead"\n"trail "\n"\tedge"\nplain')" ]
	ncat --types "$tmp/q.rec" | ncat -r | cmp - "$tmp/q.rec"
	ncat --csv --types "$tmp/q.rec" | ncat --csv -r | cmp - "$tmp/q.rec"
}

@test "nids-cat: corrupt stream (one flipped bit) is an error" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	size=$(stat -c %s "$tmp/a.rec")
	off=$((size - 40))
	printf "$(printf '\\%03o' $(( $(od -An -tu1 -j $off -N1 "$tmp/a.rec") ^ 4 )))" |
		dd of="$tmp/a.rec" bs=1 seek=$off conv=notrunc 2>/dev/null
	run "$NIDS_BIN/nids-cat" "$tmp/a.rec"
	[ "$status" -eq 1 ]
	[[ "$output" == *"checksum mismatch"* ]]
}

@test "nids-cat: CSV given where a stream is due gets a hint" {
	printf '0,tcp,http,SF\n' > "$tmp/x.csv"
	run "$NIDS_BIN/nids-cat" "$tmp/x.csv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"x.csv: not a nids stream (bad magic); is this CSV? try nids-featurize or nids-cat -r"* ]]
}

@test "nids-cat: binary garbage is an error" {
	head -c 4096 /dev/urandom > "$tmp/g.bin"
	run "$NIDS_BIN/nids-cat" "$tmp/g.bin"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a nids stream"* ]]
	run "$NIDS_BIN/nids-cat" -r "$tmp/g.bin"
	[ "$status" -eq 1 ]
}

@test "nids-cat: empty input is an error both ways" {
	run "$NIDS_BIN/nids-cat" < /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"empty input"* ]]
	run "$NIDS_BIN/nids-cat" -r < /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"empty input"* ]]
}

@test "nids-cat -r: wrong field count and non-numbers name file:line" {
	printf 'a\tb\n1\t2\n3\n' > "$tmp/w.tsv"
	run "$NIDS_BIN/nids-cat" -r -o "$tmp/w.rec" "$tmp/w.tsv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"w.tsv:3: 1 fields, the header has 2"* ]]
	[ ! -e "$tmp/w.rec" ]
	printf 'a\tb\n1\t2\n\n3\tzz\n' > "$tmp/n.tsv"
	run "$NIDS_BIN/nids-cat" -r -o "$tmp/n.rec" "$tmp/n.tsv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"n.tsv:4: field 2 (b): 'zz' is not a number"* ]]
}

@test "nids-cat -r: duplicate column names are an error" {
	printf 'a\ta\n1\t2\n' > "$tmp/d.tsv"
	run "$NIDS_BIN/nids-cat" -r "$tmp/d.tsv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"d.tsv:1: header:"*"duplicate"* ]]
}

@test "nids-cat: writing to /dev/full fails with exit 1" {
	tsv | "$NIDS_BIN/nids-cat" -r > "$tmp/a.rec"
	run sh -c "'$NIDS_BIN/nids-cat' '$tmp/a.rec' > /dev/full"
	[ "$status" -eq 1 ]
	[[ "$output" == *"No space left on device"* || "$output" == *"write error"* ]]
	run sh -c "tsv() { cat '$tmp/a.rec'; }; '$NIDS_BIN/nids-cat' '$tmp/a.rec' | '$NIDS_BIN/nids-cat' -r > /dev/full"
	[ "$status" -eq 1 ]
}

@test "nids-cat -r: refuses to write binary to a terminal" {
	command -v script >/dev/null || skip "script(1) not installed"
	printf 'x\n1\n' > "$tmp/x.tsv"
	run script -qec "'$NIDS_BIN/nids-cat' -r '$tmp/x.tsv'" /dev/null
	[[ "$output" == *"refusing to write binary to a terminal; pipe into nids-cat"* ]]
}

@test "nids-cat: bad usage exits 2 with the synopsis" {
	run "$NIDS_BIN/nids-cat" --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: nids-cat"* ]]
	run "$NIDS_BIN/nids-cat" -n
	[ "$status" -eq 2 ]
	run "$NIDS_BIN/nids-cat" -n -3 x
	[ "$status" -eq 2 ]
	run "$NIDS_BIN/nids-cat" -r -c a
	[ "$status" -eq 2 ]
}

@test "nids-cat: -o onto a FIFO writes through it and leaves it a FIFO" {
	mkfifo "$tmp/fifo"
	cat "$tmp/fifo" > "$tmp/got" &
	printf 'x\n1\n' | "$NIDS_BIN/nids-cat" -r -o "$tmp/fifo"
	wait
	[ -p "$tmp/fifo" ]
	[ "$("$NIDS_BIN/nids-cat" -H "$tmp/got")" = "1" ]
}

@test "nids-cat --types: header records as #record lines; the featurized stream comes back byte for byte and concatenates with the original" {
	feat -q -f nslkdd "$fixtures/feat/nslkdd_20.txt" > "$tmp/a.rec"
	run -0 --separate-stderr "$NIDS_BIN/nids-cat" --types -n 0 "$tmp/a.rec"
	# "format=nslkdd" in hexadecimal, then the header line
	[ "${lines[0]}" = "$(printf '#record\tnids.featurize\t666f726d61743d6e736c6b6464')" ]
	[[ "${lines[1]}" == "$(printf 'record:u64\tduration\t')"* ]]
	[ "${#lines[@]}" -eq 2 ]
	"$NIDS_BIN/nids-cat" --types "$tmp/a.rec" | "$NIDS_BIN/nids-cat" -r > "$tmp/b.rec"
	cmp "$tmp/a.rec" "$tmp/b.rec"
	"$NIDS_BIN/nids-cat" --types --csv "$tmp/a.rec" | "$NIDS_BIN/nids-cat" -r --csv | cmp - "$tmp/a.rec"
	run -0 --separate-stderr sh -c "'$NIDS_BIN/nids-cat' --types --csv -n 0 '$tmp/a.rec' | head -1"
	[ "$output" = "#record,nids.featurize,666f726d61743d6e736c6b6464" ]
	# the header records agree, so the two concatenate
	cat "$tmp/a.rec" "$tmp/b.rec" | "$NIDS_BIN/nids-fit" -q -t kmeans --k 2 > "$tmp/m.bin"
	# without --types, with -H and with --json: no such lines
	run -1 sh -c "'$NIDS_BIN/nids-cat' '$tmp/a.rec' | grep -c '^#'"
	[ "$output" = 0 ]
	run -1 sh -c "'$NIDS_BIN/nids-cat' --types -H '$tmp/a.rec' | grep -c '^#'"
	[ "$output" = 0 ]
	run -1 sh -c "'$NIDS_BIN/nids-cat' --json '$tmp/a.rec' | grep -vc '^{'"
	[ "$output" = 0 ]
}

@test "nids-cat --types: a normalized stream (binary quantile tables, a class table in the header) comes back byte for byte" {
	feat -q -f nslkdd "$fixtures/feat/nslkdd_20.txt" > "$tmp/a.rec"
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/p.bin" -t quantile "$tmp/a.rec" > "$tmp/n.rec"
	"$NIDS_BIN/nids-cat" --types "$tmp/n.rec" > "$tmp/n.tsv"
	"$NIDS_BIN/nids-cat" -r "$tmp/n.tsv" | cmp - "$tmp/n.rec"
	"$NIDS_BIN/nids-cat" --types --csv "$tmp/n.rec" | "$NIDS_BIN/nids-cat" -r --csv | cmp - "$tmp/n.rec"
	# the class table first, in id order
	run -0 sh -c "grep '^#class' '$tmp/n.tsv' | cut -f2 | tr '\n' ' '"
	[ "$output" = "neptune normal saint mscan guess_passwd " ]
	# the 26600-byte record spans 13 lines of at most 4096 digits, and reads back joined
	run -0 sh -c "grep -c '^#record	nids.normalize	' '$tmp/n.tsv'"
	[ "$output" = 13 ]
	[ "$(awk -F'\t' '$2 == "nids.normalize" { n += length($3) } END { print n }' "$tmp/n.tsv")" = 53200 ]
	[ "$(awk -F'\t' '$2 == "nids.normalize" && length($3) > 4096' "$tmp/n.tsv" | wc -l)" = 0 ]
	# a detector trained on it scores the text's stream as the original
	"$NIDS_BIN/nids-fit" -q -t kmeans --k 2 -o "$tmp/km.bin" "$tmp/n.rec"
	"$NIDS_BIN/nids-cat" -r "$tmp/n.tsv" | "$NIDS_BIN/nids-score" -m "$tmp/km.bin" |
		cmp - <("$NIDS_BIN/nids-score" -m "$tmp/km.bin" "$tmp/n.rec")
}

@test "nids-cat --types: strings and addresses in the header come back byte for byte" {
	typed | "$NIDS_BIN/nids-cat" -r | "$NIDS_BIN/nids-normalize" -q --fit "$tmp/p.bin" > "$tmp/s.rec"
	run -0 --separate-stderr "$NIDS_BIN/nids-cat" --types -n 1 "$tmp/s.rec"
	[ "${lines[0]}" = "$(printf '#string\ta.csv')" ]
	[ "${lines[1]}" = "$(printf '#string\tb.csv')" ]
	[[ "${lines[2]}" == "$(printf '#record\tnids.normalize\t00894e49444e0d0a1a')"* ]]
	[ "${lines[3]}" = "$(printf 'time:timestamp\tsrc_addr:addr\tsport:port\tproto:proto\trecord:u64\tfile:str\tx\tlabel')" ]
	[ "${lines[4]}" = "$(printf '2016-07-27T13:43:21Z\t42.219.153.7\t53\t17\t1\ta.csv\t0\t0')" ]
	"$NIDS_BIN/nids-cat" --types "$tmp/s.rec" | "$NIDS_BIN/nids-cat" -r | cmp - "$tmp/s.rec"
	"$NIDS_BIN/nids-cat" --types --csv "$tmp/s.rec" | "$NIDS_BIN/nids-cat" -r --csv | cmp - "$tmp/s.rec"
}

@test "nids-cat --types: a column named #record or #class keeps its name through -r" {
	printf '#record:feature\t#class:feature\tlabel\n1\t2\t0\n' > "$tmp/h.tsv"
	"$NIDS_BIN/nids-cat" -r "$tmp/h.tsv" > "$tmp/h.rec"
	run -0 "$NIDS_BIN/nids-cat" -n 0 "$tmp/h.rec"
	[ "$output" = "$(printf '#record\t#class\tlabel')" ]
	"$NIDS_BIN/nids-cat" --types "$tmp/h.rec" | cmp - "$tmp/h.tsv"
	"$NIDS_BIN/nids-cat" --types "$tmp/h.rec" | "$NIDS_BIN/nids-cat" -r | cmp - "$tmp/h.rec"
}

@test "nids-cat -r: a malformed #record, #class or #string line names its line, exit 1, no output file" {
	bad() { # $1: the text; $2: the message expected after "nids-cat: $tmp/b.tsv:"
		printf "$1" > "$tmp/b.tsv"
		run -1 --separate-stderr "$NIDS_BIN/nids-cat" -r -o "$tmp/b.rec" "$tmp/b.tsv"
		[ "$stderr" = "nids-cat: $tmp/b.tsv:$2" ]
		[ ! -e "$tmp/b.rec" ]
	}
	bad '#record\tk\t0a\nx\n1\n#record\tk2\t0b\n' "4: #record line after the header line (such lines come first)"
	bad '#class\tnormal\nx\n#class\tdos\n' "3: #class line after the header line (such lines come first)"
	bad '#record\tk\t0a1\nx\n1\n' "1: header record 'k': odd number of hexadecimal digits"
	bad '#record\tk\t0a\n#record\tk\t0g\nx\n1\n' "2: header record 'k': '0g' at digit 1 is not hexadecimal"
	bad '#record\tk\nx\n1\n' "1: #record line: 2 fields, expected 3 (#record, key, hexadecimal data)"
	bad '#record\t\t00\nx\n1\n' "1: #record line: empty or too long key"
	bad '#record\tk\t00\n#record\tj\t00\n#record\tk\t01\nx\n1\n' "3: header record 'k' given twice (the lines of a record are consecutive)"
	bad '#class\tnormal\n#class\tnormal\nx\n1\n' "2: #class 'normal': given twice"
	bad '#string\ta\tb\nx\n1\n' "1: #string line: expected one non-empty string"
	# upper-case digits and an empty record read back
	printf '#record\tk\t0A\n#record\tk\tFf\n#record\te\t\nx\n1\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/ok.rec"
	run -0 "$NIDS_BIN/nids-cat" --types "$tmp/ok.rec"
	[ "${lines[0]}" = "$(printf '#record\tk\t0aff')" ]
	[ "${lines[1]}" = "$(printf '#record\te\t')" ]
	[ "${lines[2]}" = "x" ]
}

@test "nids-cat -r: a #class name over 1024 bytes or a #string over 65535 is refused naming its line, no output file" {
	long=$(head -c 1025 /dev/zero | tr '\0' a)
	printf '#class\tok\n#class\t%s\nx\tclass\n1\tok\n' "$long" > "$tmp/c.tsv"
	run -1 --separate-stderr ncat -r -o "$tmp/c.rec" "$tmp/c.tsv"
	[ "$stderr" = "nids-cat: $tmp/c.tsv:2: #class '${long:0:40}...': 1025 bytes, at most 1024" ]
	[ ! -e "$tmp/c.rec" ]
	long=$(head -c 65536 /dev/zero | tr '\0' s)
	printf '#string\t%s\nx\tf:str\n1\t\n' "$long" > "$tmp/s.tsv"
	run -1 --separate-stderr ncat -r -o "$tmp/s.rec" "$tmp/s.tsv"
	[ "$stderr" = "nids-cat: $tmp/s.tsv:1: #string '${long:0:40}...': 65536 bytes, at most 65535" ]
	[ ! -e "$tmp/s.rec" ]
	# the longest allowed read back
	printf '#class\t%s\n#string\t%s\nf:str\tx\tclass\n%s\t1\t%s\n' "${long:0:1024}" "${long:0:65535}" \
		"${long:0:65535}" "${long:0:1024}" > "$tmp/ok.tsv"
	ncat -r "$tmp/ok.tsv" > "$tmp/ok.rec"
	ncat --types "$tmp/ok.rec" | cmp - "$tmp/ok.tsv"
}

@test "nids-cat -r: a row's class name over 1024 bytes, string over 65535 or 65537th class is bad input at its line (exit 1, no output file)" {
	long=$(head -c 65536 /dev/zero | tr '\0' x)
	printf 'a\tclass\n1\tok\n2\t%s\n' "${long:0:1025}" > "$tmp/c.tsv"
	run -1 --separate-stderr ncat -r -o "$tmp/c.rec" "$tmp/c.tsv"
	[ "$stderr" = "nids-cat: $tmp/c.tsv:3: field 2 (class): class name '${long:0:40}...' is 1025 bytes, at most 1024" ]
	[ ! -e "$tmp/c.rec" ]
	printf 'f:str\tx\na\t1\n%s\t2\n' "$long" > "$tmp/s.tsv"
	run -1 --separate-stderr ncat -r -o "$tmp/s.rec" "$tmp/s.tsv"
	[ "$stderr" = "nids-cat: $tmp/s.tsv:3: field 1 (f): string '${long:0:40}...' is 65536 bytes, at most 65535" ]
	[ ! -e "$tmp/s.rec" ]
	{ printf 'x\tclass\n'; seq 0 65536 | awk '{ print 1 "\tc" $1 }'; } > "$tmp/n.tsv"
	run -1 --separate-stderr ncat -r -o "$tmp/n.rec" "$tmp/n.tsv"
	[ "$stderr" = "nids-cat: $tmp/n.tsv:65538: field 2 (class): more than 65536 class names" ]
	[ ! -e "$tmp/n.rec" ]
}
