#!/usr/bin/env bats
# nids-featurize -f cic: CIC-IDS2017 (85 and 79 columns), CSE-CIC-IDS2018, improved.
load helpers
# the counts these tests check go to stderr with -v (it is not a terminal here); a
# later -q still silences them
feat() { "$NIDS_BIN/nids-featurize" -v "$@"; }
bats_require_minimum_version 1.5.0

setup() { setup_tmp; }
teardown() { teardown_tmp; }

friday=Friday-WorkingHours-Afternoon-DDos.pcap_ISCX.csv.zst
fx="$NIDS_TOP/tests/fixtures/feat"

@test "cic: Friday DDoS sample (85 columns): 299 rows, all benign, detected" {
	need_shared "$friday"
	run --separate-stderr feat -o "$tmp/f.rec" "$shared_data/$friday"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $shared_data/$friday: 299 rows (299 benign, 0 attack), 2 Infinity/NaN/empty values replaced by 0" ]
	run ncat -c 'Destination Port,Protocol=6,Flow Duration,Flow Bytes/s,label,class' -n 1 -H "$tmp/f.rec"
	[ "$output" = "$(printf '54865\t1\t3\t4000000\t0\tBENIGN')" ]
}

@test "cic: the Infinity row of the Friday sample gets 0, or the --nonfinite-value" {
	need_shared "$friday"
	feat -q --nonfinite-value -1 "$shared_data/$friday" > "$tmp/f.rec"
	# line 67 of the file is data row 66
	run ncat -c 'Flow Duration,Flow Bytes/s,Flow Packets/s' -H "$tmp/f.rec"
	[ "${lines[65]}" = "$(printf '0\t-1\t-1')" ]
}

@test "cic: cicids_sample (BOM, 79 columns): 10,180 rows, 8,000 benign, class names mended" {
	need_shared cicids_sample.csv.zst
	run --separate-stderr feat -o "$tmp/c.rec" "$shared_data/cicids_sample.csv.zst"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $shared_data/cicids_sample.csv.zst: 10180 rows (8000 benign, 2180 attack), 22 Infinity/NaN/empty values replaced by 0" ]
	run sh -c "'$NIDS_BIN/nids-cat' -c class -H '$tmp/c.rec' | sort | uniq -c | awk '{\$1=\$1; print}'"
	[ "${lines[0]}" = "8000 BENIGN" ]
	[ "${lines[1]}" = "1507 Web Attack - Brute Force" ]
	[ "${lines[2]}" = "21 Web Attack - Sql Injection" ]
	[ "${lines[3]}" = "652 Web Attack - XSS" ]
}

@test "cic: --drop-nonfinite drops the 11 rows with Infinity or NaN" {
	need_shared cicids_sample.csv.zst
	run --separate-stderr feat -o "$tmp/c.rec" --drop-nonfinite "$shared_data/cicids_sample.csv.zst"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $shared_data/cicids_sample.csv.zst: 10169 rows (7989 benign, 2180 attack), 11 records with Infinity/NaN/empty values dropped" ]
}

@test "cic: improved sample (91 columns): 25,127 rows, 2,500 benign, Attempted Category as meta" {
	need_shared cicids2017_improved_sample.csv.zst
	run --separate-stderr feat -o "$tmp/i.rec" "$shared_data/cicids2017_improved_sample.csv.zst"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $shared_data/cicids2017_improved_sample.csv.zst: 25127 rows (2500 benign, 22627 attack)" ]
	run ncat -i "$tmp/i.rec"
	[[ "$output" == *"Attempted Category"*meta* ]]
	run sh -c "'$NIDS_BIN/nids-cat' -c class -H '$tmp/i.rec' | sort | uniq -c | awk '{\$1=\$1; print}' | grep -c ."
	[ "$output" = 16 ]
	# its spellings map onto the canonical names
	run ncat -n 0 "$tmp/i.rec"
	[[ "$output" == *"Total Fwd Packets"*"Min Packet Length"*"Init_Win_bytes_forward"*"min_seg_size_forward"*"ICMP Code"* ]]
}

@test "cic: the three layouts give the same columns (85 and 2018 with --drop Protocol)" {
	need_shared "$friday"
	feat -q --no-ids "$fx/cic_ml.csv" | ncat -n 0 > "$tmp/ml"
	feat -q --no-ids --drop Protocol "$shared_data/$friday" | ncat -n 0 > "$tmp/full"
	feat -q --no-ids --drop Protocol "$fx/cic2018.csv" | ncat -n 0 > "$tmp/2018"
	cmp "$tmp/ml" "$tmp/full"
	cmp "$tmp/ml" "$tmp/2018"
	# the record number, 77 features (Fwd Header Length once), label, class
	[ "$(tr '\t' '\n' < "$tmp/ml" | wc -l)" -eq 80 ]
	[ "$(tr '\t' '\n' < "$tmp/ml" | head -1)" = record ]
	[ "$(tr '\t' '\n' < "$tmp/ml" | grep -c '^Fwd Header Length$')" -eq 1 ]
}

@test "cic: 2018 names: values, Infinity/NaN/empty replaced, repeated header skipped, protocol one-hot" {
	run --separate-stderr feat -o "$tmp/a.rec" "$fx/cic2018.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $fx/cic2018.csv: 4 rows (2 benign, 2 attack), 1 repeated header lines skipped, 4 Infinity/NaN/empty values replaced by 0, 1 values outside the vocabulary (in _other)" ]
	run ncat -c 'Destination Port,Protocol=6,Protocol=17,Protocol=_other,Flow Duration,Flow Bytes/s,Flow Packets/s,Idle Min,label,class' -H "$tmp/a.rec"
	[ "${lines[0]}" = "$(printf '443\t1\t0\t0\t2000000\t5000\t20\t79\t0\tBenign')" ]
	[ "${lines[1]}" = "$(printf '21\t1\t0\t0\t0\t0\t0\t79\t1\tFTP-BruteForce')" ]
	[ "${lines[2]}" = "$(printf '53\t0\t1\t0\t1000\t0\t0\t79\t1\tDDOS attack-HOIC')" ]
	[ "${lines[3]}" = "$(printf '0\t0\t0\t1\t5\t5000\t20\t79\t0\tBenign')" ]
}

@test "cic: unknown protocol with --strict is an error naming file:line" {
	run --separate-stderr feat --strict -o "$tmp/a.rec" "$fx/cic2018.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $fx/cic2018.csv:6: field 2 '58': unknown Protocol" ]
	[ ! -e "$tmp/a.rec" ]
}

@test "cic: the flow's identifiers are exact metadata: time, addresses, ports, protocol, record" {
	need_shared "$friday"
	feat -q "$shared_data/$friday" > "$tmp/f.rec"
	# (past the lines that carry the header's tables and records)
	run sh -c "'$NIDS_BIN/nids-cat' --types -n 1 -c time,src_addr,sport,dst_addr,dport,proto,record '$tmp/f.rec' | grep -v '^#'"
	[ "${lines[0]}" = "$(printf 'time:timestamp\tsrc_addr:addr\tsport:port\tdst_addr:addr\tdport:port\tproto:proto\trecord:u64')" ]
	# 7/7/2017 3:30 (D/M/YYYY)
	[ "${lines[1]}" = "$(printf '2017-07-07T03:30:00Z\t104.16.207.165\t443\t192.168.10.5\t54865\t6\t1')" ]
	# none of them is a feature
	run sh -c "'$NIDS_BIN/nids-cat' -i '$tmp/f.rec' | awk -F'\t' '\$3 == \"feature\"' | grep -c 'Source IP\|Timestamp\|Flow ID\|Source Port'"
	[ "$output" = 0 ]
	# --no-ids leaves out all but the record number
	feat -q --no-ids "$shared_data/$friday" | ncat -n 0 | tr '\t' '\n' | grep -c '^time$\|^src_addr$\|^record$' | grep -qx 1
}

@test "cic: a timestamp whose day its month lacks is refused, D/M/YYYY and YYYY-MM-DD alike" {
	for t in '29/2/2017 1:02' '31/4/2017 1:02' '30/02/2016 10:00:00' '2017-02-29 01:02:03.5'; do
		printf 'Flow Duration,Timestamp,Label\n1,7/7/2017 3:30,BENIGN\n2,%s,BENIGN\n' "$t" >"$tmp/t.csv"
		run --separate-stderr feat -f cic -o "$tmp/out.rec" "$tmp/t.csv"
		[ "$status" -eq 1 ]
		[ "$stderr" = "nids-featurize: $tmp/t.csv:3: field 2: '$t' is not a time" ]
		[ ! -e "$tmp/out.rec" ]
	done
	printf 'Flow Duration,Timestamp,Label\n1,29/2/2016 1:02,BENIGN\n2,31/12/2017 23:59:59,BENIGN\n3,2016-02-29 01:02:03.5,BENIGN\n' >"$tmp/ok.csv"
	feat -q -f cic -o "$tmp/ok.rec" "$tmp/ok.csv"
	run ncat -H -c time "$tmp/ok.rec"
	[ "$output" = "$(printf '2016-02-29T01:02:00Z\n2017-12-31T23:59:59Z\n2016-02-29T01:02:03.500000Z')" ]
}

@test "cic: ports are whole numbers; a dotted one (no type.code here) is refused, naming it" {
	h='Source IP,Source Port,Destination IP,Destination Port,Protocol,Timestamp,Flow Duration,Label'
	printf '%s\n1.2.3.4,0080,5.6.7.8,443,6,7/7/2017 3:30,1,BENIGN\n1.2.3.4,,5.6.7.8,0,1,7/7/2017 3:30,1,BENIGN\n' "$h" >"$tmp/ok.csv"
	feat -q -f cic -o "$tmp/ok.rec" "$tmp/ok.csv"
	[ "$(ncat -H -c sport,dport "$tmp/ok.rec")" = "$(printf '80\t443\n0\t0')" ]
	for p in '1.5,5.6.7.8,80,6 2 1.5' '1.5,5.6.7.8,53,17 2 1.5' '1,5.6.7.8,8.0,1 4 8.0'; do
		set -- $p
		printf '%s\n1.2.3.4,%s,7/7/2017 3:30,1,BENIGN\n' "$h" "$1" >"$tmp/p.csv"
		run --separate-stderr feat -f cic -o "$tmp/out.rec" "$tmp/p.csv"
		[ "$status" -eq 1 ]
		[ "$stderr" = "nids-featurize: $tmp/p.csv:2: field $2: '$3' is not a port" ]
		[ ! -e "$tmp/out.rec" ]
	done
	# (Destination Port is a feature too, read first)
	printf '%s\n1.2.3.4,1,5.6.7.8,0.0.0,1,7/7/2017 3:30,1,BENIGN\n' "$h" >"$tmp/p.csv"
	run --separate-stderr feat -f cic -o "$tmp/out.rec" "$tmp/p.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/p.csv:2: field 4 (Destination Port): '0.0.0' is not a number" ]
}

@test "cic: the improved layout keeps its id and the microsecond timestamp exactly" {
	need_shared cicids2017_improved_sample.csv.zst
	feat -q "$shared_data/cicids2017_improved_sample.csv.zst" > "$tmp/i.rec"
	run ncat -c 'id,sport,time' -n 1 -H "$tmp/i.rec"
	want=$(zstd -dc "$shared_data/cicids2017_improved_sample.csv.zst" | awk -F, 'NR == 2 { sub(" ", "T", $8); print $1 "\t" $4 "\t" $8 "Z" }')
	[ "$output" = "$want" ]
}

@test "cic: BOM and CRLF give the same stream as LF" {
	feat -q "$fx/cic_ml.csv" > "$tmp/lf.rec"
	sed 's/$/\r/' "$fx/cic_ml.csv" > "$tmp/crlf.csv"
	feat -q "$tmp/crlf.csv" > "$tmp/crlf.rec"
	cmp "$tmp/lf.rec" "$tmp/crlf.rec"
	head -c 3 "$fx/cic_ml.csv" | od -An -tx1 | grep -q 'ef bb bf'
}

@test "cic: a row with a wrong field count (fewer or more): file:line, exit 1, no output file" {
	{ cat "$fx/cic2018.csv"; echo '80,6,14/02/2018 08:31:01,5,Benign'; } > "$tmp/short.csv"
	run --separate-stderr feat -o "$tmp/out.rec" "$tmp/short.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/short.csv:7: 5 fields, expected 80" ]
	[ ! -e "$tmp/out.rec" ]
	[ -z "$(ls "$tmp" | grep -v short.csv)" ]
	# one field more than the header is as wrong as one fewer
	{ cat "$fx/cic2018.csv"; sed -n 2p "$fx/cic2018.csv" | sed 's/$/,0/'; } > "$tmp/long.csv"
	run --separate-stderr feat -o "$tmp/out.rec" "$tmp/long.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/long.csv:7: 81 fields, expected 80" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "cic: text where a number is due names the column" {
	sed '2s/^443,6,14\/02\/2018 08:31:01,2000000,/443,6,14\/02\/2018 08:31:01,2ms,/' "$fx/cic2018.csv" > "$tmp/bad.csv"
	run --separate-stderr feat -o "$tmp/out.rec" "$tmp/bad.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/bad.csv:2: field 4 (Flow Duration): '2ms' is not a number" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "cic: --skip-bad skips and counts, and names the first" {
	{ cat "$fx/cic2018.csv"; echo '80,6,x'; sed -n 2p "$fx/cic2018.csv" | sed 's/,5,6,/,five,6,/'; } > "$tmp/bad.csv"
	run --separate-stderr feat --skip-bad -o "$tmp/out.rec" "$tmp/bad.csv"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "nids-featurize: $tmp/bad.csv: 4 rows (2 benign, 2 attack), 2 bad records skipped, 1 repeated header lines skipped, 4 Infinity/NaN/empty values replaced by 0, 1 values outside the vocabulary (in _other)" ]
	[ "${stderr_lines[1]}" = "nids-featurize: first skipped: $tmp/bad.csv:7: 3 fields, expected 80" ]
	[ "$(ncat -H "$tmp/out.rec" | wc -l)" -eq 4 ]
}

@test "cic: records of empty fields (the 2017 day files end in them) are skipped and counted" {
	{ cat "$fx/cic2018.csv"; printf ',%.0s' $(seq 79); echo; } > "$tmp/e.csv"
	run --separate-stderr feat -o "$tmp/out.rec" "$tmp/e.csv"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *", 1 empty records skipped"* ]]
	[[ "$stderr" == *": 4 rows "* ]]
}

@test "cic: --drop takes input or canonical names, and refuses unknown ones" {
	feat -q --drop 'Flow Byts/s,Total Fwd Packets' "$fx/cic2018.csv" | ncat -n 0 > "$tmp/h"
	run grep -c 'Flow Bytes/s\|Total Fwd Packets' "$tmp/h"
	[ "$output" = 0 ]
	run --separate-stderr feat --drop 'Flow Bites/s' -o "$tmp/out.rec" "$fx/cic2018.csv"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-featurize: $fx/cic2018.csv:1: --drop: no column 'Flow Bites/s' in the header" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "cic: a header without a Label column is refused with -f cic" {
	printf 'Flow Duration,Total Fwd Packets\n1,2\n' > "$tmp/n.csv"
	run --separate-stderr feat -f cic -o "$tmp/out.rec" "$tmp/n.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/n.csv:1: no Label column: is this a CICFlowMeter header line?" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "cic: zstd input is sniffed and > /dev/full fails" {
	need_shared "$friday"
	run sh -c "'$NIDS_BIN/nids-featurize' -q '$shared_data/$friday' | '$NIDS_BIN/nids-cat' -H | wc -l"
	[ "$output" = 299 ]
	run --separate-stderr sh -c "'$NIDS_BIN/nids-featurize' -q '$shared_data/$friday' > /dev/full"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: write error: No space left on device" ]
}
