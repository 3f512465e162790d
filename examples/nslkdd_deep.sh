#!/bin/sh
# nslkdd_deep.sh [EPOCHS]: the benign-trained NSL-KDD protocol for the deep models and,
# beside them, ae and vae: fit on the benign rows of KDDTrain+ (min-max scaled with the
# training rows' ranges), score KDDTest+, print the AUROC of each.
# Environment: DATA (../shared/data), SEED (1), MODELS (default: ae vae dagmm memae
# dsebm dsebm-r aegmm; empty: only prepare WORK), WORK (keep the featurized streams there).
# Prints: model seed epochs auroc [mae_auroc for aegmm]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
epochs=${1:-20} seed=${SEED:-1}
data=${DATA:-$here/../../shared/data}
models=${MODELS-ae vae dagmm memae dsebm dsebm-r aegmm}
if [ -n "${WORK:-}" ]; then w=$WORK; mkdir -p "$w"; else
	w=$(mktemp -d "${TMPDIR:-/tmp}/nslkdd.XXXXXX"); trap 'rm -rf "$w"' EXIT; fi
if [ ! -s "$w/test.norm" ]; then
	nids-featurize -q -f nslkdd "$data/KDDTrain+.txt.zst" -o "$w/train.rec"
	nids-featurize -q -f nslkdd "$data/KDDTest+.txt.zst" -o "$w/test.rec"
	nids-normalize -q --fit "$w/params" -o "$w/train.norm" "$w/train.rec"
	nids-normalize -q -p "$w/params" -o "$w/test.norm" "$w/test.rec"
	nids-split -q --benign -o "$w/benign.norm" "$w/train.norm"
fi
auroc() { nids-roc --json --score "$1" "$2" | tr -d '\n' | sed 's/.*"auroc": \([^,]*\),.*/\1/'; }
for m in $models; do
	# the DAGMM, MemAE and DSEBM papers' Adam settings; ae, vae and aegmm: nids-fit's
	case $m in
	dagmm | memae | dsebm) opts="-t $m --lr 1e-4 --batch 1024" ;;
	dsebm-r) opts="-t dsebm -s recon --lr 1e-4 --batch 1024" ;;
	*) opts="-t $m" ;;
	esac
	# dagmm's mixture needs the whole batch in one thread
	jobs=$([ "$m" = dagmm ] && echo 1 || echo 2)
	nids-fit $opts -q --seed "$seed" --epochs "$epochs" -j "$jobs" -o "$w/$m.model" \
		"$w/benign.norm"
	nids-score -m "$w/$m.model" -o "$w/$m.scored" "$w/test.norm"
	extra=$([ "$m" = aegmm ] && auroc mae "$w/$m.scored" || true)
	echo "$m $seed $epochs $(auroc score "$w/$m.scored") $extra"
	rm -f "$w/$m.model" "$w/$m.scored"
done
