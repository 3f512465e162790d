#!/usr/bin/env bats
# nids-window: GEE's per-source window features, exact values, window boundaries,
# lateness, labels, bad input, and the pandas reference on the UGR'16 excerpt.
bats_require_minimum_version 1.5.0
load helpers

HDR=$'time:timestamp\tsrc_addr:addr\tsport:port\tdst_addr:addr\tdport:port\tproto:proto\tduration\tpackets\tbytes\tflag_syn\tlabel\tclass'

# flows TSV-ROWS... : a flow stream on stdout from rows after the header
flows() {
	{ echo "$HDR"; printf '%s\n' "$@"; } | "$NIDS_BIN/nids-cat" -r
}
# t SECONDS: the time field
t() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

setup() {
	W="$NIDS_BIN/nids-window"
	CAT="$NIDS_BIN/nids-cat"
	D="$BATS_TEST_TMPDIR"
}

@test "--help's first line is the man page's SYNOPSIS" {
	check_help_matches_man nids-window
}

@test "--version and bad usage" {
	run -0 "$W" --version
	[[ "$output" == "nids-window 0.2.0 (stream 3, model 2)" ]]
	run -2 --separate-stderr "$W" --bogus
	[[ "${stderr_lines[0]}" == "nids-window: unknown option '--bogus'" ]]
	[[ "${stderr_lines[1]}" == usage:* ]]
	run -2 --separate-stderr "$W" --by peer
	[[ "${stderr_lines[0]}" == "nids-window: option '--by': 'peer' is not src or dst" ]]
	run -2 --separate-stderr "$W" --min-flows 0
	[[ "${stderr_lines[0]}" == "nids-window: option '--min-flows': '0' is not a whole number from 1 to 1099511627776" ]]
	run -2 --separate-stderr "$W" --window 0
	[[ "${stderr_lines[0]}" == "nids-window: option '--window': '0' is not a number from 1e-06 to 1e+09" ]]
}

@test "the 69 features of a hand-computed group" {
	flows "$(t 100)	10.0.0.1	1000	10.0.0.2	80	6	2	4	400	1	0	normal" \
		"$(t 110)	10.0.0.1	1001	10.0.0.3	80	6	0	1	60	1	1	scan" \
		"$(t 120)	10.0.0.1	53	10.0.0.2	53	17	4	2	200	0	0	normal" >"$D/f.rec"
	run -0 --separate-stderr bash -c "'$W' -v --min-flows 1 '$D/f.rec' | '$CAT'"
	[ "${#lines[@]}" -eq 2 ]
	IFS=$'\t' read -r -a h <<<"${lines[0]}"
	IFS=$'\t' read -r -a v <<<"${lines[1]}"
	[ "${#h[@]}" -eq 74 ]
	declare -A got
	for i in "${!h[@]}"; do got[${h[$i]}]=${v[$i]}; done
	[[ "${got[time]}" == 1970-01-01T00:00:00Z && "${got[src_addr]}" == 10.0.0.1 ]]
	[[ "${got[flows]}" == 3 && "${got[label]}" == 0 && "${got[class]}" == normal ]]
	# duration 2, 0, 4; rates only where the duration is not 0: 4/2 and 2/4, 400/2 and 200/4
	[[ "${got[mean_duration]}" == 2 && "${got[sd_duration]}" == 2 ]]
	[[ "${got[mean_packets]}" == 2.3333333 && "${got[mean_bytes]}" == 220 ]]
	[[ "${got[mean_packet_rate]}" == 1.25 && "${got[sd_packet_rate]}" == 1.0606601 ]]
	[[ "${got[mean_byte_rate]}" == 125 && "${got[sd_byte_rate]}" == 106.06602 ]]
	# two values in proportions 2:1 have entropy 0.918296 bits; three distinct, log2 3
	[[ "${got[entropy_proto]}" == 0.91829586 && "${got[entropy_dst_addr]}" == 0.91829586 ]]
	[[ "${got[entropy_sport]}" == 1.5849625 && "${got[entropy_dport]}" == 0.91829586 ]]
	[[ "${got[entropy_flags]}" == 0.91829586 ]]
	[[ "${got[sport_53]}" == 0.33333334 && "${got[sport_other]}" == 0.6666667 ]]
	[[ "${got[dport_53]}" == 0.33333334 && "${got[dport_80]}" == 0.6666667 ]]
	[[ "${got[dport_other]}" == 0 && "${got[sport_80]}" == 0 ]]
	[[ "$stderr" == "nids-window: $D/f.rec: 3 flows, 1 rows from 1 window; 0 groups under 1 flows dropped, 0 without a majority class dropped" ]]
}

@test "a single flow: entropies 0, deviations 0; a zero duration leaves the rates at 0" {
	flows "$(t 5)	10.0.0.9	1	10.0.0.2	2	6	0	3	90	0	0	normal" >"$D/f.rec"
	run -0 bash -c "'$W' -q --min-flows 1 '$D/f.rec' | '$CAT' -H -c mean_packets,mean_packet_rate,sd_packets,entropy_sport,sport_other"
	[[ "$output" == $'3\t0\t0\t0\t1' ]]
}

@test "a NaN measure is not present: means and deviations over the rest, as pandas skips NaN" {
	# durations 2, nan, 4, 0; packets 4, 1, nan, 3; bytes 400, 60, 200, nan: a packet rate
	# in flow 1 alone (4 / 2), byte rates in flows 1 and 3 (200 and 50)
	flows "$(t 1)	10.0.0.1	1	10.0.0.9	2	6	2	4	400	0	0	normal" \
		"$(t 2)	10.0.0.1	1	10.0.0.9	2	6	nan	1	60	0	0	normal" \
		"$(t 3)	10.0.0.1	1	10.0.0.9	2	6	4	nan	200	0	0	normal" \
		"$(t 4)	10.0.0.1	1	10.0.0.9	2	6	0	3	nan	0	0	normal" \
		"$(t 5)	10.0.0.2	1	10.0.0.9	2	6	inf	2	10	0	0	normal" \
		"$(t 6)	10.0.0.2	1	10.0.0.9	2	6	1	2	10	0	0	normal" >"$D/f.rec"
	run -0 bash -c "'$W' -q --min-flows 1 '$D/f.rec' | '$CAT' -H -c flows,mean_duration,mean_packets,mean_bytes,mean_packet_rate,mean_byte_rate,sd_duration,sd_packets,sd_bytes,sd_packet_rate,sd_byte_rate"
	[[ "${lines[0]}" == $'4\t2\t2.6666667\t220\t2\t125\t2\t1.5275252\t170.88008\t0\t106.06602' ]]
	# infinities are values: a mean of inf, a rate of 2 / inf = 0, a deviation of inf - inf
	[[ "${lines[1]}" == $'2\tinf\t2\t10\t1\t5\tnan\t0\t0\t1.4142135\t7.071068' ]]
}

@test "a feature beyond float32's range is stored as the largest float32, as featurize stores one" {
	# rates 2 / 1e-40 s and 1000 / 1e-40 s: finite as doubles, past float32's 3.4e38
	flows "$(t 5)	10.0.0.9	1	10.0.0.2	2	6	1e-40	2	1000	0	0	normal" >"$D/f.rec"
	run -0 bash -c "'$W' -q --min-flows 1 '$D/f.rec' | '$CAT' -H -c mean_packet_rate,mean_byte_rate"
	[[ "$output" == $'3.4028235e+38\t3.4028235e+38' ]]
	printf '%s\n' "2016-07-27 13:43:21,1e-40,10.0.0.1,10.0.0.2,53,53,UDP,.A....,0,0,2,1000,background" >"$D/f.csv"
	run -0 bash -c "'$W' -q -f ugr16 --min-flows 1 '$D/f.csv' | '$CAT' -H -c mean_packet_rate,mean_byte_rate"
	[[ "$output" == $'3.4028235e+38\t3.4028235e+38' ]]
}

@test "tumbling windows on t - t mod W, rows by window then address" {
	flows "$(t 179)	10.0.0.2	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 10)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 180)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 400)	::1	1	10.0.0.9	2	6	1	1	1	0	0	normal" >"$D/f.rec"
	run -0 bash -c "'$W' -q --min-flows 1 '$D/f.rec' | '$CAT' -H -c time,src_addr,flows"
	[[ "$output" == $'1970-01-01T00:00:00Z\t10.0.0.1\t1\n1970-01-01T00:00:00Z\t10.0.0.2\t1\n1970-01-01T00:03:00Z\t10.0.0.1\t1\n1970-01-01T00:06:00Z\t::1\t1' ]]
	run -0 bash -c "'$W' -q --min-flows 1 --window 60 --lateness 180 '$D/f.rec' | '$CAT' -H -c time,src_addr"
	[[ "$output" == $'1970-01-01T00:00:00Z\t10.0.0.1\n1970-01-01T00:02:00Z\t10.0.0.2\n1970-01-01T00:03:00Z\t10.0.0.1\n1970-01-01T00:06:00Z\t::1' ]]
}

@test "a window's rows in order of address bytes: IPv4 first, IPv6 by all 16 bytes" {
	flows "$(t 1)	fe80::1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 2)	2001:db8::1:0:0:0	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 3)	10.0.0.2	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 4)	2001:db8::1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 5)	2001:db8:0:1::	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 6)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 7)	::1	1	10.0.0.9	2	6	1	1	1	0	0	normal" >"$D/f.rec"
	run -0 bash -c "'$W' -q --min-flows 1 '$D/f.rec' | '$CAT' -H -c src_addr"
	[[ "$output" == $'::1\n10.0.0.1\n10.0.0.2\n2001:db8::1\n2001:db8:0:0:1::\n2001:db8:0:1::\nfe80::1' ]]
}

@test "flows later than --lateness are counted, reported and dropped" {
	flows "$(t 10)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 200)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 20)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" >"$D/f.rec"
	run -0 --separate-stderr bash -c "'$W' --lateness 0 --min-flows 1 '$D/f.rec' | '$CAT' -H -c time,flows"
	[[ "$output" == $'1970-01-01T00:00:00Z\t1\n1970-01-01T00:03:00Z\t1' ]]
	# the warning comes without -v; only -q silences it; row 2 stepped the time 190 s,
	# past a window and its lateness (180 + 0): it is named
	[[ "${stderr_lines[0]}" == "nids-window: $D/f.rec: 1 late flows dropped (their window had been emitted; raise --lateness)" ]]
	[[ "${stderr_lines[1]}" == "nids-window: $D/f.rec: row 2: its time, 1970-01-01T00:03:20Z, is 190 s past the latest flow before it (1970-01-01T00:00:10Z): a wrong time there makes the flows after it late" ]]
	[ "${#stderr_lines[@]}" -eq 2 ]
	run -0 --separate-stderr bash -c "'$W' -q --lateness 0 --min-flows 1 '$D/f.rec' | '$CAT' -H -c time,flows"
	[[ -z "$stderr" ]]
	run -0 --separate-stderr bash -c "'$W' -v --min-flows 1 '$D/f.rec' | '$CAT' -H -c time,flows"
	[[ "$output" == $'1970-01-01T00:00:00Z\t2\n1970-01-01T00:03:00Z\t1' ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

# ms_flows: 3000 flows, four in each millisecond from three sources, in time order;
# each source's measures are its own constants, so that its means and deviations are
# the same in any arrival order
ms_flows() {
	awk 'BEGIN { for (i = 0; i < 3000; i++) { s = i % 3
		printf "%.4f\t10.0.0.%d\t%d\t10.0.%d.9\t%d\t6\t%d\t%d\t%d\t0\t0\tnormal\n",
			int(i / 4) * 0.001 + (i % 4) * 0.0001, s + 1, 1000 + i % 5, i % 7,
			i % 2 ? 80 : 53, s + 1, 2 * s + 1, 100 * s + 60 } }'
}

@test "a tiny window with a long lateness: the rows of a short lateness, in order or not" {
	ms_flows >"$D/ordered.tsv"
	# out of order: each run of 50 flows reversed, up to 12 ms early, within the lateness
	awk '{ b[NR % 50] = $0 } NR % 50 == 0 { for (j = 0; j < 50; j++) print b[(NR - j) % 50] }' \
		"$D/ordered.tsv" >"$D/shuffled.tsv"
	[ "$(sort "$D/ordered.tsv" | cksum)" = "$(sort "$D/shuffled.tsv" | cksum)" ]
	run ! cmp -s "$D/ordered.tsv" "$D/shuffled.tsv"
	for f in ordered shuffled; do
		{ echo "$HDR"; cat "$D/$f.tsv"; } | "$CAT" -r >"$D/$f.rec"
	done
	"$W" -q --window 0.001 --lateness 0 --min-flows 1 "$D/ordered.rec" | "$CAT" >"$D/short.tsv"
	# all 750 windows open until the end
	run -0 --separate-stderr bash -c "'$W' -v --window 0.001 --lateness 60 --min-flows 1 '$D/ordered.rec' | '$CAT' >'$D/long.tsv'"
	[[ "$stderr" == "nids-window: $D/ordered.rec: 3000 flows, 2250 rows from 750 windows;"* ]]
	cmp "$D/short.tsv" "$D/long.tsv"
	run -0 --separate-stderr bash -c "'$W' -v --window 0.001 --lateness 1 --min-flows 1 '$D/shuffled.rec' | '$CAT' >'$D/shuffled.out'"
	[[ "$stderr" == "nids-window: $D/shuffled.rec: 3000 flows, 2250 rows from 750 windows;"* ]]
	cmp "$D/short.tsv" "$D/shuffled.out"
	# (with no lateness the shuffled flows are late: the test's input is out of order)
	run -0 --separate-stderr bash -c "'$W' --window 0.001 --lateness 0 --min-flows 1 '$D/shuffled.rec' >/dev/null"
	[[ "$stderr" == *" late flows dropped "* ]]
}

@test "20,000 one-flow windows open at once fit in 64 MiB: a window costs what it holds" {
	need_address_limit "$W"
	{ echo "$HDR"; awk 'BEGIN { for (i = 0; i < 20000; i++)
		printf "%d\t10.0.0.1\t1\t10.0.0.9\t2\t6\t1\t1\t1\t0\t0\tnormal\n", i }'; } |
		"$CAT" -r >"$D/f.rec"
	run -0 --separate-stderr bash -c "ulimit -v 65536; '$W' -v --window 1 --lateness 100000 --min-flows 1 '$D/f.rec' | '$CAT' -H -c flows | sort | uniq -c"
	[[ "$stderr" == "nids-window: $D/f.rec: 20000 flows, 20000 rows from 20000 windows;"* ]]
	[[ "$output" == *" 20000 1" ]]
}

@test "a time far ahead: the record that moved the time is named, and only when flows were late" {
	# a UGR'16 day with one record (line 4) from 2030: the flows after it are late
	for s in 00 01 02; do echo "2016-07-27 13:30:$s,0.1,10.0.0.1,10.0.0.9,1,80,TCP,.A....,0,0,1,60,background"; done >"$D/day.csv"
	echo "2030-01-01 00:00:00,0.1,10.0.0.2,10.0.0.9,1,80,TCP,.A....,0,0,1,60,background" >>"$D/day.csv"
	for s in 03 04; do echo "2016-07-27 13:30:$s,0.1,10.0.0.1,10.0.0.9,1,80,TCP,.A....,0,0,1,60,background"; done >>"$D/day.csv"
	run -0 --separate-stderr bash -c "'$W' -f ugr16 --min-flows 1 '$D/day.csv' | '$CAT' -H -c time,src_addr,flows"
	[[ "$output" == $'2016-07-27T13:30:00Z\t10.0.0.1\t3\n2030-01-01T00:00:00Z\t10.0.0.2\t1' ]]
	[[ "${stderr_lines[0]}" == "nids-window: $D/day.csv: 2 late flows dropped (their window had been emitted; raise --lateness)" ]]
	[[ "${stderr_lines[1]}" == "nids-window: $D/day.csv: record 4: its time, 2030-01-01T00:00:00Z, is 423829798 s past the latest flow before it (2016-07-27T13:30:02Z): a wrong time there makes the flows after it late" ]]
	[ "${#stderr_lines[@]}" -eq 2 ]
	# through a stream the flow is the stream's row, and its CSV record the featurizer
	# stored (a row taken out on the way makes them differ); -q says nothing
	run -0 --separate-stderr bash -c "'$NIDS_BIN/nids-featurize' -q -f ugr16 '$D/day.csv' | '$CAT' --types | sed 3d | '$CAT' -r | '$W' --min-flows 1 >/dev/null"
	[[ "${stderr_lines[1]}" == "nids-window: -: row 3 (CSV record 4): its time, 2030-01-01T00:00:00Z, is 423829798 s past the latest flow before it (2016-07-27T13:30:02Z): a wrong time there makes the flows after it late" ]]
	# the featurizer's rows from two files carry the file's name: the flow is named by it
	head -1 "$D/day.csv" >"$D/first.csv"
	run -0 --separate-stderr bash -c "'$NIDS_BIN/nids-featurize' -q -f ugr16 '$D/first.csv' '$D/day.csv' | '$W' --min-flows 1 >/dev/null"
	[[ "${stderr_lines[1]}" == "nids-window: $D/day.csv: record 4: its time, 2030-01-01T00:00:00Z, is 423829798 s past the latest flow before it (2016-07-27T13:30:02Z): a wrong time there makes the flows after it late" ]]
	# a stream without the featurizer's record column: the row alone
	run -0 --separate-stderr bash -c "'$NIDS_BIN/nids-featurize' -q -f ugr16 '$D/day.csv' | '$CAT' --types | cut -f1-6,8- | '$CAT' -r | '$W' --min-flows 1 >/dev/null"
	[[ "${stderr_lines[1]}" == "nids-window: -: row 4: its time, 2030-01-01T00:00:00Z, is 423829798 s past the latest flow before it (2016-07-27T13:30:02Z): a wrong time there makes the flows after it late" ]]
	run -0 --separate-stderr bash -c "'$W' -q -f ugr16 '$D/day.csv' >/dev/null"
	[[ -z "$stderr" ]]
	# the same step with no late flow after it (the 2016 flows moved before it): no word
	{ sed -n '1,3p;5,6p' "$D/day.csv"; sed -n 4p "$D/day.csv"; } >"$D/sorted.csv"
	run -0 --separate-stderr bash -c "'$W' -f ugr16 --min-flows 1 '$D/sorted.csv' >/dev/null"
	[[ -z "$stderr" ]]
	# a step backwards far in time is late flows, not a step: the lateness warning alone
	{ sed -n 4p "$D/day.csv"; sed -n 1p "$D/day.csv"; } >"$D/back.csv"
	run -0 --separate-stderr bash -c "'$W' -f ugr16 --min-flows 1 '$D/back.csv' >/dev/null"
	[[ "$stderr" == "nids-window: $D/back.csv: 1 late flows dropped (their window had been emitted; raise --lateness)" ]]
}

@test "--min-flows drops small groups; the majority class labels; --mixed keeps the rest" {
	local rows=() i
	for i in 1 2 3; do rows+=("$(t $i)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	1	scan"); done
	rows+=("$(t 4)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal")
	for i in 1 2; do rows+=("$(t $i)	10.0.0.2	1	10.0.0.9	2	6	1	1	1	0	1	dos"); done
	for i in 3 4; do rows+=("$(t $i)	10.0.0.2	1	10.0.0.9	2	6	1	1	1	0	0	normal"); done
	rows+=("$(t 5)	10.0.0.3	1	10.0.0.9	2	6	1	1	1	0	0	normal")
	flows "${rows[@]}" >"$D/f.rec"
	run -0 --separate-stderr bash -c "'$W' -v --min-flows 2 '$D/f.rec' | '$CAT' -H -c src_addr,flows,label,class"
	[[ "$output" == $'10.0.0.1\t4\t1\tscan' ]]
	[[ "$stderr" == "nids-window: $D/f.rec: 9 flows, 1 rows from 1 window; 1 groups under 2 flows dropped, 1 without a majority class dropped" ]]
	run -0 --separate-stderr bash -c "'$W' -v --min-flows 2 --mixed '$D/f.rec' | '$CAT' -H -c src_addr,flows,label,class"
	[[ "$output" == $'10.0.0.1\t4\t1\tscan\n10.0.0.2\t4\t1\tmixed' ]]
	[[ "$stderr" == *"1 without a majority class kept as 'mixed'" ]]
}

@test "--mixed refuses an input with a class named 'mixed': exit 1, the flow named" {
	flows "$(t 1)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 2)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	1	mixed" \
		"$(t 3)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	1	mixed" >"$D/f.rec"
	run -1 --separate-stderr "$W" --mixed --min-flows 1 -o "$D/out.rec" "$D/f.rec"
	[[ "$stderr" == "nids-window: $D/f.rec: row 2: class 'mixed' clashes with --mixed, the class of groups without a majority (rename it, or leave out --mixed)" ]]
	[ ! -e "$D/out.rec" ]
	# without --mixed it is a class like any other
	run -0 bash -c "'$W' -q --min-flows 1 '$D/f.rec' | '$CAT' -H -c flows,class"
	[[ "$output" == $'3\tmixed' ]]
	# CSV featurized here: the class is met as the records are read, and named by record
	printf '%s\n' "2016-07-27 13:43:21,1,10.0.0.1,10.0.0.9,1000,80,TCP,....S.,0,0,1,60,background" \
		"2016-07-27 13:43:22,1,10.0.0.1,10.0.0.9,1001,80,TCP,....S.,0,0,1,60,background" \
		"2016-07-27 13:43:23,1,10.0.0.1,10.0.0.9,1002,80,TCP,....S.,0,0,1,60,mixed" >"$D/c.csv"
	run -1 --separate-stderr "$W" -f ugr16 --mixed -o "$D/out.rec" "$D/c.csv"
	[[ "$stderr" == "nids-window: $D/c.csv: record 3: class 'mixed' clashes with --mixed, the class of groups without a majority (rename it, or leave out --mixed)" ]]
	[ ! -e "$D/out.rec" ]
}

@test "--by dst groups by destination, with the source addresses' entropy" {
	flows "$(t 1)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"$(t 2)	10.0.0.2	1	10.0.0.9	2	6	1	1	1	0	0	normal" >"$D/f.rec"
	run -0 bash -c "'$W' -q --by dst --min-flows 2 '$D/f.rec' | '$CAT' -c dst_addr,flows,entropy_src_addr"
	[[ "$output" == $'dst_addr\tflows\tentropy_src_addr\n10.0.0.9\t2\t1' ]]
}

@test "bad input: missing columns, a flow without a time, damaged streams" {
	printf 'time:timestamp\tduration\n%s\t1\n' "$(t 1)" | "$CAT" -r >"$D/nometa.rec"
	run -1 --separate-stderr "$W" -o "$D/out.rec" "$D/nometa.rec"
	[[ "$stderr" == "nids-window: $D/nometa.rec: no 'src_addr' metadata column of type addr: not a flow stream with identifiers (featurize ugr16, nfdump, netflow or cic records)" ]]
	[ ! -e "$D/out.rec" ]
	{ echo "${HDR/	bytes/}"; printf '%s\t10.0.0.1\t1\t10.0.0.9\t2\t6\t1\t1\t0\t0\tnormal\n' "$(t 1)"; } |
		"$CAT" -r >"$D/nobytes.rec"
	run -1 --separate-stderr "$W" "$D/nobytes.rec"
	[[ "$stderr" == "nids-window: $D/nobytes.rec: no 'bytes' column: not a flow stream (featurize ugr16, nfdump, netflow or cic records)" ]]
	flows "$(t 1)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" \
		"	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" >"$D/notime.rec"
	run -1 --separate-stderr "$W" -o "$D/out.rec" "$D/notime.rec"
	[[ "$stderr" == "nids-window: $D/notime.rec: row 2: the flow has no time" ]]
	[ ! -e "$D/out.rec" ]
	# times whose window would start or end beyond int64 microseconds: named, not wrapped
	# (a 180 s window holds times from INT64_MIN + 360 s to INT64_MAX - 360 s, in us)
	for tt in ok:9223372036494.775807 no:9223372036494.775808 ok:-9223372036494.775808 \
		no:-9223372036494.775809; do
		flows "${tt#*:}	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" >"$D/far.rec"
		run --separate-stderr "$W" --min-flows 1 -o "$D/out.rec" "$D/far.rec"
		if [ "${tt%%:*}" = ok ]; then
			[ "$status" -eq 0 ]
			[ -z "$stderr" ]
			[ -e "$D/out.rec" ]
		else
			[ "$status" -eq 1 ]
			[ ! -e "$D/out.rec" ]
			[[ "$stderr" == "nids-window: $D/far.rec: row 1: its time, ${tt#*:}, is too near the end of the time range for a window to hold it" ]]
		fi
		rm -f "$D/out.rec"
	done
	head -c 200 "$D/notime.rec" >"$D/cut.rec"
	run -1 --separate-stderr "$W" "$D/cut.rec"
	[[ "$stderr" == "nids-window: $D/cut.rec:"* ]]
	run -1 --separate-stderr "$W" /nonexistent.rec
	[[ "$stderr" == "nids-window: /nonexistent.rec: "* ]]
}

@test "several inputs read as one stream; counts name them" {
	flows "$(t 1)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" >"$D/a.rec"
	flows "$(t 2)	10.0.0.1	1	10.0.0.8	2	6	1	1	1	0	0	normal" >"$D/b.rec"
	run -0 --separate-stderr bash -c "'$W' -v --min-flows 2 '$D/a.rec' '$D/b.rec' | '$CAT' -H -c src_addr,flows,entropy_dst_addr"
	[[ "$output" == $'10.0.0.1\t2\t1' ]]
	[[ "$stderr" == "nids-window: 2 files: 2 flows, 1 rows from 1 window;"* ]]
}

@test "> /dev/full fails with exit 1; a terminal is refused; -o and -z" {
	flows "$(t 1)	10.0.0.1	1	10.0.0.9	2	6	1	1	1	0	0	normal" >"$D/f.rec"
	run -1 --separate-stderr bash -c "'$W' --min-flows 1 '$D/f.rec' >/dev/full"
	[[ "$stderr" == "nids-window: write error: No space left on device" ]]
	# the same when the output outgrows the buffer (caught writing a block, not at the end)
	run -1 --separate-stderr bash -c "'$W' -f ugr16 --min-flows 1 '$NIDS_TOP/examples/data/ugr16-july-week5-first5k.csv.zst' >/dev/full"
	[[ "$stderr" == "nids-window: write error: No space left on device" ]]
	run -0 "$W" -q --min-flows 1 -z 3 -o "$D/o.rec" "$D/f.rec"
	run -0 bash -c "zstd -dc <'$D/o.rec' 2>/dev/null | head -c0; '$CAT' -H -c src_addr '$D/o.rec'"
	[[ "$output" == "10.0.0.1" ]]
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "'$W' '$D/f.rec'" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"nids-window: refusing to write binary to a terminal; pipe into nids-cat"* ]]
}

@test "UGR'16 excerpt: 58 source windows, equal to the pandas reference to 1e-6" {
	local csv="$NIDS_TOP/examples/data/ugr16-july-week5-first5k.csv.zst"
	[ -e "$csv" ] || skip "examples/data/ugr16-july-week5-first5k.csv.zst not present"
	/usr/bin/python3 -c 'import pandas' 2>/dev/null ||
		skip "python3 with pandas is not installed (apt-get install python3-pandas)"
	run -0 --separate-stderr bash -c "'$NIDS_BIN/nids-featurize' -q -f ugr16 '$csv' | '$W' -v | '$CAT' >'$D/nids.tsv'"
	[[ "$stderr" == "nids-window: -: 5000 flows, 58 rows from 1 window; 1007 groups under 10 flows dropped, 0 without a majority class dropped" ]]
	/usr/bin/python3 "$NIDS_TOP/bench/gee_windows.py" "$csv" >"$D/ref.tsv"
	run -0 /usr/bin/python3 "$NIDS_TOP/bench/gee_windows.py" --compare --rtol 1e-6 "$D/ref.tsv" "$D/nids.tsv"
	[[ "$output" == "58 groups, 69 features each: 0 differences; largest relative difference "* ]]
	# every group of one flow and more, by destination, mixed kept: the labels too
	"$NIDS_BIN/nids-featurize" -q -f ugr16 "$csv" | "$W" -q --by dst --min-flows 1 --mixed | "$CAT" >"$D/nids.tsv"
	/usr/bin/python3 "$NIDS_TOP/bench/gee_windows.py" --by dst --min-flows 1 --mixed "$csv" >"$D/ref.tsv"
	run -0 /usr/bin/python3 "$NIDS_TOP/bench/gee_windows.py" --compare "$D/ref.tsv" "$D/nids.tsv"
	[[ "$output" == "894 groups, 69 features each: 0 differences;"* ]]
}

@test "CICFlowMeter columns: Flow Duration in microseconds, forward + backward, flag counts" {
	{
		printf 'time:timestamp\tsrc_addr:addr\tsport:port\tdst_addr:addr\tdport:port\tproto:proto\tFlow Duration\tTotal Fwd Packets\tTotal Backward Packets\tTotal Length of Fwd Packets\tTotal Length of Bwd Packets\tSYN Flag Count\tlabel\tclass\n'
		printf '%s\t10.0.0.1\t1000\t10.0.0.2\t80\t6\t2000000\t3\t1\t300\t100\t1\t1\tDoS\n' "$(t 1)"
		printf '%s\t10.0.0.1\t1001\t10.0.0.2\t80\t6\t500000\t1\t1\t60\t40\t2\t1\tDoS\n' "$(t 2)"
		printf '%s\t10.0.0.1\t1002\t10.0.0.2\t80\t6\t0\t1\t0\t40\t0\t0\t0\tBENIGN\n' "$(t 3)"
	} | "$CAT" -r >"$D/cic.rec"
	run -0 bash -c "'$W' -q --min-flows 1 '$D/cic.rec' | '$CAT' -H -c mean_duration,mean_packets,mean_bytes,mean_packet_rate,entropy_flags,label,class"
	# durations 2 s, 0.5 s, 0; packets 4, 2, 1; bytes 400, 100, 40; rates 2 and 4 per s;
	# two flows with SYN counted, one without
	[[ "$output" == $'0.8333333\t2.3333333\t180\t3\t0.91829586\t1\tDoS' ]]
}

@test "-f: CSV flow records featurized in the same process, byte for byte featurize | window" {
	local csv="$NIDS_TOP/examples/data/ugr16-july-week5-first5k.csv.zst"
	"$NIDS_BIN/nids-featurize" -q -f ugr16 "$csv" | "$W" -q >"$D/piped.rec"
	run -0 --separate-stderr "$W" -v -f ugr16 -o "$D/fused.rec" "$csv"
	[[ "$stderr" == "nids-window: $csv: 5000 flows, 58 rows from 1 window; 1007 groups under 10 flows dropped, 0 without a majority class dropped" ]]
	cmp "$D/piped.rec" "$D/fused.rec"
	"$W" -q -f auto "$csv" | cmp - "$D/piped.rec"
	"$NIDS_BIN/nids-featurize" -q -f ugr16 "$csv" | "$W" -q --by dst --min-flows 1 --mixed >"$D/piped.rec"
	"$W" -q -f ugr16 --by dst --min-flows 1 --mixed "$csv" | cmp - "$D/piped.rec"
	# several files: featurized as one input after another, as nids-featurize reads them
	zstdcat "$csv" | head -n 2501 >"$D/a.csv"
	zstdcat "$csv" | tail -n +2502 >"$D/b.csv"
	"$NIDS_BIN/nids-featurize" -q -f ugr16 "$D/a.csv" "$D/b.csv" | "$W" -q >"$D/piped.rec"
	run -0 --separate-stderr "$W" -v -f ugr16 -o "$D/fused.rec" "$D/a.csv" "$D/b.csv"
	[[ "$stderr" == "nids-window: 2 files: 5000 flows, 58 rows from 1 window;"* ]]
	cmp "$D/piped.rec" "$D/fused.rec"
	# labelled attack classes carry through by name
	printf '%s\n' "2016-07-27 13:43:21,1,10.0.0.1,10.0.0.9,1000,80,TCP,....S.,0,0,1,60,scan44" \
		"2016-07-27 13:43:22,1,10.0.0.1,10.0.0.9,1001,80,TCP,....S.,0,0,1,60,scan44" \
		"2016-07-27 13:43:23,1,10.0.0.1,10.0.0.9,1002,80,TCP,....S.,0,0,1,60,background" >"$D/c.csv"
	run -0 bash -c "'$W' -q -f ugr16 --min-flows 1 '$D/c.csv' | '$CAT' -H -c src_addr,flows,entropy_sport,label,class"
	[[ "$output" == $'10.0.0.1\t3\t1.5849625\t1\tscan44' ]]
}

@test "-f: bad CSV names its file and line or record, exit 1, no output file" {
	run -2 --separate-stderr "$W" -f bogus
	[[ "${stderr_lines[0]}" == "nids-window: unknown format 'bogus'" ]]
	zstdcat "$NIDS_TOP/examples/data/ugr16-july-week5-first5k.csv.zst" | head -n 5 >"$D/x.csv"
	sed '4s/^[^,]*//' "$D/x.csv" >"$D/notime.csv"
	run -1 --separate-stderr "$W" -f ugr16 -o "$D/out.rec" "$D/notime.csv"
	[[ "$stderr" == "nids-window: $D/notime.csv: record 3: the flow has no time" ]]
	[ ! -e "$D/out.rec" ]
	{ cat "$D/x.csv"; echo "a,b"; } >"$D/short.csv"
	run -1 --separate-stderr "$W" -f ugr16 -o "$D/out.rec" "$D/short.csv"
	[[ "$stderr" == "nids-window: $D/short.csv:6: 2 fields, expected 13" ]]
	[ ! -e "$D/out.rec" ]
	run -1 --separate-stderr "$W" -f nslkdd -o "$D/out.rec" "$NIDS_TOP/examples/data/KDDTest+.txt.zst"
	[[ "$stderr" == "nids-window: $NIDS_TOP/examples/data/KDDTest+.txt.zst: no 'time' metadata column of type timestamp: not a flow stream with identifiers (featurize ugr16, nfdump, netflow or cic records)" ]]
	[ ! -e "$D/out.rec" ]
	run -1 --separate-stderr "$W" -f ugr16 /nonexistent.csv
	[[ "$stderr" == "nids-window: /nonexistent.csv: "* ]]
}

@test "-o '' is a usage error at once, and no file is made" {
	flows "$(t 1000)	10.0.0.1	1	10.0.0.2	80	6	1	1	1	1	0	normal" > "$D/f.rec"
	mkdir "$D/out"
	cd "$D/out"
	run -2 --separate-stderr "$W" -o '' "$D/f.rec"
	[ "${stderr_lines[0]}" = "nids-window: option '-o': empty file name" ]
	[[ "${stderr_lines[1]}" == usage:* ]]
	[ -z "$(ls -A "$D/out")" ]
}
