#!/bin/sh
# aegmm_explain.sh [DATA]: why the AE-GMM detector alarms on CSE-CIC-IDS2018, per attack
# class. The benign rows of the improved CSE-CIC-IDS2018 sample are split 80/20 (seed
# $SEED, default 1): aegmm is fitted on the first part after min-max scaling (the
# model keeps the scaling, so it reads raw featurized rows), and its threshold, the
# 98.8th percentile of the benign validation rows' score (the AE-GMM system's 1.2th
# percentile of the log-likelihood), is stored in it. Every attack row that alarms
# (or a sample of $FRACTION of the attack rows) is then explained by kernel SHAP against
# 32 k-means centroids of the benign training rows, twice: the whole detector by the
# input features, and its second stage (the mixture) by the first stage's error vector.
# The script prints, per attack class, how many rows alarmed and the three features
# with the largest mean attribution by each, then the top reasons of the first alarms as
# the analyst sees them.
set -eu
data=${1:-${DATA:-$(dirname "$0")/../../shared/data}}
seed=${SEED:-1} fraction=${FRACTION:-1} epochs=${EPOCHS:-20}
csv="$data/cse-cic-ids2018-improved_sample.csv.zst"
[ -e "$csv" ] || { echo "aegmm_explain.sh: $csv: not found (DATA=dir)" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/aegmm_explain.XXXXXX")
trap 'rm -rf "$w"' EXIT
nids-featurize -q "$csv" > "$w/all.rec"
nids-split -q --benign --seed "$seed" --val 0.2 --val-output "$w/val.rec" -o "$w/benign.rec" "$w/all.rec"
nids-normalize -q --fit "$w/norm.bin" "$w/benign.rec" |
	nids-fit -q -t aegmm --seed "$seed" --epochs "$epochs" -o "$w/aegmm.bin"
nids-score -m "$w/aegmm.bin" "$w/val.rec" |
	nids-threshold --percentile 98.8 --score score -m "$w/aegmm.bin" > /dev/null
nids-split -q --attacks --fraction "$fraction" --seed "$seed" "$w/all.rec" > "$w/attacks.rec"
nids-explain -m "$w/aegmm.bin" -t shap -b "$w/benign.rec" --nsamples 512 --seed "$seed" \
	--alarms-only --fingerprint "$w/fp.tsv" -o "$w/explained.rec" "$w/attacks.rec"
nids-explain -m "$w/aegmm.bin" -t shap --stage gmm -b "$w/benign.rec" --nsamples 512 --seed "$seed" \
	--alarms-only --fingerprint "$w/fp_gmm.tsv" -o "$w/explained_gmm.rec" "$w/attacks.rec"
# top3 TABLE: per class, its rows and the three features of largest mean attribution
top3() {
	tail -n +2 "$1" | sort -t "$(printf '\t')" -k1,1 -k4,4gr |
		awk -F '\t' '$1 != c { c = $1; k = 0; printf "%s%s: %d rows;", (NR > 1 ? "\n" : ""), $1, $3 }
			k++ < 3 { printf " %s %+.3g", $2, $4 } END { print "" }'
}
echo "the whole detector by the input features (kernel SHAP of -log p(|x - ae(x)|)):"
echo "attack class: alarms explained; the three features with the largest mean attribution"
top3 "$w/fp.tsv"
echo
echo "the mixture stage by the error vector (kernel SHAP of -log p(e), e = |x - ae(x)|):"
top3 "$w/fp_gmm.tsv"
echo
echo "the first alarms, with their top three reasons:"
nids-explain -m "$w/aegmm.bin" -t shap -b "$w/benign.rec" --nsamples 512 --seed "$seed" \
	--alarms-only --top 3 "$w/attacks.rec" | head -5
