#!/usr/bin/env bats
# Scaling out: a row's score depends only on the row and the model, so a stream cut into
# chunks, scored by separate processes (GNU parallel on cores or ssh hosts, Slurm array
# tasks) and concatenated gives exactly what one process gives; nids-roc and
# nids-threshold on the merged output equal one process's results.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR b=$NIDS_BIN
	# the first 12,000 rows of KDDTest+
	zstd -dcq "$NIDS_TOP/examples/data/KDDTest+.txt.zst" | head -n 12000 > "$d/test.csv"
	"$b/nids-featurize" -q -f nslkdd "$NIDS_TOP/examples/data/KDDTrain+_20Percent.txt.zst" \
		> "$d/raw-train.rec"
	"$b/nids-split" -q --benign "$d/raw-train.rec" |
		"$b/nids-normalize" -q --fit "$d/norm.bin" > "$d/benign.rec"
	"$b/nids-normalize" -q -p "$d/norm.bin" "$d/raw-train.rec" > "$d/train.rec"
	"$b/nids-fit" -q -t ae --epochs 2 --max-rows 4000 -o "$d/ae.bin" "$d/benign.rec"
	"$b/nids-fit" -q -t vae --epochs 2 --max-rows 4000 -o "$d/vae.bin" "$d/benign.rec"
	"$b/nids-fit" -q -t kmeans --max-rows 4000 -o "$d/kmeans.bin" "$d/benign.rec"
	"$b/nids-fit" -q -t forest --max-rows 4000 -o "$d/forest.bin" "$d/train.rec"
}

setup() { setup_tmp; d=$BATS_FILE_TMPDIR; }
teardown() { teardown_tmp; }

# A stream as text without its record column: the record number counts the rows of
# each featurize input, so a chunk's restart at 1 (flows are named by their
# identifiers, which pass through exactly).
rows() {
	local cols
	cols=$(ncat -n 0 "$1" | tr '\t' '\n' | grep -vx record | paste -sd, -)
	ncat -c "$cols" "$1"
}

# CSV on stdin -> scored stream on stdout with model $1 on $2 threads
pipe() {
	"$NIDS_BIN/nids-featurize" -q -f nslkdd | "$NIDS_BIN/nids-normalize" -q -p "$d/norm.bin" |
		"$NIDS_BIN/nids-score" -m "$d/$1.bin" -j "$2"
}

@test "nids-scale: chunks of odd sizes, -j 1 and -j 2, and permuted rows score identically" {
	split -l 2999 -a 2 "$d/test.csv" "$tmp/chunk."
	for m in ae vae kmeans forest; do
		pipe "$m" 1 < "$d/test.csv" > "$tmp/whole.rec"
		for c in "$tmp"/chunk.??; do pipe "$m" 2 < "$c"; done > "$tmp/merged.rec"
		rows "$tmp/whole.rec" > "$tmp/whole.tsv"
		rows "$tmp/merged.rec" > "$tmp/merged.tsv"
		cmp "$tmp/whole.tsv" "$tmp/merged.tsv" || { echo "$m: chunked differs"; return 1; }
		# the rows in another order: each row keeps its score
		awk 'BEGIN { srand(7) } { printf "%.12f\t%s\n", rand(), $0 }' "$d/test.csv" |
			sort -k1,1 | cut -f2- | pipe "$m" 2 > "$tmp/perm.rec"
		rows "$tmp/perm.rec" | tail -n +2 | sort > "$tmp/perm.sorted"
		tail -n +2 "$tmp/whole.tsv" | sort > "$tmp/whole.sorted"
		cmp "$tmp/whole.sorted" "$tmp/perm.sorted" || { echo "$m: permuted differs"; return 1; }
	done
	[ "$(wc -l < "$tmp/whole.tsv")" -eq 12001 ]
}

@test "nids-scale: nids-roc and nids-threshold --fit on merged chunks equal one process" {
	split -n l/5 -a 1 "$d/test.csv" "$tmp/chunk."
	pipe ae 1 < "$d/test.csv" > "$tmp/whole.rec"
	for c in a b c d e; do pipe ae 2 < "$tmp/chunk.$c" > "$tmp/part.$c.rec"; done
	cat "$tmp"/part.?.rec > "$tmp/merged.rec"
	# merged in another order: the same numbers (per-class lines follow the class
	# table, which lists classes as they first appear)
	cat "$tmp"/part.{e,c,a,d,b}.rec > "$tmp/shuffled.rec"
	"$NIDS_BIN/nids-roc" --json "$tmp/whole.rec" > "$tmp/whole.json"
	grep -q '"auroc"' "$tmp/whole.json"
	"$NIDS_BIN/nids-roc" --json "$tmp/merged.rec" > "$tmp/merged.json"
	cmp "$tmp/whole.json" "$tmp/merged.json"
	"$NIDS_BIN/nids-roc" --json "$tmp/shuffled.rec" > "$tmp/shuffled.json"
	cmp <(sed 's/,$//' "$tmp/whole.json" | sort) <(sed 's/,$//' "$tmp/shuffled.json" | sort)
	"$NIDS_BIN/nids-roc" < "$tmp/whole.rec" > "$tmp/whole.txt"
	"$NIDS_BIN/nids-roc" < "$tmp/merged.rec" > "$tmp/merged.txt"
	cmp "$tmp/whole.txt" "$tmp/merged.txt"
	"$NIDS_BIN/nids-roc" --curve roc "$tmp/whole.rec" > "$tmp/whole.curve"
	"$NIDS_BIN/nids-roc" --curve roc "$tmp/shuffled.rec" > "$tmp/shuffled.curve"
	cmp "$tmp/whole.curve" "$tmp/shuffled.curve"
	for how in "--percentile 95" "--sigma 3" "--rate 0.4" "--best-f1"; do
		for m in merged shuffled; do
			# shellcheck disable=SC2086
			"$NIDS_BIN/nids-threshold" $how -o "$tmp/t.whole" "$tmp/whole.rec" > "$tmp/p.whole"
			# shellcheck disable=SC2086
			"$NIDS_BIN/nids-threshold" $how -o "$tmp/t.$m" < "$tmp/$m.rec" > "$tmp/p.$m"
			cmp "$tmp/t.whole" "$tmp/t.$m" || { echo "threshold $how, $m differs"; return 1; }
			cmp "$tmp/p.whole" "$tmp/p.$m"
		done
	done
	# the threshold applied to each chunk gives the alarms of the whole
	"$NIDS_BIN/nids-threshold" -p "$tmp/t.whole" --alarms-only "$tmp/whole.rec" \
		> "$tmp/alarms.whole.rec"
	for c in a b c d e; do
		"$NIDS_BIN/nids-threshold" -p "$tmp/t.whole" --alarms-only "$tmp/part.$c.rec"
	done > "$tmp/alarms.merged.rec"
	rows "$tmp/alarms.whole.rec" > "$tmp/alarms.whole"
	rows "$tmp/alarms.merged.rec" > "$tmp/alarms.merged"
	cmp "$tmp/alarms.whole" "$tmp/alarms.merged"
	[ "$(wc -l < "$tmp/alarms.whole")" -gt 500 ]
}

@test "nids-scale: parallel --pipepart on every core, CSV header passed to each chunk" {
	command -v parallel >/dev/null || skip "GNU parallel not installed (apt-get install parallel)"
	awk 'BEGIN { srand(3); print "duration,bytes,packets,rate,label"
		for (i = 0; i < 30000; i++) { a = rand() < 0.2
			printf "%.3f,%d,%d,%.5f,%s\n", rand() * (a ? 90 : 10), int(rand() * 5000),
				int(rand() * 40) + a * 30, rand(), a ? "attack" : "normal" } }' > "$tmp/day.csv"
	"$NIDS_BIN/nids-featurize" -q -f csv "$tmp/day.csv" > "$tmp/day.rec"
	"$NIDS_BIN/nids-split" -q --benign "$tmp/day.rec" |
		"$NIDS_BIN/nids-fit" -q -t ae --epochs 2 -o "$tmp/ae.bin"
	"$NIDS_BIN/nids-score" -m "$tmp/ae.bin" "$tmp/day.rec" > "$tmp/whole.rec"
	PARALLEL_HOME=$tmp/ph parallel --will-cite --pipepart -a "$tmp/day.csv" --header 1 \
		--block -3 -k -j 2 \
		"$NIDS_BIN/nids-featurize -q -f csv | $NIDS_BIN/nids-score -m $tmp/ae.bin" \
		> "$tmp/merged.rec"
	rows "$tmp/whole.rec" > "$tmp/whole.tsv"
	rows "$tmp/merged.rec" > "$tmp/merged.tsv"
	cmp "$tmp/whole.tsv" "$tmp/merged.tsv"
	[ "$(wc -l < "$tmp/merged.tsv")" -eq 30001 ]
	"$NIDS_BIN/nids-roc" --json "$tmp/whole.rec" > "$tmp/whole.json"
	"$NIDS_BIN/nids-roc" --json "$tmp/merged.rec" > "$tmp/merged.json"
	cmp "$tmp/whole.json" "$tmp/merged.json"
}

# Runs tests/scale/$1 with a time bound; its exit 77 means it cannot run here (the
# reason on stdout), which is a skip, never a pass.
run_scale() {
	run timeout -s TERM 120 bash "$NIDS_TOP/tests/scale/$1" "$NIDS_BIN"
	[ "$status" -ne 77 ] || skip "$output"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "nids-scale: parallel over ssh to 2 namespaced hosts equals one process" {
	run_scale ssh-hosts.sh
	[[ "$output" == "ok: "*" chunks on 2 hosts, 40000 rows identical" ]]
}

@test "nids-scale: examples/slurm_array.sh on a localhost Slurm equals one process" {
	run_scale slurm.sh
	[[ "$output" == "ok: 4 array tasks, 6000 rows identical" ]]
}

@test "nids-scale: nids-split --partition K/N puts each source address in exactly one part" {
	local split=$NIDS_BIN/nids-split
	zstd -dcq "$NIDS_TOP"/examples/data/ugr16-july-week5-first5k.csv.zst > "$tmp/flows.csv"
	feat -q -f ugr16 "$tmp/flows.csv" > "$tmp/all.rec"
	for k in 1 2 3; do "$split" -q --partition "$k/3" "$tmp/all.rec" > "$tmp/p$k.rec"; done
	# together the parts are the input, row for row
	ncat "$tmp/all.rec" | tail -n +2 | sort > "$tmp/all.txt"
	for k in 1 2 3; do ncat "$tmp/p$k.rec" | tail -n +2; done | sort > "$tmp/parts.txt"
	cmp "$tmp/all.txt" "$tmp/parts.txt"
	# no source address in two parts, and every part has some
	for k in 1 2 3; do
		ncat -H -c src_addr "$tmp/p$k.rec" | sort -u > "$tmp/src$k"
		[ -s "$tmp/src$k" ]
	done
	[ -z "$(sort "$tmp"/src? | uniq -d)" ]
	# a part does not depend on the rest of the stream: halves, partitioned apart, agree
	head -n 2000 "$tmp/flows.csv" | feat -q -f ugr16 | "$split" -q --partition 2/3 > "$tmp/h1.rec"
	tail -n +2001 "$tmp/flows.csv" | feat -q -f ugr16 | "$split" -q --partition 2/3 > "$tmp/h2.rec"
	cat "$tmp/h1.rec" "$tmp/h2.rec" | ncat -H -c src_addr | sort -u > "$tmp/halves"
	cmp "$tmp/src2" "$tmp/halves"
	# another key column
	"$split" -q --partition 1/2 --key dst_addr "$tmp/all.rec" | ncat -H -c dst_addr |
		sort -u > "$tmp/d1"
	"$split" -q --partition 2/2 --key dst_addr "$tmp/all.rec" | ncat -H -c dst_addr |
		sort -u > "$tmp/d2"
	[ -z "$(sort "$tmp/d1" "$tmp/d2" | uniq -d)" ]
	run -2 --separate-stderr "$split" --partition 4/3 "$tmp/all.rec"
	[ "${stderr_lines[0]}" = "nids-split: option '--partition': '4/3' is not K/N with 1 <= K <= N <= 65536" ]
	run -1 --separate-stderr "$split" --partition 1/2 --key nope "$tmp/all.rec"
	[ "$stderr" = "nids-split: $tmp/all.rec: --key: the stream has no column 'nope'" ]
	run -2 --separate-stderr "$split" --key src_addr "$tmp/all.rec"
	[ "${stderr_lines[0]}" = "nids-split: --key goes with --partition" ]
}
