#!/bin/sh
# fidelity.sh: reruns the measurements of bench/fidelity.md (the programs in build/bin,
# the data in ../shared/data, scikit-learn and pandas under /usr/bin/python3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PATH=$here/../build/bin:$PATH
data=${DATA:-$here/../../shared/data}
py=/usr/bin/python3
w=$(mktemp -d "${TMPDIR:-/tmp}/fidelity.XXXXXX")
trap 'rm -rf "$w"' EXIT

echo "== multi-class report vs scikit-learn: forest (100 trees, --target class)"
nids-featurize -q -f nslkdd "$data/KDDTrain+.txt.zst" -o "$w/nsl.train"
nids-featurize -q -f nslkdd "$data/KDDTest+.txt.zst" -o "$w/nsl.test"
nids-fit -q -t forest --target class --seed 1 -j 2 --importances "$w/nsl.imp" -o "$w/nsl.rf" "$w/nsl.train"
nids-score -q -m "$w/nsl.rf" --predict -o "$w/nsl.s" "$w/nsl.test"
nids-cat -c class,pred "$w/nsl.s" > "$w/nsl.pairs"
nids-roc --multiclass --json "$w/nsl.s" > "$w/nsl.json"
printf 'NSL-KDD KDDTrain+ -> KDDTest+: '; $py "$here/fidelity_check.py" report "$w/nsl.pairs" "$w/nsl.json"
nids-featurize -q -f cic "$data/cicids2017_improved_sample.csv.zst" -o "$w/cic.all"
nids-split -q --seed 1 --val 0.3 --val-output "$w/cic.test" -o "$w/cic.train" "$w/cic.all"
nids-fit -q -t forest --target class --seed 1 -j 2 -o "$w/cic.rf" "$w/cic.train"
nids-score -q -m "$w/cic.rf" --predict -o "$w/cic.s" "$w/cic.test"
nids-cat -c class,pred "$w/cic.s" > "$w/cic.pairs"
nids-roc --multiclass --json "$w/cic.s" > "$w/cic.json"
printf 'CIC-IDS2017 improved, 70/30: '; $py "$here/fidelity_check.py" report "$w/cic.pairs" "$w/cic.json"

echo "== impurity importances vs scikit-learn: one tree, all features"
for depth in 4 8; do
	for crit in gini entropy; do
		nids-fit -q -t tree --target class --criterion $crit --max-depth $depth --seed 1 \
			--importances "$w/t.imp" -o "$w/t.bin" "$w/nsl.train"
		cols=$(nids-cat -i "$w/nsl.train" | awk -F '\t' '$3 == "feature" { printf "%s%s", s, $2; s = "," }')
		nids-cat -c "$cols,class" "$w/nsl.train" > "$w/t.tsv"
		printf 'NSL-KDD KDDTrain+ depth %s %s: ' $depth $crit
		$py "$here/fidelity_check.py" tree "$w/t.tsv" "$w/t.imp" $depth $crit
	done
done

echo "== correlation filter vs pandas: the forest's top 23, |r| > 0.9"
for thr in 0.9 0.5; do
	top=$(tail -n +2 "$w/nsl.imp" | head -23 | cut -f1)
	nids-select -q --importances "$w/nsl.imp" --top 23 --corr $thr -o "$w/kept" "$w/nsl.train"
	nids-cat -c "$(echo $top | tr ' ' ,)" "$w/nsl.train" > "$w/c.tsv"
	printf 'NSL-KDD KDDTrain+ top 23, threshold %s: ' $thr
	# shellcheck disable=SC2086
	$py "$here/fidelity_check.py" corr "$w/c.tsv" "$w/kept" $top --thr $thr
done

echo "== exact-size sampling"
for spec in "--rows 1000" "--rows 286 --attack-ratio 0.317" "--benign-rows 500 --attack-rows 125"; do
	# shellcheck disable=SC2086
	nids-split -q $spec --seed 3 "$w/nsl.train" | nids-cat -H -c label |
		awk -v s="$spec" '{ n[$1]++ } END { printf "%s: %d rows, %d benign, %d attack\n", s, NR, n[0], n[1] }'
done
"$here/../build/tests/test_split" | sed 's/^/test_split: /'
