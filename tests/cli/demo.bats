#!/usr/bin/env bats
# examples/demo.sh, which `make demo` runs: NSL-KDD through the pipeline, each step
# saying what it found.
load helpers
bats_require_minimum_version 1.5.0

setup() { setup_tmp; export PATH="$NIDS_BIN:$PATH"; }
teardown() { teardown_tmp; }

@test "demo: each step reports its counts; the evaluation's figures; OUT keeps the plot" {
	run -0 --separate-stderr env OUT="$tmp/out" sh "$NIDS_TOP/examples/demo.sh"
	[[ "$stderr" == *"nids-featurize: $NIDS_TOP/examples/data/KDDTest+.txt.zst: 22544 rows (9711 benign, 12833 attack)"* ]]
	[[ "$stderr" == *"nids-split: $tmp/out/train.rec: 25192 rows read, 13449 kept"* ]]
	[[ "$stderr" == *"nids-normalize: $tmp/out/norm.bin: minmax over 13449 rows, 125 feature columns (57 constant)"* ]]
	[[ "$stderr" == *"nids-fit: -t ae: 13449 training rows (13449 read), 0 validation, 125 features, 21456 parameters"* ]]
	[[ "$output" == *$'\nrows        22544\nbenign      9711\nattacks     12833\nAUROC       0.9'* ]]
	[[ "$output" == *$'\nthreshold   '*$' (percentile 95)\n'* ]]
	# the threshold is printed once, in nids-roc's table
	[ "$(grep -c '^0\.[0-9]*$' <<< "$output")" -eq 0 ]
	[[ "$output" == *"plots: $tmp/out/roc.svg" ]]
	grep -q '<svg' "$tmp/out/roc.svg"
}
