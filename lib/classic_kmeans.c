/* classic_kmeans.c: k-means. Greedy k-means++ seeding (Arthur and Vassilvitskii 2007,
 * with 2 + ln k candidates per step as scikit-learn), Lloyd iterations until the
 * centroids move less than a tolerance, several restarts. Squared distances come from
 * ||x||^2 - 2 x.c + ||c||^2 with x.c through sgemm, over fixed chunks of rows spread on
 * threads; each chunk keeps its own sums, added in chunk order, so the result does not
 * depend on the thread count. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "classic_impl.h"
#include "nn_impl.h"
#include "pool_impl.h"
#include "rng_impl.h"

#define CHUNK 2048

void nids_kmeans_nearest(const float *c, const float *cn, int k, int d, const float *x, int B,
                         float *dist, int *idx, float *scratch)
{
	/* scratch [B x k] = x c^T */
	nids_sgemm_rm(0, 1, B, k, d, 1.0f, x, d, c, d, 0.0f, scratch, k);
	for (int r = 0; r < B; r++) {
		const float *xr = x + (size_t)r * d, *s = scratch + (size_t)r * k;
		float xn = 0;
		for (int j = 0; j < d; j++)
			xn += xr[j] * xr[j];
		int best = 0;
		float bd = cn[0] - 2 * s[0];
		for (int j = 1; j < k; j++) {
			float v = cn[j] - 2 * s[j];
			if (v < bd)
				bd = v, best = j;
		}
		float dd = xn + bd;
		dist[r] = dd > 0 ? dd : 0;
		if (idx)
			idx[r] = best;
	}
}

struct km {
	const float *x;
	size_t n;
	int d, k, nchunks;
	const float *c, *cn;
	float **scratch;  /* per thread [CHUNK x max(k, trials)] then [k x d] */
	float *dist;      /* [n] */
	int *label;       /* [n] */
	double *sums;     /* [nchunks x k x d] */
	double *counts;   /* [nchunks x k] */
	double *inertia;  /* [nchunks] */
	float *xn;        /* [n] squared row norms, for seeding */
	float *best;      /* [n] squared distance to the nearest chosen seed */
	double *pot;      /* [nchunks x ncand] */
	int ncand, update;
	atomic_int next;  /* the next chunk to process */
	nids_pool *pool;
};

/* Thread t: assignment and partial sums for chunks taken from a shared counter (each
 * chunk's sums are kept apart, so who took it does not matter). */
static void assign_chunks(void *ctx, int t)
{
	struct km *s = ctx;
	int d = s->d, k = s->k;
	for (int ch = atomic_fetch_add(&s->next, 1); ch < s->nchunks;
	     ch = atomic_fetch_add(&s->next, 1)) {
		size_t lo = (size_t)ch * CHUNK, hi = lo + CHUNK < s->n ? lo + CHUNK : s->n;
		const float *x = s->x + lo * d;
		nids_kmeans_nearest(s->c, s->cn, k, d, x, (int)(hi - lo), s->dist + lo,
		                    s->label + lo, s->scratch[t]);
		double *sum = s->sums + (size_t)ch * k * d, *cnt = s->counts + (size_t)ch * k;
		float *oh = s->scratch[t], *part = oh + (size_t)CHUNK * k;
		memset(oh, 0, sizeof(float) * (hi - lo) * k);
		memset(cnt, 0, sizeof(double) * (size_t)k);
		double in = 0;
		for (size_t r = 0; r < hi - lo; r++) {
			int j = s->label[lo + r];
			oh[r * k + j] = 1;
			cnt[j] += 1;
			in += s->dist[lo + r];
		}
		/* part [k x d] = onehot^T [k x B] x [B x d]: the chunk's per-cluster sums */
		nids_sgemm_rm(1, 0, k, d, (int)(hi - lo), 1.0f, oh, k, x, d, 0.0f, part, d);
		for (size_t a = 0; a < (size_t)k * d; a++)
			sum[a] = part[a];
		s->inertia[ch] = in;
	}
}

static void centroid_norms(const float *c, int k, int d, float *cn)
{
	for (int j = 0; j < k; j++) {
		float v = 0;
		for (int f = 0; f < d; f++)
			v += c[(size_t)j * d + f] * c[(size_t)j * d + f];
		cn[j] = v;
	}
}

/* Picks a row with probability proportional to w [n] (total W). */
static size_t sample_weighted(nids_rng *rng, const float *w, size_t n, double W)
{
	double u = (double)nids_rng_uniform(rng) * W, acc = 0;
	for (size_t i = 0; i < n; i++) {
		acc += w[i];
		if (acc > u)
			return i;
	}
	/* rounding at the top: the last row of positive weight */
	for (size_t i = n; i > 0; i--)
		if (w[i - 1] > 0)
			return i - 1;
	return 0;
}

/* Thread t, seeding: for chunks taken from the shared counter, the squared distances of
 * their rows to the ncand candidate rows s->c [ncand x d] (norms s->cn); pot [ch x ncand]
 * receives each candidate's summed min(distance, best); with update set (one candidate),
 * best itself is lowered. */
static void seed_chunks(void *ctx, int t)
{
	struct km *s = ctx;
	int d = s->d, nc = s->ncand;
	for (int ch = atomic_fetch_add(&s->next, 1); ch < s->nchunks;
	     ch = atomic_fetch_add(&s->next, 1)) {
		size_t lo = (size_t)ch * CHUNK, hi = lo + CHUNK < s->n ? lo + CHUNK : s->n;
		int B = (int)(hi - lo);
		float *S = s->scratch[t];
		nids_sgemm_rm(0, 1, B, nc, d, 1.0f, s->x + lo * d, d, s->c, d, 0.0f, S, nc);
		for (int j = 0; j < nc; j++) {
			double p = 0;
			for (int r = 0; r < B; r++) {
				float v = s->xn[lo + r] - 2 * S[(size_t)r * nc + j] + s->cn[j];
				v = v > 0 ? v : 0;
				float b = s->best[lo + r];
				if (v < b && s->update)
					s->best[lo + r] = b = v;
				p += v < b ? v : b;
			}
			s->pot[(size_t)ch * nc + j] = p;
		}
	}
}

/* Runs seed_chunks over candidates cand [nc x d]; returns each one's potential in p. */
static void seed_pass(struct km *s, const float *cand, int nc, int update, double *p)
{
	float cn[64];
	centroid_norms(cand, nc, s->d, cn);
	s->c = cand, s->cn = cn, s->ncand = nc, s->update = update;
	atomic_store(&s->next, 0);
	nids_pool_run(s->pool, seed_chunks, s);
	for (int j = 0; j < nc; j++) {
		p[j] = 0;
		for (int ch = 0; ch < s->nchunks; ch++)
			p[j] += s->pot[(size_t)ch * nc + j];
	}
}

/* Greedy k-means++ into c [k x d]: each new centroid is the best (lowest potential) of
 * 2 + ln k rows drawn with probability proportional to their squared distance. */
static void kmeanspp(struct km *s, nids_rng *rng, float *c, float *cand)
{
	size_t n = s->n;
	int d = s->d, k = s->k;
	size_t first = (size_t)nids_rng_below(rng, n);
	memcpy(c, s->x + first * d, sizeof(float) * (size_t)d);
	for (size_t i = 0; i < n; i++)
		s->best[i] = INFINITY;
	double pot, p[64];
	seed_pass(s, c, 1, 1, &pot);
	int trials = 2 + (int)log((double)k);
	for (int j = 1; j < k; j++) {
		for (int tr = 0; tr < trials; tr++) {
			size_t r = pot > 0 ? sample_weighted(rng, s->best, n, pot)
			                   : (size_t)nids_rng_below(rng, n);
			memcpy(cand + (size_t)tr * d, s->x + r * d, sizeof(float) * (size_t)d);
		}
		seed_pass(s, cand, trials, 0, p);
		int pick = 0;
		for (int tr = 1; tr < trials; tr++)
			if (p[tr] < p[pick])
				pick = tr;
		memcpy(c + (size_t)j * d, cand + (size_t)pick * d, sizeof(float) * (size_t)d);
		seed_pass(s, c + (size_t)j * d, 1, 1, &pot);
	}
}

/* Lloyd iterations on c from its seeding; returns the iterations, *inertia set. */
static int lloyd(struct km *s, float *c, float *cn, const nids_kmeans_opts *o, double tol,
                 double *inertia)
{
	int d = s->d, k = s->k, it;
	s->c = c, s->cn = cn;
	for (it = 1; it <= o->max_iter; it++) {
		centroid_norms(c, k, d, cn);
		atomic_store(&s->next, 0);
		nids_pool_run(s->pool, assign_chunks, s);
		double shift = 0;
		*inertia = 0;
		for (int ch = 0; ch < s->nchunks; ch++)
			*inertia += s->inertia[ch];
		for (int j = 0; j < k; j++) {
			double cnt = 0;
			for (int ch = 0; ch < s->nchunks; ch++)
				cnt += s->counts[(size_t)ch * k + j];
			if (cnt == 0) /* an empty cluster keeps its centroid */
				continue;
			for (int f = 0; f < d; f++) {
				double v = 0;
				for (int ch = 0; ch < s->nchunks; ch++)
					v += s->sums[((size_t)ch * k + j) * d + f];
				v /= cnt;
				double delta = v - c[(size_t)j * d + f];
				shift += delta * delta;
				c[(size_t)j * d + f] = (float)v;
			}
		}
		if (shift <= tol)
			break;
	}
	/* the inertia of the final centroids */
	centroid_norms(c, k, d, cn);
	atomic_store(&s->next, 0);
	nids_pool_run(s->pool, assign_chunks, s);
	*inertia = 0;
	for (int ch = 0; ch < s->nchunks; ch++)
		*inertia += s->inertia[ch];
	return it > o->max_iter ? o->max_iter : it;
}

/* tol relative to the data: tol * mean over features of the variance (scikit-learn's). */
static double scaled_tol(const float *x, size_t n, int d, double tol)
{
	double sum = 0;
	for (int f = 0; f < d; f++) {
		double m = 0, v = 0;
		for (size_t i = 0; i < n; i++)
			m += x[i * d + f];
		m /= (double)n;
		for (size_t i = 0; i < n; i++)
			v += (x[i * d + f] - m) * (x[i * d + f] - m);
		sum += v / (double)n;
	}
	return tol * sum / d;
}

int nids_kmeans_fit(const float *x, size_t n, int d, const nids_kmeans_opts *o, float *c,
                    double *inertia, int *iters, nids_err *err)
{
	int k = o->k;
	if (k < 1 || n < (size_t)k)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "k-means needs at least k = %d rows, "
		                    "got %zu", k, n);
	struct km s = { .x = x, .n = n, .d = d, .k = k };
	s.nchunks = (int)((n + CHUNK - 1) / CHUNK);
	int T = o->threads > 0 ? o->threads : 1, rc = 0, trials = 2 + (int)log((double)k);
	int width = k > trials ? k : trials;
	float *cur = malloc(sizeof(float) * (size_t)k * d), *cn = malloc(sizeof(float) * (size_t)k);
	float *cand = malloc(sizeof(float) * (size_t)trials * d);
	s.xn = malloc(sizeof(float) * n);
	s.best = malloc(sizeof(float) * n);
	s.pot = malloc(sizeof(double) * (size_t)s.nchunks * trials);
	s.dist = malloc(sizeof(float) * n);
	s.label = malloc(sizeof(int) * n);
	s.sums = malloc(sizeof(double) * (size_t)s.nchunks * k * d);
	s.counts = malloc(sizeof(double) * (size_t)s.nchunks * k);
	s.inertia = malloc(sizeof(double) * (size_t)s.nchunks);
	s.scratch = calloc((size_t)T, sizeof *s.scratch);
	if (!cur || !cn || !cand || !s.xn || !s.best || !s.pot || !s.dist || !s.label || !s.sums ||
	    !s.counts || !s.inertia || !s.scratch) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory in k-means");
		goto out;
	}
	for (int t = 0; t < T; t++)
		if (!(s.scratch[t] = malloc(sizeof(float) * ((size_t)CHUNK * width + (size_t)k * d)))) {
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory in k-means");
			goto out;
		}
	if ((rc = nids_pool_new(&s.pool, T, err)) < 0)
		goto out;
	/* threads split the rows; OpenBLAS spinning up its own threads for these small
	 * products costs more than they compute */
	if ((rc = nids_blas_threads(1, T, err)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		float v = 0;
		for (int f = 0; f < d; f++)
			v += x[i * d + f] * x[i * d + f];
		s.xn[i] = v;
	}
	double tol = scaled_tol(x, n, d, o->tol), best_in = -1;
	nids_rng rng;
	nids_rng_seed(&rng, o->seed);
	for (int rs = 0; rs < (o->restarts > 0 ? o->restarts : 1); rs++) {
		kmeanspp(&s, &rng, cur, cand);
		double in;
		int it = lloyd(&s, cur, cn, o, tol, &in);
		if (best_in < 0 || in < best_in) {
			best_in = in;
			memcpy(c, cur, sizeof(float) * (size_t)k * d);
			if (iters)
				*iters = it;
		}
	}
	if (inertia)
		*inertia = best_in;
out:
	nids_pool_free(s.pool);
	for (int t = 0; s.scratch && t < T; t++)
		free(s.scratch[t]);
	free(s.scratch);
	free(cur);
	free(cn);
	free(cand);
	free(s.xn);
	free(s.best);
	free(s.pot);
	free(s.dist);
	free(s.label);
	free(s.sums);
	free(s.counts);
	free(s.inertia);
	return rc;
}
