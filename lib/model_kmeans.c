/* model_kmeans.c: k-means (classic_kmeans.c) as an anomaly detector. Fitting ignores
 * labels: give it benign rows. Score = the Euclidean distance to the nearest centroid. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classic_impl.h"
#include "classic_model_impl.h"

static const nids_hparam KMEANS_HPARAMS[] = {
	{ "k", 0, "8", "number of clusters" },
	{ "restarts", 0, "10", "k-means++ initialisations; the lowest inertia wins" },
	{ "max-iter", 0, "300", "Lloyd iterations per restart" },
	{ "tol", 0, "1e-4", "stop when the summed squared centroid shift <= tol * mean variance" },
	{ NULL, 0, NULL, NULL },
};

struct kmeans_state {
	int k;
	const float *c; /* [k x d] in the arena */
	float *cn;      /* [k] squared norms */
};

static void kmeans_free_state(void *p)
{
	struct kmeans_state *s = p;
	if (s)
		free(s->cn);
	free(s);
}

static int kmeans_bind(nids_model *m, const nids_arena *file, nids_err *err)
{
	int i = nids_classic_load(m, file, "centroids", -1, m->d, err);
	if (i < 0)
		return i;
	struct kmeans_state *s = calloc(1, sizeof *s);
	if (s)
		s->k = m->arena.t[i].rows;
	if (!s || !(s->cn = malloc(sizeof(float) * (size_t)s->k))) {
		free(s);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	kmeans_free_state(m->state);
	m->state = s;
	s->c = nids_arena_ptr(&m->arena, m->arena.data, i);
	for (int j = 0; j < s->k; j++) {
		float v = 0;
		for (int f = 0; f < m->d; f++)
			v += s->c[(size_t)j * m->d + f] * s->c[(size_t)j * m->d + f];
		s->cn[j] = v;
	}
	return 0;
}

static int kmeans_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	int rc = kmeans_bind(m, file, err);
	if (rc < 0)
		return rc;
	return nids_classic_check_count(m, "k", ((struct kmeans_state *)m->state)->k, "centroids",
	                                err);
}

static int kmeans_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                      const nids_fit_opts *o, nids_err *err)
{
	(void)val;
	long k, restarts, iters;
	double tol, inertia;
	int rc, used;
	if ((rc = nids_model_get_long(m, "k", 1, 1 << 20, &k, err)) < 0 ||
	    (rc = nids_model_get_long(m, "restarts", 1, 100000, &restarts, err)) < 0 ||
	    (rc = nids_model_get_long(m, "max-iter", 1, 1 << 30, &iters, err)) < 0 ||
	    (rc = nids_model_get_double(m, "tol", 0, 1e9, &tol, err)) < 0)
		return rc;
	const char *names[1] = { "centroids" };
	int r[1] = { (int)k }, c[1] = { train->d };
	const float *data[1] = { NULL };
	if ((rc = nids_classic_store(m, 1, names, r, c, data, err)) < 0)
		return rc;
	nids_kmeans_opts ko = { (int)k, (int)iters, (int)restarts, tol, o->threads, m->seed };
	if ((rc = nids_kmeans_fit(train->x, train->n, train->d, &ko, m->arena.data, &inertia, &used,
	                          err)) < 0)
		return rc;
	if (o->progress)
		fprintf(o->progress, "kmeans: k %ld, inertia %.6g, %d iterations\n", k, inertia, used);
	return kmeans_bind(m, &m->arena, err);
}

struct kmeans_scratch {
	float *dist, *prod; /* [cap], [cap x k] */
	int *idx;           /* [cap] nearest centroid, for the cluster column */
};

static void kmeans_scratch_free(void *p)
{
	struct kmeans_scratch *s = p;
	if (s) {
		free(s->dist);
		free(s->idx);
		free(s->prod);
	}
	free(s);
}

static void *kmeans_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	const struct kmeans_state *st = m->state;
	struct kmeans_scratch *s = calloc(1, sizeof *s);
	if (!s || !(s->dist = malloc(sizeof(float) * (size_t)(cap > 0 ? cap : 1))) ||
	    !(s->idx = malloc(sizeof(int) * (size_t)(cap > 0 ? cap : 1))) ||
	    !(s->prod = malloc(sizeof(float) * (size_t)(cap > 0 ? cap : 1) * st->k))) {
		kmeans_scratch_free(s);
		return NULL;
	}
	return s;
}

static void kmeans_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                         unsigned outputs, float *out, int ldo)
{
	(void)row0;
	const struct kmeans_state *st = m->state;
	struct kmeans_scratch *s = scratch;
	nids_kmeans_nearest(st->c, st->cn, st->k, m->d, x, B, s->dist, s->idx, s->prod);
	for (int r = 0; r < B; r++) {
		/* A row or centroid whose squared norm overflows float32 is farther than float32
		 * can say: inf. (A row holding NaN or an infinity is given nan by the scorer,
		 * for every model type.) */
		const float *xr = x + (size_t)r * m->d;
		float xn = 0;
		for (int j = 0; j < m->d; j++)
			xn += xr[j] * xr[j];
		out[(size_t)r * ldo] =
		        isfinite(xn) && isfinite(st->cn[s->idx[r]]) ? sqrtf(s->dist[r]) : INFINITY;
		if (outputs & NIDS_OUT_CLUSTER)
			out[(size_t)r * ldo + 1] = (float)s->idx[r];
	}
}

const nids_model_type nids_model_kmeans = {
	.name = "kmeans",
	.summary = "k-means (k-means++, Lloyd); score = distance to the nearest centroid",
	.hparams = KMEANS_HPARAMS,
	.outputs = NIDS_OUT_CLUSTER,
	.needs_labels = 0,
	.fit = kmeans_fit,
	.load = kmeans_load,
	.scratch_new = kmeans_scratch_new,
	.scratch_free = kmeans_scratch_free,
	.score = kmeans_score,
	.free_state = kmeans_free_state,
};
