#!/bin/sh
# NSL-KDD with the autoencoder: train on the benign rows of KDDTrain+, score KDDTest+,
# print the AUROC. Programs from PATH (build/bin first); SEED and THREADS may be set.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$here/nslkdd_prep.sh" "$work"
nids-fit -q -t ae --epochs 20 --batch 256 --seed "${SEED:-0}" -j "${THREADS:-2}" \
	-o "$work/ae.bin" "$work/benign.rec"
nids-score -m "$work/ae.bin" -j "${THREADS:-2}" "$work/test.rec" > "$work/scored.rec"
echo "ae AUROC on KDDTest+: $(sh "$here/auroc.sh" "$work/scored.rec")"
