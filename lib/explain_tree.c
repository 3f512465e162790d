/* explain_tree.c: exact path-dependent TreeSHAP (Lundberg et al. 2020, "From local
 * explanations to global understanding with explainable AI for trees", Algorithm 2) for
 * the tree and forest models: one pass down each tree carrying, for the unique features
 * on the path, the fraction of zero (feature unknown) and one (feature known) paths and
 * the permutation weights of every coalition size, extended at each split and unwound
 * when a feature repeats. Polynomial in depth, exact to rounding. */
#include <stdlib.h>
#include <string.h>

#include "nids/classic.h"
#include "nids/classic_model.h"
#include "nids/explain.h"

/* One element of the path: a feature, its zero and one fractions, and a weight. */
typedef struct pel {
	int d;
	double z, o, w;
} pel;

struct nids_treeshap {
	const struct nids_trees_state *s;
	int d, N, depth; /* features, nodes, deepest leaf's depth */
	double *ratio;   /* [N] a node's share of its parent's background rows */
	double base;     /* expected value, the mean over trees */
	pel *buf;        /* [(depth + 2) x (depth + 2)] one path per recursion level */
	double *phi;     /* where recurse() accumulates */
	const float *x;
};

static int is_leaf(const nids_cnode *c, int i)
{
	return c[i].child[0] == i;
}

/* 1 / i for i in [1, 64]: the unwinding's divisions, as products */
static double inv_table[65];

static void inv_init(void)
{
	for (int i = 1; i <= 64; i++)
		inv_table[i] = 1.0 / i;
}

static double inv(int i)
{
	return i <= 64 ? inv_table[i] : 1.0 / i;
}

/* Appends (pi, pz, po) to the path p of len elements and updates the weights. */
static void extend(pel *p, int len, double pz, double po, int pi)
{
	p[len] = (pel){ pi, pz, po, len == 0 ? 1.0 : 0.0 };
	double a = po * inv(len + 1), b = pz * inv(len + 1);
	for (int i = len - 1; i >= 0; i--) {
		p[i + 1].w += a * p[i].w * (i + 1);
		p[i].w = b * p[i].w * (len - i);
	}
}

/* Removes element i from the path p of len elements, undoing its extension. */
static void unwind(pel *p, int len, int i)
{
	double o = p[i].o, z = p[i].z, n = p[len - 1].w;
	for (int j = len - 2; j >= 0; j--) {
		if (o != 0) {
			double t = p[j].w;
			p[j].w = n * len / ((j + 1) * o);
			n = t - p[j].w * z * (len - 1 - j) / len;
		} else {
			p[j].w = p[j].w * len / (z * (len - 1 - j));
		}
	}
	for (int j = i; j < len - 1; j++)
		p[j].d = p[j + 1].d, p[j].z = p[j + 1].z, p[j].o = p[j + 1].o;
}

/* The sum of the weights unwind(p, len, i) would leave, without changing p. */
static double unwound_sum(const pel *p, int len, int i)
{
	double o = p[i].o, z = p[i].z, n = p[len - 1].w, total = 0, il = inv(len);
	if (o != 0) {
		double a = len / o, b = z * il;
		for (int j = len - 2; j >= 0; j--) {
			double t = n * a * inv(j + 1);
			total += t;
			n = p[j].w - t * b * (len - 1 - j);
		}
	} else {
		double a = len / z;
		for (int j = len - 2; j >= 0; j--)
			total += p[j].w * a * inv(len - 1 - j);
	}
	return total;
}

static void recurse(nids_treeshap *t, int j, const pel *parent, int plen, double pz, double po,
                    int pi, int level)
{
	const nids_cnode *cn = t->s->cn;
	pel *p = t->buf + (size_t)level * (size_t)(t->depth + 2);
	if (plen)
		memcpy(p, parent, sizeof *p * (size_t)plen);
	extend(p, plen, pz, po, pi);
	int len = plen + 1;
	if (is_leaf(cn, j)) {
		double v = t->s->pattack[j];
		if (v == 0) /* a pure benign leaf adds nothing */
			return;
		for (int i = 1; i < len; i++)
			t->phi[p[i].d] += unwound_sum(p, len, i) * (p[i].o - p[i].z) * v;
		return;
	}
	int f = cn[j].feature;
	int hot = cn[j].child[!(t->x[f] <= cn[j].thr)], cold = cn[j].child[t->x[f] <= cn[j].thr];
	double iz = 1, io = 1;
	for (int k = 1; k < len; k++)
		if (p[k].d == f) {
			iz = p[k].z, io = p[k].o;
			unwind(p, len, k);
			len--;
			break;
		}
	recurse(t, hot, p, len, iz * t->ratio[hot], io, f, level + 1);
	recurse(t, cold, p, len, iz * t->ratio[cold], 0, f, level + 1);
}

static double value_at(const nids_treeshap *t, int j, const float *x, const unsigned char *in)
{
	const nids_cnode *cn = t->s->cn;
	if (is_leaf(cn, j))
		return t->s->pattack[j];
	int f = cn[j].feature;
	if (in && in[f])
		return value_at(t, cn[j].child[!(x[f] <= cn[j].thr)], x, in);
	return t->ratio[cn[j].child[0]] * value_at(t, cn[j].child[0], x, in) +
	       t->ratio[cn[j].child[1]] * value_at(t, cn[j].child[1], x, in);
}

double nids_treeshap_value(const nids_treeshap *t, const float *x, const unsigned char *in)
{
	double v = 0;
	for (int k = 0; k < t->s->ntrees; k++)
		v += value_at(t, t->s->root[k], x, in);
	return v / t->s->ntrees;
}

/* Counts the background rows reaching each node and turns them into branch shares;
 * finds the deepest leaf. */
static int covers(nids_treeshap *t, const float *bg, size_t n, nids_err *err)
{
	const struct nids_trees_state *s = t->s;
	double *count = calloc((size_t)t->N, sizeof *count);
	int *depth = calloc((size_t)t->N, sizeof *depth), *parent = malloc(sizeof(int) * (size_t)t->N);
	if (!count || !depth || !parent) {
		free(count), free(depth), free(parent);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	for (int i = 0; i < t->N; i++)
		parent[i] = -1;
	/* children come after their parents (checked when the model loaded) */
	for (int i = 0; i < t->N; i++)
		if (!is_leaf(s->cn, i))
			for (int c = 0; c < 2; c++) {
				parent[s->cn[i].child[c]] = i;
				depth[s->cn[i].child[c]] = depth[i] + 1;
			}
	for (size_t r = 0; r < n; r++)
		for (int k = 0; k < s->ntrees; k++) {
			int i = s->root[k];
			const float *x = bg + r * (size_t)t->d;
			for (;;) {
				count[i] += 1;
				if (is_leaf(s->cn, i))
					break;
				i = s->cn[i].child[!(x[s->cn[i].feature] <= s->cn[i].thr)];
			}
		}
	t->depth = 0;
	for (int i = 0; i < t->N; i++) {
		t->ratio[i] = parent[i] < 0 ? 1 : (count[i] + 0.5) / (count[parent[i]] + 1);
		if (depth[i] > t->depth)
			t->depth = depth[i];
	}
	free(count), free(depth), free(parent);
	return 0;
}

int nids_treeshap_new(nids_treeshap **tp, const nids_model *m, const float *bg, size_t n,
                      nids_err *err)
{
	*tp = NULL;
	if (strcmp(m->type->name, "tree") && strcmp(m->type->name, "forest"))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "TreeSHAP explains tree and forest "
		                    "models, not %s (try -t shap)", m->type->name);
	const struct nids_trees_state *s = m->state;
	nids_treeshap *t = calloc(1, sizeof *t);
	if (!t)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	inv_init();
	t->s = s, t->d = m->d, t->N = m->arena.t[s->node].rows;
	t->ratio = malloc(sizeof *t->ratio * (size_t)t->N);
	int rc = t->ratio ? covers(t, bg, n, err) : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc) {
		size_t L = (size_t)t->depth + 2;
		t->buf = malloc(sizeof *t->buf * L * L);
		if (!t->buf)
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	if (rc) {
		nids_treeshap_free(t);
		return rc;
	}
	t->base = nids_treeshap_value(t, NULL, NULL);
	*tp = t;
	return 0;
}

double nids_treeshap_row(nids_treeshap *t, const float *x, double *phi)
{
	memset(phi, 0, sizeof *phi * (size_t)t->d);
	t->phi = phi, t->x = x;
	for (int k = 0; k < t->s->ntrees; k++)
		recurse(t, t->s->root[k], NULL, 0, 1, 1, -1, 0);
	for (int j = 0; j < t->d; j++)
		phi[j] /= t->s->ntrees;
	return t->base;
}

void nids_treeshap_free(nids_treeshap *t)
{
	if (!t)
		return;
	free(t->ratio);
	free(t->buf);
	free(t);
}
