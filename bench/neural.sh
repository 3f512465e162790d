#!/bin/bash
# Neural benchmarks: nids ae and vae against ../shared/bench/ae_torch.py and
# vae_torch.py on NSL-KDD, side by side in one run: AUROC over seeds (trained on the
# benign rows of KDDTrain+, scored on KDDTest+), training rows/s per epoch (median over
# epochs, as the peers report it), scoring rows/s, and nids-score's peak RSS on 10^5
# and 10^7 rows.
# Usage: PATH=build/bin:$PATH bash bench/neural.sh   [SEEDS="0 1 2" EPOCHS=20 SPEED_EPOCHS=3 WORK=dir]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=${DATA:-$top/../shared/data}
peers=${PEERS:-$top/../shared/bench}
work=${WORK:-/tmp/nids-bench-neural}
SEEDS=${SEEDS:-0 1 2}
EPOCHS=${EPOCHS:-20}
SPEED_EPOCHS=${SPEED_EPOCHS:-3}
PY=/usr/bin/python3
mkdir -p "$work"
export DATA="$data"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%F %H:%M') UTC"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# the same raw data through both pipelines
bash "$top/examples/nslkdd_prep.sh" "$work/nids"
$PY "$peers/featurize_pandas.py" --train "$data/KDDTrain+.txt.zst" --test "$data/KDDTest+.txt.zst" \
	--out "$work/np" > /dev/null 2>&1
seeds_csv=$(echo $SEEDS | tr ' ' ,)

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mean_sd() { awk '{ s += $1; q += $1 * $1; n++ } END { m = s / n; printf "%.4f ± %.4f", m, sqrt(q / n - m * m > 0 ? q / n - m * m : 0) }'; }
json() { $PY -c "import json,sys; r=json.loads(sys.stdin.readlines()[-1]); print(r['$1'])"; }

# nids_fit MODEL SEED THREADS: trains, scores KDDTest+; prints "auroc train_rows/s"
nids_fit() {
	local m=$1 s=$2 j=$3
	nids-fit -v -t "$m" --epochs "$EPOCHS" --batch 256 --lr 0.001 --seed "$s" -j "$j" \
		-o "$work/$m-$s.bin" "$work/nids/benign.rec" 2> "$work/$m-$s-j$j.log"
	rate=$(grep -o '[0-9]* rows/s' "$work/$m-$s-j$j.log" | cut -d' ' -f1 | median)
	nids-score -m "$work/$m-$s.bin" -j 2 "$work/nids/test.rec" > "$work/scored.rec"
	echo "$(sh "$top/examples/auroc.sh" "$work/scored.rec") $rate"
}

for m in ae vae; do
	echo "## $m"
	peer="$peers/${m}_torch.py"
	# accuracy and 1-thread speed over the seeds; 2-thread speed on a short run (on this
	# 2-core machine PyTorch trains these nets faster with 1 thread, and with 2 threads it
	# slows down badly when other processes compete for the cores)
	$PY "$peer" --data "$work/np" --epochs "$EPOCHS" --seeds "$seeds_csv" --threads 1 \
		> "$work/peer-$m-1.json" 2> "$work/peer-$m-1.log"
	$PY "$peer" --data "$work/np" --epochs "$SPEED_EPOCHS" --seeds 0 --threads 2 \
		> "$work/peer-$m-2.json" 2> "$work/peer-$m-2.log"
	echo "peer $m AUROC (1 thread, seeds $SEEDS): $(json auroc < "$work/peer-$m-1.json") ± $(json auroc_std < "$work/peer-$m-1.json")"
	echo "peer $m train rows/s: 1 thread $(json train_rows_per_s < "$work/peer-$m-1.json" | cut -d. -f1), 2 threads $(json train_rows_per_s < "$work/peer-$m-2.json" | cut -d. -f1) ($SPEED_EPOCHS epochs)"
	echo "peer $m score rows/s: 1 thread $(json score_rows_per_s < "$work/peer-$m-1.json" | cut -d. -f1), 2 threads $(json score_rows_per_s < "$work/peer-$m-2.json" | cut -d. -f1)"
	: > "$work/auc-$m"
	: > "$work/rate-$m-2"
	for s in $SEEDS; do
		set -- $(nids_fit "$m" "$s" 2)
		echo "nids $m seed $s (-j 2): AUROC $1, train $2 rows/s"
		echo "$1" >> "$work/auc-$m"
		echo "$2" >> "$work/rate-$m-2"
	done
	set -- $(nids_fit "$m" 0 1)
	echo "nids $m seed 0 (-j 1): AUROC $1, train $2 rows/s"
	echo "nids $m AUROC (-j 2, seeds $SEEDS): $(mean_sd < "$work/auc-$m")"
	echo "nids $m train rows/s: -j 2 $(median < "$work/rate-$m-2"), -j 1 $2"
done

# scoring throughput, end to end through the stream (read, score, write): KDDTest+
# repeated 20 times (450,880 rows)
for _ in $(seq 20); do cat "$work/nids/test.rec"; done > "$work/big.rec"
rows=$(( $(nids-cat -i "$work/nids/test.rec" | awk '$1 == "rows" { print $2 }') * 20 ))
for m in ae vae; do
	for j in 1 2; do
		# -v: overall rows/s (read, score, write) and the model's share alone, which is
		# what the peers' score_rows_per_s measures
		echo "nids-score $m -j $j: $(nids-score -v -m "$work/$m-0.bin" -j "$j" "$work/big.rec" 2>&1 > /dev/null)"
	done
done

# peak RSS does not grow with the input: 10^5 and 10^7 rows through a pipe
test_rows=$(( rows / 20 ))
for n in 100000 10000000; do
	copies=$(( (n + test_rows - 1) / test_rows ))
	rss=$( { for _ in $(seq "$copies"); do cat "$work/nids/test.rec"; done |
		/usr/bin/time -f '%M' nids-score -m "$work/ae-0.bin" -j 2 > /dev/null; } 2>&1 | tail -1)
	echo "nids-score ae peak RSS on $((copies * test_rows)) rows: $rss KB"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
