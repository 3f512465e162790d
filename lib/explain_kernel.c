/* explain_kernel.c: kernel SHAP (Lundberg & Lee 2017, "A unified approach to
 * interpreting model predictions"). A row's M varying features (those where some
 * background row differs from it) define coalitions z; each coalition's value is
 * E_b f(x where z, background row b elsewhere), and the attributions are the weighted
 * least squares fit of those values with the Shapley kernel weights
 * (M - 1) / (C(M, |z|) |z| (M - |z|)), constrained to sum to f(x) - E f(background) by
 * eliminating the last feature, solved with LAPACK's dgelsd. With every coalition
 * (2^M - 2) the fit is exactly the Shapley values; with fewer, whole coalition sizes
 * (from the outside in, each with its complement) are enumerated while the budget holds
 * them and the remaining budget is sampled in complementary pairs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "nids/explain.h"
#include "rng_impl.h"

/* LAPACK's Fortran interface (liblapack). */
extern void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda,
                    double *b, const int *ldb, double *s, const double *rcond, int *rank,
                    double *work, const int *lwork, int *iwork, int *info);

struct nids_kshap {
	int d, nbg, nsamples, cap;
	uint64_t seed;
	float *bg;       /* [nbg x d] */
	double *bgw;     /* [nbg] summing to 1 */
	double base;     /* E f(background) */
	nids_explain_fn f;
	void *ctx;
	int n;           /* coalitions of the current row */
	unsigned char *mask; /* [nsamples x d] over the varying features */
	double *w, *ey;  /* [nsamples] */
	float *xs;       /* [cap x d] rows to evaluate */
	double *fo;      /* [cap] */
	int *vary;       /* [d] */
	double *A, *b, *sv, *work;
	int *iwork;
	int lwork;
};

int nids_kshap_new(nids_kshap **kp, int d, const float *bg, const double *bgw, int nbg,
                   int nsamples, uint64_t seed, nids_explain_fn f, void *ctx, int cap,
                   nids_err *err)
{
	*kp = NULL;
	if (nbg < 1 || nsamples < 2 || d < 1 || cap < 1)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "kernel SHAP needs a background row, "
		                    "two coalitions and a feature at least");
	nids_kshap *k = calloc(1, sizeof *k);
	if (!k)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	*k = (nids_kshap){ .d = d, .nbg = nbg, .nsamples = nsamples, .cap = cap, .seed = seed,
		           .f = f, .ctx = ctx };
	size_t ns = (size_t)nsamples;
	k->bg = malloc(sizeof(float) * (size_t)nbg * d);
	k->bgw = malloc(sizeof(double) * (size_t)nbg);
	k->mask = malloc(ns * (size_t)d);
	k->w = malloc(sizeof(double) * ns);
	k->ey = malloc(sizeof(double) * ns);
	k->xs = malloc(sizeof(float) * (size_t)cap * d);
	k->fo = malloc(sizeof(double) * (size_t)(cap > nbg ? cap : nbg));
	k->vary = malloc(sizeof(int) * (size_t)d);
	k->A = malloc(sizeof(double) * ns * (size_t)d);
	k->b = malloc(sizeof(double) * (ns > (size_t)d ? ns : (size_t)d));
	k->sv = malloc(sizeof(double) * (size_t)d);
	if (!k->bg || !k->bgw || !k->mask || !k->w || !k->ey || !k->xs || !k->fo || !k->vary ||
	    !k->A || !k->b || !k->sv) {
		nids_kshap_free(k);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	memcpy(k->bg, bg, sizeof(float) * (size_t)nbg * d);
	double sum = 0;
	for (int i = 0; i < nbg; i++)
		sum += k->bgw[i] = bgw ? bgw[i] : 1.0;
	for (int i = 0; i < nbg; i++)
		k->bgw[i] /= sum;
	for (int i = 0; i < nbg; i += cap) {
		int B = nbg - i < cap ? nbg - i : cap;
		f(ctx, k->bg + (size_t)i * d, B, k->fo);
		for (int r = 0; r < B; r++)
			k->base += k->bgw[i + r] * k->fo[r];
	}
	*kp = k;
	return 0;
}

double nids_kshap_base(const nids_kshap *k)
{
	return k->base;
}

int nids_kshap_coalitions(const nids_kshap *k)
{
	return k->n;
}

void nids_kshap_free(nids_kshap *k)
{
	if (!k)
		return;
	free(k->bg), free(k->bgw), free(k->mask), free(k->w), free(k->ey), free(k->xs);
	free(k->fo), free(k->vary), free(k->A), free(k->b), free(k->sv), free(k->work);
	free(k->iwork);
	free(k);
}

static double binom(int n, int s)
{
	double c = 1;
	for (int i = 1; i <= s; i++)
		c = c * (n - s + i) / i;
	return c;
}

/* Adds the coalition whose members are idx[0..s) of M, with weight w. */
static void add(nids_kshap *k, int M, const int *idx, int s, double w)
{
	unsigned char *z = k->mask + (size_t)k->n * M;
	memset(z, 0, (size_t)M);
	for (int i = 0; i < s; i++)
		z[idx[i]] = 1;
	k->w[k->n++] = w;
}

/* Adds the complement of the last coalition with weight w. */
static void add_complement(nids_kshap *k, int M, double w)
{
	unsigned char *z = k->mask + (size_t)k->n * M, *last = z - M;
	for (int i = 0; i < M; i++)
		z[i] = !last[i];
	k->w[k->n++] = w;
}

/* Every coalition of size s (and of size M - s when paired), each weighing w. */
static void enumerate(nids_kshap *k, int M, int s, int paired, double w)
{
	int idx[64 * 1024 / sizeof(int)];
	if (s > (int)(sizeof idx / sizeof *idx))
		return;
	for (int i = 0; i < s; i++)
		idx[i] = i;
	for (;;) {
		add(k, M, idx, s, w);
		if (paired)
			add_complement(k, M, w);
		int i = s - 1;
		while (i >= 0 && idx[i] == M - s + i)
			i--;
		if (i < 0)
			return;
		idx[i]++;
		for (int j = i + 1; j < s; j++)
			idx[j] = idx[j - 1] + 1;
	}
}

/* Chooses the coalitions over M >= 2 features and their weights (summing to 1). */
static void coalitions(nids_kshap *k, int M, nids_rng *rng)
{
	k->n = 0;
	int budget = k->nsamples, half = M / 2; /* sizes 1..half, each with M - size */
	double wsize[65], left = 1;
	if (M <= 30 && (double)budget >= ldexp(1.0, M) - 2) { /* all of them */
		for (int s = 1; s < M; s++)
			enumerate(k, M, s, 0, (M - 1) / (binom(M, s) * s * (M - s)));
		double sum = 0;
		for (int i = 0; i < k->n; i++)
			sum += k->w[i];
		for (int i = 0; i < k->n; i++)
			k->w[i] /= sum;
		return;
	}
	double tot = 0;
	for (int s = 1; s <= half; s++) {
		wsize[s] = (M - 1.0) / (s * (double)(M - s)) * (2 * s == M ? 1 : 2);
		tot += wsize[s];
	}
	for (int s = 1; s <= half; s++)
		wsize[s] /= tot;
	int s = 1;
	for (; s <= half; s++) {
		int paired = 2 * s != M;
		double count = binom(M, s) * (paired ? 2 : 1);
		if (count > budget - k->n || (budget - k->n) * wsize[s] / left < count * (1 - 1e-8))
			break;
		enumerate(k, M, s, paired, wsize[s] / count);
		left -= wsize[s];
	}
	int first = k->n, idx[1024], perm[1024];
	if (s > half || M > 1024 || left <= 0)
		return;
	/* the rest, sampled: a size by its kernel mass, then members uniformly */
	for (int i = 0; i < M; i++)
		perm[i] = i;
	while (k->n + 2 <= budget) {
		double u = nids_rng_uniform(rng) * left, acc = 0;
		int sz = half;
		for (int t = s; t <= half; t++)
			if ((acc += wsize[t]) > u) {
				sz = t;
				break;
			}
		for (int i = 0; i < sz; i++) { /* a partial Fisher-Yates shuffle */
			int j = i + (int)nids_rng_below(rng, (uint64_t)(M - i));
			int t = perm[i];
			perm[i] = perm[j], perm[j] = t;
			idx[i] = perm[i];
		}
		add(k, M, idx, sz, 1);
		add_complement(k, M, 1);
	}
	for (int i = first; i < k->n; i++)
		k->w[i] = left / (k->n - first);
}

/* ey[c] = E_b f(x on coalition c's features, background b elsewhere), through f in
 * batches of cap rows. */
static void evaluate(nids_kshap *k, const float *x, int M)
{
	int d = k->d, nbg = k->nbg, B = 0;
	size_t total = (size_t)k->n * nbg, g0 = 0;
	memset(k->ey, 0, sizeof(double) * (size_t)k->n);
	for (size_t g = 0; g < total; g++) {
		size_t c = g / nbg, b = g % nbg;
		float *row = k->xs + (size_t)B * d;
		memcpy(row, k->bg + b * d, sizeof(float) * (size_t)d);
		const unsigned char *z = k->mask + c * M;
		for (int i = 0; i < M; i++)
			if (z[i])
				row[k->vary[i]] = x[k->vary[i]];
		if (++B == k->cap || g + 1 == total) {
			k->f(k->ctx, k->xs, B, k->fo);
			for (int r = 0; r < B; r++)
				k->ey[(g0 + r) / nbg] += k->bgw[(g0 + r) % nbg] * k->fo[r];
			g0 += B;
			B = 0;
		}
	}
}

/* Minimises sum_c w_c (ey_c - base - sum_i z_ci phi_i)^2 subject to sum_i phi_i = delta,
 * by phi_{M-1} = delta - the others: least squares in M - 1 unknowns via dgelsd. */
static int solve(nids_kshap *k, int M, double delta, double *phi, nids_err *err)
{
	int n = k->n, p = M - 1, nrhs = 1, ldb = n > p ? n : p, rank, info, lwork = -1;
	double rcond = 1e-12, q;
	for (int c = 0; c < n; c++) {
		const unsigned char *z = k->mask + (size_t)c * M;
		double sw = sqrt(k->w[c]);
		for (int j = 0; j < p; j++)
			k->A[(size_t)j * n + c] = sw * (z[j] - z[p]);
		k->b[c] = sw * (k->ey[c] - k->base - z[p] * delta);
	}
	int iq = 0;
	dgelsd_(&n, &p, &nrhs, k->A, &n, k->b, &ldb, k->sv, &rcond, &rank, &q, &lwork, &iq, &info);
	if (info == 0 && (int)q > k->lwork) {
		free(k->work);
		free(k->iwork);
		k->lwork = (int)q;
		k->work = malloc(sizeof(double) * (size_t)k->lwork);
		/* dgelsd's integer workspace: 3 min(n, p) nlvl + 11 min(n, p), nlvl <= 32 */
		k->iwork = malloc(sizeof(int) * (size_t)(3 * 32 + 11) * (size_t)(k->d + 1));
		if (!k->work || !k->iwork) {
			k->lwork = 0;
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		}
	}
	if (info == 0)
		dgelsd_(&n, &p, &nrhs, k->A, &n, k->b, &ldb, k->sv, &rcond, &rank, k->work, &k->lwork,
		        k->iwork, &info);
	if (info != 0)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "kernel SHAP: the least squares "
		                    "failed (LAPACK dgelsd info %d)", info);
	double sum = 0;
	for (int j = 0; j < p; j++)
		sum += phi[k->vary[j]] = k->b[j];
	phi[k->vary[p]] = delta - sum;
	return 0;
}

int nids_kshap_row(nids_kshap *k, const float *x, double *phi, double *fx, nids_err *err)
{
	int d = k->d, M = 0;
	memset(phi, 0, sizeof(double) * (size_t)d);
	for (int j = 0; j < d; j++)
		for (int b = 0; b < k->nbg; b++)
			if (k->bg[(size_t)b * d + j] != x[j]) {
				k->vary[M++] = j;
				break;
			}
	double f0;
	k->f(k->ctx, x, 1, &f0);
	if (fx)
		*fx = f0;
	k->n = 0;
	if (M == 0)
		return 0;
	if (M == 1) {
		phi[k->vary[0]] = f0 - k->base;
		return 0;
	}
	/* drawn from the row's own values: a row's attributions depend on it alone, not on
	   where it stands in the input or how the input was cut */
	nids_rng rng;
	nids_rng_seed2(&rng, k->seed, XXH64(x, sizeof(float) * (size_t)d, 0));
	coalitions(k, M, &rng);
	evaluate(k, x, M);
	return solve(k, M, f0 - k->base, phi, err);
}
