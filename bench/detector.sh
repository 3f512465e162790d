#!/bin/bash
# The complete detector and the stream's identifiers, measured:
#  1. scores of `featurize | score -m detector` against the explicit
#     `featurize | normalize -p | score` pipeline, byte for byte, for ae, vae, aegmm and
#     forest on NSL-KDD (KDDTrain+ / KDDTest+) and on the UGR'16 excerpt;
#  2. featurize throughput on kddcup.data_10_percent, interleaved with a build of
#     another revision when BASE=build-dir is given (best of 7 each, one core);
#  3. peak RSS of every streaming program on a 1 GB CSV (and its stream).
# Usage: PATH=build/bin:$PATH bash bench/detector.sh   [BASE=/path/to/other/build/bin]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=${DATA:-$top/../shared/data}
work=${WORK:-/tmp/nids-bench-detector}
mkdir -p "$work"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%F %H:%M') UTC"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "## 1. byte-identical scores"
same() { # name train.rec test.rec
	local tr=$2 te=$3
	nids-split -q --benign "$tr" | nids-normalize -q --fit "$work/norm.bin" > "$work/benign.rec"
	nids-normalize -q -p "$work/norm.bin" "$tr" > "$work/all.rec"
	nids-fit -q -t ae --epochs 5 -o "$work/ae.bin" "$work/benign.rec"
	nids-fit -q -t vae --epochs 5 -o "$work/vae.bin" "$work/benign.rec"
	nids-fit -q -t aegmm --epochs 5 -o "$work/aegmm.bin" "$work/benign.rec"
	nids-fit -q -t forest -j 2 -o "$work/forest.bin" "$work/all.rec"
	for m in ae vae aegmm forest; do
		nids-score -m "$work/$m.bin" "$te" | nids-cat -c score > "$work/a"
		nids-normalize -q -p "$work/norm.bin" "$te" | nids-score -m "$work/$m.bin" | nids-cat -c score > "$work/b"
		if cmp -s "$work/a" "$work/b"; then r=identical; else r=DIFFERENT; fi
		echo "$1 $m: $(($(wc -l < "$work/a") - 1)) scores $r"
	done
}
nids-featurize -q -o "$work/nsl-train.rec" "$data/KDDTrain+.txt.zst"
nids-featurize -q -o "$work/nsl-test.rec" "$data/KDDTest+.txt.zst"
same NSL-KDD "$work/nsl-train.rec" "$work/nsl-test.rec"
nids-featurize -q -o "$work/ugr.rec" "$data/ugr16-july-week5-first5k.csv.zst"
same "UGR'16 excerpt" "$work/ugr.rec" "$work/ugr.rec"

echo "## 2. featurize throughput (kddcup.data_10_percent, one core, best of 7)"
zstd -dcq --long=31 "$data/kddcup.data_10_percent.zst" > "$work/kdd10.csv"
mb=$(awk -v b="$(stat -c %s "$work/kdd10.csv")" 'BEGIN { printf "%.1f", b / 1e6 }')
declare -A best
sides="$(dirname "$(command -v nids-featurize)")"
[ -n "${BASE:-}" ] && sides="$sides $BASE"
for _ in 1 2 3 4 5 6 7; do
	for b in $sides; do
		t0=$(date +%s%N); taskset -c 0 "$b/nids-featurize" -q "$work/kdd10.csv" > /dev/null; t1=$(date +%s%N)
		t=$((t1 - t0)); [ -z "${best[$b]:-}" ] || [ "$t" -lt "${best[$b]}" ] && best[$b]=$t
	done
done
for b in $sides; do
	awk -v b="$b" -v ns="${best[$b]}" -v mb="$mb" 'BEGIN { printf "%s: %.3f s, %.0f MB/s\n", b, ns / 1e9, mb / (ns / 1e9) }'
done

if [ -n "${BASE:-}" ] && command -v valgrind > /dev/null; then
	# instruction counts are repeatable on a busy machine, where wall times are not
	head -50000 "$work/kdd10.csv" > "$work/k50.csv"
	for b in $sides; do
		n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$b/nids-featurize" -q -o /dev/null "$work/k50.csv" 2>&1 |
			sed -n 's/.*I *refs: *//p' | tr -d ,)
		echo "$b: $n instructions for the first 50,000 records (callgrind)"
	done
fi

echo "## 3. peak RSS on a 1 GB CSV"
for _ in $(seq 14); do cat "$work/kdd10.csv"; done > "$work/kdd1g.csv"
rss() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "featurize: $(rss nids-featurize -q -o "$work/k.rec" "$work/kdd1g.csv") KB ($(stat -c %s "$work/kdd1g.csv") bytes in)"
nids-split -q --benign --fraction 0.02 "$work/k.rec" | nids-normalize -q --fit "$work/k.norm" > "$work/kb.rec"
nids-fit -q -t ae --epochs 1 -o "$work/k.ae" "$work/kb.rec"
echo "normalize -p: $(rss nids-normalize -q -p "$work/k.norm" "$work/k.rec") KB ($(stat -c %s "$work/k.rec") bytes in)"
echo "split: $(rss nids-split -q --attacks "$work/k.rec") KB"
echo "score (applying the stored normalization): $(rss nids-score -m "$work/k.ae" -o "$work/ks.rec" "$work/k.rec") KB"
echo "threshold (apply): $(rss nids-threshold --value 0.05 "$work/ks.rec") KB"
echo "cat: $(rss nids-cat "$work/ks.rec") KB"
echo "cat --json: $(rss nids-cat --json -c record,score "$work/ks.rec") KB"
rm -f "$work/kdd1g.csv" "$work/k.rec" "$work/ks.rec"
