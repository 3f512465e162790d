#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load helpers
source "$NIDS_TOP/tests/fixtures/neural/make.sh"

setup() {
	setup_tmp
	mk_stream 300 1 benign > "$tmp/benign.rec"
	mk_stream 300 1 > "$tmp/all.rec"
	mk_stream 90 2 > "$tmp/test.rec"
	"$NIDS_BIN/nids-fit" -q -t ae --epochs 30 --batch 16 --lr 0.01 -o "$tmp/ae.bin" "$tmp/benign.rec"
}
teardown() { teardown_tmp; }


@test "nids-score: --help first line is the man SYNOPSIS" {
	check_help_matches_man nids-score
}

@test "nids-score: --version" {
	run score --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "nids-score 0.2.0 (stream 3, model 2)" ]
	[[ "${lines[1]}" =~ ^"OpenBLAS kernels: "[A-Za-z0-9]+$ ]]
	[ "${#lines[@]}" -eq 2 ]
}

@test "nids-score: under an address-space limit, the same scores; one too small for OpenBLAS's buffers is refused, never a hang" {
	need_address_limit "$NIDS_BIN/nids-score"
	score -m "$tmp/ae.bin" -o "$tmp/free.rec" "$tmp/test.rec"
	# OpenBLAS gives each thread that calls it a 128 MiB buffer and, refused one, retries
	# forever: 512 MiB holds two; 128 MiB cannot hold one beside the program
	run -0 --separate-stderr env -u OPENBLAS_NUM_THREADS bash -c \
		"ulimit -v 524288; timeout 120 '$NIDS_BIN/nids-score' -j 2 -m '$tmp/ae.bin' -o '$tmp/limited.rec' '$tmp/test.rec'"
	[ -z "$stderr" ]
	cmp "$tmp/free.rec" "$tmp/limited.rec"
	run -1 --separate-stderr env -u OPENBLAS_NUM_THREADS bash -c \
		"ulimit -v 131072; timeout 120 '$NIDS_BIN/nids-score' -m '$tmp/ae.bin' -o '$tmp/refused.rec' '$tmp/test.rec'"
	[ "$stderr" = "nids-score: $tmp/test.rec: the address-space limit (ulimit -v 131072) cannot hold OpenBLAS's 128 MiB working buffer for 1 thread: raise it" ]
	[ ! -e "$tmp/refused.rec" ]
}

@test "nids-score: usage errors exit 2" {
	run -2 --separate-stderr score --bogus
	[[ "$stderr" == *"unknown option '--bogus'"*"usage: nids-score"* ]]
	run -2 --separate-stderr score "$tmp/test.rec"
	[ "${stderr_lines[0]}" = "nids-score: -m is required" ]
	run -2 --separate-stderr score -m "$tmp/ae.bin" --classes "$tmp/test.rec"
	[ "${stderr_lines[0]}" = "nids-score: --classes is not available for -t ae" ]
}

@test "nids-score: appends a score column and passes every column and class through" {
	score -m "$tmp/ae.bin" "$tmp/test.rec" > "$tmp/s.rec"
	run "$NIDS_BIN/nids-cat" --types -n 2 "$tmp/s.rec"
	# the record of the model that scored the rows: "model=" and 16 hexadecimal digits
	[[ "${lines[0]}" =~ ^#record$'\t'nids\.score$'\t'6d6f64656c3d(3[0-9]|6[1-6]){16}$ ]]
	[[ "${lines[1]}" == $'f1\tf2\tf3\tf4\tid:meta\tlabel\tclass\tscore' ]]
	[[ "${lines[2]}" == $'0.'*$'\t0\t1\tprobe\t'* ]]
	"$NIDS_BIN/nids-cat" -c f1,f2,f3,f4,id,label,class "$tmp/s.rec" > "$tmp/a.tsv"
	"$NIDS_BIN/nids-cat" "$tmp/test.rec" > "$tmp/b.tsv"
	cmp "$tmp/a.tsv" "$tmp/b.tsv"
}

@test "nids-score: attacks score higher than benign rows" {
	score -m "$tmp/ae.bin" "$tmp/test.rec" | "$NIDS_BIN/nids-cat" -H -c label,score |
		awk -F '\t' '{ s[$1] += $2; n[$1]++ } END { exit !(s[1] / n[1] > 3 * s[0] / n[0]) }'
}


@test "nids-score: scores are reproducible; threads change only rounding (vae samples too)" {
	"$NIDS_BIN/nids-fit" -q -t vae --epochs 2 -o "$tmp/vae.bin" "$tmp/benign.rec"
	for m in ae vae; do
		score -m "$tmp/$m.bin" -j 3 "$tmp/test.rec" > "$tmp/3.rec"
		score -m "$tmp/$m.bin" -j 3 "$tmp/test.rec" | cmp - "$tmp/3.rec"
		score -m "$tmp/$m.bin" "$tmp/test.rec" | "$NIDS_BIN/nids-cat" -H -c score > "$tmp/1.tsv"
		"$NIDS_BIN/nids-cat" -H -c score "$tmp/3.rec" > "$tmp/3.tsv"
		close "$tmp/1.tsv" "$tmp/3.tsv"
	done
	# the second copy of a concatenation is scored as rows 90..179: the same draws for an ae
	cat "$tmp/test.rec" "$tmp/test.rec" | score -m "$tmp/ae.bin" | "$NIDS_BIN/nids-cat" -H -c score > "$tmp/c.tsv"
	sed -n 1,90p "$tmp/c.tsv" > "$tmp/c1.tsv"
	sed -n 91,180p "$tmp/c.tsv" > "$tmp/c2.tsv"
	close "$tmp/c1.tsv" "$tmp/c2.tsv"
}

@test "nids-score: --errors and --explain add one column per feature" {
	score -m "$tmp/ae.bin" --errors --explain "$tmp/test.rec" > "$tmp/s.rec"
	run "$NIDS_BIN/nids-cat" --types -n 1 "$tmp/s.rec"
	[[ "${lines[1]}" == *$'\tscore\terr_f1:meta\terr_f2:meta\terr_f3:meta\terr_f4:meta\tgrad_f1:meta\tgrad_f2:meta\tgrad_f3:meta\tgrad_f4:meta' ]]
	# the score is the mean of the per-feature errors
	"$NIDS_BIN/nids-cat" -H -c score,err_f1,err_f2,err_f3,err_f4 "$tmp/s.rec" |
		awk -F '\t' '{ m = ($2 + $3 + $4 + $5) / 4; if ((m - $1) ^ 2 > 1e-12 * $1 ^ 2 + 1e-20) bad++ } END { exit bad }'
}

@test "nids-score: sae gives P(attack) and class probabilities" {
	"$NIDS_BIN/nids-fit" -q -t sae --target class --pretrain 2 --epochs 20 --batch 16 --lr 0.01 -o "$tmp/sae.bin" "$tmp/all.rec"
	score -m "$tmp/sae.bin" --classes "$tmp/test.rec" > "$tmp/s.rec"
	run "$NIDS_BIN/nids-cat" --types -n 1 "$tmp/s.rec"
	[[ "${lines[1]}" == *$'\tscore\tp_probe:meta\tp_normal:meta\tp_dos:meta' ]]
	# score = p_probe + p_dos; probabilities sum to 1; most rows classified right
	"$NIDS_BIN/nids-cat" -H -c label,score,p_probe,p_normal,p_dos "$tmp/s.rec" | awk -F '\t' '
		{ if (($2 - $3 - $5) ^ 2 > 1e-10 || ($3 + $4 + $5 - 1) ^ 2 > 1e-10) bad++
		  ok += (($2 > 0.5) == $1) }
		END { exit bad || ok < 0.9 * NR }'
}

@test "nids-score: --info prints the model header" {
	run score --info -m "$tmp/ae.bin"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "type=ae" ]
	[ "${lines[1]}" = "seed=0" ]
	[[ "$output" == *$'\nhp.layers=64,32,16\n'* ]]
	[[ "$output" == *$'\ntensor=ae0.w 64 4 0\n'* ]]
	run -2 --separate-stderr score --info -m "$tmp/ae.bin" "$tmp/test.rec"
}

@test "nids-score: features that differ from the model's are refused before any output" {
	printf 'f1\tf2\tx\tf4\n0.1\t0.2\t0.3\t0.4\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/x.rec"
	run -1 --separate-stderr score -m "$tmp/ae.bin" -o "$tmp/out.rec" "$tmp/x.rec"
	[ "$stderr" = "nids-score: $tmp/x.rec: feature 3: the stream has 'x', the model 'f3'" ]
	[ ! -e "$tmp/out.rec" ]
	printf 'f1\tf2\tf3\n0.1\t0.2\t0.3\n' | "$NIDS_BIN/nids-cat" -r > "$tmp/y.rec"
	run -1 --separate-stderr score -m "$tmp/ae.bin" "$tmp/y.rec"
	[ "$stderr" = "nids-score: $tmp/y.rec: the stream has 3 features, the model 4 (first missing: 'f4')" ]
}

@test "nids-score: a stream that already has a score column is refused" {
	score -m "$tmp/ae.bin" "$tmp/test.rec" > "$tmp/s.rec"
	run -1 --separate-stderr score -m "$tmp/ae.bin" "$tmp/s.rec"
	[ "$stderr" = "nids-score: $tmp/s.rec: the stream already has a column 'score' (drop it with nids-cat -c first)" ]
}

@test "nids-score: damaged, cut, foreign and future model files are clear errors" {
	n=$(stat -c %s "$tmp/ae.bin")
	head -c $((n - 9)) "$tmp/ae.bin" > "$tmp/cut.bin"
	run -1 --separate-stderr score -m "$tmp/cut.bin" "$tmp/test.rec"
	[ "$stderr" = "nids-score: $tmp/cut.bin: truncated model file ($((n - 9)) of $n bytes)" ]
	cp "$tmp/ae.bin" "$tmp/flip.bin"
	printf '\377' | dd of="$tmp/flip.bin" bs=1 seek=$((n - 200)) conv=notrunc status=none
	run -1 --separate-stderr score -m "$tmp/flip.bin" "$tmp/test.rec"
	[ "$stderr" = "nids-score: $tmp/flip.bin: model file checksum mismatch (corrupt file)" ]
	cp "$tmp/ae.bin" "$tmp/v3.bin"
	printf '\003' | dd of="$tmp/v3.bin" bs=1 seek=8 conv=notrunc status=none
	run -1 --separate-stderr score -m "$tmp/v3.bin" "$tmp/test.rec"
	[ "$stderr" = "nids-score: $tmp/v3.bin: model file version 3.0 is not supported (this nids reads versions 1 to 2)" ]
	run -1 --separate-stderr score -m "$tmp/test.rec" "$tmp/test.rec"
	[ "$stderr" = "nids-score: $tmp/test.rec: this is a record stream, not a model file" ]
	run -1 --separate-stderr score -m "$NIDS_TOP/tests/fixtures/neural/make.sh" "$tmp/test.rec"
	[ "$stderr" = "nids-score: $NIDS_TOP/tests/fixtures/neural/make.sh: not a nids model file (bad magic)" ]
	run -1 --separate-stderr score -m "$tmp/none.bin" "$tmp/test.rec"
	[[ "$stderr" == "nids-score: $tmp/none.bin"*"No such file or directory"* ]]
}

@test "nids-score: zstd input, a cut stream, a full disk, no partial output" {
	zstd -q -c "$tmp/test.rec" | score -m "$tmp/ae.bin" > "$tmp/z.rec"
	score -m "$tmp/ae.bin" "$tmp/test.rec" | cmp - "$tmp/z.rec"
	head -c 300 "$tmp/test.rec" > "$tmp/cut.rec"
	run -1 --separate-stderr score -m "$tmp/ae.bin" -o "$tmp/out.rec" "$tmp/cut.rec"
	[[ "$stderr" == "nids-score: $tmp/cut.rec"*"truncated"* ]]
	[ ! -e "$tmp/out.rec" ]
	# standard output's error is not put on the input
	run -1 --separate-stderr sh -c "'$NIDS_BIN/nids-score' -m '$tmp/ae.bin' '$tmp/test.rec' > /dev/full"
	[ "$stderr" = "nids-score: write error: No space left on device" ]
}

@test "nids-score: several inputs, gzip among them, score as their concatenation" {
	cat "$tmp/test.rec" "$tmp/all.rec" "$tmp/test.rec" > "$tmp/cat.rec"
	score -m "$tmp/ae.bin" "$tmp/cat.rec" > "$tmp/want.rec"
	gzip -c "$tmp/all.rec" > "$tmp/all.rec.gz"
	zstd -q -c "$tmp/test.rec" > "$tmp/test.rec.zst"
	score -m "$tmp/ae.bin" "$tmp/test.rec" "$tmp/all.rec.gz" "$tmp/test.rec.zst" | cmp - "$tmp/want.rec"
	score -m "$tmp/ae.bin" -o "$tmp/o.rec" "$tmp/test.rec" - "$tmp/test.rec.zst" < "$tmp/all.rec.gz"
	cmp "$tmp/o.rec" "$tmp/want.rec"
	# a corrupt gzip member is named
	cp "$tmp/all.rec.gz" "$tmp/bad.gz"
	printf '\377\377\377\377' | dd of="$tmp/bad.gz" bs=1 seek=40 conv=notrunc 2>/dev/null
	run -1 --separate-stderr score -m "$tmp/ae.bin" -o "$tmp/p.rec" "$tmp/test.rec" "$tmp/bad.gz"
	[[ "$stderr" == "nids-score: $tmp/bad.gz: corrupt gzip input: "* ]]
	[ ! -e "$tmp/p.rec" ]
}

@test "nids-score: quiet on a pipe; --progress draws and erases a line; -q wins over a terminal" {
	run -0 --separate-stderr score -m "$tmp/ae.bin" -o "$tmp/o.rec" "$tmp/test.rec"
	[[ -z "$stderr" ]]
	run -0 --separate-stderr score --progress -m "$tmp/ae.bin" -o "$tmp/o.rec" "$tmp/test.rec"
	[[ "$stderr" == $'\r'"nids-score: 0 rows, "*" MB of "*" MB ("*"%)"*$'\r' ]]
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "'$NIDS_BIN/nids-score' -q -m '$tmp/ae.bin' -o '$tmp/o.rec' '$tmp/test.rec'" /dev/null
	[[ -z "$output" ]]
	run script -qec "'$NIDS_BIN/nids-score' -m '$tmp/ae.bin' -o '$tmp/o.rec' '$tmp/test.rec'" /dev/null
	[[ "$output" == *"nids-score: 0 rows, "* ]]
}

@test "nids-score: a row holding NaN or an infinity scores nan with every model type" {
	# rows 2, 3 and 4 of the scored stream: f2 nan, f3 -inf, f4 (the last feature) nan;
	# the others are finite
	"$NIDS_BIN/nids-cat" --types "$tmp/test.rec" | awk -F'\t' -v OFS='\t' '
		NR == 3 { $2 = "nan" } NR == 4 { $3 = "-inf" } NR == 5 { $4 = "nan" } { print } NR == 6 { exit }' |
		"$NIDS_BIN/nids-cat" -r > "$tmp/bad.rec"
	allnan=$'^nan(\tnan)*$'
	for t in ae vae memae dsebm dagmm aegmm kmeans iforest tree forest logreg sae ensemble; do
		"$NIDS_BIN/nids-fit" -q -t "$t" --epochs 1 -o "$tmp/$t.bin" "$tmp/all.rec"
		run -0 --separate-stderr sh -c "'$NIDS_BIN/nids-score' -m '$tmp/$t.bin' '$tmp/bad.rec' | '$NIDS_BIN/nids-cat' -H -c score"
		[ "${#lines[@]}" -eq 5 ]
		for i in 1 2 3; do
			[ "${lines[i]}" = nan ] || { echo "$t: ${lines[*]}"; false; }
		done
		for i in 0 4; do
			[[ "${lines[i]}" != nan && "${lines[i]}" != *inf ]] || { echo "$t: ${lines[*]}"; false; }
		done
		# every score column (aegmm's mae and logp, ...), the input's 7 columns cut off
		run -0 --separate-stderr sh -c "'$NIDS_BIN/nids-score' -m '$tmp/$t.bin' '$tmp/bad.rec' | '$NIDS_BIN/nids-cat' -H | cut -f 8-"
		for i in 1 2 3; do
			[[ "${lines[i]}" =~ $allnan ]] || { echo "$t: row $i: ${lines[i]}"; false; }
		done
	done
	# the class probabilities too, for the types that give them
	run -0 sh -c "'$NIDS_BIN/nids-score' -m '$tmp/forest.bin' --classes '$tmp/bad.rec' | '$NIDS_BIN/nids-cat' -H -c p_benign"
	[ "${lines[1]}" = nan ]
	[ "${lines[3]}" = nan ]
	[ "${lines[0]}" != nan ]
}

@test "nids-score: a vae scores a row far outside its training range inf, not nan" {
	# the encoder's logvar for such a row passes 176, where exp(logvar / 2) overflows
	# float32 and the decoder made nan of z = +-inf: nan is never an alarm
	printf 'f1\tf2\tf3\tf4\n0.75\t0.9375\t1\t1.1875\n0.75\t0.9375\t655\t1.1875\n0.75\t0.9375\t65536\t1.1875\n' |
		"$NIDS_BIN/nids-cat" -r >"$tmp/far.rec"
	run -0 bash -c "'$NIDS_BIN/nids-score' -m '$NIDS_TOP/tests/fuzz/corpus/model/vae' '$tmp/far.rec' | '$NIDS_BIN/nids-cat' -H -c score"
	[[ "${lines[0]}" == 5.30* ]]
	[ "${lines[1]}" = inf ]
	[ "${lines[2]}" = inf ]
}
