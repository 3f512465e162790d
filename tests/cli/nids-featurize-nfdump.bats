#!/usr/bin/env bats
# nids-featurize -f nfdump: a collector's flows as nfdump -o csv writes them, unlabelled.
load helpers
bats_require_minimum_version 1.5.0

setup() { setup_tmp; }
teardown() { teardown_tmp; }

fx="$NIDS_TOP/tests/fixtures/nfdump"

@test "nfdump: nfdump 1.7's -o csv: detected, unlabelled, trailer skipped and counted, ICMP type.code" {
	run --separate-stderr feat -v -o "$tmp/a.rec" "$fx/nfdump-1.7.1.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $fx/nfdump-1.7.1.csv: 5 rows (unlabelled), 3 trailer lines skipped" ]
	# no label or class column: a collector's flows have none
	run sh -c "'$NIDS_BIN/nids-cat' -n 0 '$tmp/a.rec' | tr '\t' '\n' | grep -cx 'label\|class'"
	[ "$output" = 0 ]
	run ncat -H -c time,src_addr,sport,dst_addr,dport,proto,record,dst_port,packets,bytes,flag_syn "$tmp/a.rec"
	[ "${lines[0]}" = "$(printf '2023-11-14T22:13:30Z\t10.0.0.7\t0\t10.0.1.1\t2048\t1\t1\t2048\t1\t28\t0')" ]
	[ "${lines[2]}" = "$(printf '2023-11-14T22:13:29Z\t10.0.0.1\t40195\t10.0.1.1\t80\t6\t3\t80\t1\t40\t1')" ]
	# the columns are ugr16's features: a model trained on UGR'16 scores them
	cmp <(feat -q -f ugr16 "$NIDS_TOP/tests/fixtures/feat/ugr_raw.csv" | ncat -n 0 | tr '\t' '\n' | grep -vx 'label\|class') \
	    <(ncat -n 0 "$tmp/a.rec" | tr '\t' '\n')
}

@test "nfdump: the >= 1.7.5 layout: start time + duration, IPv6, no flags (said once), ICMP 8.0" {
	run --separate-stderr feat -f nfdump -o "$tmp/b.rec" "$fx/nfdump-1.7.5.csv"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "nids-featurize: $fx/nfdump-1.7.5.csv: 'flg', 'fwd', 'stos': no such column; those features are 0" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	run ncat -H -c time,src_addr,sport,dst_addr,dport,proto,duration,packets,bytes,dst_port,flag_ack,tos "$tmp/b.rec"
	[ "${lines[0]}" = "$(printf '2023-11-14T22:13:31.625000Z\t10.0.0.7\t0\t2001:db8::1\t2048\t1\t1.5\t3\t180\t2048\t0\t0')" ]
	[ "${lines[1]}" = "$(printf '2023-11-14T22:13:31Z\t10.0.0.8\t1234\t10.0.1.1\t80\t6\t0\t1\t40\t80\t0\t0')" ]
	[ "${lines[2]}" = "$(printf '2023-11-14T22:13:33.250000Z\t2001:db8::5\t5353\t2001:db8::53\t53\t17\t2\t4\t400\t53\t0\t0')" ]
	# with -q the note is still said: it is a warning, not a count
	run --separate-stderr feat -q -f nfdump -o "$tmp/c.rec" "$fx/nfdump-1.7.5.csv"
	[[ "$stderr" == *"no such column; those features are 0" ]]
}

@test "nfdump: type.code is an ICMP flow's destination port only" {
	{ head -1 "$fx/nfdump-1.7.5.csv"; echo '2023-11-14 22:13:31.000,0.000,ICMP6,2001:db8::1,0,2001:db8::2,128.0,1,40,1'
	  echo '2023-11-14 22:13:31.000,0.000,ICMP,10.0.0.1,0,10.0.0.2,3.3,1,40,1'; } >"$tmp/ok.csv"
	feat -q -f nfdump -o "$tmp/ok.rec" "$tmp/ok.csv" 2>/dev/null
	[ "$(ncat -H -c sport,dport,dst_port "$tmp/ok.rec")" = "$(printf '0\t32768\t32768\n0\t771\t771')" ]
	for row in 'TCP,10.0.0.1,0,10.0.0.2,8.0 7 8.0' 'ICMP,10.0.0.1,8.0,10.0.0.2,0 5 8.0' 'ICMP,10.0.0.1,0,10.0.0.2,0.0.0 7 0.0.0' \
	           'ICMP,10.0.0.1,0,10.0.0.2,1.2.0 7 1.2.0' 'UDP,10.0.0.1,1.5,10.0.0.2,53 5 1.5'; do
		set -- $row
		{ head -2 "$fx/nfdump-1.7.5.csv"; echo "2023-11-14 22:13:31.000,0.000,$1,1,40,1"; } >"$tmp/d.csv"
		run --separate-stderr feat -f nfdump -o "$tmp/out.rec" "$tmp/d.csv"
		[ "$status" -eq 1 ]
		[ "${stderr_lines[-1]}" = "nids-featurize: $tmp/d.csv:3: field $2: '$3' is not a port" ]
		[ ! -e "$tmp/out.rec" ]
	done
}

@test "nfdump: a start time whose day its month lacks is not a time" {
	{ head -2 "$fx/nfdump-1.7.5.csv"; echo '2023-02-29 22:13:31.000,0.000,TCP,10.0.0.8,1234,10.0.1.1,80,1,40,1'; } >"$tmp/d.csv"
	run --separate-stderr feat -f nfdump -q -o "$tmp/out.rec" "$tmp/d.csv"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[-1]}" = "nids-featurize: $tmp/d.csv:3: field 1: '2023-02-29 22:13:31.000' is not a time" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "nfdump: 'No matching flows' is an empty stream; a bad line before the trailer is an error" {
	run --separate-stderr feat -v -f nfdump -o "$tmp/e.rec" "$fx/nfdump-empty.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $fx/nfdump-empty.csv: 0 rows (unlabelled), 1 trailer lines skipped" ]
	[ "$(ncat -H "$tmp/e.rec" | wc -l)" -eq 0 ]
	{ head -3 "$fx/nfdump-1.7.1.csv"; echo '1,2,3'; tail -3 "$fx/nfdump-1.7.1.csv"; } > "$tmp/bad.csv"
	run --separate-stderr feat -f nfdump -o "$tmp/x.rec" "$tmp/bad.csv"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nids-featurize: $tmp/bad.csv:4: 3 fields, expected 48" ]]
	[ ! -e "$tmp/x.rec" ]
}

@test "nfdump: unlabelled streams go through normalize, fit, score and threshold; roc says it needs labels" {
	feat -q "$fx/nfdump-1.7.5.csv" > "$tmp/u.rec"
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" "$tmp/u.rec" | fit -q -t kmeans --k 2 -o "$tmp/k.bin"
	score -m "$tmp/k.bin" "$tmp/u.rec" | "$NIDS_BIN/nids-threshold" --rate 0.34 -m "$tmp/k.bin" > /dev/null
	run score -m "$tmp/k.bin" --alarms -e -o "$tmp/al.rec" "$tmp/u.rec"
	[ "$status" -eq 0 ]
	[ "$(ncat -H -c record "$tmp/al.rec" | wc -l)" -ge 1 ]
	run --separate-stderr sh -c "'$NIDS_BIN/nids-score' -m '$tmp/k.bin' '$tmp/u.rec' | '$NIDS_BIN/nids-roc'"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"label"* ]]
}

# The collection chain: a pcap made here, nfpcapd writes nfcapd files, nfdump prints
# them two ways, as nfdump -o csv and as UGR'16's own layout; both give the same
# features for every column UGR'16 has.
@test "nfdump: nfpcapd -> nfcapd files -> nfdump -o csv gives the features of the same flows in UGR'16's layout" {
	command -v nfpcapd >/dev/null && command -v nfdump >/dev/null ||
		skip "nfdump is not installed (Debian package nfdump; make check installs it as root)"
	/usr/bin/python3 "$fx/make_pcap.py" "$tmp/t.pcap" --minutes 3
	mkdir "$tmp/flows"
	timeout 60 nfpcapd -r "$tmp/t.pcap" -w "$tmp/flows" > "$tmp/nfpcapd.log" 2>&1
	nfdump -R "$tmp/flows" -o csv > "$tmp/nf.csv"
	nfdump -R "$tmp/flows" -N -q -o 'fmt:%te,%td,%sa,%da,%sp,%dp,%pr,%flg,%fwd,%stos,%pkt,%byt' |
		awk -F, -v OFS=, '{ for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i); print $0, "background" }' > "$tmp/ugr.csv"
	[ "$(wc -l < "$tmp/ugr.csv")" -gt 1000 ]
	feat -q "$tmp/nf.csv" > "$tmp/a.rec"
	feat -q -f ugr16 "$tmp/ugr.csv" > "$tmp/b.rec"
	cols=$(ncat -n 0 "$tmp/a.rec" | tr '\t' '\n' | grep -vx 'time\|src_addr\|sport\|dst_addr\|dport\|proto\|record' | paste -sd,)
	cmp <(ncat -c "$cols,sport,dport,src_addr,dst_addr,proto" "$tmp/a.rec") <(ncat -c "$cols,sport,dport,src_addr,dst_addr,proto" "$tmp/b.rec")
	# the scan's probes are there, one flow each
	[ "$(ncat -H -c src_addr "$tmp/a.rec" | grep -cx 10.9.9.9)" -ge 900 ]
}

# The live chain, per source and window: a detector trained on normal traffic's windows
# flags the port-scan source's window among the top 1% of a day with attacks.
@test "nfdump: pcap -> nfpcapd -> nfdump -> featurize -> window -> score: the scanning source is in the top 1%" {
	command -v nfpcapd >/dev/null && command -v nfdump >/dev/null ||
		skip "nfdump is not installed (Debian package nfdump; make check installs it as root)"
	for day in normal attack; do
		case $day in normal) opt="--normal-only --seed 2" ;; *) opt="" ;; esac
		/usr/bin/python3 "$fx/make_pcap.py" "$tmp/$day.pcap" $opt
		mkdir "$tmp/$day"
		timeout 60 nfpcapd -r "$tmp/$day.pcap" -w "$tmp/$day" > /dev/null 2>&1
		nfdump -R "$tmp/$day" -O tstart -o csv | feat -q | "$NIDS_BIN/nids-window" -q --window 60 --min-flows 5 > "$tmp/$day.rec"
	done
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" "$tmp/normal.rec" | fit -q -t ae --epochs 30 --seed 1 -o "$tmp/d.bin"
	n=$(ncat -H -c flows "$tmp/attack.rec" | wc -l)
	[ "$n" -gt 300 ]
	top=$(( (n + 99) / 100 ))
	score -m "$tmp/d.bin" "$tmp/attack.rec" | ncat -H -c src_addr,score | sort -t "$(printf '\t')" -k2,2gr | head -n "$top" > "$tmp/top"
	grep -q '^10\.9\.9\.9	' "$tmp/top"
	# nothing the test started is left running
	! pgrep -f "nfpcapd -r $tmp" > /dev/null
}

@test "nfdump: examples/nfdump_cron.sh over nfcapd files writes the alarm files and says by its exit status" {
	command -v nfpcapd >/dev/null && command -v nfdump >/dev/null ||
		skip "nfdump is not installed (Debian package nfdump; make check installs it as root)"
	/usr/bin/python3 "$fx/make_pcap.py" "$tmp/a.pcap" --minutes 5
	mkdir "$tmp/flows"
	timeout 60 nfpcapd -r "$tmp/a.pcap" -w "$tmp/flows" > /dev/null 2>&1
	nfdump -R "$tmp/flows" -o csv | feat -q | "$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" | fit -q -t kmeans --k 4 -o "$tmp/d.bin"
	nfdump -R "$tmp/flows" -o csv | feat -q | score -m "$tmp/d.bin" | "$NIDS_BIN/nids-threshold" -q --rate 0.01 -m "$tmp/d.bin" > /dev/null
	run env PATH="$NIDS_BIN:$PATH" sh "$NIDS_TOP/examples/nfdump_cron.sh" "$tmp/flows" "$tmp/d.bin" "$tmp/out"
	[ "$status" -eq 0 ]
	n=$(($(wc -l < "$tmp/out/flows.alarms.tsv") - 1))
	[ "$n" -ge 1 ]
	[ "$(wc -l < "$tmp/out/flows.alarms.jsonl")" -eq "$n" ]
	[ "$(head -1 "$tmp/out/flows.alarms.tsv")" = "$(printf 'time\tsrc_addr\tsport\tdst_addr\tdport\tproto\trecord\tscore')" ]
	run env PATH="$NIDS_BIN:$PATH" sh "$NIDS_TOP/examples/nfdump_cron.sh" "$tmp/none" "$tmp/d.bin" "$tmp/out2"
	[ "$status" -eq 1 ]
}
