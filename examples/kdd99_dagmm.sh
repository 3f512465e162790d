#!/bin/sh
# kdd99_dagmm.sh [MODEL [EPOCHS]]: the DAGMM paper's KDD Cup 99 protocol for one seed.
# The 10% file is one-hot encoded (125 columns with the fixed vocabularies); `normal` is
# the anomaly class (the minority there). A random half of the rows (nids-split --val
# 0.5, seed $SEED) is the training half, of which only the attack rows are used; the
# other half is the test set. Min-max ranges from the whole file (SCALE=all, the default,
# as bench/deep.kdd.md was made) or from the training rows only (SCALE=train: the test
# rows may then fall outside [0, 1]; the DAGMM reimplementations' preprocessing takes the
# ranges from the attack rows). The top 20% by score are flagged.
# MODEL: dagmm (default), memae, dsebm, or any nids-fit type; EPOCHS: default 200 (the
# paper's).
# Environment: DATA (../shared/data), SEED (1), WORK (a directory to keep the featurized
# stream between runs; default a temporary one; runs of different models or seeds may
# share it), FIT_OPTS (more nids-fit options), NORM_OPTS (more nids-normalize --fit
# options, e.g. "-t log1p"), SCALE (all or train).
# Prints: model seed epochs auroc auprc precision recall f1 nan_scores fit_seconds
set -eu
here=$(cd "$(dirname "$0")" && pwd)
model=${1:-dagmm} epochs=${2:-200} seed=${SEED:-1}
data=${DATA:-$here/../../shared/data}
if [ -n "${WORK:-}" ]; then w=$WORK; mkdir -p "$w"; else
	w=$(mktemp -d "${TMPDIR:-/tmp}/kdd99.XXXXXX"); trap 'rm -rf "$w"' EXIT; fi
[ -s "$w/kdd99.rec" ] || nids-featurize -q -f kdd99 "$data/kddcup.data_10_percent.zst" -o "$w/kdd99.rec"
t=$w/$model.$seed
nids-split -q --seed "$seed" --val 0.5 --val-output "$t.test" -o "$t.half" "$w/kdd99.rec"
nids-split -q --attacks -o "$t.train.raw" "$t.half"
if [ "${SCALE:-all}" = all ]; then
	nids-normalize -q ${NORM_OPTS:-} --fit "$t.params" -o /dev/null "$w/kdd99.rec"
else
	nids-normalize -q ${NORM_OPTS:-} --fit "$t.params" -o /dev/null "$t.train.raw"
fi
nids-normalize -q -p "$t.params" -o "$t.train" "$t.train.raw"
nids-normalize -q -p "$t.params" -o "$t.test.norm" "$t.test"
# the papers' training settings: Adam, lr 1e-4, batch 1024. dagmm's mixture needs the
# whole batch in one thread; more would only be BLAS threads on small matrices, which lose
# on a busy machine
jobs=$([ "$model" = dagmm ] && echo 1 || echo 2)
t0=$(date +%s.%N)
nids-fit -t "$model" -q --seed "$seed" --epochs "$epochs" --lr 1e-4 --batch 1024 -j "$jobs" \
	${FIT_OPTS:-} -o "$t.model" "$t.train"
t1=$(date +%s.%N)
nids-score -m "$t.model" -o "$t.scored" "$t.test.norm"
m=$("$here/../bench/kddcup_metrics.sh" "$t.scored")
echo "$model $seed $epochs $m $(echo "$t1 - $t0" | bc)"
rm -f "$t.half" "$t.train.raw" "$t.train" "$t.test" "$t.test.norm" "$t.scored" "$t.params"
