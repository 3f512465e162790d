#!/usr/bin/env bats
# nids-featurize -f netflow: the netflow VAE seed's encoding, columns found by name.
load helpers
# the counts these tests check go to stderr with -v (it is not a terminal here); a
# later -q still silences them
feat() { "$NIDS_BIN/nids-featurize" -v "$@"; }
bats_require_minimum_version 1.5.0

setup() { setup_tmp; }
teardown() { teardown_tmp; }

fx="$NIDS_TOP/tests/fixtures/feat"
nums=bytes_to_server,bytes_to_client,packets_to_server,packets_to_client,direction,duration

@test "netflow: columns: 13 port categories each side, 7 protocols, 6 numbers, label, class" {
	feat -q -f netflow --no-ids "$fx/nf_v9.csv" | ncat -n 0 | tr '\t' '\n' | sed 1d > "$tmp/cols"
	[ "$(wc -l < "$tmp/cols")" -eq 41 ]
	[ "$(sed -n 1p "$tmp/cols")" = "src_port=http" ]
	[ "$(sed -n 13p "$tmp/cols")" = "src_port=dynamic" ]
	[ "$(sed -n 26p "$tmp/cols")" = "dst_port=dynamic" ]
	[ "$(sed -n 27,33p "$tmp/cols" | tr '\n' ' ')" = "proto=tcp proto=udp proto=icmp proto=ipv6-icmp proto=gre proto=esp proto=other " ]
}

@test "netflow: NetFlow v9 names: server side, direction, volumes, milliseconds, numeric label" {
	run --separate-stderr feat -f netflow -o "$tmp/n.rec" "$fx/nf_v9.csv"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $fx/nf_v9.csv: 4 rows (2 benign, 2 attack)" ]
	run ncat -c "src_port=dynamic,dst_port=https,proto=tcp,$nums,label,class" -n 1 -H "$tmp/n.rec"
	[ "$output" = "$(printf '1\t1\t1\t1200\t5000\t10\t8\t1\t1.5\t0\tBenign')" ]
	# source port 80 is the server: the record's bytes went to the client
	run ncat -c "src_port=http,dst_port=registered,$nums,class" -H "$tmp/n.rec"
	[ "${lines[1]}" = "$(printf '1\t1\t90\t300\t2\t3\t0\t0\tDDoS')" ]
	# equal ports: the destination is the server
	[ "${lines[2]}" = "$(printf '0\t1\t50\t0\t1\t0\t1\t0.004\tBenign')" ]
	run ncat -c "src_port=well_known,dst_port=well_known,proto=gre,class" -H "$tmp/n.rec"
	[ "${lines[3]}" = "$(printf '1\t1\t1\tTunnel')" ]
}

@test "netflow: the UGR'16 sample (unidirectional): 1,078 rows; raw rows need no header" {
	need_shared ugr_sample_1k.csv.zst
	run --separate-stderr feat -f netflow -o "$tmp/u.rec" "$shared_data/ugr_sample_1k.csv.zst"
	[ "$status" -eq 0 ]
	[ "$stderr" = "nids-featurize: $shared_data/ugr_sample_1k.csv.zst: 1078 rows (1069 benign, 9 attack)" ]
	# 67.136.232.153:37233 -> :53 UDP, 1 packet, 86 bytes
	run ncat -c "src_port=registered,dst_port=dns,proto=udp,$nums" -n 1 -H "$tmp/u.rec"
	[ "$output" = "$(printf '1\t1\t1\t86\t0\t1\t0\t1\t0')" ]
	feat -q -f netflow "$fx/ugr_raw.csv" > "$tmp/r.rec"
	# 42.219.153.7:53 -> :51080: the source is the DNS server
	run ncat -c "src_port=dns,dst_port=dynamic,$nums" -n 1 -H "$tmp/r.rec"
	[ "$output" = "$(printf '1\t1\t0\t100\t0\t1\t0\t0')" ]
}

@test "netflow: CICFlowMeter names: forward/backward volumes, Flow Duration in microseconds" {
	need_shared Friday-WorkingHours-Afternoon-DDos.pcap_ISCX.csv.zst
	feat -q -f netflow "$shared_data/Friday-WorkingHours-Afternoon-DDos.pcap_ISCX.csv.zst" > "$tmp/c.rec"
	# 104.16.207.165:443 -> 192.168.10.5:54865, 2 fwd packets of 12 bytes, 3 us
	run ncat -c "src_port=https,$nums,sport,dport,src_addr,dst_addr,time" -n 1 -H "$tmp/c.rec"
	[ "$output" = "$(printf '1\t0\t12\t0\t2\t0\t3e-06\t443\t54865\t104.16.207.165\t192.168.10.5\t2017-07-07T03:30:00Z')" ]
}

@test "netflow: a missing column lists the accepted names" {
	need_shared cicids_sample.csv.zst
	run --separate-stderr feat -f netflow -o "$tmp/out.rec" "$shared_data/cicids_sample.csv.zst"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $shared_data/cicids_sample.csv.zst:1: no source port column (accepted names: Source Port, Src Port, src_port, sport, sp, L4_SRC_PORT)" ]
	[ ! -e "$tmp/out.rec" ]
}

@test "netflow: a port with a dot is no port, with or without the identifiers" {
	for row in '1.2.3.4,7.0,5.6.7.8,80,6 2 7.0 source' '1.2.3.4,7,5.6.7.8,8.0,1 4 8.0 destination' \
	           '1.2.3.4,7,5.6.7.8,1.5,17 4 1.5 destination'; do
		set -- $row
		{ cat "$fx/nf_v9.csv"; echo "$1,1,1,1,1,1,0,Benign"; } >"$tmp/d.csv"
		for ids in "" --no-ids; do
			run --separate-stderr feat -f netflow $ids -o "$tmp/out.rec" "$tmp/d.csv"
			[ "$status" -eq 1 ]
			[ "$stderr" = "nids-featurize: $tmp/d.csv:6: field $2 ($4 port): '$3' is not a port" ]
			[ ! -e "$tmp/out.rec" ]
		done
	done
}

@test "netflow: a port out of range, unknown protocol under --strict, bad label" {
	{ cat "$fx/nf_v9.csv"; echo '1.2.3.4,70000,5.6.7.8,80,6,1,1,1,1,1,0,Benign'; } > "$tmp/p.csv"
	run --separate-stderr feat -f netflow -o "$tmp/out.rec" "$tmp/p.csv"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/p.csv:6: field 2 (source port): '70000' is not a port" ]
	[ ! -e "$tmp/out.rec" ]
	{ cat "$fx/nf_v9.csv"; echo '1.2.3.4,7,5.6.7.8,80,132,1,1,1,1,1,0,Benign'; } > "$tmp/q.csv"
	run --separate-stderr feat -f netflow "$tmp/q.csv" -o "$tmp/out.rec"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"1 values outside the vocabulary (in _other)" ]]
	[ "$(ncat -c proto=other -H "$tmp/out.rec" | tail -1)" = 1 ]
	run --separate-stderr feat -f netflow --strict "$tmp/q.csv" -o "$tmp/out2.rec"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/q.csv:6: field 5 '132': unknown protocol" ]
	{ cat "$fx/nf_v9.csv"; echo '1.2.3.4,7,5.6.7.8,80,6,1,1,1,1,1,2,Benign'; } > "$tmp/l.csv"
	run --separate-stderr feat -f netflow "$tmp/l.csv" -o "$tmp/out3.rec"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nids-featurize: $tmp/l.csv:6: label '2': a numeric label must be 0 or 1" ]
}

@test "netflow: a generic netflow header is ambiguous with csv: exit 2 asking for -f" {
	run --separate-stderr feat -o "$tmp/out.rec" "$fx/nf_v9.csv"
	[ "$status" -eq 2 ]
	[ "$stderr" = "nids-featurize: $fx/nf_v9.csv:1: cannot tell the format from the first line (12 fields); name it with -f" ]
	[ ! -e "$tmp/out.rec" ]
}
