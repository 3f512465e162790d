#!/bin/sh
# bench/classic.sh: the classic models against scikit-learn (../shared/bench/sklearn_baselines.py)
# on NSL-KDD (train KDDTrain+, test KDDTest+), on the very same float32 matrices.
#
#   sh bench/classic.sh [model ...]      (default: iforest kmeans logreg tree forest)
#
# Protocol (sklearn_baselines.py's): featurize_pandas.py one-hot encodes and min-max scales
# with train statistics; classic_npy2tsv.py | nids-cat -r turns its arrays into streams.
# Unsupervised models (iforest, kmeans) fit on the benign train rows, threshold at the
# 95th percentile of their train scores; supervised ones fit on all train rows,
# threshold 0.5. Both sides use 2 threads (n_jobs=2 for the forest; k-means' OpenMP sees
# both cores). Times, wall and CPU (all threads): scikit-learn's fit() and one scoring pass
# (bench/classic_sk_time.py, which imports sklearn_baselines.py's models and computes its
# metrics with peerlib.py); ours the same calls in one process (bench/classic_time.c:
# nids_model_fit and the nids-score batch loop, data in memory), and, for the record, the
# whole nids-fit and nids-score processes (stream reading included). Results: one TSV line per model and seed
# in $OUT/results.tsv, means in a table on stdout.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NIDS_BIN:-$TOP/build/bin}
PEERS=$TOP/../shared/bench
DATA=$TOP/../shared/data
OUT=${OUT:-/tmp/nids-bench-classic}
PY=/usr/bin/python3
SEEDS=${SEEDS:-0 1 2}
# a single tree's AUROC swings by 0.02 with the seed that breaks ties between features
# (scikit-learn: 0.816, 0.829, 0.831 for seeds 0-2, 0.810 on average over seeds 3-10), so
# the tree gets more seeds on both sides
TREE_SEEDS=${TREE_SEEDS:-0 1 2 3 4 5 6 7 8 9}
MODELS=${*:-iforest kmeans logreg tree forest}
mkdir -p "$OUT"
make -s -C "$TOP" "$BIN/../libnids.a"
cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -I"$TOP/include" -I"$TOP/lib" -o "$OUT/classic_time" \
	"$TOP/bench/classic_time.c" "$BIN/../libnids.a" -lopenblas -lzstd -lcsv -lxxhash -lm -pthread
cd "$OUT"

if [ ! -s test.rec ]; then
	$PY "$PEERS/featurize_pandas.py" --train "$DATA/KDDTrain+.txt.zst" \
		--test "$DATA/KDDTest+.txt.zst" --out np > featurize.json 2> featurize.log
	for p in train train_benign test; do
		$PY "$TOP/bench/classic_npy2tsv.py" np $p | "$BIN/nids-cat" -r -o $p.rec
	done
fi

now() { date +%s.%N; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "# load before: $(uptime | sed 's/.*load average: //')"
printf 'side\tmodel\tseed\tfit_s\tfit_cpu\tscore_s\tscore_cpu\tfit_proc_s\tscore_proc_s\tauroc\taccuracy\tprecision\trecall\n' \
	> results.tsv

# nids: one fit and one score per seed
nids_run() { # model seed fit-input extra-flags...
	model=$1 seed=$2 input=$3
	shift 3
	inproc=$(./classic_time -t "$model" -j 2 --seed "$seed" "$@" -o "$model.$seed.bin" \
		"$input" test.rec)
	t0=$(now)
	"$BIN/nids-fit" -q -t "$model" -j 2 --seed "$seed" "$@" -o "$model.$seed.bin2" "$input"
	t1=$(now)
	cmp "$model.$seed.bin" "$model.$seed.bin2" # the same model either way
	"$BIN/nids-score" -j 2 -m "$model.$seed.bin" -o "$model.$seed.scored" test.rec
	t2=$(now)
	if [ "$input" = train_benign.rec ]; then
		"$BIN/nids-score" -j 2 -m "$model.$seed.bin" train_benign.rec |
			"$BIN/nids-cat" -c score,label > "$model.$seed.trs"
		thr="--train-scores $model.$seed.trs"
	else
		thr=""
	fi
	# shellcheck disable=SC2086
	m=$("$BIN/nids-cat" -c score,label "$model.$seed.scored" | $PY "$TOP/bench/classic_eval.py" $thr)
	$PY - "$model" "$seed" "$t0" "$t1" "$t2" "$m" "$inproc" >> results.tsv <<'EOF'
import json, sys
model, seed, t0, t1, t2, m, inproc = sys.argv[1:]
m = json.loads(m)
fw, fc, sw, sc = map(float, inproc.split())
print("nids\t%s\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f\t%.3f\t%.4f\t%.4f\t%.4f\t%.4f" % (model,
      seed, fw, fc, sw, sc, float(t1) - float(t0), float(t2) - float(t1), m["auroc"],
      m["accuracy"], m["precision"], m["recall"]))
EOF
}

for model in $MODELS; do
	case $model in
	iforest | kmeans) input=train_benign.rec ;;
	*) input=train.rec ;;
	esac
	seeds=$SEEDS
	[ "$model" = tree ] && seeds=$TREE_SEEDS
	[ "$model" = logreg ] && seeds=0 # deterministic (sklearn_baselines.py runs seed 0 only)
	# one seed at a time, scikit-learn then nids, so both see the same machine load
	for s in $seeds; do
		$PY "$TOP/bench/classic_sk_time.py" "$PEERS" np "$model" "$s" | $PY -c '
import json, sys
r = json.loads(sys.stdin.read())
print("sklearn\t%s\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t\t\t%.4f\t%.4f\t%.4f\t%.4f" % (sys.argv[1],
      sys.argv[2], r["fit_wall"], r["fit_cpu"], r["score_wall"], r["score_cpu"], r["auroc"],
      r["accuracy"], r["precision"], r["recall"]))' "$model" "$s" >> results.tsv
		case $model in
		kmeans) nids_run kmeans "$s" "$input" --k 8 --restarts 10 ;;
		iforest) nids_run iforest "$s" "$input" --trees 100 --samples 256 ;;
		logreg) nids_run logreg "$s" "$input" --l2 1 ;;
		tree) nids_run tree "$s" "$input" --criterion entropy ;;
		forest) nids_run forest "$s" "$input" --trees 100 --criterion gini ;;
		esac
	done
done
echo "# load after: $(uptime | sed 's/.*load average: //')"
# means per side and model
$PY - results.tsv <<'EOF'
import csv, sys
from collections import defaultdict
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
acc = defaultdict(list)
for r in rows:
    acc[(r["model"], r["side"])].append(r)
keys = ("fit_s", "fit_cpu", "score_s", "score_cpu", "fit_proc_s", "score_proc_s", "auroc",
        "accuracy", "precision", "recall")
print("| model | side | seeds | fit s | fit CPU s | score s | score CPU s | fit s (process) "
      "| score s (process) | AUROC | accuracy | precision | recall |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (model, side), rs in sorted(acc.items()):
    mean = {k: sum(float(r[k] or "nan") for r in rs) / len(rs) for k in keys}
    cells = ["%.3f" % mean[k] for k in keys[:6]] + ["%.4f" % mean[k] for k in keys[6:]]
    print("| %s | %s | %d | %s |" % (model, side, len(rs),
          " | ".join(c.replace("nan", "—") for c in cells)))
print()
print("| model | fit: sklearn / nids (wall, CPU) | score: sklearn / nids (wall, CPU) "
      "| AUROC nids - sklearn | accuracy nids - sklearn |")
print("|---|---|---|---|---|")
for model in sorted({m for m, _ in acc}):
    if (model, "nids") not in acc or (model, "sklearn") not in acc:
        continue
    mean = {side: {k: sum(float(r[k] or "nan") for r in acc[(model, side)]) /
                   len(acc[(model, side)]) for k in keys} for side in ("nids", "sklearn")}
    n, k = mean["nids"], mean["sklearn"]
    print("| %s | %.2fx, %.2fx | %.2fx, %.2fx | %+.4f | %+.4f |" % (model,
          k["fit_s"] / n["fit_s"], k["fit_cpu"] / n["fit_cpu"], k["score_s"] / n["score_s"],
          k["score_cpu"] / n["score_cpu"], n["auroc"] - k["auroc"], n["accuracy"] - k["accuracy"]))
EOF
