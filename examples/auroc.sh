#!/bin/sh
# auroc.sh [scored-stream]: the AUROC nids-roc computes for the 'score' column against
# the 'label' column, to four decimals; exit 1 when nids-roc fails or the AUROC is
# undefined (the rows hold one label only: nids-roc writes null and says why).
json=$(nids-roc --json "${1:--}") || exit 1
auroc=$(printf '%s\n' "$json" | sed -n 's/.*"auroc": \([0-9.e-]*\).*/\1/p')
[ -n "$auroc" ] || { echo "auroc.sh: the AUROC is undefined" >&2; exit 1; }
printf '%.4f\n' "$auroc"
