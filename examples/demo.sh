#!/bin/sh
# The demo `make demo` runs: NSL-KDD through the whole pipeline on the real data that
# ships in examples/data (a 20% sample of KDDTrain+, and all of KDDTest+): featurize,
# keep the benign training rows, fit min-max scaling on them, train an autoencoder,
# score the test set, and evaluate. Programs come from PATH (make demo puts build/bin
# first). Set OUT=DIR to keep the files (roc.svg among them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${OUT:-}" ]; then
	work=$OUT
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi

echo "== 1. featurize: NSL-KDD CSV -> record stream"
nids-featurize -v -o "$work/train.rec" "$here/data/KDDTrain+_20Percent.txt.zst"
nids-featurize -v -o "$work/test.rec" "$here/data/KDDTest+.txt.zst"
nids-cat -n 3 -c duration,protocol_type=tcp,service=http,src_bytes,label,class "$work/test.rec"

echo
echo "== 2. keep the benign training rows; fit min-max scaling on them"
nids-split -v --benign "$work/train.rec" | nids-normalize -v --fit "$work/norm.bin" -o "$work/benign.rec"
nids-normalize -q -p "$work/norm.bin" -o "$work/test.norm.rec" "$work/test.rec"

echo
echo "== 3. train an autoencoder (d-64-32-16-32-64-d) on them"
nids-fit -v -t ae --epochs 10 --seed 0 -j 2 -o "$work/ae.bin" "$work/benign.rec"

echo
echo "== 4. score the test set (reconstruction error), evaluate"
nids-score -m "$work/ae.bin" -j 2 "$work/test.norm.rec" > "$work/scored.rec"
nids-threshold --percentile 95 -o "$work/ae.thr" "$work/scored.rec" >/dev/null # (roc prints it)
nids-roc -p "$work/ae.thr" --svg "$work/roc.svg" "$work/scored.rec"
[ -n "${OUT:-}" ] && echo "plots: $work/roc.svg"
exit 0
