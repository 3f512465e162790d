/* model_forest.c: random forest (Breiman 2001). Each tree is an entropy tree
 * (classic_tree.c) grown on a bootstrap sample (rows weighted by how often they were
 * drawn), trying --max-features random features per split. Trees are grown by -j
 * threads, OpenBLAS kept to one thread; tree i draws from a generator seeded by
 * (seed, i), so the forest does not depend on the thread count. The out-of-bag error is
 * reported on the progress stream. Score = the mean over trees of P(attack) at the leaf. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classic_impl.h"
#include "classic_model_impl.h"
#include "importance_impl.h"
#include "pool_impl.h"
#include "rng_impl.h"

static const nids_hparam FOREST_HPARAMS[] = {
	{ "target", 0, "label", "classifier target: label (benign/attack) or class" },
	{ "trees", 0, "100", "number of trees" },
	{ "criterion", 0, "gini", "split quality: entropy (information gain) or gini" },
	{ "max-depth", 0, "0", "deepest split level, 0 for no limit" },
	{ "min-leaf", 0, "1", "fewest training rows in a leaf" },
	{ "max-features", 0, "sqrt", "features tried per split: sqrt, all, or a number" },
	{ "class-weight", 0, "none", "none, or balanced: rows weighted n / (classes * class rows)" },
	{ "importances", 0, "", "write the impurity importances (scikit-learn's) to this file" },
	{ NULL, 0, NULL, NULL },
};

struct grow_job {
	nids_tree_data data;
	const float *sw;   /* [n] class weights or NULL */
	nids_tree_opts to;
	uint64_t seed;
	int ntrees;
	nids_tree *trees;  /* [ntrees] */
	int *roots;        /* [ntrees] */
	uint8_t *inbag;    /* [ntrees x n] */
	double *imp;       /* [ntrees x d] each tree's impurity decreases */
	nids_pool *pool;
	atomic_int next;   /* the next tree to grow */
	int failed;
	nids_err err[NIDS_THREADS_MAX];  /* per thread */
};

/* Thread t grows trees taken one by one from a shared counter (so a thread that gets
 * less CPU grows fewer); tree i depends on i alone, never on which thread grew it. */
static void grow_trees(void *ctx, int t)
{
	struct grow_job *j = ctx;
	size_t n = j->data.n;
	uint32_t *rows = malloc(sizeof(uint32_t) * n);
	float *w = malloc(sizeof(float) * n);
	if (!rows || !w) {
		nids_err_set(&j->err[t], NIDS_ENOMEM, NULL, "out of memory growing the forest");
		j->failed = 1;
	}
	for (int i = atomic_fetch_add(&j->next, 1); rows && w && i < j->ntrees && !j->failed;
	     i = atomic_fetch_add(&j->next, 1)) {
		nids_rng rng;
		nids_rng_seed2(&rng, j->seed, (uint64_t)i);
		uint8_t *bag = j->inbag + (size_t)i * n;
		memset(w, 0, sizeof(float) * n);
		for (size_t k = 0; k < n; k++)
			w[nids_rng_below(&rng, n)] += 1;
		size_t m = 0;
		for (size_t r = 0; r < n; r++) {
			bag[r] = w[r] > 0;
			if (bag[r]) {
				rows[m++] = (uint32_t)r;
				if (j->sw)
					w[r] *= j->sw[r];
			}
		}
		nids_tree_opts to = j->to;
		to.seed = nids_rng_next(&rng);
		to.importance = j->imp + (size_t)i * (size_t)j->data.d;
		j->trees[i].K = j->data.K;
		int root = nids_tree_grow(&j->trees[i], &j->data, rows, m, w, &to, &j->err[t]);
		if (root < 0)
			j->failed = 1;
		j->roots[i] = root;
	}
	free(rows);
	free(w);
}

struct oob_job {
	const float *x;
	const int *y;
	size_t n;
	int d, K, ntrees;
	const nids_tree *trees;
	const int *roots;
	const uint8_t *inbag;
	nids_pool *pool;
	size_t wrong[NIDS_THREADS_MAX], counted[NIDS_THREADS_MAX];
};

/* Thread t: rows [t n / T, (t + 1) n / T), voting with the trees that did not see them. */
static void oob_rows(void *ctx, int t)
{
	struct oob_job *j = ctx;
	int T = nids_pool_size(j->pool), K = j->K;
	size_t lo = j->n * t / T, hi = j->n * (t + 1) / T;
	double acc[256];
	j->wrong[t] = j->counted[t] = 0;
	for (size_t r = lo; r < hi; r++) {
		int any = 0;
		memset(acc, 0, sizeof(double) * (size_t)(K < 256 ? K : 256));
		for (int i = 0; i < j->ntrees; i++) {
			if (j->inbag[(size_t)i * j->n + r])
				continue;
			const nids_tree *tr = &j->trees[i];
			int leaf = nids_tree_leaf(tr->node, j->roots[i], j->x + r * j->d);
			for (int k = 0; k < K && k < 256; k++)
				acc[k] += tr->value[(size_t)leaf * K + k];
			any = 1;
		}
		if (!any)
			continue;
		int best = 0;
		for (int k = 1; k < K && k < 256; k++)
			if (acc[k] > acc[best])
				best = k;
		j->counted[t]++;
		j->wrong[t] += best != j->y[r];
	}
}

/* The number of features per split from --max-features. */
static int parse_mtry(const nids_model *m, int d, nids_err *err)
{
	const char *v = nids_model_get(m, "max-features");
	if (v && !strcmp(v, "sqrt"))
		return (int)sqrt((double)d) > 0 ? (int)sqrt((double)d) : 1;
	if (v && !strcmp(v, "all"))
		return d;
	long k;
	int rc = nids_model_get_long(m, "max-features", 1, d, &k, err);
	if (rc < 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--max-features': '%s' is not "
		                    "sqrt, all, or a whole number from 1 to %d", v ? v : "", d);
	return (int)k;
}

/* scikit-learn's forest importances: the mean of the trees' normalised importances over
 * the trees that split at least once, normalised; written to --importances' file. */
static int write_importances(nids_model *m, const struct grow_job *j, nids_err *err)
{
	const char *path = nids_model_get(m, "importances");
	if (!path || !*path)
		return 0;
	int d = j->data.d, used = 0;
	double *mean = calloc((size_t)d + 1, sizeof *mean);
	if (!mean)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0; i < j->ntrees; i++) {
		double *t = j->imp + (size_t)i * (size_t)d;
		if (j->trees[i].n < 2)
			continue;
		nids_importance_normalize(t, d);
		for (int f = 0; f < d; f++)
			mean[f] += t[f];
		used++;
	}
	for (int f = 0; used && f < d; f++)
		mean[f] /= used;
	nids_importance_normalize(mean, d);
	int rc = nids_importance_write(path, m->features, mean, d, &m->side[NIDS_SIDE_IMPORTANCES],
	                               err);
	free(mean);
	return rc;
}

/* Concatenates the trees into m's arena (node, value, benign, roots). */
static int store_forest(nids_model *m, const struct grow_job *j, const float *benign,
                        nids_err *err)
{
	int N = 0, K = j->data.K;
	for (int i = 0; i < j->ntrees; i++) {
		if (j->trees[i].n > NIDS_TREE_MAX_NODES - N)
			return nids_err_set(err, NIDS_EUSAGE, NULL, "the forest has more than %d nodes",
			                    NIDS_TREE_MAX_NODES);
		N += j->trees[i].n;
	}
	const char *names[4] = { "node", "value", "benign", "roots" };
	int r[4] = { N, N, 1, 1 }, c[4] = { NIDS_NODE_W, K, K, j->ntrees };
	const float *data[4] = { NULL, NULL, benign, NULL };
	int rc = nids_classic_store(m, 4, names, r, c, data, err);
	if (rc < 0)
		return rc;
	float *node = nids_arena_ptr(&m->arena, m->arena.data, 0);
	float *value = nids_arena_ptr(&m->arena, m->arena.data, 1);
	float *roots = nids_arena_ptr(&m->arena, m->arena.data, 3);
	int base = 0;
	for (int i = 0; i < j->ntrees; i++) {
		const nids_tree *t = &j->trees[i];
		for (int k = 0; k < t->n; k++) {
			const float *s = t->node + (size_t)k * NIDS_NODE_W;
			float *o = node + (size_t)(base + k) * NIDS_NODE_W;
			o[0] = s[0], o[1] = s[1];
			o[2] = s[0] < 0 ? -1 : s[2] + (float)base;
			o[3] = s[0] < 0 ? -1 : s[3] + (float)base;
		}
		memcpy(value + (size_t)base * K, t->value, sizeof(float) * (size_t)t->n * K);
		roots[i] = (float)(base + j->roots[i]);
		base += t->n;
	}
	return 0;
}

static int forest_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                      const nids_fit_opts *o, nids_err *err)
{
	(void)val;
	const int *y;
	static const char *const CRITERIA[] = { "entropy", "gini", NULL };
	int K, rc, gini = nids_model_get_choice(m, "criterion", CRITERIA, err);
	long ntrees, depth, leaf;
	if (gini < 0)
		return gini;
	if ((rc = nids_classic_target(m, train, &y, &K, err)) < 0 ||
	    (rc = nids_model_get_long(m, "trees", 1, 100000, &ntrees, err)) < 0 ||
	    (rc = nids_model_get_long(m, "max-depth", 0, 1 << 20, &depth, err)) < 0 ||
	    (rc = nids_model_get_long(m, "min-leaf", 1, 1L << 40, &leaf, err)) < 0)
		return rc;
	int mtry = parse_mtry(m, train->d, err);
	if (mtry < 0)
		return mtry;
	size_t n = train->n;
	int T = o->threads < 1 ? 1 : o->threads > NIDS_THREADS_MAX ? NIDS_THREADS_MAX : o->threads;
	struct grow_job j = { .data = { n, train->d, NULL, y, K }, .ntrees = (int)ntrees,
		              .seed = m->seed, .to = { (int)depth, (int)leaf, mtry, 0, gini, NULL } };
	float *sw = NULL, *bm = calloc((size_t)K, sizeof(float));
	float *xt = nids_classic_transpose(train->x, n, train->d);
	j.data.xt = xt;
	j.trees = calloc((size_t)ntrees, sizeof *j.trees);
	j.roots = calloc((size_t)ntrees, sizeof *j.roots);
	j.inbag = malloc((size_t)ntrees * n + 1);
	j.imp = calloc((size_t)ntrees * (size_t)train->d + 1, sizeof *j.imp);
	if (!bm || !xt || !j.trees || !j.roots || !j.inbag || !j.imp) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		goto out;
	}
	if ((rc = nids_classic_weights(m, y, n, K, &sw, err)) < 0 ||
	    (rc = nids_pool_new(&j.pool, T, err)) < 0)
		goto out;
	j.sw = sw;
	nids_pool_run(j.pool, grow_trees, &j);
	if (j.failed) {
		for (int t = 0; t < T; t++)
			if (j.err[t].code) {
				*err = j.err[t];
				rc = j.err[t].code;
			}
		goto out;
	}
	nids_classic_benign(m, train, K, bm);
	if ((rc = store_forest(m, &j, bm, err)) < 0 ||
	    (rc = nids_classic_trees_bind(m, &m->arena, K, 1, err)) < 0 ||
	    (rc = write_importances(m, &j, err)) < 0)
		goto out;
	if (o->progress) {
		struct oob_job oj = { train->x, y, n, train->d, K, (int)ntrees, j.trees, j.roots,
			              j.inbag, j.pool, { 0 }, { 0 } };
		nids_pool_run(j.pool, oob_rows, &oj);
		size_t wrong = 0, counted = 0;
		for (int t = 0; t < T; t++)
			wrong += oj.wrong[t], counted += oj.counted[t];
		fprintf(o->progress, "forest: %ld trees, out-of-bag error %.6f (%zu of %zu rows)\n",
		        ntrees, counted ? (double)wrong / (double)counted : 0.0, counted, n);
	}
	rc = 0;
out:
	nids_pool_free(j.pool);
	for (long i = 0; j.trees && i < ntrees; i++)
		nids_tree_free(&j.trees[i]);
	free(j.trees);
	free(j.roots);
	free(j.inbag);
	free(j.imp);
	free(sw);
	free(bm);
	free(xt);
	return rc;
}

static int forest_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	int rc = nids_classic_trees_bind(m, file, m->nclasses, 1, err);
	if (rc < 0)
		return rc;
	return nids_classic_check_count(m, "trees", ((struct nids_trees_state *)m->state)->ntrees,
	                                "trees", err);
}

const nids_model_type nids_model_forest = {
	.name = "forest",
	.summary = "random forest of CART trees (gini or entropy); score = mean P(attack) over the trees",
	.hparams = FOREST_HPARAMS,
	.outputs = NIDS_OUT_CLASSES,
	.needs_labels = 1,
	.fit = forest_fit,
	/* stored as a tree model is, with one root per tree */
	.load = forest_load,
	.scratch_new = nids_classic_trees_scratch,
	.scratch_free = free,
	.score = nids_classic_trees_run,
	.free_state = nids_classic_trees_free,
	.any_batch = 1, /* per-row loops: a row's score never depends on its batch */
	.scale_free = 1,
};
