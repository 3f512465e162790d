#!/bin/sh
# netflow_vae_alpha.sh [FILE [ALPHA]]: the netflow VAE detector's protocol on raw UGR'16
# flows (default: the contiguous 5,000-flow excerpt in ../shared/data, 21 of them
# blacklisted): the netflow encoding (-f netflow: port categories, protocol, volumes by
# direction, duration), volumes min-max scaled and the duration left in seconds
# (nids-normalize --column duration=none), a VAE trained on the first 70% of the flows
# in time whose label is benign, and its rule: a flow is an alarm when its
# reconstruction probability p is below ALPHA (default 0.05), that is when the VAE's
# score -log p is above -ln ALPHA (nids-threshold --alpha). Then the alarms, precision
# and recall on the last 30% of the flows. p is the density of the whole row (39
# features), so the same rule is also shown on the per-feature (geometric mean)
# probability p^(1/d) < ALPHA, that is -log p >= -d ln ALPHA.
# Environment: DATA, SEED (1), EPOCHS (30).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../shared/data}
file=${1:-$data/ugr16-july-week5-first5k.csv.zst} alpha=${2:-0.05}
seed=${SEED:-1} epochs=${EPOCHS:-30}
w=$(mktemp -d "${TMPDIR:-/tmp}/nfvae.XXXXXX")
trap 'rm -rf "$w"' EXIT
nids-featurize -q -f netflow "$file" -o "$w/all.rec"
n=$(nids-cat -H -c label "$w/all.rec" | wc -l)
cut=$(nids-cat -H -c time -n $((n * 7 / 10)) "$w/all.rec" | tail -1)
nids-split -q --until "$cut" --benign -o "$w/train.raw" "$w/all.rec"
nids-split -q --since "$cut" -o "$w/test.raw" "$w/all.rec"
nids-normalize -q --column duration=none --fit "$w/norm" -o "$w/train.rec" "$w/train.raw"
nids-fit -q -t vae --seed "$seed" --epochs "$epochs" -o "$w/vae.bin" "$w/train.rec"
nids-score -m "$w/vae.bin" -o "$w/test.s" "$w/test.raw"
nids-threshold -q --alpha "$alpha" -o "$w/t" < /dev/null > /dev/null
echo "train: $(nids-cat -H -c label "$w/train.raw" | wc -l) benign flows before $cut; test: $(nids-cat -H -c label "$w/test.raw" | awk '{ a += $1 } END { print NR " flows, " a " blacklisted" }')"
d=$(nids-cat -i "$w/train.raw" | awk -F '\t' '$3 == "feature"' | wc -l)
nids-threshold -q --value "$(awk -v d="$d" -v a="$alpha" 'BEGIN { printf "%.17g", -d * log(a) }')" \
	-o "$w/t1" < /dev/null > /dev/null
for t in t t1; do
	nids-roc --json -p "$w/$t" "$w/test.s" | jq -r --arg a "$alpha" --arg t "$t" --arg d "$d" '
		def r: . * 10000 | round / 10000;
		"rule \(if $t == "t" then "p" else "p^(1/\($d))" end) < \($a) (score >= \(.threshold | r)): \(.tp + .fp) alarms, precision \(.precision | r), recall \(.recall | r), F1 \(.f1 | r); AUROC \(.auroc | r)"'
done
