#!/usr/bin/env bats
# nids-featurize -f ugr16: raw UGR'16 rows and the header-ed sample.
load helpers
# the counts these tests check go to stderr with -v (it is not a terminal here); a
# later -q still silences them
feat() { "$NIDS_BIN/nids-featurize" -v "$@"; }
bats_require_minimum_version 1.5.0

setup() { setup_tmp; }
teardown() { teardown_tmp; }

fx="$NIDS_TOP/tests/fixtures/feat"

@test "ugr16: the header-ed sample: 1,078 rows, 1,069 background, detected" {
	need_shared ugr_sample_1k.csv.zst
	run --separate-stderr feat -o "$tmp/u.rec" "$shared_data/ugr_sample_1k.csv.zst"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $shared_data/ugr_sample_1k.csv.zst: 1078 rows (1069 benign, 9 attack)" ]
	run sh -c "'$NIDS_BIN/nids-cat' -c class -H '$tmp/u.rec' | sort | uniq -c | awk '{\$1=\$1; print}'"
	[ "$output" = "$(printf '1069 background\n2 blacklist\n5 dos\n1 nerisbotnet\n1 scan11')" ]
}

@test "ugr16: --benign blacklist counts blacklisted flows as benign" {
	need_shared ugr_sample_1k.csv.zst
	run --separate-stderr feat --benign blacklist -o "$tmp/u.rec" "$shared_data/ugr_sample_1k.csv.zst"
	[ "$stderr" = "nids-featurize: $shared_data/ugr_sample_1k.csv.zst: 1078 rows (1071 benign, 7 attack)" ]
}

@test "ugr16: a --benign item matches a whole label, never a prefix of one or the other way" {
	run --separate-stderr feat --benign scan44x,blacklist -o "$tmp/r.rec" "$fx/ugr_raw.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $fx/ugr_raw.csv: 4 rows (2 benign, 2 attack)" ]
	run ncat -c label,class -H "$tmp/r.rec"
	[ "$output" = "$(printf '0\tbackground\n1\tdos\n1\tscan44\n0\tblacklist')" ]
	run --separate-stderr feat --benign scan,do,blacklist -o "$tmp/r.rec" "$fx/ugr_raw.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $fx/ugr_raw.csv: 4 rows (2 benign, 2 attack)" ]
	run --separate-stderr feat --benign scan44,dos -o "$tmp/r.rec" "$fx/ugr_raw.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $fx/ugr_raw.csv: 4 rows (3 benign, 1 attack)" ]
}

@test "ugr16: the sample without its header and Index column gives the same features" {
	need_shared ugr_sample_1k.csv.zst
	zstd -dcq --long=31 "$shared_data/ugr_sample_1k.csv.zst" | tail -n +2 | cut -d, -f2- > "$tmp/raw.csv"
	# the sample's Index is kept as metadata (column 7); the rest is the same
	feat -q "$shared_data/ugr_sample_1k.csv.zst" | ncat | cut -f1-6,8- > "$tmp/a.tsv"
	feat -q "$tmp/raw.csv" | ncat > "$tmp/b.tsv"
	cmp "$tmp/a.tsv" "$tmp/b.tsv"
	[ "$(wc -l < "$tmp/b.tsv")" -eq 1079 ]
}

@test "ugr16: exact features: rates (duration 0 counts as 1 ms), protocol, flag bits, tos" {
	run --separate-stderr feat -o "$tmp/r.rec" "$fx/ugr_raw.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $fx/ugr_raw.csv: 4 rows (1 benign, 3 attack)" ]
	run ncat -c duration,packets,bytes,bytes_per_packet,packets_per_s,bytes_per_s,src_port,dst_port -H "$tmp/r.rec"
	[ "${lines[0]}" = "$(printf '0\t1\t100\t100\t1000\t100000\t53\t51080')" ]
	[ "${lines[1]}" = "$(printf '2\t10\t4000\t400\t5\t2000\t51000\t80')" ]
	[ "${lines[2]}" = "$(printf '0.5\t4\t400\t100\t8\t800\t0\t0')" ]
	run ncat -c protocol=TCP,protocol=UDP,protocol=ICMP,protocol=IPv6,protocol=_other,flag_urg,flag_ack,flag_psh,flag_rst,flag_syn,flag_fin,forwarding_status,tos,label,class -H "$tmp/r.rec"
	[ "${lines[0]}" = "$(printf '0\t1\t0\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\tbackground')" ]
	[ "${lines[1]}" = "$(printf '1\t0\t0\t0\t0\t0\t1\t1\t0\t1\t1\t0\t0\t1\tdos')" ]
	[ "${lines[2]}" = "$(printf '0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t72\t1\tscan44')" ]
	[ "${lines[3]}" = "$(printf '0\t0\t0\t1\t0\t1\t1\t1\t1\t1\t1\t1\t0\t1\tblacklist')" ]
}

@test "ugr16: identifiers: end time, addresses, ports and protocol as exact metadata" {
	feat -q "$fx/ugr_raw.csv" > "$tmp/r.rec"
	# (past the lines that carry the header's tables and records)
	run sh -c "'$NIDS_BIN/nids-cat' --types -c time,src_addr,sport,dst_addr,dport,proto,record -n 2 '$tmp/r.rec' | grep -v '^#'"
	[ "${lines[0]}" = "$(printf 'time:timestamp\tsrc_addr:addr\tsport:port\tdst_addr:addr\tdport:port\tproto:proto\trecord:u64')" ]
	[ "${lines[1]}" = "$(printf '2016-03-18T00:00:00Z\t42.219.153.7\t53\t143.72.8.137\t51080\t17\t1')" ]
	run ncat --epoch -c time -n 1 -H "$tmp/r.rec"
	[ "$output" = 1458259200 ]
}

@test "ugr16: a day its month lacks is not a time; leap days of leap years are" {
	h='Date time,Duration,Source IP,Destination IP,Source Port,Destination Port,Protocol,Flag,Forwarding status,ToS,Packets,Bytes,Label'
	r='%s 00:00:00,1.0,1.2.3.4,5.6.7.8,1,53,UDP,.A....,0,0,2,167,background\n'
	for d in 2016-02-30 2016-04-31 2015-02-29 1900-02-29 2016-06-31 2016-11-31; do
		{ echo "$h"; printf "$r" 2016-02-28 "$d"; } >"$tmp/d.csv"
		run --separate-stderr feat -f ugr16 -o "$tmp/out.rec" "$tmp/d.csv"
		[ "$status" -eq 1 ]
		[ "$stderr" = "nids-featurize: $tmp/d.csv:3: field 1: '$d 00:00:00' is not a time" ]
		[ ! -e "$tmp/out.rec" ]
		# raw rows too
		printf "$r" 2016-02-28 "$d" >"$tmp/raw.csv"
		run --separate-stderr feat -f ugr16 -o "$tmp/out.rec" "$tmp/raw.csv"
		[ "$stderr" = "nids-featurize: $tmp/raw.csv:2: field 1: '$d 00:00:00' is not a time" ]
	done
	{ echo "$h"; printf "$r" 2016-02-29 2000-02-29 2016-04-30 2016-12-31 2017-02-28; } >"$tmp/ok.csv"
	feat -q -f ugr16 -o "$tmp/ok.rec" "$tmp/ok.csv"
	run ncat -H -c time "$tmp/ok.rec"
	[ "$output" = "$(printf '2016-02-29T00:00:00Z\n2000-02-29T00:00:00Z\n2016-04-30T00:00:00Z\n2016-12-31T00:00:00Z\n2017-02-28T00:00:00Z')" ]
}

@test "ugr16: bad TCP flags: file:line, exit 1, no output file" {
	{ cat "$fx/ugr_raw.csv"; echo '2016-03-18 00:00:04,0.000,1.2.3.4,5.6.7.8,1,2,TCP,.AX...,0,0,1,40,background'; } > "$tmp/b.csv"
	run --separate-stderr feat -o "$tmp/out.rec" "$tmp/b.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/b.csv:5: field 8 '.AX...': bad TCP flags (want 6 characters of UAPRSF or '.')" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "ugr16: unknown protocol: _other and counted, an error with --strict" {
	{ cat "$fx/ugr_raw.csv"; echo '2016-03-18 00:00:04,0.000,1.2.3.4,5.6.7.8,1,2,SCTP,......,0,0,1,40,background'; } > "$tmp/p.csv"
	run --separate-stderr feat -o "$tmp/out.rec" "$tmp/p.csv"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"5 rows (2 benign, 3 attack), 1 values outside the vocabulary (in _other)" ]]
	[ "$(ncat -c protocol=_other -H "$tmp/out.rec" | tail -1)" = 1 ]
	run --separate-stderr feat --strict -o "$tmp/out2.rec" "$tmp/p.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/p.csv:5: field 7 'SCTP': unknown protocol" ]
	[ ! -e "$tmp/out2.rec" ]
}

@test "ugr16: wrong field count and a non-number" {
	{ cat "$fx/ugr_raw.csv"; echo '2016-03-18 00:00:04,0.000,1.2.3.4,5.6.7.8,1,2,TCP,......,0,0,1,40'; } > "$tmp/s.csv"
	run --separate-stderr feat -f ugr16 -o "$tmp/out.rec" "$tmp/s.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/s.csv:5: 12 fields, expected 13" ]
	{ cat "$fx/ugr_raw.csv"; echo '2016-03-18 00:00:04,0.000,1.2.3.4,5.6.7.8,1,2,TCP,......,0,0,one,40,dos'; } > "$tmp/n.csv"
	run --separate-stderr feat -o "$tmp/out.rec" "$tmp/n.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/n.csv:5: field 11 (packets): 'one' is not a number" ]
	run --separate-stderr feat --skip-bad -o "$tmp/out.rec" "$tmp/n.csv"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "nids-featurize: $tmp/n.csv: 4 rows (1 benign, 3 attack), 1 bad records skipped" ]
}

@test "ugr16: a header that is not UGR'16 is refused with -f ugr16" {
	printf 'a,b,c\n1,2,3\n' > "$tmp/x.csv"
	run --separate-stderr feat -f ugr16 -o "$tmp/out.rec" "$tmp/x.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/x.csv:1: no 'Date time' column: not a UGR'16 header line (raw rows have 13 fields)" ]
}

@test "ugr16: CRLF line ends are accepted" {
	feat -q "$fx/ugr_raw.csv" > "$tmp/lf.rec"
	sed 's/$/\r/' "$fx/ugr_raw.csv" | feat -q > "$tmp/crlf.rec"
	cmp "$tmp/lf.rec" "$tmp/crlf.rec"
}

@test "ugr16: the csv options are refused (exit 2)" {
	run --separate-stderr feat --onehot Protocol -o "$tmp/out.rec" "$fx/ugr_raw.csv"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-featurize: --onehot is for the csv format, not ugr16" ]
	run --separate-stderr feat -f netflow --drop Bytes -o "$tmp/out.rec" "$fx/ugr_raw.csv"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-featurize: --drop is for the csv and cic formats, not netflow" ]
	run --separate-stderr feat --vocab "$tmp/v" -o "$tmp/out.rec" "$fx/cic2018.csv"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-featurize: --vocab is for the csv format, not cic" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "ugr16: addresses and ports as inet_pton and the number parser take them" {
	r='2016-03-18 00:00:04,0.000,%s,5.6.7.8,%s,2,TCP,......,0,0,1,40,background\n'
	{ printf "$r" 1.2.3.4 0080; printf "$r" ::ffff:1.2.3.4 65535; printf "$r" 2001:db8::1 0
	  printf "$r" 0.0.0.0 8e1; } > "$tmp/a.csv"
	feat -q "$tmp/a.csv" > "$tmp/a.rec"
	run ncat -c src_addr,sport -H "$tmp/a.rec"
	[ "$output" = "$(printf '1.2.3.4\t80\n1.2.3.4\t65535\n2001:db8::1\t0\n0.0.0.0\t80')" ]
	for a in 010.1.2.3 1.2.3.256 1.2.3 1.2.3.4. 1..2.3 1.2.3.4x 1234.1.2.3; do
		printf "$r" "$a" 1 > "$tmp/b.csv"
		run --separate-stderr feat -f ugr16 -o "$tmp/out.rec" "$tmp/b.csv"
		[ "$status" -eq 1 ]
		[ "$stderr" = "nids-featurize: $tmp/b.csv:1: field 3: '$a' is not an IP address" ]
	done
}

@test "ugr16: type.code only in an ICMP or ICMPv6 flow's destination port; other dotted ports are refused" {
	r='2016-03-18 00:00:04,0.000,1.2.3.4,5.6.7.8,%s,%s,%s,......,0,0,1,40,background\n'
	# accepted: type.code (each up to 255) where nfdump writes it, whole numbers anywhere
	{ printf "$r" 0 8.0 ICMP; printf "$r" 0 3.13 icmp; printf "$r" 0 255.255 1; printf "$r" 0 128.0 ICMP6
	  printf "$r" 0 1.0 58; printf "$r" 0 2048 ICMP; printf "$r" 1234 53 UDP; printf "$r" '' 443 TCP; } >"$tmp/ok.csv"
	want=$(printf '0\t2048\n0\t781\n0\t65535\n0\t32768\n0\t256\n0\t2048\n1234\t53\n0\t443')
	feat -q -f ugr16 -o "$tmp/ok.rec" "$tmp/ok.csv"
	[ "$(ncat -H -c sport,dport "$tmp/ok.rec")" = "$want" ]
	[ "$(ncat -H -c src_port,dst_port "$tmp/ok.rec")" = "$want" ]
	# the features read the ports alike when the identifiers are left out
	feat -q -f ugr16 --no-ids -o "$tmp/noids.rec" "$tmp/ok.csv"
	[ "$(ncat -H -c src_port,dst_port "$tmp/noids.rec")" = "$want" ]
	# refused: type.code in a source port or another protocol's port, malformed type.code
	for bad in '1.5 53 UDP 5' '1.5 53 TCP 5' '8.0 0 ICMP 5' '1 8.0 UDP 6' '1 80.0 TCP 6' '1 0.0.0 ICMP 6' \
	           '1 1.2.0 ICMP 6' '1 256.0 ICMP 6' '1 1.256 ICMP 6' '1 8. ICMP 6' '1 .8 ICMP 6' \
	           '1 1.2 GRE 6' '1 -1.2 ICMP 6' '1 1.2x ICMP 6' '65536 1 UDP 5' '1.5e0 1 UDP 5'; do
		set -- $bad
		printf "$r" "$1" "$2" "$3" >"$tmp/b.csv"
		if [ "$4" = 5 ]; then v=$1; else v=$2; fi
		for ids in "" --no-ids; do
			run --separate-stderr feat -f ugr16 $ids -o "$tmp/out.rec" "$tmp/b.csv"
			[ "$status" -eq 1 ]
			[ "$stderr" = "nids-featurize: $tmp/b.csv:1: field $4: '$v' is not a port" ]
			[ ! -e "$tmp/out.rec" ]
		done
	done
}
