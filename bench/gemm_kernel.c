/* gemm_kernel.c: the rows' product (lib/nn_gemm.c) of each vector width this CPU has,
 * against OpenBLAS's cblas_sgemm (its own kernel for this CPU, or OPENBLAS_CORETYPE's),
 * on the models' layer shapes: GFLOP/s, best of R repetitions, one thread.
 *
 *   make && cc -O2 -Iinclude -Ilib -o gemm_kernel bench/gemm_kernel.c build/libnids.a \
 *       -lopenblas -llapack -lzstd -lz -lcsv -lxxhash -lm -pthread
 *   OPENBLAS_NUM_THREADS=1 ./gemm_kernel [R]
 *
 * A shape is B x K -> O: a block of B rows of K inputs through a layer of O outputs,
 * C = X W^T as the forward pass computes it. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn_impl.h"
#include <cblas.h> /* (after: its complex.h defines I) */

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 20;
	static const int shape[][3] = { { 256, 41, 64 }, { 256, 64, 32 }, { 256, 32, 64 },
		                        { 256, 64, 41 }, { 256, 87, 64 }, { 256, 69, 512 },
		                        { 256, 512, 1024 }, { 256, 1024, 100 }, { 4096, 64, 6 } };
	static const char *name[] = { "base", "avx2", "avx512", "openblas" };
	static const int kernel[] = { NIDS_GEMM_BASE, NIDS_GEMM_AVX2, NIDS_GEMM_AVX512, -1 };
	printf("%-16s", "B x K -> O");
	for (int k = 0; k < 4; k++)
		printf(" %10s", name[k]);
	printf("   (GFLOP/s)\n");
	for (size_t s = 0; s < sizeof shape / sizeof *shape; s++) {
		int B = shape[s][0], K = shape[s][1], O = shape[s][2];
		float *X = malloc(sizeof(float) * B * K), *W = malloc(sizeof(float) * O * K),
		      *C = malloc(sizeof(float) * B * O);
		for (int i = 0; i < B * K; i++)
			X[i] = (float)rand() / RAND_MAX - 0.5f;
		for (int i = 0; i < O * K; i++)
			W[i] = (float)rand() / RAND_MAX - 0.5f;
		char label[32];
		snprintf(label, sizeof label, "%d x %d -> %d", B, K, O);
		printf("%-16s", label);
		for (int k = 0; k < 4; k++) {
			double best = 1e30;
			int ok = 1;
			for (int r = 0; r < reps && ok; r++) {
				double t0 = now();
				if (kernel[k] < 0)
					cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, O, K, 1.0f, X,
					            K, W, K, 0.0f, C, O);
				else
					ok = nids_sgemm_rows(kernel[k], 1, B, O, K, X, K, W, K, 0, C, O) == 0;
				double t = now() - t0;
				best = t < best ? t : best;
			}
			if (ok)
				printf(" %10.1f", 2.0 * B * K * O / best * 1e-9);
			else
				printf(" %10s", "-");
		}
		printf("\n");
		free(X), free(W), free(C);
	}
	return 0;
}
