#!/bin/sh
# nslkdd_prep.sh DIR: NSL-KDD as the neural examples and bench/neural.sh use it.
# Writes DIR/train.rec (all of KDDTrain+), DIR/benign.rec (its benign rows) and
# DIR/test.rec (KDDTest+), min-max normalized with parameters fit on the benign
# training rows. Uses nids-split and nids-normalize when they are on PATH, else
# nids-cat + awk stand-ins. DATA: where KDDTrain+.txt.zst is [default: ../shared/data].
set -eu
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../shared/data}
mkdir -p "$dir"
nids-featurize -q -f nslkdd -o "$dir/raw-train.rec" "$data/KDDTrain+.txt.zst"
nids-featurize -q -f nslkdd -o "$dir/raw-test.rec" "$data/KDDTest+.txt.zst"
if command -v nids-split >/dev/null && command -v nids-normalize >/dev/null; then
	nids-split --benign "$dir/raw-train.rec" | nids-normalize --fit "$dir/norm.bin" \
		-o "$dir/benign.rec"
	nids-normalize -p "$dir/norm.bin" -o "$dir/train.rec" "$dir/raw-train.rec"
	nids-normalize -p "$dir/norm.bin" -o "$dir/test.rec" "$dir/raw-test.rec"
else
	sh "$here/minmax.sh" "$dir/raw-train.rec" "$dir/raw-train.rec" "$dir/train.rec" \
		"$dir/raw-test.rec" "$dir/test.rec"
	nids-cat "$dir/train.rec" | awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == "label") l = i; print; next } $l == 0' | nids-cat -r -o "$dir/benign.rec"
fi
rm -f "$dir/raw-train.rec" "$dir/raw-test.rec"
