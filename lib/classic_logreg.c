/* classic_logreg.c: L2-penalised logistic regression.
 *
 * Binary: Newton's method (IRLS). The gradient and loss are summed in double; the
 * Hessian X^T S X comes from ssyrk on the rows scaled by sqrt(s_i) (the bias as a column
 * of ones) and is solved by Cholesky (LAPACK dpotrf/dpotrs). A step that does not lower
 * the loss enough (Armijo, 1e-4) is halved. Converged when the largest gradient entry of
 * the mean loss is <= tol; Newton gets there in a handful of iterations.
 *
 * Multinomial: L-BFGS (Nocedal and Wright, algorithm 7.4, memory 10) with the same
 * backtracking line search, logits through sgemm, the same convergence test. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classic_impl.h"
#include "nn_impl.h"

#include <cblas.h>

/* LAPACK (shipped inside OpenBLAS; no lapacke.h here) */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);

/* log(1 + e^z) without overflow */
static double log1pexp(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }

/* Loss of w [d + 1] and, when g is not NULL, its gradient g [d + 1] and the Newton weights
 * s [n] = sw p (1 - p). */
static double binary_eval(const float *x, const int *y, const float *sw, size_t n, int d,
                          double l2, const double *w, double *g, float *s)
{
	double loss = 0;
	if (g)
		memset(g, 0, sizeof(double) * (size_t)(d + 1));
	for (size_t i = 0; i < n; i++) {
		const float *xi = x + i * d;
		double z = w[d];
		for (int j = 0; j < d; j++)
			z += xi[j] * w[j];
		double wi = sw ? sw[i] : 1.0;
		loss += wi * (log1pexp(z) - (y[i] ? z : 0));
		if (!g)
			continue;
		double p = 1 / (1 + exp(-z)), r = wi * (p - y[i]);
		for (int j = 0; j < d; j++)
			g[j] += r * xi[j];
		g[d] += r;
		s[i] = (float)(wi * p * (1 - p));
	}
	for (int j = 0; j < d; j++) {
		loss += 0.5 * l2 * w[j] * w[j];
		if (g)
			g[j] += l2 * w[j];
	}
	return loss;
}

static double max_abs(const double *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fabs(v[i]) > m ? fabs(v[i]) : m;
	return m;
}

static double total_weight(const float *sw, size_t n)
{
	double W = 0;
	for (size_t i = 0; i < n; i++)
		W += sw ? sw[i] : 1.0;
	return W > 0 ? W : 1;
}

int nids_logreg_fit_binary(const float *x, const int *y, const float *sw, size_t n, int d,
                           const nids_logreg_opts *o, double *w, nids_err *err)
{
	int D = d + 1, rc = 0, it;
	float *xs = malloc(sizeof(float) * n * D), *s = malloc(sizeof(float) * n);
	float *hf = malloc(sizeof(float) * (size_t)D * D);
	double *g = malloc(sizeof(double) * D), *h = malloc(sizeof(double) * (size_t)D * D);
	double *step = malloc(sizeof(double) * D), *wn = malloc(sizeof(double) * D);
	if (!xs || !s || !hf || !g || !h || !step || !wn) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory in logistic regression");
		goto out;
	}
	if ((rc = nids_blas_threads(o->threads, 1, err)) < 0)
		goto out;
	double W = total_weight(sw, n);
	double loss = binary_eval(x, y, sw, n, d, o->l2, w, g, s);
	for (it = 0; it < o->max_iter; it++) {
		if (max_abs(g, D) / W <= o->tol)
			break;
		/* H = [X 1]^T S [X 1] + l2 I (bias unpenalised) */
		for (size_t i = 0; i < n; i++) {
			float r = sqrtf(s[i]);
			for (int j = 0; j < d; j++)
				xs[i * D + j] = r * x[i * d + j];
			xs[i * D + d] = r;
		}
		cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, D, (int)n, 1.0f, xs, D, 0.0f, hf, D);
		/* row-major upper = column-major lower: copy as is, LAPACK reads 'L' */
		for (int a = 0; a < D * D; a++)
			h[a] = hf[a];
		for (int j = 0; j < D; j++)
			h[(size_t)j * D + j] += (j < d ? o->l2 : 0) + 1e-10 * W;
		memcpy(step, g, sizeof(double) * D);
		int info, one = 1;
		dpotrf_("L", &D, h, &D, &info);
		if (info == 0)
			dpotrs_("L", &D, &one, h, &D, step, &D, &info);
		if (info != 0) /* singular: fall back to a gradient step */
			for (int j = 0; j < D; j++)
				step[j] = g[j] / W;
		double slope = 0;
		for (int j = 0; j < D; j++)
			slope += g[j] * step[j];
		double t = 1, nl = loss;
		for (int ls = 0; ls < 40; ls++, t /= 2) {
			for (int j = 0; j < D; j++)
				wn[j] = w[j] - t * step[j];
			nl = binary_eval(x, y, sw, n, d, o->l2, wn, NULL, NULL);
			if (nl <= loss - 1e-4 * t * slope)
				break;
		}
		if (!(nl < loss)) /* no progress possible in float precision: done */
			break;
		memcpy(w, wn, sizeof(double) * D);
		loss = binary_eval(x, y, sw, n, d, o->l2, w, g, s);
	}
	rc = it;
out:
	free(xs);
	free(s);
	free(hf);
	free(g);
	free(h);
	free(step);
	free(wn);
	return rc;
}

/* ---- multinomial ---- */

struct multi {
	const float *x;
	const int *y;
	const float *sw;
	size_t n;
	int d, K;
	double l2;
	float *wf;  /* [K x (d + 1)] float copy of the parameters */
	float *z;   /* [n x K] logits, then P - Y */
	float *gf;  /* [K x d] */
};

/* Loss and gradient g [K x (d + 1)] at W. */
static double multi_eval(struct multi *m, const double *W, double *g)
{
	int d = m->d, K = m->K, D = d + 1;
	size_t n = m->n;
	for (int a = 0; a < K * D; a++)
		m->wf[a] = (float)W[a];
	/* z [n x K] = x [n x d] Wx^T, Wx the first d columns of each row of W */
	nids_sgemm_rm(0, 1, (int)n, K, d, 1.0f, m->x, d, m->wf, D, 0.0f, m->z, K);
	double loss = 0;
	memset(g, 0, sizeof(double) * (size_t)K * D);
	for (size_t i = 0; i < n; i++) {
		float *zi = m->z + i * K;
		double mx = -INFINITY, sum = 0, wi = m->sw ? m->sw[i] : 1.0;
		for (int k = 0; k < K; k++) {
			zi[k] += m->wf[(size_t)k * D + d];
			mx = zi[k] > mx ? zi[k] : mx;
		}
		for (int k = 0; k < K; k++)
			sum += exp(zi[k] - mx);
		loss += wi * (mx + log(sum) - zi[m->y[i]]);
		for (int k = 0; k < K; k++) {
			double r = wi * (exp(zi[k] - mx) / sum - (k == m->y[i]));
			zi[k] = (float)r;
			g[(size_t)k * D + d] += r;
		}
	}
	/* gf [K x d] = (P - Y)^T x */
	nids_sgemm_rm(1, 0, K, d, (int)n, 1.0f, m->z, K, m->x, d, 0.0f, m->gf, d);
	for (int k = 0; k < K; k++)
		for (int j = 0; j < d; j++) {
			double wkj = W[(size_t)k * D + j];
			g[(size_t)k * D + j] += m->gf[(size_t)k * d + j] + m->l2 * wkj;
			loss += 0.5 * m->l2 * wkj * wkj;
		}
	return loss;
}

static double dot(const double *a, const double *b, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

#define LBFGS_M 10

int nids_logreg_fit_multi(const float *x, const int *y, const float *sw, size_t n, int d, int K,
                          const nids_logreg_opts *o, double *W, nids_err *err)
{
	int P = K * (d + 1), rc = 0, it;
	struct multi m = { x, y, sw, n, d, K, o->l2, NULL, NULL, NULL };
	m.wf = malloc(sizeof(float) * P);
	m.z = malloc(sizeof(float) * n * K);
	m.gf = malloc(sizeof(float) * (size_t)K * d);
	double *buf = malloc(sizeof(double) * (size_t)P * (2 * LBFGS_M + 4));
	if (!m.wf || !m.z || !m.gf || !buf) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory in logistic regression");
		goto out;
	}
	if ((rc = nids_blas_threads(o->threads, 1, err)) < 0)
		goto out;
	double *S = buf, *Yv = S + (size_t)P * LBFGS_M, *g = Yv + (size_t)P * LBFGS_M;
	double *gn = g + P, *p = gn + P, *wn = p + P, rho[LBFGS_M], alpha[LBFGS_M];
	double Wt = total_weight(sw, n);
	double loss = multi_eval(&m, W, g);
	int hist = 0;
	for (it = 0; it < o->max_iter; it++) {
		if (max_abs(g, (size_t)P) / Wt <= o->tol)
			break;
		/* two-loop recursion: p = H g */
		memcpy(p, g, sizeof(double) * P);
		for (int h = hist - 1; h >= hist - LBFGS_M && h >= 0; h--) {
			int s = h % LBFGS_M;
			alpha[s] = rho[s] * dot(S + (size_t)s * P, p, P);
			for (int a = 0; a < P; a++)
				p[a] -= alpha[s] * Yv[(size_t)s * P + a];
		}
		double gamma = 1.0 / Wt;
		if (hist > 0) {
			int s = (hist - 1) % LBFGS_M;
			gamma = dot(S + (size_t)s * P, Yv + (size_t)s * P, P) /
			        dot(Yv + (size_t)s * P, Yv + (size_t)s * P, P);
		}
		for (int a = 0; a < P; a++)
			p[a] *= gamma;
		for (int h = hist - LBFGS_M > 0 ? hist - LBFGS_M : 0; h < hist; h++) {
			int s = h % LBFGS_M;
			double beta = rho[s] * dot(Yv + (size_t)s * P, p, P);
			for (int a = 0; a < P; a++)
				p[a] += S[(size_t)s * P + a] * (alpha[s] - beta);
		}
		double slope = dot(g, p, P), t = 1, nl = loss;
		if (slope <= 0) { /* not a descent direction: restart from the gradient */
			hist = 0;
			memcpy(p, g, sizeof(double) * P);
			for (int a = 0; a < P; a++)
				p[a] /= Wt;
			slope = dot(g, p, P);
		}
		for (int ls = 0; ls < 40; ls++, t /= 2) {
			for (int a = 0; a < P; a++)
				wn[a] = W[a] - t * p[a];
			nl = multi_eval(&m, wn, gn);
			if (nl <= loss - 1e-4 * t * slope)
				break;
		}
		if (!(nl < loss))
			break;
		int s = hist % LBFGS_M;
		for (int a = 0; a < P; a++) {
			S[(size_t)s * P + a] = wn[a] - W[a];
			Yv[(size_t)s * P + a] = gn[a] - g[a];
		}
		double sy = dot(S + (size_t)s * P, Yv + (size_t)s * P, P);
		if (sy > 1e-12) {
			rho[s] = 1 / sy;
			hist++;
		} else { /* curvature lost: forget the history (this pair included) */
			hist = 0;
		}
		memcpy(W, wn, sizeof(double) * P);
		memcpy(g, gn, sizeof(double) * P);
		loss = nl;
	}
	rc = it;
out:
	free(m.wf);
	free(m.z);
	free(m.gf);
	free(buf);
	return rc;
}
