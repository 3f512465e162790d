#!/bin/bash
# bench/explain.sh: nids-explain's speed on NSL-KDD, one core: TreeSHAP of a 100-tree
# forest of depth <= 12, kernel SHAP of an ae with 2,048 coalitions and a 32-row
# k-means background, gradients against scoring, --alarms-only against scoring; and
# the efficiency of the attributions written (base + sum = score, float32 columns).
# Rates are per CPU second (user + system) of the nids-explain process, which the
# machine's other load does not inflate, and per wall second.
# Usage: PATH=$PWD/build/bin:$PATH bash bench/explain.sh [DATA]
set -euo pipefail
data=${1:-${DATA:-$(dirname "$0")/../../shared/data}}
w=$(mktemp -d "${TMPDIR:-/tmp}/bench_explain.XXXXXX")
trap 'rm -rf "$w"' EXIT
echo "date $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
# cpu_rate ROWS CMD...: runs CMD, prints rows per CPU second and per wall second
cpu_rate() {
	local rows=$1; shift
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$w/time" "$@"
	t1=$(date +%s.%N)
	awk -v r="$rows" -v w="$(echo "$t1 - $t0" | bc)" '{ c = $1 + $2
		printf "%d rows, %.2f CPU s (%.1f rows/CPU s), %.2f wall s (%.1f rows/s)\n", r, c, r / c, w, r / w }' "$w/time"
}
# efficiency FILE MODEL: the largest |attr_base + sum attr - score| / max(|score|, 1e-3)
efficiency() {
	nids-score -m "$2" "$1" | nids-cat | awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) {
			if ($i ~ /^attr_/ && $i != "attr_base") a[i] = 1; if ($i == "attr_base") b = i; if ($i == "score") s = i }
			next }
		{ t = $b; for (i in a) t += $i; d = t - $s; d = d < 0 ? -d : d; m = $s < 0 ? -$s : $s
			r = d / (m > 1e-3 ? m : 1e-3); if (r > worst) worst = r; n++ }
		END { printf "efficiency over %d rows: max |base + sum - score| / |score| = %.2g\n", n, worst }'
}
nids-featurize -q "$data/KDDTrain+.txt.zst" > "$w/train.rec"
nids-featurize -q "$data/KDDTest+.txt.zst" > "$w/test.rec"
nids-split -q --benign "$w/train.rec" > "$w/benign.rec"
nids-normalize -q --fit "$w/norm.bin" "$w/benign.rec" | nids-fit -q -t ae --epochs 5 -o "$w/ae.bin"
nids-normalize -q -p "$w/norm.bin" "$w/train.rec" |
	nids-fit -q -t forest --trees 100 --max-depth 12 -j 2 -o "$w/forest.bin"
nids-split -q --fraction 0.1 --seed 1 "$w/test.rec" > "$w/t2k.rec"
nids-split -q --fraction 0.005 --seed 1 "$w/test.rec" > "$w/t100.rec"
n2k=$(nids-cat -H -c record "$w/t2k.rec" | wc -l)
n100=$(nids-cat -H -c record "$w/t100.rec" | wc -l)
echo "forest: $(nids-score --info -m "$w/forest.bin" | grep '^tensor=node' | cut -d' ' -f2) nodes in 100 trees"
echo; echo "TreeSHAP, forest: nids-explain -m forest.bin -b benign.rec t2k.rec"
cpu_rate "$n2k" nids-explain -m "$w/forest.bin" -b "$w/benign.rec" -o "$w/tree.rec" "$w/t2k.rec"
efficiency "$w/tree.rec" "$w/forest.bin"
echo; echo "kernel SHAP, ae: nids-explain -m ae.bin -t shap -b benign.rec --nsamples 2048 -k 32 t100.rec"
cpu_rate "$n100" nids-explain -m "$w/ae.bin" -t shap -b "$w/benign.rec" --nsamples 2048 -k 32 -o "$w/shap.rec" "$w/t100.rec"
efficiency "$w/shap.rec" "$w/ae.bin"
# a day: KDDTest+ ten times over (225,440 rows)
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$w/test.rec"; done > "$w/day.rec"
day=$w/day.rec
rows=$(nids-cat -H -c record "$day" | wc -l)
nids-normalize -q -p "$w/norm.bin" "$w/benign.rec" > "$w/benign.n.rec"
nids-fit -q -t aegmm --epochs 3 -o "$w/aegmm.bin" "$w/benign.n.rec"
nids-fit -q -t memae --epochs 3 -o "$w/memae.bin" "$w/benign.n.rec"
nids-fit -q -t dagmm --epochs 3 --batch 256 -o "$w/dagmm.bin" "$w/benign.n.rec"
for m in ae aegmm memae dagmm; do
	echo; echo "scoring vs gradients, $m, KDDTest+ ten times ($rows rows)"
	echo -n "nids-score:                  "; cpu_rate "$rows" nids-score -m "$w/$m.bin" -o "$w/s.rec" "$day"
	echo -n "nids-explain -t gradient:    "; cpu_rate "$rows" nids-explain -m "$w/$m.bin" -t gradient -o "$w/g.rec" "$day"
done
echo -n "nids-explain -t error (ae):  "; cpu_rate "$rows" nids-explain -m "$w/ae.bin" -t error -o "$w/e.rec" "$day"
echo; echo "--alarms-only: ae with a stored threshold at the benign 99.9th percentile"
nids-score -m "$w/ae.bin" "$w/benign.rec" | nids-threshold --percentile 99.9 -m "$w/ae.bin" > /dev/null
alarms=$(nids-score -m "$w/ae.bin" --alarms "$day" | nids-cat -H -c record | wc -l)
echo "$alarms alarms in $rows rows"
echo -n "nids-score --alarms:                       "; cpu_rate "$rows" nids-score -m "$w/ae.bin" --alarms -o "$w/a.rec" "$day"
echo -n "nids-explain -t shap --nsamples 256 --alarms-only (a sample of about 2,000 rows): "
nids-split -q --fraction 0.0089 --seed 2 "$day" > "$w/d2k.rec"
cpu_rate "$(nids-cat -H -c record "$w/d2k.rec" | wc -l)" nids-explain -m "$w/ae.bin" -t shap -b "$w/benign.rec" --nsamples 256 --alarms-only -o "$w/as.rec" "$w/d2k.rec"
echo -n "nids-explain -t gradient --alarms-only:    "; cpu_rate "$rows" nids-explain -m "$w/ae.bin" -t gradient --alarms-only -o "$w/ag.rec" "$day"
echo -n "nids-explain -t gradient (every row):      "; cpu_rate "$rows" nids-explain -m "$w/ae.bin" -t gradient -o "$w/ag2.rec" "$day"
echo "load after $(cut -d' ' -f1-3 /proc/loadavg)"
