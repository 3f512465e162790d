#!/bin/sh
# GEE (Nguyen et al. 2019) end to end: UGR'16 flows -> per-source 3-minute windows
# (69 features) -> GEE's fixed min-max scaling, clipped -> the GEE VAE (69-512-512-1024,
# latent 100, Bernoulli decoder, BCE + KL, Adam lr 1e-3, weight decay 0.01) trained on
# the windows labelled background -> MSE scores -> each attack class against the
# background: AUROC/AUPRC table, ROC/PR/score plots per class, and GEE's gradient
# fingerprints: per class, the mean gradient of the score with respect to each of the 69
# inputs (fingerprint.tsv, and fingerprint.svg, a classes x features heatmap).
#
#   examples/ugr16_gee.sh [train.csv [test.csv]] [outdir]
#
# With no file it makes SYNTHETIC traffic with bench/gen_ugr16.c (background plus scan,
# DoS and spam episodes; two seeds: one to train on, one to test on) and says so: those
# figures describe the generator, not UGR'16. With one file (a UGR'16 day, or the
# excerpt in examples/data: 14 s of background flows and 21 blacklisted ones, which make
# one attack window of 58) the VAE trains on its background windows and scores all of
# them. UGR'16 publishes its weeks as tar archives: give
# the CSV inside (tar -xzOf july_week5_csv.tar.gz > july.week5.csv), or a day of it. Programs come from PATH (build/bin first).
# OUT (where the model, scores and plots go; without it or outdir they are made in a
# temporary directory and removed at the end), EPOCHS
# (default 10), FLOWS (synthetic flows per file, default 300000), SEED, THREADS.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=""
case $# in
0) ;;
1) train=$1 test=$1 ;;
2) train=$1 test=$2 ;;
*) train=$1 test=$2 out=$3 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${out:-${OUT:-$work/out}}
mkdir -p "$out"
if [ $# -eq 0 ]; then
	echo "SYNTHETIC data: bench/gen_ugr16.c, not UGR'16"
	cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o "$work/gen" \
		"$top/bench/gen_ugr16.c" -lm
	n=${FLOWS:-300000}
	"$work/gen" -n "$n" -r 50 -H 400 -a 0.2 -s 1 >"$work/train.csv"
	"$work/gen" -n "$n" -r 50 -H 400 -a 0.2 -s 2 -t 1469700000 >"$work/test.csv"
	train=$work/train.csv test=$work/test.csv
fi
params=$top/examples/data/gee-minmax.params

windows() { # CSV OUT: windows scaled as GEE scales them
	nids-featurize -q -f ugr16 "$1" | nids-window -v |
		nids-normalize -q -p "$params" --clamp -o "$2"
}
windows "$train" "$work/train.rec"
[ "$test" = "$train" ] && cp "$work/train.rec" "$work/test.rec" || windows "$test" "$work/test.rec"

nids-split -q --class background -o "$work/background.rec" "$work/train.rec"
nids-fit -q -t vae --hidden 512,512,1024 --latent 100 --decoder bernoulli --samples 1 -s mse \
	--lr 1e-3 --weight-decay 0.01 --epochs "${EPOCHS:-10}" --batch 128 \
	--seed "${SEED:-0}" -j "${THREADS:-2}" -o "$out/gee.bin" "$work/background.rec"
nids-score -q -m "$out/gee.bin" -j "${THREADS:-2}" -o "$out/scored.rec" "$work/test.rec"

echo "GEE VAE, MSE score, each class against the background windows:"
nids-roc -q --vs-benign "$out/scored.rec" | sed -n '/^class vs benign/,$p'
for c in $(nids-cat -H -c class "$out/scored.rec" | sort -u); do
	[ "$c" = background ] && continue
	nids-roc -q --class "$c" --svg "$out/roc-$c.svg" -o /dev/null "$out/scored.rec"
done
nids-roc -q --density "$out/density.svg" -o /dev/null "$out/scored.rec" 2>/dev/null ||
	echo "no density plot: the scores have no attack class"
nids-explain -m "$out/gee.bin" -t gradient -j "${THREADS:-2}" --fingerprint "$out/fingerprint.tsv" \
	--heatmap "$out/fingerprint.svg" --features 69 -o /dev/null "$work/test.rec"
if [ "$out" = "$work/out" ]; then
	echo "model, scores and plots not kept: give OUT=dir (or outdir) to keep them"
else
	echo "model, scores and plots in $out"
fi
