#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

setup() {
	setup_tmp
	mk_stream 300 1 benign > "$tmp/benign.rec"
	mk_stream 300 1 > "$tmp/all.rec"
}
teardown() { teardown_tmp; }


@test "nids-fit: --help first line is the man SYNOPSIS" {
	check_help_matches_man nids-fit
}

@test "nids-fit: --help lists every model's options with defaults" {
	run fit --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"-t vae: variational autoencoder"* ]]
	[[ "$output" == *"-l, --latent"*"[default: 8]"* ]]
	[[ "$output" == *"--layers"*"[default: 64,32,16]"* ]]
}

@test "nids-fit: under an address-space limit, -j 2 trains the same model; a limit too small for OpenBLAS's buffers is refused, never a hang" {
	need_address_limit "$NIDS_BIN/nids-fit"
	# (ae runs two shards; logreg and dagmm one, with OpenBLAS's two threads)
	for t in ae logreg dagmm; do
		SOURCE_DATE_EPOCH=1 fit -q -t $t -j 2 --epochs 2 -o "$tmp/free.bin" "$tmp/all.rec"
		run -0 --separate-stderr env -u OPENBLAS_NUM_THREADS SOURCE_DATE_EPOCH=1 bash -c \
			"ulimit -v 524288; timeout 120 '$NIDS_BIN/nids-fit' -q -t $t -j 2 --epochs 2 -o '$tmp/limited.bin' '$tmp/all.rec'"
		[ -z "$stderr" ]
		cmp "$tmp/free.bin" "$tmp/limited.bin"
	done
	# two training threads need a 128 MiB buffer each: 192 MiB cannot hold them
	run -1 --separate-stderr env -u OPENBLAS_NUM_THREADS bash -c \
		"ulimit -v 196608; timeout 120 '$NIDS_BIN/nids-fit' -q -t ae -j 2 -o '$tmp/refused.bin' '$tmp/all.rec'"
	[ "$stderr" = "nids-fit: the address-space limit (ulimit -v 196608) cannot hold OpenBLAS's 128 MiB working buffer for 2 threads: raise it, or lower -j" ]
	[ ! -e "$tmp/refused.bin" ]
}

@test "nids-fit: --version" {
	run fit --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "nids-fit 0.2.0 (stream 3, model 2)" ]
	[[ "${lines[1]}" =~ ^"OpenBLAS kernels: "[A-Za-z0-9]+$ ]]
	[ "${#lines[@]}" -eq 2 ]
}

@test "nids-fit: usage errors exit 2" {
	run -2 --separate-stderr fit --bogus
	[[ "$stderr" == *"unknown option '--bogus'"*"usage: nids-fit"* ]]
	run -2 --separate-stderr fit "$tmp/benign.rec"
	[ "${stderr_lines[0]}" = "nids-fit: -t is required (ae, vae, sae, dagmm, memae, dsebm, aegmm, kmeans, logreg, tree, forest, iforest, ensemble)" ]
	run -2 --separate-stderr fit -t svm "$tmp/benign.rec"
	[ "${stderr_lines[0]}" = "nids-fit: unknown model type 'svm' (known: ae, vae, sae, dagmm, memae, dsebm, aegmm, kmeans, logreg, tree, forest, iforest, ensemble)" ]
	run -2 --separate-stderr fit -t ae --latent 4 "$tmp/benign.rec"
	[ "${stderr_lines[0]}" = "nids-fit: option '--latent' does not apply to -t ae" ]
	run -2 --separate-stderr fit -t ae --epochs x "$tmp/benign.rec"
	[[ "${stderr_lines[0]}" == "nids-fit: option '--epochs': 'x' is not a whole number"* ]]
	run -2 --separate-stderr fit -t ae --layers 8,x -o "$tmp/m.bin" "$tmp/benign.rec"
	[[ "${stderr_lines[0]}" == "nids-fit: option '--layers': '8,x' is not a list"* ]]
	[ ! -e "$tmp/m.bin" ]
}

@test "nids-fit: trains each model and writes a model file" {
	for t in ae vae sae; do
		fit -t "$t" -q --epochs 2 --batch 32 -o "$tmp/$t.bin" "$tmp/all.rec"
		run "$NIDS_BIN/nids-score" --info -m "$tmp/$t.bin"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "type=$t" ]
		[[ "$output" == *$'rows=300\n'* ]]
		[[ "$output" == *$'features=4\nfeature=f1\nfeature=f2\nfeature=f3\nfeature=f4\n'* ]]
	done
}

@test "nids-fit: progress per epoch on stderr with -v (or a terminal), -q silences it" {
	run --separate-stderr fit -t ae --epochs 3 --batch 50 --val 0.2 -o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr fit -v -t ae --epochs 3 --batch 50 --val 0.2 -o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	[ "${#stderr_lines[@]}" -eq 4 ]
	[[ "${stderr_lines[2]}" =~ ^epoch\ 3/3\ loss\ [0-9.e-]+\ val\ [0-9.e-]+\ [0-9]+\ rows/s\ eta\ 0s$ ]]
	[[ "${stderr_lines[3]}" == "nids-fit: -t ae: "*" training rows (200 read), 40 validation, 4 features, "* ]]
	run --separate-stderr fit -q -t ae --epochs 3 -o "$tmp/m.bin" "$tmp/benign.rec"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "nids-fit: the same seed and threads give the same file; another seed does not" {
	fit -q -t vae --epochs 2 --seed 5 -j 2 -o "$tmp/a.bin" "$tmp/benign.rec"
	fit -q -t vae --epochs 2 --seed 5 -j 2 -o "$tmp/b.bin" < "$tmp/benign.rec"
	cmp "$tmp/a.bin" "$tmp/b.bin"
	fit -q -t vae --epochs 2 --seed 6 -j 2 -o "$tmp/c.bin" "$tmp/benign.rec"
	! cmp -s "$tmp/a.bin" "$tmp/c.bin"
}

@test "nids-fit: model options are recorded" {
	fit -q -t vae -l 3 -L 4 -s mse --epochs 1 -o "$tmp/v.bin" "$tmp/benign.rec"
	run "$NIDS_BIN/nids-score" --info -m "$tmp/v.bin"
	[[ "$output" == *$'hp.latent=3\nhp.samples=4\n'*$'hp.score=mse\n'* ]]
	[[ "$output" == *"tensor=enc_mu0.w 3 32 "* ]]
}

@test "nids-fit: the default epochs give at least 2000 steps; --epochs and a paper's epochs are kept" {
	info() { "$NIDS_BIN/nids-score" --info -m "$1" | sed -n 's/^made.training=\([0-9]*\) epochs of batch \([0-9]*\),.*/\1 \2/p'; }
	# 100 rows in batches of 50: 2 steps an epoch, so 1000 epochs
	fit -q -t ae --batch 50 --max-rows 100 -o "$tmp/a.bin" "$tmp/all.rec"
	[ "$(info "$tmp/a.bin")" = "1000 50" ]
	# 150 steps an epoch: 20 epochs already make 3000 steps
	fit -q -t ae --batch 1 --max-rows 150 -o "$tmp/b.bin" "$tmp/all.rec"
	[ "$(info "$tmp/b.bin")" = "20 1" ]
	# the held-out rows do not count: 80 training rows in batches of 50, 1000 epochs
	fit -q -t ae --batch 50 --max-rows 100 --val 0.2 --patience 2000 -o "$tmp/v.bin" "$tmp/all.rec"
	[ "$(info "$tmp/v.bin")" = "1000 50" ]
	fit -q -t ae --batch 50 --max-rows 100 --epochs 3 -o "$tmp/c.bin" "$tmp/all.rec"
	[ "$(info "$tmp/c.bin")" = "3 50" ]
	fit -q -t dagmm --max-rows 100 -o "$tmp/d.bin" "$tmp/all.rec"
	[ "$(info "$tmp/d.bin")" = "200 1024" ]
}

@test "nids-fit: --max-rows samples the input" {
	fit -q -t ae --epochs 1 --max-rows 50 -o "$tmp/m.bin" "$tmp/all.rec"
	run "$NIDS_BIN/nids-score" --info -m "$tmp/m.bin"
	[[ "$output" == *$'\nrows=50\n'* ]]
}

@test "nids-fit: zstd-compressed and concatenated input" {
	cat "$tmp/benign.rec" "$tmp/benign.rec" | zstd -q -c > "$tmp/b.rec.zst"
	fit -q -t ae --epochs 1 -o "$tmp/m.bin" "$tmp/b.rec.zst"
	run "$NIDS_BIN/nids-score" --info -m "$tmp/m.bin"
	[[ "$output" == *$'\nrows=400\n'* ]]
}

@test "nids-fit: too few rows for an isolation forest or a mixture say so, and no model is left" {
	printf 'a\tb\tlabel\n0.1\t0.2\t0\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/one.rec"
	run -1 --separate-stderr fit -q -t iforest -o "$tmp/m.bin" "$tmp/one.rec"
	[ "$stderr" = "nids-fit: an isolation forest needs at least 2 training rows, not 1" ]
	[ ! -e "$tmp/m.bin" ]
	printf 'a\tb\tlabel\n0.1\t0.2\t0\n0.3\t0.1\t0\n0.5\t0.5\t0\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/three.rec"
	run -1 --separate-stderr fit -q -t aegmm --k 4 --epochs 1 -o "$tmp/m.bin" "$tmp/three.rec"
	[ "$stderr" = "nids-fit: aegmm: 3 training rows are fewer than the 4 mixture components (lower --k)" ]
	[ ! -e "$tmp/m.bin" ]
	fit -q -t aegmm --k 3 --epochs 1 -o "$tmp/m.bin" "$tmp/three.rec"
}

@test "nids-fit: a nan feature is an error naming the row, and no model is left" {
	printf 'a\tb\tlabel\n0.1\t0.2\t0\n0.3\tnan\t0\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/nan.rec"
	run -1 --separate-stderr fit -q -t ae -o "$tmp/m.bin" "$tmp/nan.rec"
	[ "$stderr" = "nids-fit: $tmp/nan.rec: row 2: feature 'b' is nan (normalize or drop it first)" ]
	[ ! -e "$tmp/m.bin" ]
	[ -z "$(ls "$tmp" | grep -v '\.rec$')" ]
}

@test "nids-fit: a label other than 0/1 is an error" {
	printf 'a\tlabel\n0.1\t0\n0.3\t2\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/l.rec"
	run -1 --separate-stderr fit -q -t ae "$tmp/l.rec"
	[ "$stderr" = "nids-fit: $tmp/l.rec: row 2: label 2 is not 0 or 1" ]
}

@test "nids-fit: a diverging loss stops with an error and writes no model" {
	printf 'a\tb\n1e30\t-1e30\n2e30\t1e30\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/big.rec"
	run -1 --separate-stderr fit -q -t ae -o "$tmp/m.bin" "$tmp/big.rec"
	[[ "$stderr" =~ ^nids-fit:\ training\ diverged:\ the\ loss\ is\ (nan|inf)\ in\ epoch\ [12]\ \(try\ a\ smaller\ --lr\ or\ normalized\ input\)$ ]]
	[ ! -e "$tmp/m.bin" ]
}

@test "nids-fit: unscaled features warn for models that are not trees, and the model is written" {
	printf 'dur\tbytes\tlabel\n0.5\t1\t0\n0.2\t5000\t1\n0.1\t3\t0\n0.4\t7\t1\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/raw.rec"
	run -0 --separate-stderr fit -t kmeans --k 2 -o "$tmp/m.bin" "$tmp/raw.rec"
	[ "$stderr" = "nids-fit: warning: feature 'bytes' reaches 5e+03 and the stream records no normalization: -t kmeans learns poorly from unscaled features; normalize them first (nids-normalize)" ]
	[ -s "$tmp/m.bin" ]
	run -0 --separate-stderr fit -q -t kmeans --k 2 -o "$tmp/m.bin" "$tmp/raw.rec"
	[ -z "$stderr" ]
	run -0 --separate-stderr fit -t tree -o "$tmp/m.bin" "$tmp/raw.rec"
	[ -z "$stderr" ]
	run -0 --separate-stderr fit -t forest --trees 2 -o "$tmp/m.bin" "$tmp/raw.rec"
	[ -z "$stderr" ]
	# a value of 1000 is not beyond the bound; normalized rows never warn
	printf 'dur\tbytes\n0.5\t1\n0.2\t1000\n0.1\t3\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/edge.rec"
	run -0 --separate-stderr fit -t kmeans --k 2 -o "$tmp/m.bin" "$tmp/edge.rec"
	[ -z "$stderr" ]
	"$NIDS_BIN/nids-normalize" -t zscore --fit "$tmp/p.bin" "$tmp/raw.rec" > "$tmp/n.rec"
	run -0 --separate-stderr fit -t kmeans --k 2 -o "$tmp/m.bin" "$tmp/n.rec"
	[ -z "$stderr" ]
}

@test "nids-fit: sae needs a label column; no features is an error" {
	printf 'a\tb\n0.1\t0.2\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/nolabel.rec"
	run -1 --separate-stderr fit -q -t sae "$tmp/nolabel.rec"
	[ "$stderr" = "nids-fit: -t sae needs a label column in the training stream" ]
	printf 'label\n0\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/nofeat.rec"
	run -1 --separate-stderr fit -q -t ae "$tmp/nofeat.rec"
	[ "$stderr" = "nids-fit: $tmp/nofeat.rec: the stream has no feature columns" ]
}

@test "nids-fit: a damaged stream is an error" {
	head -c 200 "$tmp/benign.rec" > "$tmp/cut.rec"
	run -1 --separate-stderr fit -q -t ae -o "$tmp/m.bin" "$tmp/cut.rec"
	[[ "$stderr" == "nids-fit: $tmp/cut.rec"*"truncated"* ]]
	[ ! -e "$tmp/m.bin" ]
}

@test "nids-fit: a full disk is reported" {
	run -1 --separate-stderr sh -c "'$NIDS_BIN/nids-fit' -q -t ae --epochs 1 '$tmp/benign.rec' > /dev/full"
	[ "$stderr" = "nids-fit: write error: No space left on device" ]
	run -1 --separate-stderr fit -q -t ae --epochs 1 -o /dev/full "$tmp/benign.rec"
	[ "$stderr" = "nids-fit: /dev/full: write error: No space left on device" ]
}

@test "nids-fit: --val too large for the data is a usage error" {
	printf 'a\n0.1\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/one.rec"
	run -2 --separate-stderr fit -q -t ae --val 0.5 "$tmp/one.rec"
	[ "$stderr" = "nids-fit: --val 0.5 of 1 rows leaves an empty training or validation set" ]
}

@test "nids-fit: several inputs, gzip among them, train as their concatenation" {
	mk_stream 300 2 benign > "$tmp/more.rec"
	cat "$tmp/benign.rec" "$tmp/more.rec" > "$tmp/both.rec"
	gzip -c "$tmp/more.rec" > "$tmp/more.rec.gz"
	fit -q -t ae --epochs 2 -o "$tmp/a.bin" "$tmp/both.rec"
	fit -q -t ae --epochs 2 -o "$tmp/b.bin" "$tmp/benign.rec" "$tmp/more.rec.gz"
	# the same training rows give the same model: the same scores
	cmp <(score -m "$tmp/a.bin" "$tmp/both.rec") <(score -m "$tmp/b.bin" "$tmp/both.rec")
	run -1 --separate-stderr fit -q -t ae -o "$tmp/c.bin" "$tmp/benign.rec" "$tmp/none.rec"
	[ "$stderr" = "nids-fit: $tmp/none.rec: cannot open: No such file or directory" ]
	[ ! -e "$tmp/c.bin" ]
	# an empty name (an unset variable) is shown as such, the model file and a list too
	run -1 --separate-stderr fit -q -t ae -o "$tmp/c.bin" ""
	[ "$stderr" = "nids-fit: '': cannot open: No such file or directory" ]
	[ ! -e "$tmp/c.bin" ]
	run -1 --separate-stderr score -m "" "$tmp/both.rec"
	[ "$stderr" = "nids-score: '': cannot open: No such file or directory" ]
	run -1 --separate-stderr "$NIDS_BIN/nids-select" --apply "" "$tmp/both.rec"
	[ "$stderr" = "nids-select: '': No such file or directory" ]
}
