#!/usr/bin/env bats
# Output files: all of a run's or none of them, wherever the run fails; a symbolic link
# stays a link and a replaced file keeps its mode.
load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_tmp
	feat -q "$NIDS_TOP/tests/fixtures/feat/nslkdd_20.txt" > "$tmp/raw.rec"
	"$NIDS_BIN/nids-normalize" -q --fit "$tmp/n.bin" "$tmp/raw.rec" > "$tmp/n.rec"
}
teardown() { teardown_tmp; }

@test "outputs: a failed run leaves none of its side files (fit, roc, select)" {
	run -1 --separate-stderr fit -q -t tree --dump "$tmp/t.dump" --importances "$tmp/t.imp" -o /dev/full "$tmp/n.rec"
	[ "$stderr" = "nids-fit: /dev/full: write error: No space left on device" ]
	[ ! -e "$tmp/t.dump" ]
	[ ! -e "$tmp/t.imp" ]
	fit -q -t tree --dump "$tmp/t.dump" --importances "$tmp/t.imp" -o "$tmp/t.bin" "$tmp/n.rec"
	[ -s "$tmp/t.dump" ]
	[ -s "$tmp/t.imp" ]
	# and the side files of an earlier run stay as they were
	cp "$tmp/t.dump" "$tmp/dump.before"
	cp "$tmp/t.imp" "$tmp/imp.before"
	run -1 --separate-stderr fit -q -t tree --max-depth 1 --dump "$tmp/t.dump" --importances "$tmp/t.imp" -o /dev/full "$tmp/n.rec"
	cmp "$tmp/t.dump" "$tmp/dump.before"
	cmp "$tmp/t.imp" "$tmp/imp.before"
	run -1 --separate-stderr fit -q -t forest --trees 2 --importances "$tmp/t.imp" -o /dev/full "$tmp/n.rec"
	cmp "$tmp/t.imp" "$tmp/imp.before"
	score -m "$tmp/t.bin" "$tmp/n.rec" > "$tmp/s.rec"
	run -1 --separate-stderr "$NIDS_BIN/nids-roc" --svg "$tmp/r.svg" --density "$tmp/d.svg" -o /dev/full "$tmp/s.rec"
	[ "$stderr" = "nids-roc: /dev/full: write error: No space left on device" ]
	[ ! -e "$tmp/r.svg" ]
	[ ! -e "$tmp/d.svg" ]
	run -1 --separate-stderr "$NIDS_BIN/nids-select" -m "$tmp/t.bin" --permutation "$tmp/p.tsv" --top 3 -o /dev/full "$tmp/n.rec"
	[ "$stderr" = "nids-select: /dev/full: write error: No space left on device" ]
	[ ! -e "$tmp/p.tsv" ]
	echo earlier > "$tmp/p.tsv"
	run -1 --separate-stderr "$NIDS_BIN/nids-select" -m "$tmp/t.bin" --permutation "$tmp/p.tsv" --top 3 -o /dev/full "$tmp/n.rec"
	[ "$(cat "$tmp/p.tsv")" = earlier ]
	rm "$tmp/p.tsv"
	# and a side file's own write error names it
	run -1 --separate-stderr "$NIDS_BIN/nids-explain" -m "$tmp/t.bin" --fingerprint /dev/full -o /dev/null "$tmp/n.rec"
	[ "$stderr" = "nids-explain: /dev/full: write error: No space left on device" ]
}

@test "outputs: permutation importance of rows with one label is refused, and writes no file" {
	fit -q -t tree -o "$tmp/t.bin" "$tmp/n.rec"
	"$NIDS_BIN/nids-split" -q --benign "$tmp/n.rec" > "$tmp/benign.rec"
	run -1 --separate-stderr "$NIDS_BIN/nids-select" -m "$tmp/t.bin" --permutation "$tmp/p.tsv" --top 3 "$tmp/benign.rec"
	[ "$stderr" = "nids-select: $tmp/benign.rec: permutation importance needs benign and attack rows; these rows have one label" ]
	[ ! -e "$tmp/p.tsv" ]
}

@test "outputs: killed by a broken pipe, a run leaves no temporary file" {
	feat -q "$NIDS_TOP/examples/data/KDDTest+.txt.zst" > "$tmp/big.rec"
	run bash -c "cd '$tmp' && '$NIDS_BIN/nids-normalize' -q --fit p.bin big.rec | head -c 10 > /dev/null; echo \${PIPESTATUS[0]}"
	[ "$output" = 141 ]
	[ -z "$(ls "$tmp" | grep '\.tmp')" ]
	[ ! -e "$tmp/p.bin" ]
	# a SIGPIPE the caller ignores stays ignored: a write error, exit 1
	run --separate-stderr bash -c "trap '' PIPE; cd '$tmp' && '$NIDS_BIN/nids-normalize' -q --fit p.bin big.rec | head -c 10 > /dev/null; echo \${PIPESTATUS[0]}"
	[ "$output" = 1 ]
	[[ "$stderr" == "nids-normalize: write error: Broken pipe" ]]
	[ -z "$(ls "$tmp" | grep '\.tmp')" ]
	[ ! -e "$tmp/p.bin" ]
}

@test "outputs: -o through a symbolic link replaces the file it points to; a replaced file keeps its mode" {
	echo old > "$tmp/target.bin"
	chmod 640 "$tmp/target.bin"
	ln -s target.bin "$tmp/link.bin"
	fit -q -t kmeans --k 2 -o "$tmp/link.bin" "$tmp/n.rec"
	[ -L "$tmp/link.bin" ]
	[ "$(stat -c %a "$tmp/target.bin")" = 640 ]
	run -0 score --info -m "$tmp/target.bin"
	[ "${lines[0]}" = type=kmeans ]
	# a new file gets the umask's mode
	umask 022
	fit -q -t kmeans --k 2 -o "$tmp/new.bin" "$tmp/n.rec"
	[ "$(stat -c %a "$tmp/new.bin")" = 644 ]
}
