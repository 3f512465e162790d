#!/bin/sh
# kddcup_rev.sh [EPOCHS]: DAGMM's KDDCUP-Rev protocol (Zong et al., ICLR 2018, section
# 4.1): of the KDD Cup 99 10% file keep the normal rows and draw attack rows so that
# normal : attack is exactly 4 : 1 (nids-split --benign-rows / --attack-rows: here the
# normal rows are trimmed to a multiple of 4 and the attack rows drawn to a quarter of
# them); the attacks are then the anomalies. A random half (seed $SEED, default 1) is
# the training half, whose normal rows alone train DAGMM (the paper's settings: lr 1e-4,
# batch 1024, EPOCHS default 200); the other half is the test set, whose top 20% by
# energy are flagged (nids-threshold --rate 0.2). Min-max ranges from the whole
# KDDCUP-Rev set, as examples/kdd99_dagmm.sh does for KDD Cup 99.
# Environment: DATA (../shared/data), SEED (1), MODEL (dagmm; any nids-fit type).
# Prints the set's counts, then the paper's precision, recall and F1 beside nids's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
epochs=${1:-200} seed=${SEED:-1} model=${MODEL:-dagmm}
data=${DATA:-$here/../../shared/data}
w=$(mktemp -d "${TMPDIR:-/tmp}/kddrev.XXXXXX")
trap 'rm -rf "$w"' EXIT
nids-featurize -q -f kdd99 "$data/kddcup.data_10_percent.zst" -o "$w/all.rec"
nb=$(nids-split -q --benign "$w/all.rec" | nids-cat -H -c label | wc -l)
q=$((nb / 4))
nids-split -q --seed "$seed" --benign-rows $((4 * q)) --attack-rows "$q" -o "$w/rev.rec" "$w/all.rec"
nids-cat -H -c label "$w/rev.rec" | awk '{ n[$1]++ } END {
	printf "KDDCUP-Rev: %d normal, %d attack rows (%.4f : 1)\n", n[0], n[1], n[0] / n[1] }'
nids-split -q --seed "$seed" --val 0.5 --val-output "$w/test.raw" -o "$w/half.rec" "$w/rev.rec"
nids-split -q --benign -o "$w/train.raw" "$w/half.rec"
nids-normalize -q --fit "$w/norm" -o /dev/null "$w/rev.rec"
nids-normalize -q -p "$w/norm" -o "$w/train.rec" "$w/train.raw"
nids-normalize -q -p "$w/norm" -o "$w/test.rec" "$w/test.raw"
jobs=$([ "$model" = dagmm ] && echo 1 || echo 2)
nids-fit -t "$model" -q --seed "$seed" --epochs "$epochs" --lr 1e-4 --batch 1024 -j "$jobs" \
	-o "$w/model" "$w/train.rec"
nids-score -m "$w/model" -o "$w/scored" "$w/test.rec"
nids-threshold -q --rate 0.2 -o "$w/t" "$w/scored" > /dev/null
nids-roc --json -p "$w/t" "$w/scored" | jq -r --arg m "$model" --arg e "$epochs" '
	"                     precision recall  F1      AUROC",
	"DAGMM paper (Rev)    0.9370    0.9390  0.9380  -",
	"nids \($m) (\($e) ep) \(.precision * 10000 | round / 10000)    \(.recall * 10000 | round / 10000)  \(.f1 * 10000 | round / 10000)  \(.auroc * 10000 | round / 10000)"'
