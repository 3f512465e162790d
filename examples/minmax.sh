#!/bin/sh
# minmax.sh FIT.rec IN.rec OUT.rec [IN.rec OUT.rec ...]
# Min-max scales the feature columns of each IN stream to [0, 1] with the minimum and
# maximum of the benign (label 0) rows of FIT (a constant column is divided by 1), and
# writes OUT. A stand-in for nids-normalize until it lands; it goes through nids-cat
# text and awk, so it is slow, but exact to float32.
set -eu
fit=$1
shift
params=$(mktemp)
trap 'rm -f "$params"' EXIT
# one line per column: index, min, max ("-" for columns that are not features)
nids-cat "$fit" | awk -F '\t' '
NR == 1 {
	for (i = 1; i <= NF; i++) {
		feat[i] = $i !~ /:/ && $i != "label" && $i != "class" && $i != "score" &&
		          $i != "score-low" && $i != "alarm"
		if ($i == "label") lab = i
	}
	next
}
lab && $lab != 0 { next }
{ for (i = 1; i <= NF; i++) if (feat[i]) {
	v = $i + 0
	if (!(i in lo) || v < lo[i]) lo[i] = v
	if (!(i in hi) || v > hi[i]) hi[i] = v } }
END { for (i = 1; i <= NF; i++) print i, (feat[i] && (i in lo)) ? lo[i] : "-", (feat[i] && (i in hi)) ? hi[i] : "-" }
' > "$params"
while [ $# -ge 2 ]; do
	nids-cat "$1" | awk -F '\t' -v OFS='\t' -v params="$params" '
	BEGIN { while ((getline line < params) > 0) { split(line, f, " ")
		if (f[2] != "-") { lo[f[1]] = f[2]; span[f[1]] = f[3] - f[2] ? f[3] - f[2] : 1 } } }
	NR == 1 { print; next }
	{ for (i in lo) $i = sprintf("%.9g", ($i - lo[i]) / span[i]); print }
	' | nids-cat -r -o "$2"
	shift 2
done
