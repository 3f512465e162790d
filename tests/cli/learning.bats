#!/usr/bin/env bats
# Every model type learns: on a fixture where a model that has learned nothing ranks
# attacks near chance (AUROC <= 0.6), the trained model ranks them well (AUROC >= 0.9),
# with the training rows and the scored rows drawn from different seeds. Where the
# untrained model is not at chance by design (DAGMM and k-means fit a mixture or seed
# centroids on the data even without training), the training loss must fall by a
# stated factor instead. The "untrained" model is --epochs 0 for the neural models and
# the smallest setting that stops learning for the classic ones (no iterations, no
# split, two-row isolation trees). The fixtures are in tests/fixtures/neural/make.sh.
bats_require_minimum_version 1.5.0
load helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

setup() {
	setup_tmp
	mk_pairs 800 1 benign > "$tmp/benign.rec"
	mk_pairs 800 1 > "$tmp/train.rec"
	mk_pairs 800 2 > "$tmp/test.rec"
}
teardown() { teardown_tmp; }

# auroc MODEL TEST.rec: the AUROC of MODEL's score column on TEST.rec
auroc() {
	local json a
	json=$(score -m "$1" "$2" | "$NIDS_BIN/nids-roc" --json --score score) || return 1
	a=$(printf '%s\n' "$json" | sed -n 's/.*"auroc": \([^,}]*\).*/\1/p' | head -n 1)
	is_num "$a" || return 1
	echo "$a"
}

# learns TYPE TRAIN.rec TEST.rec "UNTRAINED OPTIONS" "TRAINED OPTIONS" [COMMON OPTIONS...]
learns() {
	local t=$1 train=$2 test=$3 untrained=$4 trained=$5 a0 a1
	shift 5
	fit -q -t "$t" $untrained "$@" -o "$tmp/u.bin" "$train"
	fit -q -t "$t" $trained "$@" -o "$tmp/t.bin" "$train"
	a0=$(auroc "$tmp/u.bin" "$test")
	a1=$(auroc "$tmp/t.bin" "$test")
	echo "$t: untrained AUROC $a0, trained $a1"
	awk -v a="$a0" 'BEGIN { exit !(a <= 0.6) }'
	awk -v a="$a1" 'BEGIN { exit !(a >= 0.9) }'
}

# loss_falls FACTOR nids-fit ARGS...: the last epoch's training loss (-v prints one line
# per epoch) is at least FACTOR times smaller than the first epoch's
loss_falls() {
	local f=$1 first last
	shift
	run --separate-stderr fit -v "$@"
	[ "$status" -eq 0 ]
	first=$(printf '%s\n' "${stderr_lines[@]}" | sed -n 's/^epoch 1\/[0-9]* loss \([^ ]*\) .*/\1/p')
	last=$(printf '%s\n' "${stderr_lines[@]}" | sed -n 's/^epoch \([0-9]*\)\/\1 loss \([^ ]*\) .*/\2/p')
	is_num "$first"
	is_num "$last"
	echo "loss $first -> $last"
	awk -v a="$first" -v b="$last" -v f="$f" 'BEGIN { exit !(b > 0 && a >= f * b) }'
}

@test "learning: ae" {
	learns ae "$tmp/benign.rec" "$tmp/test.rec" "--epochs 0" "--epochs 30" --batch 32 --lr 1e-2
}

@test "learning: vae" {
	learns vae "$tmp/benign.rec" "$tmp/test.rec" "--epochs 0" "--epochs 30" --batch 32 \
		--lr 1e-2 -l 3
}

@test "learning: sae (supervised)" {
	learns sae "$tmp/train.rec" "$tmp/test.rec" "--epochs 0" "--epochs 60" --batch 32 \
		--lr 3e-2 --hidden 16 --pretrain 0
}

@test "learning: memae" {
	learns memae "$tmp/benign.rec" "$tmp/test.rec" "--epochs 0" "--epochs 30" --batch 32 \
		--lr 1e-2 --layers 16,3
}

@test "learning: dsebm" {
	learns dsebm "$tmp/benign.rec" "$tmp/test.rec" "--epochs 0" "--epochs 30" --batch 32 \
		--lr 1e-2 --layers 32 --sigma 0.05
}

@test "learning: aegmm, on pairs with the same covariance in both groups" {
	mk_pairs 800 1 benign tent > "$tmp/tbenign.rec"
	mk_pairs 800 2 all tent > "$tmp/ttest.rec"
	learns aegmm "$tmp/tbenign.rec" "$tmp/ttest.rec" "--epochs 0" "--epochs 30" --batch 32 \
		--lr 1e-2 --k 2 --layers 16,3
}

@test "learning: dagmm's loss falls 10-fold, and the trained model separates" {
	# the mixture fitted after training already separates these rows with an untrained
	# network (AUROC about 0.9), so the loss is what shows the training
	loss_falls 10 -t dagmm --epochs 60 --batch 64 --lr 3e-3 --layers 16,8,3 -o "$tmp/t.bin" \
		"$tmp/benign.rec"
	a=$(auroc "$tmp/t.bin" "$tmp/test.rec")
	echo "dagmm: trained AUROC $a"
	awk -v a="$a" 'BEGIN { exit !(a >= 0.95) }'
}

@test "learning: kmeans's inertia falls by a fifth from one Lloyd iteration, and is the sum of squared scores" {
	run --separate-stderr fit -v -t kmeans --k 8 --restarts 1 --max-iter 1 -o "$tmp/u.bin" \
		"$tmp/benign.rec"
	[ "$status" -eq 0 ]
	i0=$(printf '%s\n' "${stderr_lines[@]}" | sed -n 's/^kmeans: k 8, inertia \([^,]*\), 1 iterations$/\1/p')
	run --separate-stderr fit -v -t kmeans --k 8 --restarts 1 -o "$tmp/t.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	i1=$(printf '%s\n' "${stderr_lines[@]}" | sed -n 's/^kmeans: k 8, inertia \([^,]*\), [0-9]* iterations$/\1/p')
	is_num "$i0"
	is_num "$i1"
	echo "inertia $i0 -> $i1"
	awk -v a="$i0" -v b="$i1" 'BEGIN { exit !(b > 0 && a >= 1.25 * b) }'
	# score = the distance to the nearest centroid: the squared scores of the training
	# rows add up to the inertia (printed to 6 digits)
	s=$(score -m "$tmp/t.bin" "$tmp/benign.rec" | ncat -H -c score |
		awk '{ s += $1 * $1 } END { printf "%.6g", s }')
	[ "$s" = "$i1" ]
}

@test "learning: logreg" {
	mk_stream 600 1 > "$tmp/lin.rec"
	mk_stream 600 2 > "$tmp/lintest.rec"
	learns logreg "$tmp/lin.rec" "$tmp/lintest.rec" "--max-iter 0" ""
}

@test "learning: tree" {
	mk_stream 600 1 > "$tmp/lin.rec"
	mk_stream 600 2 > "$tmp/lintest.rec"
	learns tree "$tmp/lin.rec" "$tmp/lintest.rec" "--min-leaf 1000000" ""
}

@test "learning: forest" {
	learns forest "$tmp/train.rec" "$tmp/test.rec" "--min-leaf 1000000" "" --trees 20
}

@test "learning: iforest" {
	mk_stream 600 1 benign > "$tmp/linb.rec"
	mk_stream 600 2 > "$tmp/lintest.rec"
	learns iforest "$tmp/linb.rec" "$tmp/lintest.rec" "--samples 2" ""
}
