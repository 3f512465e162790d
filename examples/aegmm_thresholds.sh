#!/bin/sh
# aegmm_thresholds.sh TRAIN TEST [EPOCHS]: the two thresholds of the AE-GMM
# system (an autoencoder, then a Gaussian mixture on its errors), reproduced
# with nids-threshold, and the precision, recall and F1 of each on TEST.
#
# TRAIN and TEST are normalized, labeled streams (see examples/nslkdd_deep.sh for
# NSL-KDD). The benign rows of TRAIN are split 80/20 (seed $SEED, default 1) into fitting
# and validation rows; aegmm is fitted on the first. Then, on the benign validation rows:
#   stage 1 (autoencoder): alarm when mae > the 98th percentile of their MAE;
#   stage 2 (GMM): alarm when the log-likelihood < its 1.2th percentile, that is when
#   score (= -log p) > the 98.8th percentile of their score.
# Prints one line per stage: stage, column, threshold, precision, recall, F1.
set -eu
[ $# -ge 2 ] || { echo "usage: aegmm_thresholds.sh train test [epochs]" >&2; exit 2; }
train=$1 test=$2 epochs=${3:-20} seed=${SEED:-1}
w=$(mktemp -d "${TMPDIR:-/tmp}/aegmm.XXXXXX")
trap 'rm -rf "$w"' EXIT
nids-split -q --benign --seed "$seed" --val 0.2 --val-output "$w/val" -o "$w/fit" "$train"
nids-fit -t aegmm -q --seed "$seed" --epochs "$epochs" -o "$w/model" "$w/fit"
nids-score -m "$w/model" -o "$w/val.s" "$w/val"
nids-score -m "$w/model" -o "$w/test.s" "$test"
nids-threshold --percentile 98 --score mae -o "$w/t1" "$w/val.s" >/dev/null
nids-threshold --percentile 98.8 --score score -o "$w/t2" "$w/val.s" >/dev/null
for stage in 1 2; do
	col=$([ $stage = 1 ] && echo mae || echo score)
	nids-roc --json --score "$col" -p "$w/t$stage" "$w/test.s" | tr -d '\n' |
		awk -v s="$stage" -v c="$col" '{
			n = split("threshold precision recall f1", k, " ")
			line = "stage" s " " c
			for (i = 1; i <= n; i++) {
				match($0, "\"" k[i] "\": [^,}]*"); v = substr($0, RSTART, RLENGTH)
				sub(/^[^:]*: /, "", v); line = line " " k[i] " " v
			}
			print line }'
done
