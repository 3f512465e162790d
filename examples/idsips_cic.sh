#!/bin/sh
# idsips_cic.sh [FILE ...]: the IDS/IPS system's comparison table on CICFlowMeter flows
# (default: the CIC-IDS2017 and CSE-CIC-IDS2018 "improved" samples in ../shared/data):
# each file is featurized (-f cic), split 70/30 (seed $SEED, default 1), the training
# part downsampled so that benign and attack rows are equally many (nids-split
# --balance) and min-max scaled (fitted on it; each model applies the same scaling to
# the raw test rows), and an ID3 tree (entropy), a random forest, logistic regression and
# (SAE=1) the sparse autoencoder + softmax are trained to predict the class; on the test
# part each model's predicted class (nids-score --predict) gives scikit-learn's
# classification report (nids-roc --multiclass): accuracy and the support-weighted
# precision, recall and F1 the system reports, and the macro F1.
# Environment: DATA, SEED, THREADS (2), SAE (0).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../shared/data} seed=${SEED:-1} j=${THREADS:-2}
[ $# -gt 0 ] || set -- "$data/cicids2017_improved_sample.csv.zst" \
	"$data/cse-cic-ids2018-improved_sample.csv.zst"
w=$(mktemp -d "${TMPDIR:-/tmp}/idsips.XXXXXX")
trap 'rm -rf "$w"' EXIT
models="tree forest logreg"
[ "${SAE:-0}" = 1 ] && models="$models sae"
printf '%-36s %-7s %6s %6s %8s %8s %8s %8s\n' data model train test accuracy \
	w-prec w-recall w-F1
for f in "$@"; do
	name=$(basename "$f" .csv.zst)
	nids-featurize -q -f cic "$f" -o "$w/all.rec"
	nids-split -q --seed "$seed" --val 0.3 --val-output "$w/test.rec" -o "$w/train.full" "$w/all.rec"
	nids-split -q --seed "$seed" --balance -o "$w/train.bal" "$w/train.full"
	nids-normalize -q --fit "$w/norm" -o "$w/train.rec" "$w/train.bal"
	ntrain=$(nids-cat -H -c label "$w/train.rec" | wc -l)
	ntest=$(nids-cat -H -c label "$w/test.rec" | wc -l)
	for m in $models; do
		case $m in
		tree) opts="--criterion entropy" ;;
		forest) opts="--trees 100" ;;
		logreg) opts="--l2 1" ;;
		sae) opts="--pretrain 10 --epochs 20" ;;
		esac
		# shellcheck disable=SC2086
		nids-fit -q -t "$m" --target class $opts --seed "$seed" -j "$j" -o "$w/$m.bin" "$w/train.rec"
		nids-score -q -m "$w/$m.bin" --predict -o "$w/$m.scored" "$w/test.rec"
		nids-roc --multiclass --json "$w/$m.scored" | jq -r --arg d "$name" --arg m "$m" \
			--arg a "$ntrain" --arg b "$ntest" '
			def r: . * 10000 | round / 10000;
			"\($d) \($m) \($a) \($b) \(.accuracy | r) \(.weighted_avg.precision | r) \(.weighted_avg.recall | r) \(.weighted_avg.f1 | r)"' |
			awk '{ printf "%-36s %-7s %6s %6s %8s %8s %8s %8s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
	done
done
