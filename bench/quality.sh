#!/bin/bash
# Quality of the default detector: nids's single models, its ensembles and the PyTorch /
# scikit-learn peers on the very same arrays, over seeds, on four datasets
# (bench/quality.md says what each figure is and how the defaults were chosen).
#
#   bash bench/quality.sh prep      featurize, split, normalize (minmax, quantile, log1p)
#   bash bench/quality.sh peers     ae_torch.py, vae_torch.py, sklearn_baselines.py
#   bash bench/quality.sh singles   nids single models, scores of train and test rows
#   bash bench/quality.sh combos    every standardization and combination rule, offline
#   bash bench/quality.sh ens       nids-fit -t ensemble with the chosen defaults
#   bash bench/quality.sh cost      scoring cost of each single model (the cost rule)
#   bash bench/quality.sh speed     training CPU and wall time, scoring rate: ae vs ensemble
#
# Environment: WORK (scratch, default /tmp/nids-quality), DATA (../shared/data), PEERS
# (../shared/bench), SEEDS ("0 1 2"), DATASETS ("nsl kdd99 cic17 cse18"),
# TRANSFORMS ("minmax quantile log1p"), MODELS ("ae vae aegmm kmeans iforest"); for
# peers: PEER_NETS ("ae_torch vae_torch"), PEER_CLASSIC ("iforest kmeans"), PEER_EPOCHS
# (the torch peers' --epochs, else their default 20).
#
# Protocols (one split, seed 1; model seeds vary):
#   nsl    NSL-KDD: benign rows of KDDTrain+ train, KDDTest+ tests; attack = positive
#   kdd99  KDD Cup 99 10%, the DAGMM protocol: a random half (seed 1), its attack rows
#          train, the other half tests; normal = positive (the anomaly class there)
#   cic17  cicids2017_improved_sample.csv: a random half (seed 1), its benign rows
#          train, the other half tests; attack = positive
#   cse18  cse-cic-ids2018-improved_sample.csv, the same
# The normalization is fitted on the training rows only.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NIDS_BIN:-$top/build/bin}
export NIDS_BIN=$BIN PATH=$BIN:$PATH
data=${DATA:-$top/../shared/data}
peers=${PEERS:-$top/../shared/bench}
W=${WORK:-/tmp/nids-quality}
SEEDS=${SEEDS:-0 1 2}
DATASETS=${DATASETS:-nsl kdd99 cic17 cse18}
TRANSFORMS=${TRANSFORMS:-minmax quantile log1p}
MODELS=${MODELS:-ae vae aegmm kmeans iforest}
PY=/usr/bin/python3
mkdir -p "$W"

# raw DS: DS's featurized training and test rows, W/DS/train.raw and W/DS/test.raw
raw() {
	local d=$W/$1
	mkdir -p "$d"
	[ -s "$d/test.raw" ] && return 0
	case $1 in
	nsl)
		nids-featurize -q -f nslkdd "$data/KDDTrain+.txt.zst" | nids-split -q --benign -o "$d/train.raw"
		nids-featurize -q -f nslkdd -o "$d/test.raw" "$data/KDDTest+.txt.zst" ;;
	kdd99|cic17|cse18)
		case $1 in
		kdd99) nids-featurize -q -f kdd99 -o "$d/all.raw" "$data/kddcup.data_10_percent.zst" ;;
		cic17) nids-featurize -q -f cic -o "$d/all.raw" "$data/cicids2017_improved_sample.csv.zst" ;;
		cse18) nids-featurize -q -f cic -o "$d/all.raw" "$data/cse-cic-ids2018-improved_sample.csv.zst" ;;
		esac
		nids-split -q --seed 1 --val 0.5 --val-output "$d/test.raw" -o "$d/half.raw" "$d/all.raw"
		if [ "$1" = kdd99 ]; then keep=--attacks; else keep=--benign; fi
		nids-split -q $keep -o "$d/train.raw" "$d/half.raw"
		rm -f "$d/all.raw" "$d/half.raw" ;;
	esac
}

# prep DS TR: W/DS/TR/{train,test}.rec normalized with TR fitted on the training rows,
# and the arrays the peers read (X_train.npy ... in W/DS/TR/np)
prep() {
	local d=$W/$1/$2 flip=
	[ "$1" = kdd99 ] && flip=--flip
	mkdir -p "$d/np"
	[ -s "$d/np/y_test.npy" ] && return 0
	if ! nids-normalize -q -t "$2" --fit "$d/norm.bin" -o "$d/train.rec" "$W/$1/train.raw" 2> "$d/norm.err"; then
		echo "prep $1 $2: $(cat "$d/norm.err")"; rm -rf "$d"; return 0
	fi
	nids-normalize -q -p "$d/norm.bin" -o "$d/test.rec" "$W/$1/test.raw"
	$PY "$top/bench/quality_export.py" "$d/train.rec" "$d/np/X_train.npy" "$d/np/y_train.npy"
	$PY -c "import numpy as np; np.save('$d/np/y_train.npy', np.zeros(len(np.load('$d/np/X_train.npy')), np.int8))"
	$PY "$top/bench/quality_export.py" "$d/test.rec" "$d/np/X_test.npy" "$d/np/y_test.npy" $flip
	nids-cat -H -c label "$d/test.rec" | awk -v f="$flip" '{ print f ? 1 - $1 : $1 }' > "$d/y_test.txt"
	echo "prep $1 $2: $(wc -l < "$d/y_test.txt") test rows, $($PY -c "import numpy as np; x=np.load('$d/np/X_train.npy'); print(x.shape[0], 'training rows,', x.shape[1], 'features')")"
}

# the peers on the arrays of DS TR: one JSON line each in W/peers.jsonl
peers() {
	local d=$W/$1/$2 s
	s=$(echo $SEEDS | tr ' ' ,)
	[ -d "$d/np" ] || return 0
	for p in ${PEER_NETS:-ae_torch vae_torch}; do
		PEERS_RESULTS= $PY "$peers/$p.py" --data "$d/np" --seeds "$s" --threads 1 \
			${PEER_EPOCHS:+--epochs $PEER_EPOCHS} --tag "${PEER_EPOCHS:+, $PEER_EPOCHS epochs} $1 $2" 2> "$d/$p.log" |
			tail -1 >> "$W/peers.jsonl"
	done
	for m in ${PEER_CLASSIC-iforest kmeans}; do
		$PY "$peers/sklearn_baselines.py" --data "$d/np" --model "$m" --seeds "$s" 2> "$d/sk-$m.log" |
			tail -1 | sed "s|\"model\": \"$m (sklearn)\"|\"model\": \"$m (sklearn) $1 $2\"|" >> "$W/peers.jsonl"
	done
}

# single DS TR MODEL SEED: nids-fit -j 1 (an ensemble trains each member on one thread,
# so these are exactly its members); the scores of the training and the test rows
single() {
	local d=$W/$1/$2 t=$W/$1/$2/$3.$4
	[ -s "$t.test" ] && return 0
	/usr/bin/time -f '%e %U %S' -o "$t.time" nids-fit -q -t "$3" -j 1 --seed "$4" -o "$t.bin" "$d/train.rec"
	nids-score -m "$t.bin" "$d/train.rec" | nids-cat -H -c score > "$t.train"
	nids-score -m "$t.bin" "$d/test.rec" | nids-cat -H -c score > "$t.test"
	echo "$1 $2 $3 seed $4: AUROC $($PY "$top/bench/quality_eval.py" auroc "$d/y_test.txt" "$t.test") ($(cat "$t.time") s wall user sys)"
}

# ens DS TR SEED: nids-fit -t ensemble (its defaults, plus ENS_OPTS) -j 2; test AUROC
ens() {
	local d=$W/$1/$2 t=$W/$1/$2/ens${ENS_TAG:-}.$3
	[ -s "$t.test" ] && return 0
	/usr/bin/time -f '%e %U %S' -o "$t.time" nids-fit -q -t ensemble ${ENS_OPTS:-} -j 2 --seed "$3" \
		-o "$t.bin" "$d/train.rec"
	nids-score -m "$t.bin" -j 2 "$d/test.rec" | nids-cat -H -c score > "$t.test"
	echo "$1 $2 ensemble${ENS_TAG:-} seed $3: AUROC $($PY "$top/bench/quality_eval.py" auroc "$d/y_test.txt" "$t.test") ($(cat "$t.time") s wall user sys, -j 2)"
}

# scoring cost per model: the model's share of nids-score -v -j 1 over the nsl test rows x 10,
# best of 3 interleaved runs
score_cost() {
	local d=$W/nsl/${1:-minmax} big=$W/nsl/big.rec
	[ -s "$big" ] || for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$d/test.rec"; done > "$big"
	for r in 1 2 3; do for m in $MODELS; do
		[ -s "$d/$m.0.bin" ] || continue
		echo "$m $(nids-score -v -j 1 -m "$d/$m.0.bin" "$big" 2>&1 > /dev/null)"
	done; done | awk '{ for (i = 1; i <= NF; i++) if ($i == "share") { r = $(i + 2); sub(/\(/, "", r) }
		if (!(m[$1] > r + 0)) m[$1] = r + 0 }
		END { for (k in m) printf "%s %d rows/s (model share, best of 3)\n", k, m[k] }' | sort
}

# speed TR: training (wall and CPU, -j 2, best of 3 interleaved) and scoring (-j 1 and -j 2,
# best of 3 interleaved) of ae and the default ensemble on nsl
speed() {
	local d=$W/nsl/$1 big=$W/nsl/big.rec
	[ -s "$big" ] || for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$d/test.rec"; done > "$big"
	for r in 1 2 3; do
		for m in ae ensemble; do
			/usr/bin/time -f "train $m -j 2: %e s wall, %U s user, %S s sys" nids-fit -q -t "$m" \
				${ENS_OPTS:-} -j 2 -o "$W/speed.$m.bin" "$d/train.rec" 2>&1 | sed "s/^/run $r /"
		done
		for m in ae ensemble; do for j in 1 2; do
			echo "run $r score $m -j $j: $(nids-score -v -j $j -m "$W/speed.$m.bin" "$big" 2>&1 > /dev/null)"
		done; done
	done
}

case ${1:-} in
prep)
	for ds in $DATASETS; do raw "$ds"; for tr in $TRANSFORMS; do prep "$ds" "$tr"; done; done ;;
peers)
	for ds in $DATASETS; do for tr in ${PEER_TRANSFORMS:-minmax quantile}; do peers "$ds" "$tr"; done; done ;;
singles)
	for ds in $DATASETS; do for tr in $TRANSFORMS; do [ -d "$W/$ds/$tr/np" ] || continue
		for m in $MODELS; do for s in $SEEDS ${EXTRA_SEEDS:-}; do single "$ds" "$tr" "$m" "$s"; done; done
	done; done ;;
combos)
	$PY "$top/bench/quality_eval.py" combos "$W" ;;
ens)
	for ds in $DATASETS; do for tr in $TRANSFORMS; do [ -d "$W/$ds/$tr/np" ] || continue
		for s in $SEEDS; do ens "$ds" "$tr" "$s"; done
	done; done ;;
cost)
	score_cost "${TRANSFORMS%% *}" ;;
speed)
	speed "${TRANSFORMS%% *}" ;;
*)
	echo "usage: bash bench/quality.sh prep|peers|singles|combos|ens|cost|speed" >&2; exit 2 ;;
esac
