#!/bin/sh
# nslkdd_prep.sh DIR: NSL-KDD as the neural examples and bench/neural.sh use it.
# Writes DIR/train.rec (all of KDDTrain+), DIR/benign.rec (its benign rows) and
# DIR/test.rec (KDDTest+), min-max normalized with parameters fit on the benign
# training rows. DATA: where KDDTrain+.txt.zst is [default: ../shared/data].
set -eu
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../shared/data}
mkdir -p "$dir"
nids-featurize -q -f nslkdd -o "$dir/raw-train.rec" "$data/KDDTrain+.txt.zst"
nids-featurize -q -f nslkdd -o "$dir/raw-test.rec" "$data/KDDTest+.txt.zst"
nids-split -q --benign "$dir/raw-train.rec" | nids-normalize -q --fit "$dir/norm.bin" \
	-o "$dir/benign.rec"
nids-normalize -q -p "$dir/norm.bin" -o "$dir/train.rec" "$dir/raw-train.rec"
nids-normalize -q -p "$dir/norm.bin" -o "$dir/test.rec" "$dir/raw-test.rec"
rm -f "$dir/raw-train.rec" "$dir/raw-test.rec"
