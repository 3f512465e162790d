#!/bin/sh
# bench/eval.sh: nids-roc against scikit-learn on the same scored rows, side by side
# in one run. Both read one uncompressed stream from the page cache and compute
# AUROC, AUPRC (average precision) and the best F1 with its threshold.
#   sh bench/eval.sh [rows]     from the repo root after `make`; default 10^7 rows,
#                               REPS=3 alternating runs of each side
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
n=${1:-10000000}
reps=${REPS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cc -O2 -std=c17 -I"$top/include" -o "$tmp/gen_scores" "$top/bench/gen_scores.c" \
	"$top/$BUILD/libnids.a" -lzstd -lxxhash -lm -pthread
"$tmp/gen_scores" "$n" 42 > "$tmp/rows.rec"
cat "$tmp/rows.rec" > /dev/null

echo "# eval bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
echo "# rows: $n ($(du -m "$tmp/rows.rec" | cut -f1) MB stream); load before: $(uptime | sed 's/.*load average: //')"
echo "# python: $(/usr/bin/python3 -c 'import sklearn, numpy; print("scikit-learn", sklearn.__version__, "numpy", numpy.__version__)')"
i=1
while [ "$i" -le "$reps" ]; do
	/usr/bin/time -f "%e %M" -o "$tmp/t.nids" "$top/$BUILD/bin/nids-roc" --json "$tmp/rows.rec" \
		> "$tmp/nids.json"
	/usr/bin/time -f "%e %M" -o "$tmp/t.py" /usr/bin/python3 "$top/bench/eval_sklearn.py" \
		"$tmp/rows.rec" > "$tmp/py.json"
	set -- $(cat "$tmp/t.nids") $(cat "$tmp/t.py")
	echo "run $i: nids-roc $1 s (max RSS $(($2 / 1024)) MB) | scikit-learn $3 s (max RSS $(($4 / 1024)) MB) | speedup $(awk -v a="$1" -v b="$3" 'BEGIN { printf "%.1f", b / a }')x"
	i=$((i + 1))
done
echo "# load after: $(uptime | sed 's/.*load average: //')"
echo "# nids-roc:     $(tr -d '\n' < "$tmp/nids.json" | sed 's/, "threshold":.*//')"
echo "# scikit-learn: $(cat "$tmp/py.json")"
tr -d '\n' < "$tmp/nids.json" | awk -v py="$(cat "$tmp/py.json")" '
	function get(s, k,   m) { if (match(s, "\"" k "\": [^,}]*")) { m = substr(s, RSTART, RLENGTH); sub(/.*: /, "", m); return m } }
	{ for (i = split("auroc auprc best_f1 best_f1_threshold", k, " "); i > 0; i--) {
		a = get($0, k[i]); b = get(py, k[i]); d = a - b; if (d < 0) d = -d
		printf "# %-18s nids %s  sklearn %s  |diff| %.3g\n", k[i], a, b, d } }'
