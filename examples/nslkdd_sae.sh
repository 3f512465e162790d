#!/bin/sh
# NSL-KDD with the IDS/IPS system's sparse autoencoder + softmax: train on all of
# KDDTrain+ (labels), score KDDTest+, print AUROC and accuracy at P(attack) > 0.5.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$here/nslkdd_prep.sh" "$work"
nids-fit -q -t sae --pretrain 10 --epochs 20 --seed "${SEED:-0}" -j "${THREADS:-2}" \
	-o "$work/sae.bin" "$work/train.rec"
nids-score -m "$work/sae.bin" -j "${THREADS:-2}" "$work/test.rec" > "$work/scored.rec"
echo "sae AUROC on KDDTest+: $(sh "$here/auroc.sh" "$work/scored.rec")"
nids-cat -H -c label,score "$work/scored.rec" |
	awk -F '\t' '{ ok += (($2 > 0.5) == $1) } END { printf "sae accuracy on KDDTest+: %.4f\n", ok / NR }'
