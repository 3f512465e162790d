#!/bin/sh
# kdd99_dagmm.sh [MODEL [EPOCHS]]: the DAGMM paper's KDD Cup 99 protocol for one seed.
# The 10% file is one-hot encoded (125 columns with the fixed vocabularies) and min-max
# scaled; `normal` is the anomaly class (the minority there). A random half of the rows
# (nids-split --val 0.5, seed $SEED) is the training half, of which only the attack rows
# are used; the other half is the test set. The top 20% by score are flagged.
# MODEL: dagmm (default), memae, dsebm; EPOCHS: default 200 (the paper's).
# Environment: DATA (../shared/data), SEED (1), WORK (a directory to keep the featurized
# stream between runs; default a temporary one), FIT_OPTS (more nids-fit options).
# Prints: model seed epochs auroc auprc precision recall f1 nan_scores fit_seconds
set -eu
here=$(cd "$(dirname "$0")" && pwd)
model=${1:-dagmm} epochs=${2:-200} seed=${SEED:-1}
data=${DATA:-$here/../../shared/data}
if [ -n "${WORK:-}" ]; then w=$WORK; mkdir -p "$w"; else
	w=$(mktemp -d "${TMPDIR:-/tmp}/kdd99.XXXXXX"); trap 'rm -rf "$w"' EXIT; fi
if [ ! -s "$w/kdd99.norm" ]; then
	nids-featurize -q -f kdd99 "$data/kddcup.data_10_percent.zst" -o "$w/kdd99.rec"
	nids-normalize -q --fit "$w/kdd99.params" -o "$w/kdd99.norm" "$w/kdd99.rec"
fi
nids-split -q --seed "$seed" --val 0.5 -v "$w/test.$seed" -o "$w/half.$seed" "$w/kdd99.norm"
nids-split -q --attacks -o "$w/train.$seed" "$w/half.$seed"
# the papers' training settings: Adam, lr 1e-4, batch 1024. dagmm's mixture needs the
# whole batch in one thread; more would only be BLAS threads on small matrices, which lose
# on a busy machine
jobs=$([ "$model" = dagmm ] && echo 1 || echo 2)
t0=$(date +%s.%N)
nids-fit -t "$model" -q --seed "$seed" --epochs "$epochs" --lr 1e-4 --batch 1024 -j "$jobs" \
	${FIT_OPTS:-} -o "$w/$model.$seed" "$w/train.$seed"
t1=$(date +%s.%N)
nids-score -m "$w/$model.$seed" -o "$w/scored.$model.$seed" "$w/test.$seed"
m=$("$here/../bench/kddcup_metrics.sh" "$w/scored.$model.$seed")
echo "$model $seed $epochs $m $(echo "$t1 - $t0" | bc)"
rm -f "$w/half.$seed" "$w/train.$seed" "$w/test.$seed" "$w/scored.$model.$seed"
