#!/usr/bin/env bats
# Programs that read streams take several input files (and concatenated streams) as
# one input; a message about a later file names that file and the row counted within
# it, never a row number counted across all inputs.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	setup_tmp
	# a.rec: three clean rows; b.rec: a nan feature in its row 2
	printf 'x\ty\tlabel\n1\t2\t0\n3\t4\t0\n5\t6\t1\n' | ncat -r > "$tmp/a.rec"
	printf 'x\ty\tlabel\n1\t2\t0\nnan\t4\t0\n5\t6\t1\n' | ncat -r > "$tmp/b.rec"
	# cut.rec: a.rec without the end of its end block
	head -c -5 "$tmp/a.rec" > "$tmp/cut.rec"
	# flip.rec: a.rec with a byte of its one data block changed (the checksum fails)
	cp "$tmp/a.rec" "$tmp/flip.rec"
	local n
	n=$(stat -c %s "$tmp/a.rec")
	printf '\125' | dd of="$tmp/flip.rec" bs=1 seek=$((n - 30)) conv=notrunc 2>/dev/null
}
teardown() { teardown_tmp; }

# A featurized stream, and the same with duration nan in its row 3 (edited as text: the
# header records come through, so a detector takes it).
featurized() {
	feat -q -f nslkdd "$fixtures/feat/nslkdd_20.txt" > "$tmp/f.rec"
	ncat --types "$tmp/f.rec" | awk -F'\t' -v OFS='\t' '$1 == "3" { $2 = "nan" } 1' |
		ncat -r > "$tmp/fnan.rec"
}

@test "positions: nids-fit names the later file and its own row of a nan feature" {
	run -1 --separate-stderr fit -q -t kmeans --k 2 -o "$tmp/m.bin" "$tmp/a.rec" "$tmp/a.rec" "$tmp/b.rec"
	[ "$stderr" = "nids-fit: $tmp/b.rec: row 2: feature 'x' is nan (normalize or drop it first)" ]
	[ ! -e "$tmp/m.bin" ]
	# one file holding concatenated streams counts on over them
	cat "$tmp/a.rec" "$tmp/b.rec" > "$tmp/ab.rec"
	run -1 --separate-stderr fit -q -t kmeans --k 2 "$tmp/a.rec" "$tmp/ab.rec"
	[ "$stderr" = "nids-fit: $tmp/ab.rec: row 5: feature 'x' is nan (normalize or drop it first)" ]
	run -1 --separate-stderr sh -c "cat '$tmp/a.rec' '$tmp/a.rec' '$tmp/b.rec' | '$NIDS_BIN/nids-fit' -q -t kmeans --k 2"
	[ "$stderr" = "nids-fit: -: row 8: feature 'x' is nan (normalize or drop it first)" ]
	# the first file is counted the same way
	run -1 --separate-stderr fit -q -t kmeans --k 2 "$tmp/b.rec" "$tmp/a.rec"
	[ "$stderr" = "nids-fit: $tmp/b.rec: row 2: feature 'x' is nan (normalize or drop it first)" ]
}

@test "positions: rows count within each file across blocks, and from 1 in the next file" {
	# 300000 one-float rows fill more than one block (at most 1 MiB each)
	{ echo x; seq 300000; } | awk 'NR == 262150 { $0 = "nan" } 1' | ncat -r > "$tmp/big.rec"
	run -1 --separate-stderr fit -q -t kmeans --k 2 "$tmp/big.rec"
	[ "$stderr" = "nids-fit: $tmp/big.rec: row 262149: feature 'x' is nan (normalize or drop it first)" ]
	printf 'x\n1\n2\n' | ncat -r > "$tmp/two.rec"
	run -1 --separate-stderr fit -q -t kmeans --k 2 "$tmp/two.rec" "$tmp/big.rec"
	[ "$stderr" = "nids-fit: $tmp/big.rec: row 262149: feature 'x' is nan (normalize or drop it first)" ]
	run -1 --separate-stderr "$NIDS_BIN/nids-normalize" -q --fit "$tmp/p.bin" "$tmp/two.rec" "$tmp/big.rec"
	[ "$stderr" = "nids-normalize: $tmp/big.rec: row 262149: column 'x': value nan is not finite" ]
}

@test "positions: nids-cat names the later file of a truncated stream, a damaged block, a text file" {
	run -1 --separate-stderr ncat -o "$tmp/o.tsv" "$tmp/a.rec" "$tmp/a.rec" "$tmp/cut.rec"
	[ "$stderr" = "nids-cat: $tmp/cut.rec: row 4: truncated stream (no end block)" ]
	[ ! -e "$tmp/o.tsv" ]
	run -1 --separate-stderr ncat "$tmp/a.rec" "$tmp/a.rec" "$tmp/flip.rec"
	[ "$stderr" = "nids-cat: $tmp/flip.rec: row 1: block checksum mismatch" ]
	printf 'x,y\n1,2\n' > "$tmp/t.csv"
	run -1 --separate-stderr ncat "$tmp/a.rec" "$tmp/t.csv"
	[ "$stderr" = "nids-cat: $tmp/t.csv: not a nids stream (bad magic); is this CSV? try nids-featurize or nids-cat -r" ]
	# the same bytes through one pipe are one input: rows count across the streams in it
	run -1 --separate-stderr sh -c "cat '$tmp/a.rec' '$tmp/a.rec' '$tmp/cut.rec' | '$NIDS_BIN/nids-cat'"
	[ "$stderr" = "nids-cat: -: row 10: truncated stream (no end block)" ]
}

@test "positions: nids-score names the later file of a truncated stream and of a nan its model's normalization meets" {
	fit -q -t kmeans --k 2 -o "$tmp/km.bin" "$tmp/a.rec"
	run -1 --separate-stderr score -m "$tmp/km.bin" -o "$tmp/s.rec" "$tmp/a.rec" "$tmp/a.rec" "$tmp/cut.rec"
	[ "$stderr" = "nids-score: $tmp/cut.rec: row 4: truncated stream (no end block)" ]
	[ ! -e "$tmp/s.rec" ]
	run -1 --separate-stderr score -m "$tmp/km.bin" "$tmp/a.rec" "$tmp/flip.rec"
	[ "$stderr" = "nids-score: $tmp/flip.rec: row 1: block checksum mismatch" ]
	featurized
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/p.bin" "$tmp/f.rec" |
		fit -q -t kmeans --k 2 -o "$tmp/det.bin"
	run -1 --separate-stderr score -m "$tmp/det.bin" -o "$tmp/s.rec" "$tmp/f.rec" "$tmp/f.rec" "$tmp/fnan.rec"
	[ "$stderr" = "nids-score: $tmp/fnan.rec: row 3: column 'duration': value nan is not finite" ]
	[ ! -e "$tmp/s.rec" ]
	run -1 --separate-stderr sh -c "cat '$tmp/f.rec' '$tmp/fnan.rec' | '$NIDS_BIN/nids-score' -m '$tmp/det.bin'"
	[ "$stderr" = "nids-score: -: row 23: column 'duration': value nan is not finite" ]
	# scoring files one after another gives the bytes scoring them through one pipe gives
	score -m "$tmp/det.bin" "$tmp/f.rec" "$tmp/f.rec" > "$tmp/two.rec"
	cat "$tmp/f.rec" "$tmp/f.rec" | score -m "$tmp/det.bin" | cmp - "$tmp/two.rec"
}

@test "positions: nids-explain names its background file and the row within it" {
	featurized
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/p.bin" "$tmp/f.rec" |
		fit -q -t kmeans --k 2 -o "$tmp/det.bin"
	run -1 --separate-stderr "$NIDS_BIN/nids-explain" -m "$tmp/det.bin" -b "$tmp/fnan.rec" "$tmp/f.rec"
	[ "$stderr" = "nids-explain: $tmp/fnan.rec: row 3: column 'duration': value nan is not finite" ]
}

@test "positions: nids-normalize names the later file and its own row, fitting and applying" {
	run -1 --separate-stderr "$NIDS_BIN/nids-normalize" -q --fit "$tmp/p.bin" -o "$tmp/n.rec" "$tmp/a.rec" "$tmp/a.rec" "$tmp/b.rec"
	[ "$stderr" = "nids-normalize: $tmp/b.rec: row 2: column 'x': value nan is not finite" ]
	[ ! -e "$tmp/p.bin" ]
	[ ! -e "$tmp/n.rec" ]
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/p.bin" "$tmp/a.rec" > /dev/null
	run -1 --separate-stderr "$NIDS_BIN/nids-normalize" -q -p "$tmp/p.bin" -o "$tmp/n.rec" "$tmp/a.rec" "$tmp/b.rec"
	[ "$stderr" = "nids-normalize: $tmp/b.rec: row 2: column 'x': value nan is not finite" ]
	[ ! -e "$tmp/n.rec" ]
	run -1 --separate-stderr "$NIDS_BIN/nids-normalize" -q -p "$tmp/p.bin" "$tmp/a.rec" "$tmp/cut.rec"
	[ "$stderr" = "nids-normalize: $tmp/cut.rec: row 4: truncated stream (no end block)" ]
}

@test "positions: nids-split, nids-threshold and nids-roc name the later file and its own row" {
	printf 'x\ty\tlabel\n1\t2\t0\n3\t4\t0.5\n' | ncat -r > "$tmp/l.rec"
	run -1 --separate-stderr "$NIDS_BIN/nids-split" --benign "$tmp/a.rec" "$tmp/l.rec"
	[ "$stderr" = "nids-split: $tmp/l.rec: row 2: label 0.5 is not 0 or 1" ]
	printf 'x\tscore\tlabel\n1\t0.5\t0\n3\t0.7\t1\n' | ncat -r > "$tmp/s1.rec"
	printf 'x\tscore\tlabel\n1\t0.5\t0\n3\tnan\t1\n' | ncat -r > "$tmp/s2.rec"
	run -1 --separate-stderr "$NIDS_BIN/nids-threshold" --value 0.6 "$tmp/s1.rec" "$tmp/s2.rec"
	[ "$stderr" = "nids-threshold: $tmp/s2.rec: row 2: score 'score' is nan" ]
	printf 'x\tscore\tlabel\n1\t0.5\t0\n3\t0.7\t2\n' | ncat -r > "$tmp/s3.rec"
	run -1 --separate-stderr "$NIDS_BIN/nids-roc" "$tmp/s1.rec" "$tmp/s1.rec" "$tmp/s3.rec"
	[ "$stderr" = "nids-roc: $tmp/s3.rec: row 2: label 2 is not 0 or 1" ]
}
