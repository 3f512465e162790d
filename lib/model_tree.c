/* model_tree.c: the ID3/C4.5 decision tree (the IDS/IPS system's "ID3"). Information gain,
 * binary splits at midpoints of sorted values (a one-hot 0/1 column splits at 0.5), max
 * depth and min leaf size. Score = P(attack) at the leaf: the weighted share of attack
 * rows there (of attack classes, with --target class). --dump writes the tree as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classic_impl.h"
#include "classic_model_impl.h"
#include "importance_impl.h"
#include "nids/io.h"

static const nids_hparam TREE_HPARAMS[] = {
	{ "target", 0, "label", "classifier target: label (benign/attack) or class" },
	{ "criterion", 0, "entropy", "split quality: entropy (information gain) or gini" },
	{ "max-depth", 0, "0", "deepest split level, 0 for no limit" },
	{ "min-leaf", 0, "1", "fewest training rows in a leaf" },
	{ "class-weight", 0, "none", "none, or balanced: rows weighted n / (classes * class rows)" },
	{ "dump", 0, "", "write the fitted tree as indented text to this file" },
	{ "importances", 0, "", "write the impurity importances (scikit-learn's) to this file" },
	{ NULL, 0, NULL, NULL },
};

static const char *const CRITERIA[] = { "entropy", "gini", NULL };

static int tree_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	int rc = nids_classic_trees_bind(m, file, m->nclasses, 1, err);
	int n = rc < 0 ? 1 : ((struct nids_trees_state *)m->state)->ntrees;
	return rc < 0 ? rc
	       : n != 1 ? nids_err_set(err, NIDS_EFORMAT, NULL, "a tree model with %d roots", n)
	                : 0;
}

/* Writes the text dump to path, left for nids_fit_save to commit. */
static int write_dump(nids_model *m, const nids_tree *t, const char *path, nids_err *err)
{
	char *text = nids_tree_dump(t, 0, m->features, m->classes);
	if (!text)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	nids_output *out;
	int rc = nids_output_open(&out, path, 0, err);
	if (!rc) {
		fputs(text, nids_output_file(out));
		m->side[NIDS_SIDE_DUMP] = out; /* (a write error is found at the commit) */
	}
	free(text);
	return rc;
}

static int tree_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                    const nids_fit_opts *o, nids_err *err)
{
	(void)val, (void)o;
	const int *y;
	int K, rc, gini = nids_model_get_choice(m, "criterion", CRITERIA, err);
	long depth, leaf;
	if (gini < 0)
		return gini;
	if ((rc = nids_classic_target(m, train, &y, &K, err)) < 0 ||
	    (rc = nids_model_get_long(m, "max-depth", 0, 1 << 20, &depth, err)) < 0 ||
	    (rc = nids_model_get_long(m, "min-leaf", 1, 1L << 40, &leaf, err)) < 0)
		return rc;
	size_t n = train->n;
	float *sw = NULL, *xt = NULL, *bm = NULL;
	double *imp = NULL;
	uint32_t *rows = malloc(sizeof(uint32_t) * n);
	nids_tree t = { .K = K };
	if ((rc = nids_classic_weights(m, y, n, K, &sw, err)) < 0)
		goto out;
	if (!sw && (sw = malloc(sizeof(float) * n)))
		for (size_t i = 0; i < n; i++)
			sw[i] = 1;
	xt = nids_classic_transpose(train->x, n, train->d);
	bm = calloc((size_t)K, sizeof(float));
	imp = calloc((size_t)train->d + 1, sizeof *imp);
	if (!rows || !xt || !bm || !sw || !imp) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		rows[i] = (uint32_t)i;
	nids_tree_data data = { n, train->d, xt, y, K };
	/* all features, in a seeded random order: ties go to a random one, as in
	 * scikit-learn */
	nids_tree_opts to = { (int)depth, (int)leaf, train->d, m->seed, gini, imp };
	if ((rc = nids_tree_grow(&t, &data, rows, n, sw, &to, err)) < 0)
		goto out;
	nids_classic_benign(m, train, K, bm);
	float root = 0;
	const char *names[4] = { "node", "value", "benign", "roots" };
	int r[4] = { t.n, t.n, 1, 1 }, c[4] = { NIDS_NODE_W, K, K, 1 };
	const float *data4[4] = { t.node, t.value, bm, &root };
	if ((rc = nids_classic_store(m, 4, names, r, c, data4, err)) < 0 ||
	    (rc = nids_classic_trees_bind(m, &m->arena, K, 1, err)) < 0)
		goto out;
	const char *dump = nids_model_get(m, "dump");
	if (dump && *dump)
		rc = write_dump(m, &t, dump, err);
	const char *ipath = nids_model_get(m, "importances");
	nids_importance_normalize(imp, train->d);
	if (rc >= 0 && ipath && *ipath)
		rc = nids_importance_write(ipath, m->features, imp, train->d,
		                           &m->side[NIDS_SIDE_IMPORTANCES], err);
out:
	free(imp);
	nids_tree_free(&t);
	free(rows);
	free(sw);
	free(xt);
	free(bm);
	return rc < 0 ? rc : 0;
}

const nids_model_type nids_model_tree = {
	.name = "tree",
	.summary = "ID3/C4.5 decision tree (information gain); score = P(attack) at the leaf",
	.hparams = TREE_HPARAMS,
	.outputs = NIDS_OUT_CLASSES,
	.needs_labels = 1,
	.fit = tree_fit,
	.load = tree_load,
	.scratch_new = nids_classic_trees_scratch,
	.scratch_free = free,
	.score = nids_classic_trees_run,
	.free_state = nids_classic_trees_free,
	.any_batch = 1, /* per-row loops: a row's score never depends on its batch */
	.scale_free = 1,
};
