#!/bin/sh
# The comparison of the IDS/IPS sparse-autoencoder system, on NSL-KDD: an ID3 decision
# tree, a random forest and logistic regression trained on all of KDDTrain+ (labels),
# k-means (k = 8) and an isolation forest trained on its benign rows, and the sparse
# autoencoder + softmax when SAE=1; all scored on KDDTest+. Prints one table of
# accuracy, precision and recall (attack = positive) at P(attack) > 0.5 for the
# classifiers, and for the unsupervised models at the 95th percentile of their scores
# on the benign training rows.
#   sh examples/nslkdd_classic.sh          (SEED, THREADS, SAE=1, CLASS_WEIGHT=balanced)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$here/nslkdd_prep.sh" "$work"
seed=${SEED:-0} j=${THREADS:-2} cw=${CLASS_WEIGHT:-none}

# metrics ROWS THRESHOLD: accuracy, precision, recall of score > THRESHOLD
metrics() {
	nids-cat -H -c label,score "$1" | awk -F '\t' -v t="$2" '
	{ p = $2 > t; tp += p && $1; fp += p && !$1; fn += !p && $1; tn += !p && !$1 }
	END { printf "%.4f\t%.4f\t%.4f\n", (tp + tn) / NR, tp / (tp + fp), tp / (tp + fn) }'
}

# p95 ROWS: the 95th percentile of the score column
p95() {
	nids-cat -H -c score "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR * 0.95)] }'
}

printf 'model\taccuracy\tprecision\trecall\n'
for m in tree forest logreg; do
	case $m in
	tree) opts="--criterion entropy" ;;  # ID3's information gain
	forest) opts="--trees 100" ;;
	logreg) opts="--l2 1" ;;
	esac
	# shellcheck disable=SC2086
	nids-fit -q -t $m $opts --class-weight "$cw" --seed "$seed" -j "$j" -o "$work/$m.bin" \
		"$work/train.rec"
	nids-score -j "$j" -m "$work/$m.bin" -o "$work/$m.scored" "$work/test.rec"
	printf '%s\t%s\n' "$m" "$(metrics "$work/$m.scored" 0.5)"
done
for m in kmeans iforest; do
	nids-fit -q -t $m --seed "$seed" -j "$j" -o "$work/$m.bin" "$work/benign.rec"
	nids-score -j "$j" -m "$work/$m.bin" -o "$work/$m.train" "$work/benign.rec"
	nids-score -j "$j" -m "$work/$m.bin" -o "$work/$m.scored" "$work/test.rec"
	printf '%s\t%s\n' "$m" "$(metrics "$work/$m.scored" "$(p95 "$work/$m.train")")"
done
if [ "${SAE:-0}" = 1 ]; then
	nids-fit -q -t sae --pretrain 10 --epochs 20 --seed "$seed" -j "$j" -o "$work/sae.bin" \
		"$work/train.rec"
	nids-score -j "$j" -m "$work/sae.bin" -o "$work/sae.scored" "$work/test.rec"
	printf 'sae\t%s\n' "$(metrics "$work/sae.scored" 0.5)"
fi
