#!/bin/bash
# bench/gemm.sh: the models' row products (lib/nn_gemm.c) of two builds on this machine:
# nids-fit and nids-score CPU seconds for the neural types and k-means on NSL-KDD, the
# builds interleaved and pinned to CPU 0, best of N; the scores of both builds compared
# byte for byte first. Then the kernel alone against OpenBLAS (bench/gemm_kernel.c).
#
#   bash bench/gemm.sh OLD_BIN NEW_BIN [N]
#
# OLD_BIN, NEW_BIN: directories with nids-fit and nids-score (a copy of an older build's
# build/bin, and build/bin). Needs ../shared/data (DATA) and a built build/libnids.a.
set -euo pipefail
old=$1 new=$2 runs=${3:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
export DATA=${DATA:-$top/../shared/data}
w=$(mktemp -d "${TMPDIR:-/tmp}/bench_gemm.XXXXXX")
trap 'rm -rf "$w"' EXIT
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
echo "# $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
	"$(grep -o -m1 -w 'avx512f' /proc/cpuinfo || grep -o -m1 -w avx2 /proc/cpuinfo || echo sse); best of $runs"
PATH=$new:$PATH sh "$top/examples/nslkdd_prep.sh" "$w" >/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$w/test.rec"; done >"$w/test10.rec"

# cpu LABEL CMD...: the least user + system CPU seconds of the two builds, interleaved
cpu() {
	local label=$1; shift
	: >"$w/old.t"; : >"$w/new.t"
	for _ in $(seq "$runs"); do
		for side in old new; do
			local bin=$old; [ $side = new ] && bin=$new
			/usr/bin/time -f '%U %S' -o "$w/t" $pin "$bin/$@" >/dev/null
			awk '{ print $1 + $2 }' "$w/t" >>"$w/$side.t"
		done
	done
	printf '%-34s %8.2f %8.2f %6.1fx\n' "$label" "$(sort -g "$w/old.t" | head -1)" \
		"$(sort -g "$w/new.t" | head -1)" \
		"$(echo "$(sort -g "$w/old.t" | head -1) $(sort -g "$w/new.t" | head -1)" | awk '{ print ($2 > 0) ? $1 / $2 : 0 }')"
}

printf '%-34s %8s %8s %7s\n' "CPU seconds" old new ratio
for t in ae vae dagmm memae dsebm sae kmeans; do
	"$new/nids-fit" -q -t $t --epochs 2 --max-rows 8000 --seed 1 -o "$w/$t.bin" "$w/benign.rec"
	"$old/nids-score" -j 1 -m "$w/$t.bin" "$w/test10.rec" >"$w/a.rec"
	"$new/nids-score" -j 1 -m "$w/$t.bin" "$w/test10.rec" >"$w/b.rec"
	cmp -s "$w/a.rec" "$w/b.rec" || { echo "score $t: outputs DIFFER"; continue; }
	cpu "score $t (KDDTest+ x 10)" nids-score -j 1 -m "$w/$t.bin" "$w/test10.rec"
done
export SOURCE_DATE_EPOCH=1700000000 # (a model's id, which its scores carry, holds its date)
for t in ae vae dagmm; do
	"$old/nids-fit" -q -t $t --epochs 3 -j 1 --seed 1 -o "$w/o.bin" "$w/benign.rec"
	"$new/nids-fit" -q -t $t --epochs 3 -j 1 --seed 1 -o "$w/n.bin" "$w/benign.rec"
	"$new/nids-score" -m "$w/o.bin" "$w/test.rec" >"$w/a.rec"
	"$new/nids-score" -m "$w/n.bin" "$w/test.rec" >"$w/b.rec"
	cmp -s "$w/a.rec" "$w/b.rec" || { echo "fit $t: models DIFFER"; continue; }
	cpu "fit $t --epochs 3 -j 1 (67,343 rows)" nids-fit -q -t $t --epochs 3 -j 1 --seed 1 -o "$w/x.bin" "$w/benign.rec"
done
echo
cc -O2 -std=c17 -I"$top/include" -I"$top/lib" -o "$w/gemm_kernel" "$top/bench/gemm_kernel.c" \
	"$top/build/libnids.a" -lopenblas -llapack -lzstd -lz -lcsv -lxxhash -lm -pthread
OPENBLAS_NUM_THREADS=1 $pin "$w/gemm_kernel" 50
