#!/bin/bash
# bench/window_agg.sh: the window aggregator of two builds side by side on SYNTHETIC
# UGR'16 flows (bench/gen_ugr16.c -s 1): user and system CPU seconds, peak RSS and
# minor page faults of nids-window, the builds' runs interleaved, each figure the best
# of N (the machine is shared); then 10^7 flows piped (gen | featurize | window), and
# the two builds' outputs compared byte for byte under several options. Results go in
# bench/gee.md.
#
#   bash bench/window_agg.sh OLD_BIN NEW_BIN [N]
#
# OLD_BIN, NEW_BIN: directories holding nids-featurize and nids-window (e.g. a build of
# the older commit, and build/bin). N: runs per figure (default 5).
set -euo pipefail
old=$1 new=$2 runs=${3:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
w=$(mktemp -d "${TMPDIR:-/tmp}/bench_window.XXXXXX")
trap 'rm -rf "$w"' EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ); $(uname -srm); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); THP $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o "$w/gen" "$top/bench/gen_ugr16.c" -lm
"$w/gen" -n 1000000 -s 1 >"$w/f.csv"
"$new/nids-featurize" -q -f ugr16 "$w/f.csv" >"$w/f.rec"
rm "$w/f.csv"

# the 10^6-flow stream file, nids-window pinned to CPU 0, old and new runs alternating
for _ in $(seq "$runs"); do
	for b in old new; do
		d=$old
		[ $b = old ] || d=$new
		taskset -c 0 /usr/bin/time -f "$b %U %S %M %R" -a -o "$w/times" \
			"$d/nids-window" -q "$w/f.rec" >/dev/null
	done
done
echo "## 10^6 flows from a stream file (one window of 900,000 flows, a second of 100,000)"
echo "# best of $runs: user s, system s, user + system s (each the least of its runs); peak RSS; minor faults"
for b in old new; do
	awk -v b=$b '$1 == b {
		if (u == "" || $2 < u) u = $2; if (s == "" || $3 < s) s = $3;
		if (t == "" || $2 + $3 < t) t = $2 + $3; if ($4 > m) m = $4; f = $5 }
		END { printf "%-4s user %.2f  sys %.2f  cpu %.2f  peak RSS %6.1f MB  minor faults %d\n",
		      b, u, s, t, m / 1024, f }' "$w/times"
done

echo "## 10^7 flows piped: gen | featurize | window (window's CPU and RSS), best of 3"
for b in old new; do
	d=$old
	[ $b = old ] || d=$new
	for _ in 1 2 3; do
		taskset -c 1 "$w/gen" -n 10000000 -s 1 | taskset -c 1 "$new/nids-featurize" -q -f ugr16 |
			taskset -c 0 /usr/bin/time -f "$b %U %S %M" -a -o "$w/t7" "$d/nids-window" -q |
			sha256sum | cut -c1-16 >"$w/sum7.$b"
	done
done
for b in old new; do
	awk -v b=$b '$1 == b { if (t == "" || $2 + $3 < t) { t = $2 + $3; u = $2; s = $3 } if ($4 > m) m = $4 }
		END { printf "%-4s user %.2f  sys %.2f  cpu %.2f  peak RSS %6.1f MB\n", b, u, s, t, m / 1024 }' "$w/t7"
done
cmp -s "$w/sum7.old" "$w/sum7.new" && echo "10^7 outputs: identical" || echo "10^7 outputs: DIFFER"

echo "## outputs, old against new"
"$new/nids-featurize" -q -f ugr16 "$top/examples/data/ugr16-july-week5-first5k.csv.zst" >"$w/r.rec"
for o in "" "--by dst" "--min-flows 1" "--mixed" "--window 60 --lateness 0" \
	"--by dst --min-flows 1 --mixed" "--window 1 --lateness 600 --min-flows 1"; do
	for f in f r; do
		# shellcheck disable=SC2086 # the options are words
		if cmp -s <("$old/nids-window" -q $o "$w/$f.rec") <("$new/nids-window" -q $o "$w/$f.rec"); then
			echo "identical: ${o:-(defaults)} on $([ $f = f ] && echo '10^6 synthetic' || echo 'the UGR excerpt')"
		else
			echo "DIFFER: ${o:-(defaults)} on $f"
		fi
	done
done
