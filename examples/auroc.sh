#!/bin/sh
# auroc.sh [scored-stream]: the AUROC nids-roc computes for the 'score' column against
# the 'label' column, to four decimals.
nids-roc --json "${1:--}" | sed -n 's/.*"auroc": \([0-9.e-]*\).*/\1/p' |
	awk '{ printf "%.4f\n", $1 }'
