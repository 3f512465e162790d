#!/bin/sh
# NSL-KDD with the variational autoencoder (An & Cho; score = -log p(x|z) over 10
# samples): train on the benign rows of KDDTrain+, score KDDTest+, print the AUROC.
# Programs from PATH (build/bin first); SEED and THREADS may be set.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$here/nslkdd_prep.sh" "$work"
nids-fit -q -t vae --epochs 20 --batch 256 --seed "${SEED:-0}" -j "${THREADS:-2}" \
	-o "$work/vae.bin" "$work/benign.rec"
nids-score -m "$work/vae.bin" -j "${THREADS:-2}" "$work/test.rec" > "$work/scored.rec"
echo "vae AUROC on KDDTest+: $(sh "$here/auroc.sh" "$work/scored.rec")"
