#!/bin/sh
# aegmm_cic2018.sh [FILE [EPOCHS]]: the AE-GMM system's protocol on CICFlowMeter flows
# (default: the CSE-CIC-IDS2018 "improved" sample in ../shared/data, the dataset the
# system was built for).
#   1. a data set of an exact size and mix: ROWS rows (default 3600, all the sample's
#      benign rows allow at this mix), 31.7% of them attacks (nids-split --rows
#      --attack-ratio; the system's set is 286,000 rows, 68.3% / 31.7%);
#   2. split 70/30 (seed $SEED, default 1) into training and test rows;
#   3. feature selection on the training rows: a random forest's impurity importances,
#      the top 23, then no two correlated above 0.9 (nids-select; the system keeps 17);
#      the kept list applied to both parts;
#   4. min-max scaling fitted on the training rows' benign rows; those split 80/20 into
#      fitting and validation rows; aegmm (EPOCHS, default 20) on the fitting rows;
#   5. its two thresholds from the benign validation rows: the 98th percentile of the
#      stage-1 MAE, and the 1.2th percentile of the log-probabilities (aegmm's logp, a
#      score-low column: lower is more anomalous);
#   6. precision, recall and F1 of each threshold on the test rows.
# Environment: DATA, SEED, ROWS.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../shared/data}
file=${1:-$data/cse-cic-ids2018-improved_sample.csv.zst} epochs=${2:-20}
seed=${SEED:-1} rows=${ROWS:-3600}
w=$(mktemp -d "${TMPDIR:-/tmp}/aegmm.XXXXXX")
trap 'rm -rf "$w"' EXIT
nids-featurize -q -f cic "$file" -o "$w/all.rec"
nids-split -q --seed "$seed" --rows "$rows" --attack-ratio 0.317 -o "$w/set.rec" "$w/all.rec"
nids-cat -H -c label "$w/set.rec" | awk '{ n[$1]++ } END {
	printf "data set: %d rows, %d benign (%.1f%%), %d attack (%.1f%%); the system: 286,000, 68.3%% / 31.7%%\n",
		NR, n[0], 100 * n[0] / NR, n[1], 100 * n[1] / NR }'
nids-split -q --seed "$seed" --val 0.3 --val-output "$w/test.raw" -o "$w/train.raw" "$w/set.rec"
nids-fit -q -t forest --trees 100 --seed "$seed" -j 2 --importances "$w/imp.tsv" -o "$w/rf.bin" "$w/train.raw"
nids-select -q --importances "$w/imp.tsv" --top 23 --corr 0.9 -o "$w/kept.txt" "$w/train.raw"
echo "features: $(nids-cat -i "$w/train.raw" | awk -F '\t' '$3 == "feature"' | wc -l) -> top 23 -> $(grep -vc '^#' "$w/kept.txt") after |r| > 0.9 (the system: 23 -> 17)"
nids-select --apply "$w/kept.txt" -o "$w/train.sel" "$w/train.raw"
nids-select --apply "$w/kept.txt" -o "$w/test.sel" "$w/test.raw"
nids-split -q --benign --seed "$seed" --val 0.2 --val-output "$w/val.raw" -o "$w/fit.raw" "$w/train.sel"
nids-normalize -q --fit "$w/norm" -o "$w/fit.rec" "$w/fit.raw"
nids-fit -q -t aegmm --seed "$seed" --epochs "$epochs" -o "$w/aegmm.bin" "$w/fit.rec"
nids-score -m "$w/aegmm.bin" -o "$w/val.s" "$w/val.raw"
nids-score -m "$w/aegmm.bin" -o "$w/test.s" "$w/test.sel"
nids-threshold -q --percentile 98 --score mae -o "$w/t1" "$w/val.s" > /dev/null
nids-threshold -q --percentile 1.2 --score logp -o "$w/t2" "$w/val.s" > /dev/null
for s in 1 2; do
	col=$([ $s = 1 ] && echo mae || echo logp)
	nids-roc --json --score "$col" -p "$w/t$s" "$w/test.s" | jq -r --arg c "$col" --arg s "$s" '
		def r: . * 10000 | round / 10000;
		"stage \($s) (\($c) \(if $s == "1" then "> p98" else "< p1.2" end)): threshold \(.threshold | r)  precision \(.precision | r)  recall \(.recall | r)  F1 \(.f1 | r)  (AUROC \(.auroc | r))"'
done
