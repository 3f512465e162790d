/* deep_layers.c: the layers and losses of dagmm, memae and dsebm (see deep_impl.h). */
/* The Makefile builds this file at -O3, for the per-row loops over every feature
 * (dagmm's reconstruction features), which -O2 leaves scalar. */
#include "deep_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- DAGMM reconstruction features ---- */

/* ||x||, ||y||, ||x - y|| and x.y of one row. Eight float partial sums per quantity in a
 * GCC vector (SSE pairs, or one AVX2 register in the clone), then the eight added in
 * double: an in-order double sum cannot vectorize, and in double this was a tenth of
 * dagmm's training time (it runs twice per row and step). Each partial sum covers D/8
 * terms. */
typedef float nids_v8f __attribute__((vector_size(32)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void row_norms(const float *x, const float *y, int D, double *nx, double *ny, double *ne,
                      double *dot)
{
	nids_v8f a = { 0 }, b = { 0 }, e = { 0 }, p = { 0 };
	int j = 0;
	for (; j + 8 <= D; j += 8) {
		nids_v8f u, v;
		memcpy(&u, x + j, sizeof u);
		memcpy(&v, y + j, sizeof v);
		nids_v8f w = u - v;
		a += u * u, b += v * v, e += w * w, p += u * v;
	}
	double sa = 0, sb = 0, se = 0, sp = 0;
	for (int l = 0; l < 8; l++)
		sa += a[l], sb += b[l], se += e[l], sp += p[l];
	for (; j < D; j++) {
		double u = x[j], v = y[j];
		sa += u * u, sb += v * v, se += (u - v) * (u - v), sp += u * v;
	}
	*nx = sqrt(sa), *ny = sqrt(sb), *ne = sqrt(se), *dot = sp;
}

void nids_recon_feats_forward(float *f, const float *x, const float *y, int B, int D)
{
	for (int r = 0; r < B; r++) {
		double nx, ny, ne, dot;
		row_norms(x + (size_t)r * D, y + (size_t)r * D, D, &nx, &ny, &ne, &dot);
		f[2 * r] = (float)(ne / fmax(nx, 1e-12));
		f[2 * r + 1] = (float)(dot / (fmax(nx, 1e-8) * fmax(ny, 1e-8)));
	}
}

void nids_recon_feats_backward(float *dy, const float *df, const float *x, const float *y,
                               int B, int D)
{
	for (int r = 0; r < B; r++) {
		const float *xr = x + (size_t)r * D, *yr = y + (size_t)r * D;
		float *g = dy + (size_t)r * D;
		double nx, ny, ne, dot;
		row_norms(xr, yr, D, &nx, &ny, &ne, &dot);
		double cx = fmax(nx, 1e-8), cy = fmax(ny, 1e-8), cosv = dot / (cx * cy);
		/* the norm's subgradient at 0 is 0, as in PyTorch */
		double a = ne > 0 ? df[2 * r] / (ne * fmax(nx, 1e-12)) : 0;
		double b = df[2 * r + 1] / (cx * cy);
		double c = ny > 1e-8 ? df[2 * r + 1] * cosv / (ny * ny) : 0;
		/* d/dy = a (y - x) + b x - c y, in float so that it vectorizes */
		float ya = (float)(a - c), xa = (float)(b - a);
		for (int j = 0; j < D; j++)
			g[j] += ya * yr[j] + xa * xr[j];
	}
}

/* ---- DAGMM energy ---- */

double nids_gmm_energy_loss(nids_gmm *g, float *dz, float *dgamma, const float *z,
                            const float *gamma, int B, float escale, float pscale,
                            double *energy)
{
	int K = g->k, D = g->d;
	double *gd = malloc((size_t)B * K * sizeof(double));
	double *lp = malloc((size_t)B * K * sizeof(double));
	double *work = malloc(((size_t)D * D + 4 * (size_t)D) * sizeof(double));
	double total = NAN;
	if (!gd || !lp || !work)
		goto done;
	for (size_t i = 0; i < (size_t)B * K; i++)
		gd[i] = gamma[i];
	nids_gmm_mstep(g, z, gd, (size_t)B);
	if (nids_gmm_factor(g, NULL) < 0)
		goto done;
	nids_gmm_logp(g, z, (size_t)B, lp);
	double esum = 0, pen = 0;
	for (int i = 0; i < B; i++) {
		/* lp's row becomes the posteriors r_ik */
		double e = -nids_gmm_logsumexp(lp + (size_t)i * K, K, lp + (size_t)i * K);
		esum += e;
		if (energy)
			energy[i] = e;
	}
	for (int c = 0; c < K; c++)
		for (int j = 0; j < D; j++)
			pen += 1.0 / (g->cov[((size_t)c * D + j) * D + j] + g->floor);
	total = escale * esum + pscale * pen;
	if (!dz || !dgamma || !isfinite(total))
		goto done;
	/* E_i = -log sum_k exp(logp_ik): dE/dlogp_ik = -r_ik. Through logp to z_i directly, to
	 * mu_k, to Sigma_k (-1/2 Sigma^-1 (d d^T) Sigma^-1 + 1/2 Sigma^-1 per unit weight) and to
	 * phi_k; then mu, Sigma and phi back to z and gamma. The path mu -> Sigma vanishes
	 * because sum_i gamma_ik (z_i - mu_k) = 0. */
	double *G = work, *gmu = work + (size_t)D * D, *d = gmu + D, *v = d + D, *Gd = v + D;
	for (int c = 0; c < K; c++) {
		if (!(g->phi[c] > 0))
			continue;
		double nk = g->phi[c] * B, A = 0;
		const double *inv = g->inv + (size_t)c * D * D, *mu = g->mu + (size_t)c * D;
		const double *cov = g->cov + (size_t)c * D * D;
		memset(G, 0, (size_t)D * D * sizeof(double));
		memset(gmu, 0, (size_t)D * sizeof(double));
		for (int i = 0; i < B; i++) {
			double r = escale * lp[(size_t)i * K + c];
			if (r == 0)
				continue;
			A += r;
			for (int a = 0; a < D; a++)
				d[a] = z[(size_t)i * D + a] - mu[a];
			for (int a = 0; a < D; a++) {
				double s = 0;
				for (int e = 0; e < D; e++)
					s += inv[a * D + e] * d[e];
				v[a] = s;
			}
			for (int a = 0; a < D; a++) {
				dz[(size_t)i * D + a] += (float)(r * v[a]);
				gmu[a] -= r * v[a];
				for (int e = 0; e < D; e++)
					G[a * D + e] -= 0.5 * r * v[a] * v[e];
			}
		}
		for (int a = 0; a < D; a++) {
			for (int e = 0; e < D; e++)
				G[a * D + e] += 0.5 * A * inv[a * D + e];
			double s = cov[a * D + a] + g->floor;
			G[a * D + a] -= pscale / (s * s);
		}
		double gphi = -A / g->phi[c], trgs = 0;
		for (int a = 0; a < D * D; a++)
			trgs += G[a] * cov[a];
		for (int i = 0; i < B; i++) {
			double gam = gamma[(size_t)i * K + c], dgd = 0, mud = 0;
			for (int a = 0; a < D; a++)
				d[a] = z[(size_t)i * D + a] - mu[a];
			for (int a = 0; a < D; a++) {
				double s = 0;
				for (int e = 0; e < D; e++)
					s += G[a * D + e] * d[e];
				Gd[a] = s;
				dgd += d[a] * s;
				mud += gmu[a] * d[a];
				dz[(size_t)i * D + a] += (float)((2.0 * Gd[a] + gmu[a]) * gam / nk);
			}
			dgamma[(size_t)i * K + c] += (float)((dgd - trgs + mud) / nk + gphi / B);
		}
	}
done:
	free(gd);
	free(lp);
	free(work);
	return total;
}

/* ---- MemAE memory ---- */

void nids_memory_acts_plan(nids_memory_acts *s, int cap, int N, int C, nids_scratch *sc)
{
	memset(s, 0, sizeof *s);
	s->cap = cap, s->N = N, s->C = C;
	size_t bn = (size_t)cap * N, wide = (size_t)cap * (N > C ? N : C);
	const struct {
		float **p;
		size_t n;
	} t[] = { { &s->zn, (size_t)cap * C }, { &s->nz, (size_t)cap },   { &s->mn, (size_t)N * C },
		  { &s->nm, (size_t)N },       { &s->s, bn },             { &s->w, bn },
		  { &s->h, bn },               { &s->hsum, (size_t)cap }, { &s->what, bn },
		  { &s->g0, wide },            { &s->g1, bn },            { &s->gm, (size_t)N * C } };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		nids_scratch_add(sc, t[i].p, t[i].n);
}

#define SHRINK_EPS 1e-12
#define NORM_EPS2 1e-12f

static void unit_rows(float *u, float *n, const float *x, int rows, int C)
{
	for (int r = 0; r < rows; r++) {
		float s = NORM_EPS2;
		for (int j = 0; j < C; j++)
			s += x[(size_t)r * C + j] * x[(size_t)r * C + j];
		n[r] = sqrtf(s);
		for (int j = 0; j < C; j++)
			u[(size_t)r * C + j] = x[(size_t)r * C + j] / n[r];
	}
}

void nids_memory_forward(float *zhat, const float *z, const float *mem, int B, int N, int C,
                         float lambda, nids_memory_acts *s)
{
	s->z = z;
	unit_rows(s->zn, s->nz, z, B, C);
	unit_rows(s->mn, s->nm, mem, N, C);
	nids_sgemm_rm(0, 1, B, N, C, 1.0f, s->zn, C, s->mn, C, 0.0f, s->s, N);
	nids_softmax_forward(s->w, s->s, B, N);
	for (int r = 0; r < B; r++) {
		double sum = 0;
		for (int j = 0; j < N; j++) {
			size_t i = (size_t)r * N + j;
			double w = s->w[i], t = w - lambda;
			s->h[i] = t > 0 ? (float)(t * w / (t + SHRINK_EPS)) : 0.0f;
			sum += s->h[i];
		}
		s->hsum[r] = (float)(sum > SHRINK_EPS ? sum : SHRINK_EPS);
		for (int j = 0; j < N; j++)
			s->what[(size_t)r * N + j] = s->h[(size_t)r * N + j] / s->hsum[r];
	}
	nids_sgemm_rm(0, 0, B, C, N, 1.0f, s->what, N, mem, C, 0.0f, zhat, C);
}

void nids_memory_backward(float *dz, float *dmem, const float *dzhat, const float *dwhat,
                          const float *mem, int B, int N, int C, float lambda,
                          nids_memory_acts *s)
{
	float *g = s->g1; /* gradient with respect to what, then h, then w, then s */
	nids_sgemm_rm(0, 1, B, N, C, 1.0f, dzhat, C, mem, C, 0.0f, g, N);
	if (dwhat)
		for (size_t i = 0; i < (size_t)B * N; i++)
			g[i] += dwhat[i];
	if (dmem)
		nids_sgemm_rm(1, 0, N, C, B, 1.0f, s->what, N, dzhat, C, 1.0f, dmem, C);
	for (int r = 0; r < B; r++) {
		float *gr = g + (size_t)r * N;
		const float *wr = s->w + (size_t)r * N, *hr = s->h + (size_t)r * N;
		const float *qr = s->what + (size_t)r * N;
		double raw = 0, gq = 0;
		for (int j = 0; j < N; j++)
			raw += hr[j], gq += (double)gr[j] * qr[j];
		/* L1 renormalisation; a clamped (all-zero) sum is a constant */
		for (int j = 0; j < N; j++)
			gr[j] = raw > SHRINK_EPS ? (float)((gr[j] - gq) / s->hsum[r])
			                         : (float)(gr[j] / s->hsum[r]);
		/* hard shrinkage: d/dw of t w / (t + eps), t = w - lambda > 0 */
		for (int j = 0; j < N; j++) {
			double w = wr[j], t = w - lambda;
			if (t > 0) {
				double den = t + SHRINK_EPS;
				gr[j] = (float)(gr[j] * ((2.0 * w - lambda) * den - t * w) / (den * den));
			} else {
				gr[j] = 0;
			}
		}
		/* softmax */
		double sw = 0;
		for (int j = 0; j < N; j++)
			sw += (double)gr[j] * wr[j];
		for (int j = 0; j < N; j++)
			gr[j] = (float)(wr[j] * (gr[j] - sw));
	}
	/* cosine similarity s_ij = zn_i . mn_j: ds/dz_i = (mn_j - s_ij zn_i) / |z_i| */
	if (dz) {
		float *dzn = s->g0;
		nids_sgemm_rm(0, 0, B, C, N, 1.0f, g, N, s->mn, C, 0.0f, dzn, C);
		for (int r = 0; r < B; r++) {
			double dot = 0;
			for (int j = 0; j < N; j++)
				dot += (double)g[(size_t)r * N + j] * s->s[(size_t)r * N + j];
			for (int c = 0; c < C; c++)
				dz[(size_t)r * C + c] += (float)((dzn[(size_t)r * C + c] -
				                                  dot * s->zn[(size_t)r * C + c]) / s->nz[r]);
		}
	}
	if (dmem) {
		nids_sgemm_rm(1, 0, N, C, B, 1.0f, g, N, s->zn, C, 0.0f, s->gm, C);
		for (int j = 0; j < N; j++) {
			double dot = 0;
			for (int r = 0; r < B; r++)
				dot += (double)g[(size_t)r * N + j] * s->s[(size_t)r * N + j];
			for (int c = 0; c < C; c++)
				dmem[(size_t)j * C + c] += (float)((s->gm[(size_t)j * C + c] -
				                                    dot * s->mn[(size_t)j * C + c]) / s->nm[j]);
		}
	}
}

double nids_entropy_loss(float *dw, const float *w, int B, int N, float scale)
{
	double sum = 0;
	for (size_t i = 0; i < (size_t)B * N; i++) {
		double l = log(w[i] + SHRINK_EPS);
		sum -= w[i] * l;
		if (dw)
			dw[i] -= (float)(scale * (l + w[i] / (w[i] + SHRINK_EPS)));
	}
	return scale * sum;
}

/* ---- DSEBM ---- */

void nids_dsebm_acts_plan(nids_dsebm_acts *s, const nids_mlp *m, int cap, nids_scratch *sc)
{
	memset(s, 0, sizeof *s);
	nids_mlp_acts_plan(&s->f, m, cap, 1, sc);
	int wide = 0;
	for (int i = 0; i <= m->nlayers; i++)
		wide = m->dim[i] > wide ? m->dim[i] : wide;
	size_t n = (size_t)cap * wide;
	nids_scratch_add(sc, &s->dbar, n);
	nids_scratch_add(sc, &s->ubar, n);
	nids_scratch_add(sc, &s->hbar, n);
	for (int i = 0; i < m->nlayers; i++) {
		nids_scratch_add(sc, &s->delta[i], (size_t)cap * m->dim[i + 1]);
		nids_scratch_add(sc, &s->u[i], (size_t)cap * m->dim[i + 1]);
		nids_scratch_add(sc, &s->abar[i], (size_t)cap * m->dim[i + 1]);
	}
}

static inline float sigm(float a) { return 1.0f / (1.0f + expf(-a)); }

void nids_dsebm_forward(const nids_mlp *m, const nids_arena *a, float *params, const float *bp,
                        nids_dsebm_acts *s, const float *x, int B, float *r, float *energy)
{
	int L = m->nlayers, D = m->dim[0];
	nids_mlp_forward(m, a, params, &s->f, x, B);
	/* delta_i = d(sum h_L)/d a_i; u_i = d(sum h_L)/d h_i (ones at the top) */
	size_t top = (size_t)B * m->dim[L];
	for (size_t i = 0; i < top; i++)
		s->delta[L - 1][i] = sigm(s->f.pre[L - 1][i]);
	for (int i = L - 2; i >= 0; i--) {
		int o = m->dim[i + 1], p = m->dim[i + 2];
		nids_sgemm_rm(0, 0, B, o, p, 1.0f, s->delta[i + 1], p,
		              nids_arena_ptr(a, params, m->w[i + 1]), o, 0.0f, s->u[i], o);
		for (size_t k = 0; k < (size_t)B * o; k++)
			s->delta[i][k] = sigm(s->f.pre[i][k]) * s->u[i][k];
	}
	nids_sgemm_rm(0, 0, B, D, m->dim[1], 1.0f, s->delta[0], m->dim[1],
	              nids_arena_ptr(a, params, m->w[0]), D, 0.0f, r, D);
	for (int i = 0; i < B; i++) {
		double e = 0;
		for (int j = 0; j < D; j++) {
			float t = x[(size_t)i * D + j] - bp[j];
			r[(size_t)i * D + j] += bp[j];
			e += 0.5 * t * t;
		}
		if (!energy)
			continue;
		for (int j = 0; j < m->dim[L]; j++)
			e -= s->f.out[L - 1][(size_t)i * m->dim[L] + j];
		energy[i] = (float)e;
	}
}

void nids_dsebm_backward(const nids_mlp *m, const nids_arena *a, float *params, float *grads,
                         float *dbp, nids_dsebm_acts *s, const float *dr, int B)
{
	int L = m->nlayers, D = m->dim[0];
	for (int i = 0; i < B; i++)
		for (int j = 0; j < D; j++)
			dbp[j] += dr[(size_t)i * D + j];
	/* r = delta_0 W_0 + b' */
	int h1 = m->dim[1];
	nids_sgemm_rm(1, 0, h1, D, B, 1.0f, s->delta[0], h1, dr, D, 1.0f,
	              nids_arena_ptr(a, grads, m->w[0]), D);
	nids_sgemm_rm(0, 1, B, h1, D, 1.0f, dr, D, nids_arena_ptr(a, params, m->w[0]), D, 0.0f,
	              s->dbar, h1);
	/* up the backward-of-ones pass: dbar = d loss / d delta_i */
	for (int i = 0; i < L; i++) {
		int o = m->dim[i + 1];
		size_t n = (size_t)B * o;
		for (size_t k = 0; k < n; k++) {
			float sg = sigm(s->f.pre[i][k]);
			float up = i < L - 1 ? s->u[i][k] : 1.0f;
			s->abar[i][k] = sg * (1.0f - sg) * up * s->dbar[k];
			s->ubar[k] = sg * s->dbar[k];
		}
		if (i == L - 1)
			break;
		int p = m->dim[i + 2];
		/* u_i = delta_{i+1} W_{i+1} */
		nids_sgemm_rm(1, 0, p, o, B, 1.0f, s->delta[i + 1], p, s->ubar, o, 1.0f,
		              nids_arena_ptr(a, grads, m->w[i + 1]), o);
		nids_sgemm_rm(0, 1, B, p, o, 1.0f, s->ubar, o, nids_arena_ptr(a, params, m->w[i + 1]),
		              o, 0.0f, s->dbar, p);
	}
	/* down the forward pass, with abar injected at every pre-activation */
	memset(s->hbar, 0, (size_t)B * m->dim[L] * sizeof(float));
	for (int i = L - 1; i >= 0; i--) {
		size_t n = (size_t)B * m->dim[i + 1];
		for (size_t k = 0; k < n; k++)
			s->abar[i][k] += sigm(s->f.pre[i][k]) * s->hbar[k];
		const float *in = i ? s->f.out[i - 1] : s->f.in;
		if (i)
			memset(s->hbar, 0, (size_t)B * m->dim[i] * sizeof(float));
		nids_dense_backward(i ? s->hbar : NULL, nids_arena_ptr(a, grads, m->w[i]),
		                    nids_arena_ptr(a, grads, m->b[i]), s->abar[i], in,
		                    nids_arena_ptr(a, params, m->w[i]), B, m->dim[i], m->dim[i + 1]);
	}
}
