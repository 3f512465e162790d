/* classic_model.c: the glue the classic models share (classic_model_impl.h). */
/* The Makefile builds this file at -O3: it unrolls the tree walks' lane loops
 * completely, so the lanes live in registers, and scoring a forest takes a third less
 * time than at -O2 (bench/classic.md). */
#include "classic_model_impl.h"

#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classic_impl.h"

static const char *const TARGETS[] = { "label", "class", NULL };
static const char *const WEIGHTS[] = { "none", "balanced", NULL };

int nids_classic_target(nids_model *m, const nids_dataset *ds, const int **y, int *K,
                        nids_err *err)
{
	int t = nids_model_get_choice(m, "target", TARGETS, err);
	if (t < 0)
		return t;
	if (t == 1) {
		if (!ds->cls)
			return nids_err_set(err, NIDS_EFORMAT, NULL,
			                    "--target class needs a class column in the training stream");
		if (m->nclasses < 2)
			return nids_err_set(err, NIDS_EFORMAT, NULL, "-t %s needs at least 2 classes",
			                    m->type->name);
		*y = ds->cls, *K = m->nclasses;
		return 0;
	}
	if (!ds->label)
		return nids_err_set(err, NIDS_EFORMAT, NULL,
		                    "-t %s needs a label column in the training stream", m->type->name);
	for (int i = 0; i < m->nclasses; i++)
		free(m->classes[i]);
	free(m->classes);
	m->nclasses = 2;
	if (!(m->classes = calloc(3, sizeof *m->classes)) || !(m->classes[0] = strdup("benign")) ||
	    !(m->classes[1] = strdup("attack")))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	*y = ds->label, *K = 2;
	return 0;
}

static int is_benign_name(const char *s)
{
	return !strcasecmp(s, "normal") || !strcasecmp(s, "benign") || !strcasecmp(s, "background");
}

void nids_classic_benign(const nids_model *m, const nids_dataset *ds, int K, float *mask)
{
	const char *t = nids_model_get(m, "target");
	if (!t || strcmp(t, "class") != 0) {
		mask[0] = 1, mask[1] = 0;
		return;
	}
	for (int c = 0; c < K; c++)
		mask[c] = (float)is_benign_name(m->classes[c]);
	if (!ds->label)
		return;
	/* with labels: benign when seen and never an attack */
	char *seen = calloc((size_t)K, 1), *attack = calloc((size_t)K, 1);
	for (size_t i = 0; seen && attack && i < ds->n; i++) {
		seen[ds->cls[i]] = 1;
		attack[ds->cls[i]] |= ds->label[i] != 0;
	}
	for (int c = 0; seen && attack && c < K; c++)
		if (seen[c])
			mask[c] = !attack[c];
	free(seen);
	free(attack);
}

int nids_classic_weights(const nids_model *m, const int *y, size_t n, int K, float **sw,
                         nids_err *err)
{
	*sw = NULL;
	int w = nids_model_get_choice(m, "class-weight", WEIGHTS, err);
	if (w <= 0)
		return w;
	double *count = calloc((size_t)K, sizeof *count);
	float *v = malloc(sizeof(float) * (n ? n : 1));
	if (!count || !v) {
		free(count);
		free(v);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	int present = 0;
	for (size_t i = 0; i < n; i++)
		count[y[i]] += 1;
	for (int k = 0; k < K; k++)
		present += count[k] > 0;
	/* scikit-learn's "balanced": n / (classes present * n_k) */
	for (size_t i = 0; i < n; i++)
		v[i] = (float)((double)n / (present * count[y[i]]));
	free(count);
	*sw = v;
	return 0;
}

int nids_classic_store(nids_model *m, int n, const char *const *names, const int *rows,
                       const int *cols, const float *const *data, nids_err *err)
{
	nids_arena_free(&m->arena);
	int rc = 0;
	for (int i = 0; i < n && rc >= 0; i++)
		rc = nids_arena_add(&m->arena, names[i], rows[i], cols[i], err);
	if (rc < 0 || (rc = nids_arena_alloc(&m->arena, err)) < 0)
		return rc;
	for (int i = 0; i < n; i++)
		if (data[i])
			memcpy(nids_arena_ptr(&m->arena, m->arena.data, i), data[i],
			       sizeof(float) * (size_t)rows[i] * (size_t)cols[i]);
	return 0;
}

int nids_classic_check_count(const nids_model *m, const char *key, long have, const char *what,
                             nids_err *err)
{
	const char *v = nids_model_get(m, key);
	char *end;
	errno = 0;
	long n = v ? strtol(v, &end, 10) : -1;
	if (!v || errno || end == v || *end || n != have)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "%s=%s but the file holds %ld %s", key,
		                    v ? v : "", have, what);
	return 0;
}

int nids_classic_load(nids_model *m, const nids_arena *file, const char *name, int rows,
                      int cols, nids_err *err)
{
	if (!m->arena.data) {
		int rc = 0;
		for (int i = 0; i < file->n && rc >= 0; i++)
			rc = nids_arena_add(&m->arena, file->t[i].name, file->t[i].rows, file->t[i].cols,
			                    err);
		if (rc < 0 || (rc = nids_arena_alloc(&m->arena, err)) < 0 ||
		    (rc = nids_arena_fill_from(&m->arena, file, err)) < 0)
			return rc;
	}
	int i = nids_arena_find(&m->arena, name);
	if (i < 0)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "tensor '%s' is missing", name);
	const nids_tensor *t = &m->arena.t[i];
	if ((rows < 0 ? t->rows < -rows : t->rows != rows) || (cols >= 0 && t->cols != cols)) {
		char want[64];
		snprintf(want, sizeof want, "%s%d rows", rows < 0 ? "at least " : "", abs(rows));
		if (cols >= 0)
			snprintf(want + strlen(want), sizeof want - strlen(want), " of %d", cols);
		return nids_err_set(err, NIDS_EFORMAT, NULL, "tensor '%s' is %d x %d, the model "
		                    "needs %s", name, t->rows, t->cols, want);
	}
	return i;
}

void nids_classic_trees_sum(const struct nids_trees_state *s, const float *value, int K,
                            const float *x, int B, int d, float *acc)
{
	/* LANES rows walk down a tree together, in lockstep, so that their loads overlap: a
	 * leaf steps onto itself, and the walk ends when no lane moved. (Handing a finished
	 * lane the next row at once saves the lockstep's idle steps but costs a mispredicted
	 * branch, or many more instructions, per row and tree: slower, measured.) Blocks of
	 * BLOCK rows go through every tree before the next block: the block stays in L2, and
	 * each tree's nodes are fetched once per block. */
	enum { LANES = 8, BLOCK = 512 };
	const nids_cnode *nodes = s->cn;
	memset(acc, 0, sizeof(float) * (size_t)B * K);
	for (int r0 = 0; r0 < B; r0 += BLOCK) {
		int r1 = r0 + BLOCK < B ? r0 + BLOCK : B;
		for (int t = 0; t < s->ntrees; t++) {
			const nids_cnode *root = nodes + s->root[t];
			int r = r0;
			for (; r + LANES <= r1; r += LANES) {
				const nids_cnode *c[LANES];
				const float *xr[LANES];
				for (int i = 0; i < LANES; i++)
					c[i] = root, xr[i] = x + (size_t)(r + i) * d;
				for (int moved = 1; moved;) {
					moved = 0;
					for (int i = 0; i < LANES; i++) {
						const nids_cnode *n =
							nodes + c[i]->child[!(xr[i][c[i]->feature] <= c[i]->thr)];
						moved |= n != c[i];
						c[i] = n;
					}
				}
				for (int i = 0; i < LANES; i++) {
					const float *v = value + (size_t)(c[i] - nodes) * K;
					for (int k = 0; k < K; k++)
						acc[(size_t)(r + i) * K + k] += v[k];
				}
			}
			for (; r < r1; r++) {
				const float *v = value + (size_t)nids_cnode_leaf(nodes, s->root[t],
				                                                 x + (size_t)r * d) * K;
				for (int k = 0; k < K; k++)
					acc[(size_t)r * K + k] += v[k];
			}
		}
	}
}

void nids_classic_trees_free(void *state)
{
	struct nids_trees_state *s = state;
	if (s) {
		free(s->cn);
		free(s->root);
		free(s->pattack);
	}
	free(s);
}

int nids_classic_trees_bind(nids_model *m, const nids_arena *file, int K, int with_benign,
                            nids_err *err)
{
	struct nids_trees_state *s = calloc(1, sizeof *s);
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (m->state)
		m->type->free_state(m->state);
	m->state = s;
	s->K = K, s->benign = -1;
	if ((s->node = nids_classic_load(m, file, "node", -1, NIDS_NODE_W, err)) < 0)
		return s->node;
	int N = m->arena.t[s->node].rows;
	if ((s->value = nids_classic_load(m, file, "value", N, K, err)) < 0)
		return s->value;
	if (with_benign && (s->benign = nids_classic_load(m, file, "benign", 1, K, err)) < 0)
		return s->benign;
	if ((s->roots = nids_classic_load(m, file, "roots", 1, -1, err)) < 0)
		return s->roots;
	/* every split feature, child and root must be in range, children after parents */
	const float *nd = nids_arena_ptr(&m->arena, m->arena.data, s->node);
	for (int i = 0; i < N; i++) {
		const float *q = nd + (size_t)i * NIDS_NODE_W;
		if (q[0] >= 0 && (q[0] >= m->d || q[0] != (float)(int)q[0] || !(q[2] > i && q[2] < N) ||
		                  !(q[3] > i && q[3] < N)))
			return nids_err_set(err, NIDS_EFORMAT, NULL, "tree node %d is malformed", i);
	}
	const nids_tensor *rt = &m->arena.t[s->roots];
	const float *roots = nids_arena_ptr(&m->arena, m->arena.data, s->roots);
	s->ntrees = rt->rows * rt->cols;
	for (int t = 0; t < s->ntrees; t++)
		if (!(roots[t] >= 0 && roots[t] < N))
			return nids_err_set(err, NIDS_EFORMAT, NULL, "tree root %d is malformed", t);
	s->cn = malloc(sizeof *s->cn * (size_t)N);
	s->root = malloc(sizeof *s->root * (size_t)s->ntrees);
	if (!s->cn || !s->root)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0; i < N; i++) {
		const float *q = nd + (size_t)i * NIDS_NODE_W;
		s->cn[i] = q[0] >= 0 ? (nids_cnode){ (int32_t)q[0], q[1], { (int32_t)q[2], (int32_t)q[3] } }
		                     : (nids_cnode){ 0, INFINITY, { i, i } };
	}
	for (int t = 0; t < s->ntrees; t++)
		s->root[t] = (int)roots[t];
	if (with_benign) {
		/* the score needs only P(attack) at each leaf: summed here once, not per row */
		const float *value = nids_arena_ptr(&m->arena, m->arena.data, s->value);
		const float *benign = nids_arena_ptr(&m->arena, m->arena.data, s->benign);
		if (!(s->pattack = malloc(sizeof *s->pattack * (size_t)N)))
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		for (int i = 0; i < N; i++) {
			float pa = 0;
			for (int k = 0; k < K; k++)
				pa += benign[k] ? 0 : value[(size_t)i * K + k];
			s->pattack[i] = pa;
		}
	}
	return 0;
}

void *nids_classic_trees_scratch(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	const struct nids_trees_state *s = m->state;
	return malloc(sizeof(float) * ((size_t)(cap > 0 ? cap : 1) * s->K + 1));
}

void nids_classic_trees_run(const nids_model *m, void *scratch, const float *x, int B,
                            uint64_t row0, unsigned outputs, float *out, int ldo)
{
	(void)row0;
	const struct nids_trees_state *s = m->state;
	const float *benign = nids_arena_ptr(&m->arena, m->arena.data, s->benign);
	float *acc = scratch;
	int K = s->K;
	if (!(outputs & NIDS_OUT_CLASSES)) {
		nids_classic_trees_sum(s, s->pattack, 1, x, B, m->d, acc);
		for (int r = 0; r < B; r++)
			out[(size_t)r * ldo] = acc[r] / (float)s->ntrees;
		return;
	}
	nids_classic_trees_sum(s, nids_arena_ptr(&m->arena, m->arena.data, s->value), K, x, B,
	                       m->d, acc);
	for (int r = 0; r < B; r++) {
		float *a = acc + (size_t)r * K, *o = out + (size_t)r * ldo, pa = 0;
		for (int k = 0; k < K; k++) {
			a[k] /= (float)s->ntrees;
			pa += benign[k] ? 0 : a[k];
		}
		o[0] = pa;
		if (outputs & NIDS_OUT_CLASSES)
			memcpy(o + 1, a, sizeof(float) * (size_t)K);
	}
}

float *nids_classic_transpose(const float *x, size_t n, int d)
{
	float *xt = malloc(sizeof(float) * n * (size_t)d + 1);
	if (!xt)
		return NULL;
	/* in blocks of rows, so reads and writes both stay in cache */
	const size_t blk = 32;
	for (size_t i0 = 0; i0 < n; i0 += blk)
		for (int f = 0; f < d; f++)
			for (size_t i = i0; i < n && i < i0 + blk; i++)
				xt[(size_t)f * n + i] = x[i * d + f];
	return xt;
}
