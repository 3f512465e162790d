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
 * in a vector lane or a padded one, whichever row and column it is, and the same on
 * AVX2 and AVX-512 machines. The product is blocked as OpenBLAS's is, in tiles of 4 rows
 * over panels of 32 columns, with one version for each vector width, chosen when called,
 * and is about as fast on the models' shapes. */
#include "nn_impl.h"

#include <assert.h>
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

enum { PANEL = 32 };

/* The product's tiles: rows r..r+rows-1 (rows <= 4) of C's columns [c0, c0 + w), w <= nv * V,
 * from nv vectors of V lanes of each of the panel's rows (pk: the panel [K x PANEL] from
 * column c0 on). One function per vector type, so that each target keeps its
 * accumulators in its own registers: a vector wider than the target's (16 lanes on
 * AVX2) is split through the stack and ran 5 to 25 times slower. */
#define TILE(name, vec, V)                                                                           \
	typedef float vec __attribute__((vector_size(V * sizeof(float)), aligned(sizeof(float))));    \
	__attribute__((always_inline)) static inline void name(int rows, int nv, int K,              \
	                                                       const float *A, int lda,              \
	                                                       const float *pk, int add, float *C,   \
	                                                       int ldc, int w)                       \
	{                                                                                            \
		vec s[4][4];                                                                         \
		for (int i = 0; i < 4; i++)                                                          \
			for (int j = 0; j < 4; j++)                                                  \
				s[i][j] = (vec){ 0 };                                                \
		for (int k = 0; k < K; k++)                                                          \
			for (int j = 0; j < nv; j++) {                                               \
				vec b = *(const vec *)(pk + (size_t)k * PANEL + j * V);              \
				for (int i = 0; i < rows; i++)                                       \
					s[i][j] += A[(size_t)i * lda + k] * b;                       \
			}                                                                            \
		for (int i = 0; i < rows; i++)                                                       \
			for (int j = 0; j < nv; j++) {                                               \
				float t[V], *c = C + (size_t)i * ldc + j * V;                        \
				if (j * V + V <= w) { /* a whole vector: stored as one */            \
					vec v = s[i][j];                                             \
					if (add) {                                                   \
						vec old;                                             \
						memcpy(&old, c, sizeof old);                         \
						v = v + old;                                         \
					}                                                            \
					memcpy(c, &v, sizeof v);                                     \
					continue;                                                    \
				}                                                                    \
				memcpy(t, &s[i][j], sizeof t);                                       \
				for (int l = 0; l < V && j * V + l < w; l++)                         \
					c[l] = add ? t[l] + c[l] : t[l];                             \
			}                                                                            \
	}

/* Every row in tiles of R rows (then one at a time), nv vectors across. */
#define PASS(tile, R, nv)                                                                  \
	do {                                                                               \
		int r = 0;                                                                 \
		for (; r + R <= M; r += R)                                                 \
			tile(R, nv, K, A + (size_t)r * lda, lda, pk + c0, add,             \
			     C + (size_t)r * ldc + n0 + c0, ldc, cw);                      \
		for (; r < M; r++)                                                         \
			tile(1, nv, K, A + (size_t)r * lda, lda, pk + c0, add,             \
			     C + (size_t)r * ldc + n0 + c0, ldc, cw);                      \
	} while (0)

/* C's columns panel by panel, a panel in passes of up to NV vectors of V lanes (as many
 * accumulators, R x NV, as the target has registers for), and a pass only as wide as
 * the columns it has: vectors that would hold only the panel's padding are skipped. */
#define ROWS_PRODUCT(name, target, tile, V, R, NV)                                             \
	target static void name(int M, int N, int K, const float *A, int lda,                   \
	                        const float *packed, int add, float *C, int ldc)                \
	{                                                                                       \
		for (int p = 0; p * PANEL < N; p++) {                                           \
			const float *pk = packed + (size_t)p * K * PANEL;                       \
			int n0 = p * PANEL, w = N - n0 < PANEL ? N - n0 : PANEL;                \
			for (int c0 = 0; c0 < w; c0 += NV * V) {                                \
				int cw = w - c0 < NV * V ? w - c0 : NV * V;                     \
				int nv = (cw + V - 1) / V; /* 1 to NV: no code for wider */     \
				if (nv == 1)                                                    \
					PASS(tile, R, 1);                                       \
				else if (nv == 2 || NV == 2)                                    \
					PASS(tile, R, 2);                                       \
				else if (nv == 3)                                               \
					PASS(tile, R, 3);                                       \
				else                                                            \
					PASS(tile, R, 4);                                       \
			}                                                                       \
		}                                                                               \
	}

typedef void rows_fn(int M, int N, int K, const float *A, int lda, const float *packed, int add,
                     float *C, int ldc);

#if defined(__x86_64__) && defined(__GNUC__)
TILE(tile16, v16f, 16)
TILE(tile8, v8f, 8)
TILE(tile4, v4f, 4)
/* AVX-512: 4 x 2 zmm accumulators; AVX2: 4 x 2 ymm (16 columns a pass); SSE: 2 x 4 xmm */
ROWS_PRODUCT(rows_product_avx512, __attribute__((target("avx512f,fma"))), tile16, 16, 4, 2)
ROWS_PRODUCT(rows_product_avx2, __attribute__((target("avx2,fma"))), tile8, 8, 4, 2)
ROWS_PRODUCT(rows_product_base, , tile4, 4, 2, 4)

static rows_fn *rows_kernel(int kernel)
{
	int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
	int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	switch (kernel) {
	case NIDS_GEMM_BEST: return avx512 ? rows_product_avx512 : avx2 ? rows_product_avx2 : rows_product_base;
	case NIDS_GEMM_AVX512: return avx512 ? rows_product_avx512 : NULL;
	case NIDS_GEMM_AVX2: return avx2 ? rows_product_avx2 : NULL;
	default: return rows_product_base;
	}
}
#else
TILE(tile4, v4f, 4)
ROWS_PRODUCT(rows_product_base, , tile4, 4, 2, 4)

static rows_fn *rows_kernel(int kernel)
{
	return kernel == NIDS_GEMM_BEST || kernel == NIDS_GEMM_BASE ? rows_product_base : NULL;
}
#endif

int nids_sgemm_rows(int kernel, int tb, int M, int N, int K, const float *A, int lda,
                    const float *B, int ldb, int add, float *C, int ldc)
{
	rows_fn *product = rows_kernel(kernel);
	if (!product)
		return 1;
	float *packed = malloc(sizeof(float) * (size_t)K * PANEL * ((N + PANEL - 1) / PANEL));
	if (!packed)
		return -1;
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
	product(M, N, K, A, lda, packed, add, C, ldc);
	free(packed);
	return 0;
}

void nids_sgemm_rm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                   const float *B, int ldb, float beta, float *C, int ldc)
{
	assert(M > 0 && N > 0 && K > 0);
	assert(lda >= (ta ? M : K) && ldb >= (tb ? K : N) && ldc >= N);
	/* the rows' own kernel takes the models' calls: alpha 1, beta 0 or 1; a sum over
	   rows, or no memory for the panels, goes to OpenBLAS */
	if (!ta && alpha == 1.0f && (beta == 0.0f || beta == 1.0f) &&
	    nids_sgemm_rows(NIDS_GEMM_BEST, tb, M, N, K, A, lda, B, ldb, beta != 0.0f, C, ldc) == 0)
		return;
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
	            M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
