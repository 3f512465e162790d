/* model_iforest.c: isolation forest (Liu, Ting and Zhou, ICDM 2008). --trees isolation
 * trees, each grown on --samples rows drawn without replacement, to the height limit
 * ceil(log2 samples). The path length of a row in a tree is the depth of the leaf it
 * reaches plus c(rows in that leaf); score s(x, n) = 2^(-E[h(x)] / c(n)), n the subsample
 * size, in (0, 1], higher = more anomalous (scikit-learn's -score_samples). Fitting
 * ignores labels: give it benign rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classic_impl.h"
#include "classic_model_impl.h"
#include "rng_impl.h"

static const nids_hparam IFOREST_HPARAMS[] = {
	{ "trees", 0, "100", "number of isolation trees" },
	{ "samples", 0, "256", "rows drawn (without replacement) for each tree" },
	{ NULL, 0, NULL, NULL },
};

static int iforest_bind(nids_model *m, const nids_arena *file, nids_err *err)
{
	int rc = nids_classic_trees_bind(m, file, 1, 0, err);
	if (rc < 0 || (rc = nids_classic_load(m, file, "norm", 1, 1, err)) < 0)
		return rc;
	struct nids_trees_state *s = m->state;
	s->benign = rc; /* the slot holds the norm c(n) here */
	float c = *nids_arena_ptr(&m->arena, m->arena.data, rc);
	if (!(c > 0))
		return nids_err_set(err, NIDS_EFORMAT, NULL, "iforest norm %g is not positive", c);
	return 0;
}

static int iforest_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	int rc = iforest_bind(m, file, err);
	if (rc < 0)
		return rc;
	return nids_classic_check_count(m, "trees", ((struct nids_trees_state *)m->state)->ntrees,
	                                "trees", err);
}

static int iforest_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                       const nids_fit_opts *o, nids_err *err)
{
	(void)val, (void)o;
	long ntrees, samples;
	int rc;
	if ((rc = nids_model_get_long(m, "trees", 1, 100000, &ntrees, err)) < 0 ||
	    (rc = nids_model_get_long(m, "samples", 2, 1L << 30, &samples, err)) < 0)
		return rc;
	size_t n = train->n;
	if (n < 2) /* one row isolates nothing: its path-length norm c(1) is 0 */
		return nids_err_set(err, NIDS_EFORMAT, NULL, "an isolation forest needs at least 2 "
		                    "training rows, not %zu", n);
	int ms = (int)(samples < (long)n ? samples : (long)n);
	int limit = (int)ceil(log2((double)(ms > 1 ? ms : 2)));
	uint32_t *perm = malloc(sizeof(uint32_t) * n), *idx = malloc(sizeof(uint32_t) * (size_t)ms);
	float *roots = malloc(sizeof(float) * (size_t)ntrees);
	nids_tree t = { .K = 1 };
	if (!perm || !idx || !roots) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	nids_rng rng;
	nids_rng_seed(&rng, m->seed);
	for (long i = 0; i < ntrees; i++) {
		/* a partial Fisher-Yates shuffle: the first ms entries are a uniform sample */
		for (int k = 0; k < ms; k++) {
			size_t j = k + (size_t)nids_rng_below(&rng, n - (size_t)k);
			uint32_t tmp = perm[k];
			perm[k] = perm[j], perm[j] = tmp;
			idx[k] = perm[k];
		}
		int root = nids_itree_grow(&t, train->x, train->d, idx, ms, limit, nids_rng_next(&rng),
		                           err);
		if (root < 0) {
			rc = root;
			goto out;
		}
		roots[i] = (float)root;
	}
	float norm = (float)nids_iforest_c(ms);
	const char *names[4] = { "node", "value", "roots", "norm" };
	int r[4] = { t.n, t.n, 1, 1 }, c[4] = { NIDS_NODE_W, 1, (int)ntrees, 1 };
	const float *data[4] = { t.node, t.value, roots, &norm };
	if ((rc = nids_classic_store(m, 4, names, r, c, data, err)) >= 0)
		rc = iforest_bind(m, &m->arena, err);
out:
	nids_tree_free(&t);
	free(perm);
	free(idx);
	free(roots);
	return rc < 0 ? rc : 0;
}

static void *iforest_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	(void)m;
	return malloc(sizeof(float) * (size_t)(cap > 0 ? cap : 1));
}

static void iforest_score(const nids_model *m, void *scratch, const float *x, int B,
                          uint64_t row0, unsigned outputs, float *out, int ldo)
{
	(void)row0, (void)outputs;
	const struct nids_trees_state *s = m->state;
	float *h = scratch; /* [B] summed path lengths */
	double c = *nids_arena_ptr(&m->arena, m->arena.data, s->benign);
	nids_classic_trees_sum(s, nids_arena_ptr(&m->arena, m->arena.data, s->value), 1, x, B, m->d,
	                       h);
	for (int r = 0; r < B; r++)
		out[(size_t)r * ldo] = (float)exp2(-(double)h[r] / s->ntrees / c);
}

const nids_model_type nids_model_iforest = {
	.name = "iforest",
	.summary = "isolation forest (Liu et al. 2008); score = 2^(-E[h(x)] / c(n))",
	.hparams = IFOREST_HPARAMS,
	.outputs = 0,
	.needs_labels = 0,
	.fit = iforest_fit,
	.load = iforest_load,
	.scratch_new = iforest_scratch_new,
	.scratch_free = free,
	.score = iforest_score,
	.free_state = nids_classic_trees_free,
	.any_batch = 1, /* per-row loops: a row's score never depends on its batch */
	.scale_free = 1,
};
