#!/bin/bash
# nids-normalize and nids-split throughput on the KDDTrain+ features, side by side with
# the normalization step of ../shared/bench/featurize_pandas.py (its Featurizer's
# min-max: Z.min(), Z.max(), span with 0 -> 1, (Z - lo) / span, to float32) timed
# in-process on the same feature matrix, plus the whole featurize + normalize pipeline
# against the whole pandas script, and peak RSS on a 1 GB stream.
# Usage: PATH=build/bin:$PATH bash bench/prep.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=${DATA:-$top/../shared/data}
work=${WORK:-/tmp/nids-bench-prep}
PY=/usr/bin/python3
mkdir -p "$work"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%F %H:%M') UTC"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"

zstd -dcq --long=31 "$data/KDDTrain+.txt.zst" > "$work/KDDTrain+.txt"
nids-featurize -q -f nslkdd "$work/KDDTrain+.txt" > "$work/train.rec"
rows=$(nids-cat -i "$work/train.rec" | awk '$1 == "rows" { print $2 }')
feats=$(nids-cat -i "$work/train.rec" | awk '$3 == "feature" { n++ } END { print n }')
mb=$(awk -v b="$(stat -c %s "$work/train.rec")" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "# KDDTrain+ stream: $rows rows, $feats feature columns, $mb MB"

best() { # best-of-5 wall seconds of a shell command
	local b=999999999999 t0 t1
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N); bash -c "$1" > /dev/null; t1=$(date +%s%N)
		b=$(( (t1 - t0) < b ? (t1 - t0) : b ))
	done
	awk -v ns="$b" 'BEGIN { printf "%.3f", ns / 1e9 }'
}
line() { # label, seconds
	awk -v l="$1" -v t="$2" -v r="$rows" -v m="$mb" \
		'BEGIN { printf "%-44s %7.3f s %10.0f rows/s %7.0f MB/s\n", l, t, r / t, m / t }'
}

t=$(best "nids-cat -i < '$work/train.rec'"); line "nids-cat -i (read + checksums only)" "$t"
t=$(best "nids-normalize -q --fit '$work/n.bin' < '$work/train.rec'"); line "nids-normalize --fit (minmax)" "$t"
t=$(best "nids-normalize -q --fit '$work/z.bin' -t zscore < '$work/train.rec'"); line "nids-normalize --fit -t zscore" "$t"
t=$(best "nids-normalize -q --fit '$work/l.bin' -t log1p < '$work/train.rec'"); line "nids-normalize --fit -t log1p" "$t"
t=$(best "nids-normalize -p '$work/n.bin' < '$work/train.rec'"); line "nids-normalize -p (minmax)" "$t"
t=$(best "nids-normalize -p '$work/n.bin' --clamp < '$work/train.rec'"); line "nids-normalize -p --clamp" "$t"
t=$(best "nids-normalize -p '$work/l.bin' < '$work/train.rec'"); line "nids-normalize -p (log1p)" "$t"
t=$(best "nids-split -q --benign < '$work/train.rec'"); line "nids-split --benign" "$t"
t=$(best "nids-split -q --val 0.1 -o '$work/t.rec' --val-output '$work/v.rec' < '$work/train.rec'"); line "nids-split --val 0.1 -o --val-output" "$t"
t=$(best "nids-split -q --balance < '$work/train.rec'"); line "nids-split --balance" "$t"

# the peer's min-max step alone, in-process, on the same matrix (loading not timed)
cols=$(nids-cat -i "$work/train.rec" | awk '$3 == "feature" { printf "%s%s", s, $2; s = "," }')
nids-cat -c "$cols" "$work/train.rec" > "$work/features.tsv"
$PY - "$work/features.tsv" "$rows" <<'PYEOF'
import sys, time
import numpy as np, pandas as pd
Z = pd.read_csv(sys.argv[1], sep="\t").astype(np.float32)
best = 1e9
for _ in range(5):
    t0 = time.perf_counter()
    lo, hi = Z.min(), Z.max()
    span = (hi - lo).replace(0, 1)
    X = ((Z - lo) / span).to_numpy(np.float32)
    best = min(best, time.perf_counter() - t0)
rows = int(sys.argv[2])
print("%-44s %7.3f s %10.0f rows/s   (in-process, no I/O)" % ("pandas peer: min-max fit + transform", best, rows / best))
PYEOF

# whole pipelines, side by side, alternating
tn=999; tp=999
for _ in 1 2 3; do
	t=$(best "nids-featurize -q -f nslkdd '$work/KDDTrain+.txt' | nids-normalize -q --fit '$work/n2.bin' > /dev/null")
	tn=$(awk -v a="$tn" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
	t0=$(date +%s%N)
	(cd "$top/../shared/bench" && $PY featurize_pandas.py --train "$work/KDDTrain+.txt" --out "$work/pandas" > /dev/null 2>&1)
	t1=$(date +%s%N)
	tp=$(awk -v a="$tp" -v ns=$((t1 - t0)) 'BEGIN { t = ns / 1e9; print (t < a ? t : a) }')
done
echo "KDDTrain+ featurize | normalize --fit: nids $tn s, featurize_pandas.py $(printf %.3f "$tp") s: $(awk -v a="$tp" -v b="$tn" 'BEGIN { printf "%.1f", a / b }')x"

# 1 GB: the stream concatenated with itself (valid: the headers agree)
n=$(( 1000000000 / $(stat -c %s "$work/train.rec") + 1 ))
for _ in $(seq "$n"); do cat "$work/train.rec"; done > "$work/big.rec"
rss() { /usr/bin/time -f '%M' bash -c "$1" 2>&1 >/dev/null | tail -1; }
echo "1 GB stream ($(stat -c %s "$work/big.rec") bytes, $n copies), peak RSS in MB:"
echo "  nids-normalize --fit:   $(( $(rss "nids-normalize -q --fit '$work/b.bin' < '$work/big.rec' > /dev/null") / 1024 ))"
echo "  nids-normalize -p:      $(( $(rss "nids-normalize -p '$work/b.bin' < '$work/big.rec' > /dev/null") / 1024 ))"
echo "  nids-split --balance:   $(( $(rss "nids-split -q --balance < '$work/big.rec' > /dev/null") / 1024 ))"
echo "  nids-split --val 0.1:   $(( $(rss "nids-split -q --val 0.1 -o '$work/t.rec' --val-output '$work/v.rec' < '$work/big.rec'") / 1024 ))"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$work/big.rec" "$work/t.rec" "$work/v.rec"
