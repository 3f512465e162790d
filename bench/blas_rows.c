/* blas_rows.c: does OpenBLAS's sgemm give a row of X the same result wherever the row
 * sits in a block of B rows? nids-score's row independence rests on it (its products
 * are X W^T and X W over blocks of 256 rows). For layer shapes K x O and both operand
 * layouts, every row is moved by shifts of the block (s = 1, 8, 15, ...) and its
 * output row compared bit for bit with its output at its first position.
 *
 *   cc -O2 -o blas_rows bench/blas_rows.c -lopenblas
 *   OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell ./blas_rows 256
 *
 * Prints "B=256 bad N of M": N rows whose result moved with them. V=1 lists each shape. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static float frand(void) { return (float)rand() / RAND_MAX * 2 - 1; }
int main(int argc, char **argv)
{
	int B = argc > 1 ? atoi(argv[1]) : 256;
	int Ks[] = { 4, 8, 16, 32, 41, 69, 87, 100, 125, 512 }, Os[] = { 1, 3, 8, 16, 21, 32, 41, 64, 125, 512 };
	long bad = 0, total = 0;
	for (unsigned ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
		for (unsigned oi = 0; oi < sizeof Os / sizeof *Os; oi++) {
			int K = Ks[ki], O = Os[oi];
			float *X = malloc(sizeof(float) * B * K), *X2 = malloc(sizeof(float) * B * K);
			float *W = malloc(sizeof(float) * O * K), *C = malloc(sizeof(float) * B * O),
			      *C2 = malloc(sizeof(float) * B * O);
			for (int i = 0; i < B * K; i++) X[i] = frand();
			for (int i = 0; i < O * K; i++) W[i] = frand();
			for (int form = 0; form < 2; form++) {
				/* form 0: C = X W^T (W is O x K); form 1: C = X W (W is K x O) */
				#define GEMM(Xp, Cp) cblas_sgemm(CblasRowMajor, CblasNoTrans, form ? CblasNoTrans : CblasTrans, B, O, K, 1.0f, Xp, K, W, form ? O : K, 0.0f, Cp, O)
				GEMM(X, C);
				for (int s = 1; s < B; s += (B > 64 ? 7 : 1)) {
					for (int r = 0; r < B; r++)
						memcpy(X2 + (size_t)((r + s) % B) * K, X + (size_t)r * K, sizeof(float) * K);
					GEMM(X2, C2);
					for (int r = 0; r < B; r++) {
						total++;
						if (memcmp(C2 + (size_t)((r + s) % B) * O, C + (size_t)r * O, sizeof(float) * O)) bad++;
					}
				}
			}
			if (getenv("V")) fprintf(stderr, "K=%d O=%d bad so far %ld\n", K, O, bad);
			free(X); free(X2); free(W); free(C); free(C2);
		}
	printf("B=%d bad %ld of %ld\n", B, bad, total);
	return 0;
}
