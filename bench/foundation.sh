#!/bin/bash
# Foundation benchmarks: featurize throughput, the featurize | normalize --fit
# pipeline against ../shared/bench/featurize_pandas.py side by side, and peak RSS of
# featurize / normalize / split / cat on a 1 GB input.
# Usage: PATH=build/bin:$PATH bash bench/foundation.sh   (make bench runs it)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=${DATA:-$top/../shared/data}
work=${WORK:-/tmp/nids-bench-foundation}
PY=/usr/bin/python3
mkdir -p "$work"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%F)"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"

zstd -dcq --long=31 "$data/kddcup.data_10_percent.zst" > "$work/kdd10.csv"
zstd -dcq --long=31 "$data/KDDTrain+.txt.zst" > "$work/KDDTrain+.txt"

best() { # best-of-3 wall seconds of a shell command
	local b=999999999999 t0 t1
	for _ in 1 2 3; do
		t0=$(date +%s%N); bash -c "$1" > /dev/null; t1=$(date +%s%N)
		b=$(( (t1 - t0) < b ? (t1 - t0) : b ))
	done
	awk -v ns="$b" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

mb=$(awk -v b="$(stat -c %s "$work/kdd10.csv")" 'BEGIN { printf "%.1f", b / 1e6 }')
t=$(best "taskset -c 0 nids-featurize -q '$work/kdd10.csv' > /dev/null")
echo "featurize kddcup.data_10_percent ($mb MB, one core): $t s = $(awk -v m="$mb" -v t="$t" 'BEGIN { printf "%.0f", m / t }') MB/s"

if command -v nids-normalize > /dev/null; then
	tn=$(best "nids-featurize -q '$work/KDDTrain+.txt' | nids-normalize -q --fit '$work/norm.bin' > /dev/null")
	tp=$(best "cd '$top/../shared/bench' && $PY featurize_pandas.py --train '$work/KDDTrain+.txt' --out '$work/pandas'")
	echo "KDDTrain+ featurize | normalize --fit: nids $tn s, pandas $tp s: $(awk -v a="$tp" -v b="$tn" 'BEGIN { printf "%.1f", a / b }')x"
fi

# 1 GB input: kddcup.data_10_percent repeated
if [ ! -s "$work/big.csv" ]; then
	for _ in $(seq 14); do cat "$work/kdd10.csv"; done > "$work/big.csv"
fi
rss() { /usr/bin/time -f '%M' bash -c "$1" 2>&1 >/dev/null | tail -1; }
echo "1 GB input ($(stat -c %s "$work/big.csv") bytes), peak RSS in MB:"
echo "  nids-featurize: $(( $(rss "nids-featurize -q '$work/big.csv' > '$work/big.rec'") / 1024 ))"
echo "  nids-cat:       $(( $(rss "nids-cat '$work/big.rec' > /dev/null") / 1024 ))"
if command -v nids-normalize > /dev/null; then
	echo "  nids-normalize --fit: $(( $(rss "nids-normalize -q --fit '$work/n.bin' < '$work/big.rec' > /dev/null") / 1024 ))"
	echo "  nids-normalize -p:    $(( $(rss "nids-normalize -q -p '$work/n.bin' < '$work/big.rec' > /dev/null") / 1024 ))"
fi
if command -v nids-split > /dev/null; then
	echo "  nids-split:     $(( $(rss "nids-split -q --attacks --fraction 0.5 < '$work/big.rec' > /dev/null") / 1024 ))"
fi
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$work/big.rec"
