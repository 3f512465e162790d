/* gmm.c: full-covariance Gaussian mixture (see gmm_impl.h): estimates from memberships,
 * Cholesky factorisation through LAPACK, per-row log-likelihoods in row blocks through
 * BLAS, and EM with k-means++ seeds. */
#include "gmm_impl.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_impl.h"

/* LAPACK as OpenBLAS exports it (32-bit integers; OpenBLAS's C interface takes no
 * hidden string lengths). */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);

#define LOG_2PI 1.8378770664093454836

int nids_gmm_init(nids_gmm *g, int k, int d, double floor, nids_err *err)
{
	memset(g, 0, sizeof *g);
	if (k < 1 || d < 1 || k > 4096 || d > 4096)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "gmm: bad shape %d x %d", k, d);
	g->k = k, g->d = d, g->floor = floor;
	size_t dd = (size_t)k * d * d;
	g->phi = calloc((size_t)k, sizeof(double));
	g->mu = calloc((size_t)k * d, sizeof(double));
	g->cov = calloc(dd, sizeof(double));
	g->inv = calloc(dd, sizeof(double));
	g->logdet = calloc((size_t)k, sizeof(double));
	g->lognorm = calloc((size_t)k, sizeof(double));
	if (!g->phi || !g->mu || !g->cov || !g->inv || !g->logdet || !g->lognorm) {
		nids_gmm_free(g);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for the mixture");
	}
	return 0;
}

void nids_gmm_free(nids_gmm *g)
{
	free(g->phi);
	free(g->mu);
	free(g->cov);
	free(g->inv);
	free(g->logdet);
	free(g->lognorm);
	memset(g, 0, sizeof *g);
}

/* Rows per BLAS block in the scatter and likelihood loops. */
#define BLOCK 512

void nids_gmm_mstep(nids_gmm *g, const float *z, const double *gamma, size_t n)
{
	int k = g->k, d = g->d;
	double *nk = g->phi;
	memset(nk, 0, (size_t)k * sizeof(double));
	memset(g->mu, 0, (size_t)k * d * sizeof(double));
	memset(g->cov, 0, (size_t)k * d * d * sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < k; c++) {
			double w = gamma[i * k + c];
			nk[c] += w;
			for (int j = 0; j < d; j++)
				g->mu[c * d + j] += w * z[i * d + j];
		}
	for (int c = 0; c < k; c++)
		for (int j = 0; nk[c] > 0 && j < d; j++)
			g->mu[c * d + j] /= nk[c];
	/* scatter: cov_k = W^T W with W rows sqrt(gamma_ik) (z_i - mu_k), by blocks */
	double *w = malloc((size_t)BLOCK * d * sizeof(double));
	for (int c = 0; c < k; c++) {
		double *cov = g->cov + (size_t)c * d * d, *mu = g->mu + (size_t)c * d;
		if (!(nk[c] > 0))
			continue;
		for (size_t at = 0; at < n; at += BLOCK) {
			int b = (int)(n - at < BLOCK ? n - at : BLOCK);
			if (!w || d <= 4) {
				/* small d (dagmm's 3), or no memory for the block: plain loops */
				for (int r = 0; r < b; r++) {
					double gw = gamma[(at + r) * k + c];
					const float *zr = z + (at + r) * d;
					for (int a = 0; a < d; a++)
						for (int e = 0; e <= a; e++)
							cov[a * d + e] += gw * (zr[a] - mu[a]) * (zr[e] - mu[e]);
				}
				continue;
			}
			for (int r = 0; r < b; r++) {
				double s = sqrt(gamma[(at + r) * k + c]);
				const float *zr = z + (at + r) * d;
				for (int j = 0; j < d; j++)
					w[r * d + j] = s * (zr[j] - mu[j]);
			}
			/* row-major lower triangle of W^T W */
			cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, d, b, 1.0, w, d, 1.0, cov, d);
		}
		for (int a = 0; a < d; a++)
			for (int e = 0; e <= a; e++) {
				cov[a * d + e] /= nk[c];
				cov[e * d + a] = cov[a * d + e];
			}
	}
	free(w);
	for (int c = 0; c < k; c++)
		g->phi[c] = nk[c] / (double)n;
}

int nids_gmm_factor(nids_gmm *g, nids_err *err)
{
	int d = g->d, info = 0;
	for (int c = 0; c < g->k; c++) {
		double *a = g->inv + (size_t)c * d * d;
		memcpy(a, g->cov + (size_t)c * d * d, (size_t)d * d * sizeof(double));
		for (int j = 0; j < d; j++)
			a[j * d + j] += g->floor;
		/* 'U' on column-major storage is the lower triangle of our row-major matrix */
		dpotrf_("U", &d, a, &d, &info);
		if (info != 0)
			return nids_err_set(err, NIDS_EFORMAT, NULL,
			                    "gmm: component %d: covariance not positive definite with "
			                    "diagonal floor %g (Cholesky failed at column %d)", c + 1,
			                    g->floor, info);
		double ld = 0;
		for (int j = 0; j < d; j++)
			ld += log(a[j * d + j]);
		g->logdet[c] = 2.0 * ld;
		dpotri_("U", &d, a, &d, &info);
		if (info != 0)
			return nids_err_set(err, NIDS_EFORMAT, NULL,
			                    "gmm: component %d: covariance is singular", c + 1);
		for (int i = 0; i < d; i++)
			for (int j = 0; j < i; j++)
				a[j * d + i] = a[i * d + j];
		g->lognorm[c] = g->phi[c] > 0 ? log(g->phi[c]) - 0.5 * (g->logdet[c] + d * LOG_2PI)
		                              : -INFINITY;
		if (!isfinite(g->logdet[c]))
			return nids_err_set(err, NIDS_EFORMAT, NULL,
			                    "gmm: component %d: covariance has no finite log-determinant",
			                    c + 1);
	}
	return 0;
}

void nids_gmm_logp(const nids_gmm *g, const float *z, size_t n, double *logp)
{
	int k = g->k, d = g->d;
	/* small d (dagmm's 3) evaluates the quadratic form directly; larger d goes through
	 * dsymm on a block of centred rows */
	double *D = d <= 4 ? NULL : malloc((size_t)BLOCK * d * sizeof(double));
	double *T = d <= 4 ? NULL : malloc((size_t)BLOCK * d * sizeof(double));
	for (int c = 0; c < k; c++) {
		const double *mu = g->mu + (size_t)c * d, *inv = g->inv + (size_t)c * d * d;
		for (size_t at = 0; at < n; at += BLOCK) {
			int b = (int)(n - at < BLOCK ? n - at : BLOCK);
			for (int r = 0; r < b; r++) {
				double q = 0;
				const float *zr = z + (at + r) * d;
				if (!D || !T) {
					for (int a = 0; a < d; a++) {
						double s = 0, da = zr[a] - mu[a];
						for (int e = 0; e < d; e++)
							s += inv[a * d + e] * (zr[e] - mu[e]);
						q += da * s;
					}
					logp[(at + r) * k + c] = g->lognorm[c] - 0.5 * q;
					continue;
				}
				for (int j = 0; j < d; j++)
					D[r * d + j] = zr[j] - mu[j];
			}
			if (!D || !T)
				continue;
			cblas_dsymm(CblasRowMajor, CblasRight, CblasLower, b, d, 1.0, inv, d, D, d, 0.0,
			            T, d);
			for (int r = 0; r < b; r++) {
				double q = 0;
				for (int j = 0; j < d; j++)
					q += D[r * d + j] * T[r * d + j];
				logp[(at + r) * k + c] = g->lognorm[c] - 0.5 * q;
			}
		}
	}
	free(D);
	free(T);
}

double nids_gmm_logsumexp(const double *logp, int k, double *resp)
{
	double mx = -INFINITY;
	for (int c = 0; c < k; c++)
		if (logp[c] > mx)
			mx = logp[c];
	if (mx == -INFINITY || isnan(mx)) {
		for (int c = 0; resp && c < k; c++)
			resp[c] = 0;
		return mx;
	}
	double s = 0;
	for (int c = 0; c < k; c++)
		s += exp(logp[c] - mx);
	double lse = mx + log(s);
	for (int c = 0; resp && c < k; c++)
		resp[c] = exp(logp[c] - lse);
	return lse;
}

int nids_gmm_loglik(const nids_gmm *g, const float *z, size_t n, double *ll, double *resp,
                    nids_err *err)
{
	int k = g->k;
	double *lp = resp ? resp : malloc(n * k * sizeof(double));
	if (!lp)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for the mixture");
	nids_gmm_logp(g, z, n, lp);
	double tmp[64];
	for (size_t i = 0; i < n; i++) {
		double *row = lp + i * k;
		if (resp && k <= 64) {
			memcpy(tmp, row, (size_t)k * sizeof(double));
			ll[i] = nids_gmm_logsumexp(tmp, k, row);
		} else if (resp) {
			/* the posteriors overwrite the row they come from: two passes */
			double l = nids_gmm_logsumexp(row, k, NULL);
			for (int c = 0; c < k; c++)
				row[c] = isfinite(l) ? exp(row[c] - l) : 0;
			ll[i] = l;
		} else {
			ll[i] = nids_gmm_logsumexp(row, k, NULL);
		}
	}
	if (!resp)
		free(lp);
	return 0;
}

static double sqdist(const float *a, const double *b, int d)
{
	double s = 0;
	for (int j = 0; j < d; j++) {
		double e = a[j] - b[j];
		s += e * e;
	}
	return s;
}

/* k-means++ seeds into g->mu, then each row's nearest seed as a one-hot membership. */
static void kmeanspp(nids_gmm *g, const float *z, size_t n, double *dist, double *gamma,
                     nids_rng *rng)
{
	int k = g->k, d = g->d;
	size_t first = (size_t)nids_rng_below(rng, n);
	for (int j = 0; j < d; j++)
		g->mu[j] = z[first * d + j];
	for (size_t i = 0; i < n; i++)
		dist[i] = sqdist(z + i * d, g->mu, d);
	for (int c = 1; c < k; c++) {
		double total = 0;
		for (size_t i = 0; i < n; i++)
			total += dist[i];
		size_t pick = (size_t)nids_rng_below(rng, n);
		if (total > 0) {
			double u = nids_rng_uniform(rng) * total, acc = 0;
			for (pick = 0; pick < n - 1; pick++) {
				acc += dist[pick];
				if (acc > u)
					break;
			}
		}
		double *mu = g->mu + (size_t)c * d;
		for (int j = 0; j < d; j++)
			mu[j] = z[pick * d + j];
		for (size_t i = 0; i < n; i++) {
			double e = sqdist(z + i * d, mu, d);
			if (e < dist[i])
				dist[i] = e;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int best = 0;
		double bd = INFINITY;
		for (int c = 0; c < k; c++) {
			double e = sqdist(z + i * d, g->mu + (size_t)c * d, d);
			if (e < bd)
				bd = e, best = c;
		}
		for (int c = 0; c < k; c++)
			gamma[i * k + c] = c == best;
	}
}

int nids_gmm_em(nids_gmm *g, const float *z, size_t n, int max_iter, double tol, nids_rng *rng,
                double *mean_ll, nids_err *err)
{
	if (n < (size_t)g->k)
		return nids_err_set(err, NIDS_EFORMAT, NULL,
		                    "gmm: %zu rows are fewer than the %d components", n, g->k);
	double *gamma = malloc(n * g->k * sizeof(double)), *ll = malloc(n * sizeof(double));
	if (!gamma || !ll) {
		free(gamma);
		free(ll);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for EM");
	}
	kmeanspp(g, z, n, ll, gamma, rng);
	double prev = -INFINITY, mean = -INFINITY;
	int it = 0, rc = 0;
	while (it < max_iter) {
		nids_gmm_mstep(g, z, gamma, n);
		if ((rc = nids_gmm_factor(g, err)) < 0)
			break;
		nids_gmm_loglik(g, z, n, ll, gamma, NULL);
		it++;
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += ll[i];
		mean = s / (double)n;
		if (!isfinite(mean)) {
			rc = nids_err_set(err, NIDS_EFORMAT, NULL, "gmm: EM log-likelihood is %g in "
			                  "iteration %d", mean, it);
			break;
		}
		if (fabs(mean - prev) < tol)
			break;
		prev = mean;
	}
	free(gamma);
	free(ll);
	if (mean_ll)
		*mean_ll = mean;
	return rc < 0 ? rc : it;
}

int nids_gmm_tensors_define(nids_gmm_tensors *t, nids_arena *a, int k, int d, nids_err *err)
{
	int rc;
	if ((rc = t->phi = nids_arena_add(a, "gmm.phi", 1, k, err)) < 0 ||
	    (rc = t->mu = nids_arena_add(a, "gmm.mu", k, d, err)) < 0 ||
	    (rc = t->cov = nids_arena_add(a, "gmm.cov", k, d * d, err)) < 0)
		return rc;
	return 0;
}

int nids_gmm_tensors_load(const nids_gmm_tensors *t, const nids_arena *a, nids_gmm *g,
                          nids_err *err)
{
	const float *phi = nids_arena_ptr(a, a->data, t->phi);
	const float *mu = nids_arena_ptr(a, a->data, t->mu);
	const float *cov = nids_arena_ptr(a, a->data, t->cov);
	size_t k = (size_t)g->k, d = (size_t)g->d;
	for (size_t i = 0; i < k; i++)
		g->phi[i] = phi[i];
	for (size_t i = 0; i < k * d; i++)
		g->mu[i] = mu[i];
	for (size_t i = 0; i < k * d * d; i++)
		g->cov[i] = cov[i];
	/* a model's load calls OpenBLAS before any job has checked its room */
	int rc = nids_blas_room(1, err);
	return rc < 0 ? rc : nids_gmm_factor(g, err);
}

int nids_gmm_tensors_store(const nids_gmm_tensors *t, const nids_arena *a, nids_gmm *g,
                           nids_err *err)
{
	float *phi = nids_arena_ptr(a, a->data, t->phi);
	float *mu = nids_arena_ptr(a, a->data, t->mu);
	float *cov = nids_arena_ptr(a, a->data, t->cov);
	size_t k = (size_t)g->k, d = (size_t)g->d;
	for (size_t i = 0; i < k; i++)
		phi[i] = (float)g->phi[i];
	for (size_t i = 0; i < k * d; i++)
		mu[i] = (float)g->mu[i];
	for (size_t i = 0; i < k * d * d; i++)
		cov[i] = (float)g->cov[i];
	return nids_gmm_tensors_load(t, a, g, err);
}
