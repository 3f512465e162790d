/* nn_gemm.c: the matrix products of the models. Products whose rows are the data's rows
 * (op(A) = A: every output row from one input row) go through a kernel of nids's own, so
 * that a row's result is the same bits wherever the row sits in its block; products that
 * sum over the rows (weight gradients, ta) go to OpenBLAS.
 *
 * Why not OpenBLAS for both: its Haswell and Zen sgemm kernels (chosen on AVX2 machines)
 * give a row other last bits at another position in the block (bench/blas_rows.c), which
 * would make a score depend on how the input was chunked. Here every output element is
 * the same chain, acc = 0, acc += a[k] * b[k] for k = 0, 1, ... (one fused multiply-add
 * per step where the CPU has them: the file is built with -ffp-contract=fast), computed
 * in a vector lane or a padded one, whichever row and column it is. The product is
 * blocked as OpenBLAS's is, in 4 x 32 tiles over panels of 32 columns, and is about as
 * fast on the models' shapes. */
#include "nn_impl.h"

#include <assert.h>
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

enum { LANES = 16, PANEL = 2 * LANES };
typedef float vfloat __attribute__((vector_size(LANES * sizeof(float)), aligned(sizeof(float))));

/* Rows r0..r0+3 (or just r0 when one) of C's panel p: width w <= PANEL columns at n0;
 * pk is the panel [K x PANEL]. */
__attribute__((always_inline)) static inline void tile(int rows, int K, const float *A, int lda, const float *pk, int add,
                        float *C, int ldc, int n0, int w)
{
	vfloat s[4][2];
	for (int i = 0; i < 4; i++)
		s[i][0] = s[i][1] = (vfloat){ 0 };
	for (int k = 0; k < K; k++) {
		vfloat b0 = *(const vfloat *)(pk + (size_t)k * PANEL);
		vfloat b1 = *(const vfloat *)(pk + (size_t)k * PANEL + LANES);
		for (int i = 0; i < rows; i++) {
			float a = A[(size_t)i * lda + k];
			s[i][0] += a * b0;
			s[i][1] += a * b1;
		}
	}
	for (int i = 0; i < rows; i++) {
		float *c = C + (size_t)i * ldc + n0;
		float t[PANEL];
		memcpy(t, s[i], sizeof t);
		for (int j = 0; j < w; j++)
			c[j] = add ? t[j] + c[j] : t[j];
	}
}

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
static void rows_product(int M, int N, int K, const float *A, int lda, const float *packed,
                         int add, float *C, int ldc)
{
	for (int p = 0; p * PANEL < N; p++) {
		const float *pk = packed + (size_t)p * K * PANEL;
		int n0 = p * PANEL, w = N - n0 < PANEL ? N - n0 : PANEL;
		int r = 0;
		for (; r + 4 <= M; r += 4)
			tile(4, K, A + (size_t)r * lda, lda, pk, add, C + (size_t)r * ldc, ldc, n0, w);
		for (; r < M; r++)
			tile(1, K, A + (size_t)r * lda, lda, pk, add, C + (size_t)r * ldc, ldc, n0, w);
	}
}

void nids_sgemm_rm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                   const float *B, int ldb, float beta, float *C, int ldc)
{
	assert(M > 0 && N > 0 && K > 0);
	assert(lda >= (ta ? M : K) && ldb >= (tb ? K : N) && ldc >= N);
	/* the rows' own kernel takes the models' calls: alpha 1, beta 0 or 1 */
	float *packed = ta || alpha != 1.0f || (beta != 0.0f && beta != 1.0f)
	                        ? NULL
	                        : malloc(sizeof(float) * (size_t)K * PANEL * ((N + PANEL - 1) / PANEL));
	if (!packed) { /* a sum over rows, or no memory for the panels */
		cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
		            tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C,
		            ldc);
		return;
	}
	/* op(B) [K x N] into panels of PANEL columns, [K x PANEL] each, zero-padded */
	for (int p = 0; p * PANEL < N; p++) {
		float *pk = packed + (size_t)p * K * PANEL;
		int n0 = p * PANEL, w = N - n0 < PANEL ? N - n0 : PANEL;
		for (int k = 0; k < K; k++) {
			float *row = pk + (size_t)k * PANEL;
			for (int j = 0; j < w; j++)
				row[j] = tb ? B[(size_t)(n0 + j) * ldb + k] : B[(size_t)k * ldb + n0 + j];
			for (int j = w; j < PANEL; j++)
				row[j] = 0.0f;
		}
	}
	rows_product(M, N, K, A, lda, packed, beta != 0.0f, C, ldc);
	free(packed);
}
