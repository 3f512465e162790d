#!/bin/sh
# kddcup_metrics.sh SCORED: the DAGMM paper's KDD Cup 99 metrics for a scored stream in
# which `normal` (label 0) is the anomaly class: AUROC, AUPRC (average precision, as
# scikit-learn computes it) and precision/recall/F1 of the top 20% by score (flagged:
# score > the 0.8 quantile, linear interpolation as numpy's). Prints one line:
#   auroc auprc precision recall f1 nan_scores
set -eu
BIN=${NIDS_BIN:-$(dirname "$0")/../build/bin}
"$BIN"/nids-cat -H -c label,score "$1" | sort -t "$(printf '\t')" -k2,2gr | awk -F'\t' '
{ y[NR] = ($1 == 0); s[NR] = $2 + 0; if ($2 != $2 + 0 && $2 ~ /nan/) bad++ }
END {
	n = NR
	for (i = 1; i <= n; i++) P += y[i]
	N = n - P
	# the 0.8 quantile: ascending position 0.8 (n - 1), i.e. descending index n - pos
	pos = 0.8 * (n - 1); lo = int(pos); fr = pos - lo
	a = s[n - lo]; b = (lo + 1 <= n - 1) ? s[n - lo - 1] : a
	thr = a + fr * (b - a)
	for (i = 1; i <= n; i++) if (s[i] > thr) { fl++; if (y[i]) tp++ }
	prec = fl ? tp / fl : 0; rec = P ? tp / P : 0
	f1 = (prec + rec) ? 2 * prec * rec / (prec + rec) : 0
	# ties grouped: AUROC by counting positives above each negative, AP by thresholds
	i = 1; cp = 0; cn = 0; auc = 0; ap = 0
	while (i <= n) {
		gp = 0; gn = 0; j = i
		while (j <= n && s[j] == s[i]) { if (y[j]) gp++; else gn++; j++ }
		auc += gn * (cp + gp / 2)
		cp += gp; cn += gn
		if (gp) ap += (cp / (cp + cn)) * gp / P
		i = j
	}
	printf "%.4f %.4f %.4f %.4f %.4f %d\n", auc / (P * N), ap, prec, rec, f1, bad + 0
}'
