#!/usr/bin/env bats
# Every model type's model file and score stream, fitted with a fixed seed and date on a
# fixed input, are the same byte for byte as those recorded in
# tests/fixtures/models/sums.CORE.sha256, CORE being the OpenBLAS kernels the programs
# run (the last line of nids-fit --version): its sums over a minibatch's rows, and so
# what a model trains to, differ in the last bits from one kernel to another (SkylakeX on
# AVX-512 machines, Haswell and Zen on AVX2 ones). sums-san.CORE.sha256 is for the
# SANITIZE=1 build, whose -O1 code calls libm's scalar tanhf where the -O2 build calls
# libmvec's vector one. Kernels with no recorded sums skip these tests, saying so.
# The cases are listed in tests/fixtures/models/make.sh, which also writes the sums:
#   NIDS_BIN=build/bin sh tests/fixtures/models/make.sh > tests/fixtures/models/sums.Zen.sha256
# (only for a change that means to change what a model computes, and for each kernel:
# OPENBLAS_CORETYPE=Haswell chooses one, where the CPU can run it).
bats_require_minimum_version 1.5.0
load helpers

models="$NIDS_TOP/tests/fixtures/models"

# sums_file: the recorded sums for this build and its OpenBLAS kernels, in $sums; skips
# the test when there are none
sums_file() {
	local core kind=sums
	core=$("$NIDS_BIN/nids-fit" --version | sed -n 's/^OpenBLAS kernels: //p')
	[ -n "$core" ]
	# Cooperlake's and Sapphire Rapids' sets take SkylakeX's single-precision kernels
	case $core in Cooperlake | SapphireRapids) core=SkylakeX ;; esac
	case "$NIDS_BIN" in */build-san/bin) kind=sums-san ;; esac
	sums="$models/$kind.$core.sha256"
	[ -f "$sums" ] || skip "no model sums recorded for OpenBLAS's $core kernels ($kind.$core.sha256)"
}

# same CASE...: make.sh's sums for the cases equal the recorded ones, line for line
same() {
	local sums want got
	sums_file
	want=$(for c in "$@"; do grep -E "  $c\.(model|scores)\$" "$sums"; done)
	[ -n "$want" ]
	got=$(sh "$models/make.sh" "$@")
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); return 1; }
}

@test "model bits: ae (mse, mae with l1 and tanh, two threads)" { same ae ae-mae ae-j2; }
@test "model bits: vae (nll, bernoulli bce, elbo on two threads)" { same vae vae-bern vae-elbo; }
@test "model bits: sae (label with pretraining, class on two threads)" { same sae sae-class; }
@test "model bits: dagmm (one and two threads)" { same dagmm dagmm-j2; }
@test "model bits: memae (one and two threads)" { same memae memae-j2; }
@test "model bits: dsebm (energy, recon on two threads)" { same dsebm dsebm-recon; }
@test "model bits: aegmm (one and two threads)" { same aegmm aegmm-j2; }
@test "model bits: kmeans" { same kmeans; }
@test "model bits: logreg (label, class)" { same logreg logreg-cls; }
@test "model bits: tree" { same tree; }
@test "model bits: forest" { same forest; }
@test "model bits: iforest" { same iforest; }

@test "model bits: a changed model file or score stream is caught" {
	local sums
	sums_file
	# the same case with another seed must not match the recorded sums
	sed 's/--seed 7/--seed 8/' "$models/make.sh" >"$BATS_TEST_TMPDIR/make.sh"
	cp "$models/train.tsv" "$BATS_TEST_TMPDIR/"
	got=$(sh "$BATS_TEST_TMPDIR/make.sh" ae)
	want=$(grep -E '  ae\.(model|scores)$' "$sums")
	[ "$(echo "$got" | wc -l)" -eq 2 ]
	[ "$(echo "$got" | head -1 | cut -c1-64)" != "$(echo "$want" | head -1 | cut -c1-64)" ]
	[ "$(echo "$got" | tail -1 | cut -c1-64)" != "$(echo "$want" | tail -1 | cut -c1-64)" ]
}
