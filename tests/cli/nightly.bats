#!/usr/bin/env bats
# examples/nightly.sh: the cron job from a day's flows to alarm files.
load helpers
bats_require_minimum_version 1.5.0

setup() { setup_tmp; export PATH="$NIDS_BIN:$PATH"; }
teardown() { teardown_tmp; }

day="$NIDS_TOP/examples/data/ugr16-july-week5-first5k.csv.zst"

@test "nightly: makes a detector, writes the alarms as JSON lines and TSV, exits 0" {
	run --separate-stderr sh "$NIDS_TOP/examples/nightly.sh" "$day" "$tmp/d.bin" "$tmp/out"
	[ "$status" -eq 0 ]
	[[ "${stderr_lines[0]}" == "nightly: no detector at $tmp/d.bin; making one from"* ]]
	[ -s "$tmp/d.bin" ]
	tsv="$tmp/out/ugr16-july-week5-first5k.alarms.tsv"
	json="$tmp/out/ugr16-july-week5-first5k.alarms.jsonl"
	[ "$(head -1 "$tsv")" = "$(printf 'time\tsrc_addr\tsport\tdst_addr\tdport\tproto\trecord\tscore')" ]
	n=$(($(wc -l < "$tsv") - 1))
	[ "$n" -ge 25 ]
	[ "$n" -le 100 ]
	[ "$(wc -l < "$json")" -eq "$n" ]
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$json"
	# each alarm names its flow: the record's line of the CSV has its time and addresses
	zstd -dcq "$day" | awk -F, 'NF > 1' > "$tmp/day.csv"
	tail -n +2 "$tsv" | while IFS="$(printf '\t')" read -r t sa sp da dp pr rec sc; do
		line=$(sed -n "${rec}p" "$tmp/day.csv")
		[ "$(echo "$line" | cut -d, -f1 | tr ' ' T)Z" = "$t" ]
		[ "$(echo "$line" | cut -d, -f3-6)" = "$sa,$da,$sp,$dp" ]
	done
	# nothing but the outputs is left behind
	[ "$(ls -A "$tmp/out" | sort | tr '\n' ' ')" = "ugr16-july-week5-first5k.alarms.jsonl ugr16-july-week5-first5k.alarms.tsv " ]
}

@test "nightly: a day in which nothing alarms exits 3 with empty alarm files; a bad day exits 1 and writes nothing" {
	sh "$NIDS_TOP/examples/nightly.sh" "$day" "$tmp/d.bin" "$tmp/out" 2> /dev/null
	# a quiet day: 20 flows that did not alarm (a row's score depends only on the row)
	tail -n +2 "$tmp/out/ugr16-july-week5-first5k.alarms.tsv" | cut -f7 > "$tmp/alarmed"
	zstd -dcq "$day" | awk -F, 'NF > 1' |
		awk 'NR == FNR { a[$1] = 1; next } !(FNR in a) && n++ < 20' "$tmp/alarmed" - > "$tmp/quiet.csv"
	[ "$(wc -l < "$tmp/quiet.csv")" -eq 20 ]
	run --separate-stderr sh "$NIDS_TOP/examples/nightly.sh" "$tmp/quiet.csv" "$tmp/d.bin" "$tmp/q"
	[ "$status" -eq 3 ]
	[ "$(wc -l < "$tmp/q/quiet.alarms.tsv")" -eq 1 ]
	[ ! -s "$tmp/q/quiet.alarms.jsonl" ]
	printf 'not,a,flow\n' > "$tmp/bad.csv"
	run sh "$NIDS_TOP/examples/nightly.sh" "$tmp/bad.csv" "$tmp/d.bin" "$tmp/b"
	[ "$status" -eq 1 ]
	[ -z "$(ls -A "$tmp/b")" ]
}
