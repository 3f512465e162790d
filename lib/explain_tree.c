/* explain_tree.c: exact path-dependent TreeSHAP for the tree and forest models.
 *
 * Fast TreeSHAP (Yang 2021, "Fast TreeSHAP: Accelerating SHAP Value Computation for
 * Trees"): a leaf of value v whose path splits on the n distinct features F, with z_j the
 * product of the cover shares of the path's splits on feature j, contributes to the
 * Shapley value of j only through P, the set of F's features whose every split the row
 * follows. With w(s, n) = s! (n - s - 1)! / n! and C_P(t) = prod_{k in P} (t + z_k), and
 * <C, w> = sum_s c_s w(s, n) over C's coefficients c_s:
 *   j outside P gets -B(P), B(P) = v prod_{k in F \ P} z_k <C_P, w>, the same for each;
 *   j in P gets (1 - z_j) / z_j B(P \ {j})
 *                = (1 - z_j) v prod_{k in F \ P} z_k <C_P / (t + z_j), w>.
 * The trees are walked once per row, keeping P as a bit mask; at a leaf, B is looked up
 * in a table of all 2^n sets tabulated when the explainer is made (v2), for the leaves of
 * few features, or computed from C_P and one division by (t + z_j) for each j in P (v1's
 * shortcut: the features outside P share one value). Trees are taken in turn for a batch
 * of rows, so that a tree's tables are read while cached.
 *
 * The path algorithm (Lundberg et al. 2020, "From local explanations to global
 * understanding with explainable AI for trees", Algorithm 2) for the trees with a leaf
 * of more than 32 distinct features: one pass down each tree carrying, for the unique
 * features on the path, the fraction of zero (feature unknown) and one (feature known)
 * paths and the permutation weights of every coalition size, extended at each split and
 * unwound when a feature repeats. Both are exact to rounding; they agree to about 1e-15. */
#include <stdlib.h>
#include <string.h>

#include "classic_impl.h"
#include "classic_model_impl.h"
#include "explain_impl.h"

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
	/* Fast TreeSHAP */
	unsigned char *fast; /* [ntrees] 1: the tree is walked, else the path algorithm */
	unsigned *bit;       /* [N] an inner node's feature's bit among its path's features */
	int *leaf;           /* [N] a leaf's index in lf; an inner node: 0 when a leaf of
	                      * nonzero value lies below; else -1 */
	struct fleaf {       /* a leaf: its n features at feat, z, r [off, off + n) */
		int n, off;
		double v;
		size_t tab;  /* its B [2^n] at tab + tab, or NOTAB */
	} *lf;
	int *feat;           /* the leaves' distinct path features, in path order */
	double *z, *r;       /* z_j and (1 - z_j) / z_j of each */
	double *tab;
	double *w;           /* [(WALK_BITS + 1) x (WALK_BITS + 1)] w(s, n) at n (WALK_BITS + 1) + s */
	/* the path algorithm */
	unsigned char *live; /* [N] a leaf of nonzero value lies at or below the node */
};

#define WALK_BITS 32                /* a tree with a leaf of more features: the path algorithm */
#define TAB_BITS 8                  /* leaves of at most this many features are tabulated */
#define TAB_CAP ((size_t)1 << 24)   /* table entries at most (128 MiB) */
#define NOTAB ((size_t)-1)

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
	if (!t->live[j]) /* only pure benign leaves below: they add nothing */
		return;
	pel *p = t->buf + (size_t)level * (size_t)(t->depth + 2);
	if (plen)
		memcpy(p, parent, sizeof *p * (size_t)plen);
	extend(p, plen, pz, po, pi);
	int len = plen + 1;
	if (is_leaf(cn, j)) {
		double v = t->s->pattack[j];
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
	t->live = malloc((size_t)t->N);
	if (!t->live) {
		free(count), free(depth), free(parent);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	for (int i = t->N - 1; i >= 0; i--) /* children after their parents */
		t->live[i] = is_leaf(s->cn, i) ? s->pattack[i] != 0
		           : t->live[s->cn[i].child[0]] | t->live[s->cn[i].child[1]];
	free(count), free(depth), free(parent);
	return 0;
}

/* Fast TreeSHAP. */

/* The layout walk below node j, whose path has the n distinct features F [n] with zero
 * fractions Z [n] (arrays of d + 1). Counting (fill 0): for a tree, its leaves, their
 * features and the table entries they would take, or over when a leaf of nonzero value
 * has more than WALK_BITS features. Filling (fill 1, walked trees only): bit, leaf, lf,
 * feat, z, r, tab. Returns whether a leaf of nonzero value lies below j. */
typedef struct lay {
	nids_treeshap *t;
	int fill, over, nleaf, nfeat, bits;
	size_t need, cap;
	int *F;
	double *Z, *poly, *zp; /* tables' scratch: [2^bits x (bits + 1)], [2^bits] */
} lay;

/* B [2^n] of a leaf of value v whose path's n distinct features have zero fractions z:
 * B(P) = v prod_{k not in P} z_k <C_P, w(., n)>, C_P built set by set from the set less
 * its highest member. */
static void leaf_table(const double *z, int n, double v, const double *w, double *B,
                       double *poly, double *zp)
{
	size_t S = (size_t)1 << n, L = (size_t)n + 1;
	poly[0] = 1, zp[0] = 1;
	for (size_t P = 1; P < S; P++) {
		int h = 63 - __builtin_clzll(P), m = __builtin_popcountll(P) - 1;
		size_t Q = P ^ ((size_t)1 << h);
		const double *a = poly + Q * L;
		double *b = poly + P * L;
		b[0] = z[h] * a[0];
		for (int k = 1; k <= m; k++)
			b[k] = a[k - 1] + z[h] * a[k];
		b[m + 1] = a[m];
		zp[P] = zp[Q] * z[h];
	}
	for (size_t P = 0; P < S; P++) {
		double sum = 0;
		for (int k = 0, m = __builtin_popcountll(P); k <= m && k < n; k++)
			sum += poly[P * L + k] * w[k];
		B[P] = v * zp[~P & (S - 1)] * sum;
	}
}

static int layout(lay *y, int j, int n)
{
	nids_treeshap *t = y->t;
	const nids_cnode *cn = t->s->cn;
	if (is_leaf(cn, j)) {
		double v = t->s->pattack[j];
		if (v == 0) /* a pure benign leaf adds nothing */
			return 0;
		if (n > WALK_BITS) {
			y->over = 1;
			return 1;
		}
		size_t size = n <= y->bits && y->need + ((size_t)1 << n) <= y->cap ? (size_t)1 << n : 0;
		if (y->fill) {
			struct fleaf *l = t->lf + y->nleaf;
			*l = (struct fleaf){ n, y->nfeat, v, size ? y->need : NOTAB };
			t->leaf[j] = y->nleaf;
			for (int k = 0; k < n; k++) {
				t->feat[l->off + k] = y->F[k];
				t->z[l->off + k] = y->Z[k];
				t->r[l->off + k] = (1 - y->Z[k]) / y->Z[k];
			}
			if (size)
				leaf_table(y->Z, n, v, t->w + n * (WALK_BITS + 1), t->tab + l->tab, y->poly, y->zp);
		}
		y->nleaf++, y->nfeat += n, y->need += size;
		return 1;
	}
	int f = cn[j].feature, k = 0;
	while (k < n && y->F[k] != f)
		k++;
	if (k == n)
		y->F[k] = f, y->Z[k] = 1;
	if (y->fill)
		t->bit[j] = k < WALK_BITS ? 1u << k : 0;
	int live = 0;
	for (int c = 0; c < 2; c++) {
		double z = y->Z[k];
		y->Z[k] = z * t->ratio[cn[j].child[c]];
		live |= layout(y, cn[j].child[c], k == n ? n + 1 : n);
		y->Z[k] = z;
	}
	if (y->fill && live)
		t->leaf[j] = 0;
	return live;
}

/* Lays out the trees to walk (none when path) and the tables of their leaves of at most
 * bits features, while the tables fit in TAB_CAP entries. */
static int lay_out(nids_treeshap *t, int bits, int path, nids_err *err)
{
	const struct nids_trees_state *s = t->s;
	lay y = { .t = t, .bits = bits < 0 ? 0 : bits > 20 ? 20 : bits, .cap = TAB_CAP };
	int rc = 0;
	size_t W = WALK_BITS + 1, S = (size_t)1 << y.bits;
	y.F = malloc(sizeof *y.F * (size_t)(t->d + 1));
	y.Z = malloc(sizeof *y.Z * (size_t)(t->d + 1));
	t->fast = calloc((size_t)s->ntrees, 1);
	t->leaf = malloc(sizeof *t->leaf * (size_t)t->N);
	t->bit = calloc((size_t)t->N, sizeof *t->bit);
	t->w = calloc(W * W, sizeof *t->w);
	if (!y.F || !y.Z || !t->fast || !t->leaf || !t->bit || !t->w)
		goto nomem;
	for (size_t n = 1; n < W; n++) /* w(s, n) = 1 / (n C(n - 1, s)) */
		for (size_t k = 0, c = 1; k < n; c = c * (n - 1 - k) / (k + 1), k++)
			t->w[n * W + k] = 1 / ((double)n * (double)c);
	for (int i = 0; i < t->N; i++)
		t->leaf[i] = -1;
	for (int k = 0; k < s->ntrees && !path; k++) {
		int nleaf = y.nleaf, nfeat = y.nfeat;
		size_t need = y.need;
		y.over = 0;
		layout(&y, s->root[k], 0);
		if (y.over)
			y.nleaf = nleaf, y.nfeat = nfeat, y.need = need;
		else
			t->fast[k] = 1;
	}
	t->lf = malloc(sizeof *t->lf * (size_t)(y.nleaf + 1));
	t->feat = malloc(sizeof *t->feat * (size_t)(y.nfeat + 1));
	t->z = malloc(sizeof *t->z * (size_t)(y.nfeat + 1));
	t->r = malloc(sizeof *t->r * (size_t)(y.nfeat + 1));
	t->tab = malloc(sizeof *t->tab * (y.need + 1));
	y.poly = malloc(sizeof *y.poly * S * (size_t)(y.bits + 1));
	y.zp = malloc(sizeof *y.zp * S);
	if (!t->lf || !t->feat || !t->z || !t->r || !t->tab || !y.poly || !y.zp)
		goto nomem;
	y.fill = 1, y.need = 0, y.nleaf = 0, y.nfeat = 0;
	for (int k = 0; k < s->ntrees; k++)
		if (t->fast[k])
			layout(&y, s->root[k], 0);
	goto done;
nomem:
	rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
done:
	free(y.F), free(y.Z), free(y.poly), free(y.zp);
	return rc;
}

/* Adds leaf l's contributions to phi for the set P of its features whose splits the row
 * followed, from C_P: -v prod_{k not in P} z_k <C_P, w> to each feature outside P, and
 * for each j in P the same with C_P / (t + z_j), times (1 - z_j). */
static void leaf_poly(const nids_treeshap *t, const struct fleaf *l, unsigned P, double *phi)
{
	const int *F = t->feat + l->off;
	const double *z = t->z + l->off, *w = t->w + l->n * (WALK_BITS + 1);
	double C[WALK_BITS + 1], zc = l->v;
	int in[WALK_BITS], out[WALK_BITS], m = 0, o = 0;
	for (int k = 0; k < l->n; k++) { /* P's features, and the others, without branches */
		int b = P >> k & 1;
		in[m] = k, out[o] = k;
		m += b, o += !b;
	}
	for (int k = 0; k < o; k++)
		zc *= z[out[k]];
	C[0] = 1;
	for (int k = 0; k < m; k++) {
		double zk = z[in[k]];
		C[k + 1] = C[k];
		for (int i = k; i > 0; i--)
			C[i] = C[i - 1] + zk * C[i];
		C[0] *= zk;
	}
	if (o) {
		double b = 0;
		for (int i = 0; i <= m; i++)
			b += C[i] * w[i];
		b *= zc;
		for (int k = 0; k < o; k++)
			phi[F[out[k]]] -= b;
	}
	for (int k = 0; k < m; k++) {
		double zk = z[in[k]], q = C[m], sum = q * w[m - 1];
		for (int i = m - 1; i >= 1; i--) { /* the quotient's coefficients, highest first */
			q = C[i] - zk * q;
			sum += q * w[i - 1];
		}
		phi[F[in[k]]] += (1 - zk) * zc * sum;
	}
}

/* Adds the leaves below node j to phi for x, P holding a 0 for each of the path's
 * features whose split x did not follow. */
static void walk(const nids_treeshap *t, int j, unsigned P, const float *x, double *phi)
{
	const nids_cnode *cn = t->s->cn;
	while (t->leaf[j] >= 0) {
		if (is_leaf(cn, j)) {
			const struct fleaf *l = t->lf + t->leaf[j];
			if (l->n < 32)
				P &= (1u << l->n) - 1;
			if (l->tab == NOTAB) {
				leaf_poly(t, l, P, phi);
				return;
			}
			const int *F = t->feat + l->off;
			const double *r = t->r + l->off, *B = t->tab + l->tab;
			double b = B[P];
			for (int k = 0; k < l->n; k++) {
				unsigned m = 1u << k;
				if (P & m)
					phi[F[k]] += r[k] * B[P ^ m];
				else
					phi[F[k]] -= b;
			}
			return;
		}
		int go = !(x[cn[j].feature] <= cn[j].thr);
		walk(t, cn[j].child[!go], P & ~t->bit[j], x, phi);
		j = cn[j].child[go];
	}
}

int nids_treeshap_new_opt(nids_treeshap **tp, const nids_model *m, const float *bg, size_t n,
                          int bits, int path, nids_err *err)
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
	if (!rc)
		rc = lay_out(t, bits, path, err);
	if (rc) {
		nids_treeshap_free(t);
		return rc;
	}
	t->base = nids_treeshap_value(t, NULL, NULL);
	*tp = t;
	return 0;
}

int nids_treeshap_new(nids_treeshap **tp, const nids_model *m, const float *bg, size_t n,
                      nids_err *err)
{
	return nids_treeshap_new_opt(tp, m, bg, n, TAB_BITS, 0, err);
}

int nids_treeshap_walked(const nids_treeshap *t)
{
	int k = 0;
	for (int i = 0; i < t->s->ntrees; i++)
		k += t->fast[i];
	return k;
}

double nids_treeshap_rows(nids_treeshap *t, const float *x, int B, double *phi)
{
	size_t d = (size_t)t->d;
	memset(phi, 0, sizeof *phi * d * (size_t)B);
	/* tree by tree, so that a tree's tables are read for all B rows while cached; each
	 * row still sums its trees in order */
	for (int k = 0; k < t->s->ntrees; k++)
		for (int b = 0; b < B; b++) {
			const float *xb = x + (size_t)b * d;
			if (t->fast[k]) {
				walk(t, t->s->root[k], ~0u, xb, phi + (size_t)b * d);
			} else {
				t->phi = phi + (size_t)b * d, t->x = xb;
				recurse(t, t->s->root[k], NULL, 0, 1, 1, -1, 0);
			}
		}
	for (size_t j = 0; j < d * (size_t)B; j++)
		phi[j] /= t->s->ntrees;
	return t->base;
}

double nids_treeshap_base(const nids_treeshap *t)
{
	return t->base;
}

double nids_treeshap_row(nids_treeshap *t, const float *x, double *phi)
{
	return nids_treeshap_rows(t, x, 1, phi);
}

void nids_treeshap_free(nids_treeshap *t)
{
	if (!t)
		return;
	free(t->ratio);
	free(t->buf), free(t->live);
	free(t->fast), free(t->bit), free(t->leaf), free(t->lf), free(t->feat), free(t->z), free(t->r);
	free(t->tab), free(t->w);
	free(t);
}
