#!/bin/bash
# bench/speed.sh: two builds side by side on the same inputs and models, interleaved,
# each figure the best (least user + system CPU seconds) of N runs, since the machine
# is shared: featurize -f ugr16 and nids-window on 10^6 SYNTHETIC flows (from files, one
# after the other, and as a pipeline), TreeSHAP of a 100-tree forest of depth <= 12 on
# KDDTrain+, and scoring against gradients of memae and dagmm on KDDTest+ ten times.
# Outputs of the two builds are compared byte for byte (the flow inputs are made by the
# new build, the NSL-KDD streams and models by the old one, so that both can read them).
#
#   bash bench/speed.sh OLD_BIN NEW_BIN [N] [DATA]
#
# OLD_BIN, NEW_BIN: directories with the programs (e.g. a worktree of the older commit,
# built, and build/bin). N: runs per figure (default 5). DATA: ../shared/data.
# SKIP_FLOWS=1 leaves out the flows, FLOWS_ONLY=1 all but them (both builds need
# nids-window -f for its line).
set -euo pipefail
old=$1 new=$2 runs=${3:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
data=${4:-${DATA:-$top/../shared/data}}
w=$(mktemp -d "${TMPDIR:-/tmp}/bench_speed.XXXXXX")
trap 'rm -rf "$w"' EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); best of $runs"

# best CMD...: the least user + system seconds of the runs of CMD (stdout discarded)
best() {
	local b=""
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%U %S' -o "$w/t" "$@" >/dev/null
		b=$(awk -v b="$b" '{ c = $1 + $2; print (b == "" || c < b) ? c : b }' "$w/t")
	done
	echo "$b"
}
# pair LABEL ROWS CMD... (with @ for the build's directory): both builds, interleaved
pair() {
	local label=$1 rows=$2; shift 2
	local a b
	a=$(best "${@//@/$old}")
	b=$(best "${@//@/$new}")
	awk -v l="$label" -v r="$rows" -v a="$a" -v b="$b" 'BEGIN {
		printf "%-34s old %6.2f CPU s (%9.0f rows/CPU s)  new %6.2f CPU s (%9.0f rows/CPU s)  %.2fx\n",
		       l, a, r / a, b, r / b, a / b }'
}

# same FILE WHAT: stdin against FILE, byte for byte
same() { cmp -s - "$1" && echo "$2: identical" || echo "$2: DIFFERENT"; }

cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o "$w/gen" "$top/bench/gen_ugr16.c" -lm
"$w/gen" -n 1000000 -s 1 >"$w/g.csv"
if [ "${SKIP_FLOWS:-0}" = 0 ]; then
"$new/nids-featurize" -q -f ugr16 "$w/g.csv" >"$w/g.rec"
"$old/nids-featurize" -q -f ugr16 "$w/g.csv" | same "$w/g.rec" "featurize output"
"$new/nids-window" -q "$w/g.rec" >"$w/w.rec"
"$old/nids-window" -q "$w/g.rec" | same "$w/w.rec" "window output"
echo "## 10^6 SYNTHETIC UGR'16 flows"
pair "featurize -f ugr16 (file)" 1000000 @/nids-featurize -q -f ugr16 "$w/g.csv"
pair "nids-window (file)" 1000000 @/nids-window -q "$w/g.rec"
pipe() { "$1/nids-featurize" -q -f ugr16 "$w/g.csv" | "$1/nids-window" -q; }
export -f pipe
export w
pair "featurize | window (pipeline)" 1000000 bash -c 'pipe @'
"$new/nids-window" -q -f ugr16 "$w/g.csv" | same "$w/w.rec" "window -f output (new)"
"$old/nids-window" -q -f ugr16 "$w/g.csv" | same "$w/w.rec" "window -f output (old)"
pair "window -f ugr16 (file)" 1000000 @/nids-window -q -f ugr16 "$w/g.csv"
fi
[ "${FLOWS_ONLY:-0}" = 0 ] || exit 0

echo "## NSL-KDD (streams and models made by the old build, which both builds read)"
"$old/nids-featurize" -q "$data/KDDTrain+.txt.zst" >"$w/train.rec"
"$old/nids-featurize" -q "$data/KDDTest+.txt.zst" >"$w/test.rec"
"$old/nids-split" -q --benign "$w/train.rec" >"$w/benign.rec"
"$old/nids-normalize" -q --fit "$w/norm.bin" "$w/benign.rec" >"$w/benign.n.rec"
"$old/nids-normalize" -q -p "$w/norm.bin" "$w/train.rec" |
	"$old/nids-fit" -q -t forest --trees 100 --max-depth 12 -j 2 -o "$w/forest.bin"
"$old/nids-split" -q --fraction 0.1 --seed 1 "$w/test.rec" >"$w/t2k.rec"
n2k=$("$new/nids-cat" -H -c record "$w/t2k.rec" | wc -l)
"$new/nids-explain" -m "$w/forest.bin" -b "$w/benign.rec" "$w/t2k.rec" >"$w/a.rec"
"$old/nids-explain" -m "$w/forest.bin" -b "$w/benign.rec" "$w/t2k.rec" | same "$w/a.rec" "TreeSHAP attributions"
pair "TreeSHAP, forest (t2k)" "$n2k" @/nids-explain -m "$w/forest.bin" -b "$w/benign.rec" "$w/t2k.rec"
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$w/test.rec"; done >"$w/day.rec"
rows=$("$new/nids-cat" -H -c record "$w/day.rec" | wc -l)
"$old/nids-fit" -q -t memae --epochs 3 -o "$w/memae.bin" "$w/benign.n.rec"
"$old/nids-fit" -q -t dagmm --epochs 3 --batch 256 -o "$w/dagmm.bin" "$w/benign.n.rec"
for m in memae dagmm; do
	"$new/nids-explain" -m "$w/$m.bin" -t gradient "$w/day.rec" >"$w/g.rec"
	"$old/nids-explain" -m "$w/$m.bin" -t gradient "$w/day.rec" | same "$w/g.rec" "$m gradients"
	pair "scoring, $m" "$rows" @/nids-score -m "$w/$m.bin" "$w/day.rec"
	pair "gradient, $m" "$rows" @/nids-explain -m "$w/$m.bin" -t gradient "$w/day.rec"
done
echo "# load after $(cut -d' ' -f1-3 /proc/loadavg)"
