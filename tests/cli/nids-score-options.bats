#!/usr/bin/env bats
# nids-score's -z and -v: each must show in the output, so that one that is ignored fails.
bats_require_minimum_version 1.5.0
load helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

setup() {
	setup_tmp
	mk_stream 300 1 benign > "$tmp/benign.rec"
	mk_stream 300 2 > "$tmp/test.rec"
	fit -q -t ae --epochs 1 -o "$tmp/ae.bin" "$tmp/benign.rec"
}
teardown() { teardown_tmp; }

@test "nids-score -z: compressed blocks, the same rows" {
	score -m "$tmp/ae.bin" -o "$tmp/plain.rec" "$tmp/test.rec"
	score -m "$tmp/ae.bin" -z 19 -o "$tmp/z.rec" "$tmp/test.rec"
	# the blocks differ (compressed) and the file is smaller; the text is the same
	run cmp -s "$tmp/plain.rec" "$tmp/z.rec"
	[ "$status" -eq 1 ]
	[ "$(stat -c %s "$tmp/z.rec")" -lt "$(stat -c %s "$tmp/plain.rec")" ]
	ncat "$tmp/plain.rec" > "$tmp/plain.tsv"
	ncat "$tmp/z.rec" > "$tmp/z.tsv"
	cmp "$tmp/plain.tsv" "$tmp/z.tsv"
	# --zstd=LEVEL is the same option
	score -m "$tmp/ae.bin" --zstd=19 "$tmp/test.rec" | cmp - "$tmp/z.rec"
	run -2 --separate-stderr score -m "$tmp/ae.bin" -z 20 "$tmp/test.rec"
	[[ "${stderr_lines[0]}" == "nids-score: "*"'20'"* ]]
}

@test "nids-score -v: rows per second on stderr, nothing without it" {
	run --separate-stderr score -v -m "$tmp/ae.bin" -o "$tmp/s.rec" "$tmp/test.rec"
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ ^nids-score:\ 300\ rows\ in\ [0-9.]+\ s\ \([0-9]+\ rows/s\)\;\ the\ model\'s\ share\ [0-9.]+\ s\ \([0-9]+\ rows/s\)$ ]]
	run --separate-stderr score -m "$tmp/ae.bin" -o "$tmp/s.rec" "$tmp/test.rec"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}
