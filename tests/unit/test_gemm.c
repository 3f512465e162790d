/* test_gemm.c: the rows' product (nn_gemm.c) of every vector width this CPU has gives each
 * element the bits of the one chain, acc = 0, acc += a[k] b[k] for k = 0, 1, ... (fused
 * where the width has fused multiply-adds), at every shape the tiles and passes split
 * differently: rows in and out of a tile of four, columns within one vector, across a
 * pass of sixteen, across a panel of 32; with and without adding to C; B as stored and
 * transposed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn_impl.h"
#include "rng_impl.h"

static const int MS[] = { 1, 3, 4, 5, 9 };
static const int NS[] = { 1, 6, 8, 9, 16, 17, 31, 32, 33, 70 };
static const int KS[] = { 1, 6, 37 };

#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

static float chain(const float *a, const float *b, int stride, int K, int fused)
{
	float acc = 0;
	for (int k = 0; k < K; k++) {
		if (fused) {
			acc = fmaf(a[k], b[(size_t)k * stride], acc);
		} else {
			volatile float prod = a[k] * b[(size_t)k * stride]; /* rounded, then added */
			acc = acc + prod;
		}
	}
	return acc;
}

/* Every shape through one kernel against the chain; the count of elements that differ. */
static long check_kernel(int kernel, int fused)
{
	nids_rng rng;
	nids_rng_seed(&rng, 11);
	long bad = 0;
	for (int mi = 0; mi < COUNT(MS); mi++)
		for (int ni = 0; ni < COUNT(NS); ni++)
			for (int ki = 0; ki < COUNT(KS); ki++)
				for (int v = 0; v < 4; v++) {
					int M = MS[mi], N = NS[ni], K = KS[ki], tb = v & 1, add = v >> 1;
					int lda = K + 3, ldc = N + 2, ldb = tb ? K + 1 : N + 1;
					float *A = malloc(sizeof(float) * (size_t)M * lda);
					float *B = malloc(sizeof(float) * (size_t)(tb ? N : K) * ldb);
					float *C = malloc(sizeof(float) * (size_t)M * ldc);
					float *C0 = malloc(sizeof(float) * (size_t)M * ldc);
					for (int i = 0; i < M * lda; i++)
						A[i] = nids_rng_uniform(&rng) * 2 - 1;
					for (int i = 0; i < (tb ? N : K) * ldb; i++)
						B[i] = nids_rng_uniform(&rng) * 2 - 1;
					for (int i = 0; i < M * ldc; i++)
						C0[i] = C[i] = nids_rng_uniform(&rng);
					CHECK(nids_sgemm_rows(kernel, tb, M, N, K, A, lda, B, ldb, add, C,
					                      ldc) == 0,
					      "kernel %d", kernel);
					for (int i = 0; i < M; i++)
						for (int j = 0; j < ldc; j++) {
							float want = C0[(size_t)i * ldc + j];
							if (j < N) {
								const float *b = tb ? B + (size_t)j * ldb : B + j;
								float c = chain(A + (size_t)i * lda, b,
								                tb ? 1 : ldb, K, fused);
								want = add ? c + want : c;
							}
							/* (j >= N: the padding of C's rows is left alone) */
							bad += memcmp(&want, &C[(size_t)i * ldc + j], sizeof want) != 0;
						}
					free(A), free(B), free(C), free(C0);
				}
	return bad;
}

static void test_base_kernel(void)
{
	/* the build's own target: SSE on x86-64, unfused; fused where the target has it */
#ifdef __FP_FAST_FMAF
	long bad = check_kernel(NIDS_GEMM_BASE, 1);
#else
	long bad = check_kernel(NIDS_GEMM_BASE, 0);
#endif
	CHECK(bad == 0, "%ld elements differ from the chain", bad);
}

/* A fused width: skipped (why: no_cpu) where this CPU lacks it, else the fused chain's bits */
#define FUSED_WIDTH_TEST(name, kernel, no_cpu)                                              \
	static void name(void)                                                              \
	{                                                                                   \
		float one = 1;                                                              \
		if (nids_sgemm_rows(kernel, 0, 1, 1, 1, &one, 1, &one, 1, 0, &one, 1) == 1) \
			SKIP(no_cpu);                                                       \
		long bad = check_kernel(kernel, 1);                                         \
		CHECK(bad == 0, "%ld elements differ from the fused chain", bad);           \
	}
FUSED_WIDTH_TEST(test_avx2_kernel, NIDS_GEMM_AVX2, "this CPU has no AVX2 with FMA")
FUSED_WIDTH_TEST(test_avx512_kernel, NIDS_GEMM_AVX512, "this CPU has no AVX-512")

/* nids_sgemm_rm takes the widest: its result is one of the kernels' bits, row by row */
static void test_best_is_used(void)
{
	enum { M = 5, N = 33, K = 37 };
	static float A[M * K], B[K * N], C[M * N], R[M * N];
	nids_rng rng;
	nids_rng_seed(&rng, 5);
	for (int i = 0; i < M * K; i++)
		A[i] = nids_rng_uniform(&rng) - 0.5f;
	for (int i = 0; i < K * N; i++)
		B[i] = nids_rng_uniform(&rng) - 0.5f;
	nids_sgemm_rm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
	CHECK(nids_sgemm_rows(NIDS_GEMM_BEST, 0, M, N, K, A, K, B, N, 0, R, N) == 0, "best");
	CHECK(memcmp(C, R, sizeof C) == 0, "nids_sgemm_rm differs from the widest kernel");
}

int main(void)
{
	TEST(test_base_kernel);
	TEST(test_avx2_kernel);
	TEST(test_avx512_kernel);
	TEST(test_best_is_used);
	return CHECK_DONE();
}
