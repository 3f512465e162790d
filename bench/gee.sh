#!/bin/bash
# GEE's window features: nids-window against the pandas reference (bench/gee_windows.py)
# on the real UGR'16 excerpt, and featurize + window throughput and peak memory on
# SYNTHETIC UGR'16-format flows from bench/gen_ugr16.c. Results go in bench/gee.md.
#
#   bash bench/gee.sh [sizes...]     default sizes: 1000000 10000000 100000000
#   bash bench/gee.sh pandas         only the comparison with pandas (ROUNDS, default 3)
#   RATE=1000 bash bench/gee.sh      the synthetic traffic's flows per second (default
#                                    5000); at 5000, 10^6 flows span 200 s, less than a
#                                    window and its lateness; at 1000 they span 5.5 windows
#
# Needs the programs in build/bin (make), /usr/bin/python3 with pandas, GNU time.
# Each size is generated on the fly into the pipeline, never stored; CPU seconds and
# peak RSS are per process, from GNU time.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${NIDS_BIN:-$top/build/bin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000 100000000)
[ "${sizes[0]}" != pandas ] || sizes=() # only the comparison with pandas
py=/usr/bin/python3

cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o "$tmp/gen_ugr16" \
	"$top/bench/gen_ugr16.c" -lm
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# nids $(git -C "$top" describe --always --dirty 2>/dev/null)"

echo "## features: the UGR'16 excerpt (real data), nids-window against pandas"
csv="$top/examples/data/ugr16-july-week5-first5k.csv.zst"
"$bin/nids-featurize" -q -f ugr16 "$csv" | "$bin/nids-window" -v 2>"$tmp/w.err" | "$bin/nids-cat" >"$tmp/nids.tsv"
cat "$tmp/w.err"
$py "$top/bench/gee_windows.py" "$csv" >"$tmp/ref.tsv"
echo "float32 inputs (as the stream stores them): $($py "$top/bench/gee_windows.py" --compare "$tmp/ref.tsv" "$tmp/nids.tsv" | tail -1)"
$py "$top/bench/gee_windows.py" --exact "$csv" >"$tmp/ref.tsv"
echo "double inputs (the CSV's values): $($py "$top/bench/gee_windows.py" --compare "$tmp/ref.tsv" "$tmp/nids.tsv" | tail -1)"

# cpu SECONDS-FILE: user + sys seconds from a GNU time -f '%U %S %M' file; rss: KB
cpu() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }
rss() { awk '{ print $3 }' "$1"; }

# featurize and window share one core (taskset -c 0) and the generator runs on the other, so
# flows/wall-s is the rate of one core doing both; without a second core all three share one
gen_cpu=1 one_cpu=0
[ "$(nproc)" -ge 2 ] || gen_cpu=0
rate=${RATE:-5000}
echo "## throughput (SYNTHETIC flows: gen_ugr16 -s 1, $rate flows/s, 20000 hosts)"
echo "# featurize | window on CPU $one_cpu, the generator on CPU $gen_cpu; then (-f) window -f ugr16 alone on CPU $one_cpu"
printf '%-11s %9s %9s %9s %12s %12s %10s %10s %8s\n' flows feat_cpu win_cpu wall \
	"flows/cpu-s" "flows/wall-s" feat_rss win_rss rows
for n in "${sizes[@]}"; do
	t0=$(date +%s.%N)
	taskset -c $gen_cpu "$tmp/gen_ugr16" -n "$n" -s 1 -r "$rate" |
		taskset -c $one_cpu /usr/bin/time -f '%U %S %M' -o "$tmp/f.time" "$bin/nids-featurize" -q -f ugr16 |
		taskset -c $one_cpu /usr/bin/time -f '%U %S %M' -o "$tmp/w.time" "$bin/nids-window" -v 2>"$tmp/w.err" >"$tmp/w.rec"
	t1=$(date +%s.%N)
	tail -1 "$tmp/w.err" | grep -q late && cat "$tmp/w.err"
	rows=$(sed -n 's/.* flows, \([0-9]*\) rows.*/\1/p' "$tmp/w.err")
	fc=$(cpu "$tmp/f.time")
	wc=$(cpu "$tmp/w.time")
	wall=$(echo "$t1 - $t0" | bc)
	printf '%-11s %9s %9s %9.2f %12.0f %12.0f %10s %10s %8s\n' "$n" "$fc" "$wc" "$wall" \
		"$(echo "$n / ($fc + $wc)" | bc -l)" "$(echo "$n / $wall" | bc -l)" \
		"$(rss "$tmp/f.time")K" "$(rss "$tmp/w.time")K" "$rows"
	# the same flows through one process: nids-window -f ugr16 reads the CSV itself
	t0=$(date +%s.%N)
	taskset -c $gen_cpu "$tmp/gen_ugr16" -n "$n" -s 1 -r "$rate" |
		taskset -c $one_cpu /usr/bin/time -f '%U %S %M' -o "$tmp/fw.time" "$bin/nids-window" -q -f ugr16 >"$tmp/fw.rec"
	t1=$(date +%s.%N)
	cmp -s "$tmp/w.rec" "$tmp/fw.rec" || { echo "window -f ugr16 differs from featurize | window" >&2; exit 1; }
	fwc=$(cpu "$tmp/fw.time")
	wall=$(echo "$t1 - $t0" | bc)
	printf '%-11s %9s %9s %9.2f %12.0f %12.0f %10s %10s %8s
' "$n (-f)" - "$fwc" "$wall" \
		"$(echo "$n / $fwc" | bc -l)" "$(echo "$n / $wall" | bc -l)" - "$(rss "$tmp/fw.time")K" "$rows"
done

echo "## pandas reference against featurize + window, 1000000 SYNTHETIC flows from a CSV file"
echo "# ${ROUNDS:-3} interleaved rounds, each side on CPU $one_cpu; nids two ways: featurize | window (two"
echo "# processes, CPU seconds summed) and window -f ugr16 (one process); the best CPU seconds of each count"
"$tmp/gen_ugr16" -n 1000000 -s 1 >"$tmp/g.csv"
pbest= nbest= fbest=
for r in $(seq "${ROUNDS:-3}"); do
	taskset -c $one_cpu /usr/bin/time -f '%e %U %S %M' -o "$tmp/p.time" $py "$top/bench/gee_windows.py" "$tmp/g.csv" >"$tmp/ref.tsv"
	taskset -c $one_cpu /usr/bin/time -f '%U %S %M' -o "$tmp/f.time" "$bin/nids-featurize" -q -f ugr16 "$tmp/g.csv" |
		taskset -c $one_cpu /usr/bin/time -f '%U %S %M' -o "$tmp/w.time" "$bin/nids-window" -q >"$tmp/w.rec"
	taskset -c $one_cpu /usr/bin/time -f '%U %S %M' -o "$tmp/fw.time" "$bin/nids-window" -q -f ugr16 "$tmp/g.csv" >"$tmp/fw.rec"
	cmp -s "$tmp/w.rec" "$tmp/fw.rec" || { echo "window -f ugr16 differs from featurize | window" >&2; exit 1; }
	pc=$(awk '{ printf "%.2f", $2 + $3 }' "$tmp/p.time")
	nc=$(echo "$(cpu "$tmp/f.time") + $(cpu "$tmp/w.time")" | bc)
	fc=$(cpu "$tmp/fw.time")
	echo "round $r: pandas $pc cpu-s (peak $(awk '{ print $4 }' "$tmp/p.time")K), nids featurize | window $nc cpu-s, window -f $fc cpu-s (peak $(rss "$tmp/fw.time")K)"
	pbest=$(echo "$pc ${pbest:-$pc}" | awk '{ print ($1 < $2) ? $1 : $2 }')
	nbest=$(echo "$nc ${nbest:-$nc}" | awk '{ print ($1 < $2) ? $1 : $2 }')
	fbest=$(echo "$fc ${fbest:-$fc}" | awk '{ print ($1 < $2) ? $1 : $2 }')
done
"$bin/nids-cat" "$tmp/w.rec" >"$tmp/nids.tsv"
echo "best: pandas $pbest cpu-s; featurize | window $nbest cpu-s, ratio $(echo "$pbest / $nbest" | bc -l | xargs printf '%.1f')x; window -f $fbest cpu-s, ratio $(echo "$pbest / $fbest" | bc -l | xargs printf '%.1f')x"
echo "same windows: $($py "$top/bench/gee_windows.py" --compare "$tmp/ref.tsv" "$tmp/nids.tsv" | tail -1)"
