/* classic_tree.c: growing decision trees. Entropy trees (ID3's information gain with
 * C4.5's midpoint thresholds on sorted values) for the tree and forest models, and
 * isolation trees for iforest. All trees share one node layout (classic_impl.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classic_impl.h"
#include "rng_impl.h"

void nids_tree_free(nids_tree *t)
{
	if (!t)
		return;
	free(t->node);
	free(t->value);
	t->node = t->value = NULL;
	t->n = t->cap = 0;
}

/* Appends a leaf node and returns its index, or -1 when out of memory or too large. */
static int tree_add(nids_tree *t)
{
	if (t->n >= NIDS_TREE_MAX_NODES)
		return -1;
	if (t->n == t->cap) {
		int cap = t->cap ? 2 * t->cap : 64;
		float *nn = realloc(t->node, sizeof(float) * NIDS_NODE_W * (size_t)cap);
		if (!nn)
			return -1;
		t->node = nn;
		float *nv = realloc(t->value, sizeof(float) * (size_t)t->K * (size_t)cap);
		if (!nv)
			return -1;
		t->value = nv;
		t->cap = cap;
	}
	float *nd = t->node + (size_t)t->n * NIDS_NODE_W;
	nd[0] = -1, nd[1] = 0, nd[2] = -1, nd[3] = -1;
	memset(t->value + (size_t)t->n * t->K, 0, sizeof(float) * (size_t)t->K);
	return t->n++;
}

int nids_tree_leaf(const float *node, int root, const float *x)
{
	int i = root;
	for (;;) {
		const float *nd = node + (size_t)i * NIDS_NODE_W;
		if (nd[0] < 0)
			return i;
		i = x[(int)nd[0]] <= nd[1] ? (int)nd[2] : (int)nd[3];
	}
}

/* ---- sorting a node's values: radix sort of (order-preserving key, position) ---- */

static uint32_t float_key(float v)
{
	uint32_t u;
	memcpy(&u, &v, sizeof u);
	return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

typedef struct keyed {
	uint32_t key, pos;
} keyed;

/* Quicksort by key with a three-way partition (feature values repeat a lot), insertion
 * sort for short runs. Tie order does not matter: a split never falls between ties. */
static void quicksort_keyed(keyed *a, size_t m)
{
	while (m > 16) {
		uint32_t x = a[0].key, y = a[m / 2].key, z = a[m - 1].key;
		uint32_t piv = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
		size_t lt = 0, i = 0, gt = m;
		while (i < gt) {
			if (a[i].key < piv) {
				keyed t = a[lt];
				a[lt++] = a[i], a[i++] = t;
			} else if (a[i].key > piv) {
				keyed t = a[--gt];
				a[gt] = a[i], a[i] = t;
			} else {
				i++;
			}
		}
		/* recurse into the smaller side, loop on the larger */
		if (lt < m - gt) {
			quicksort_keyed(a, lt);
			a += gt, m -= gt;
		} else {
			quicksort_keyed(a + gt, m - gt);
			m = lt;
		}
	}
	for (size_t i = 1; i < m; i++) {
		keyed v = a[i];
		size_t j = i;
		for (; j > 0 && a[j - 1].key > v.key; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

/* Sorts a [m] by key using tmp [m]: quicksort when short, else an LSD radix sort in three
 * 11-bit passes, skipping a pass when every key shares its digit. */
static void sort_keyed(keyed *a, keyed *tmp, size_t m)
{
	if (m < 1024) {
		quicksort_keyed(a, m);
		return;
	}
	static const int shift[3] = { 0, 11, 22 };
	for (int p = 0; p < 3; p++) {
		uint32_t count[2048] = { 0 };
		for (size_t i = 0; i < m; i++)
			count[(a[i].key >> shift[p]) & 2047]++;
		if (count[(a[0].key >> shift[p]) & 2047] == m)
			continue;
		uint32_t sum = 0;
		for (int b = 0; b < 2048; b++) {
			uint32_t c = count[b];
			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < m; i++)
			tmp[count[(a[i].key >> shift[p]) & 2047]++] = a[i];
		memcpy(a, tmp, m * sizeof *a);
	}
}

/* ---- entropy (and Gini) trees ---- */

/* Values closer than this are not split apart (scikit-learn's FEATURE_THRESHOLD): a split
 * between them would rest on float rounding of scaled data. */
#define SAME 1e-7

/* The purity of one side of a split, higher = purer, summed over both sides to rank
 * splits. Entropy: sum_k c_k ln c_k - W ln W = -W H(c), so maximising the sum maximises
 * the information gain. Gini: sum_k c_k^2 / W - W = -W Gini(c). */
static double purity(const double *c, int K, int gini)
{
	double W = 0, s = 0;
	if (gini) {
		for (int k = 0; k < K; k++)
			W += c[k], s += c[k] * c[k];
		return W > 0 ? s / W - W : 0;
	}
	for (int k = 0; k < K; k++)
		if (c[k] > 0)
			W += c[k], s += c[k] * log(c[k]);
	return W > 0 ? s - W * log(W) : 0;
}

struct grower {
	const nids_tree_data *data;
	const float *w;
	const nids_tree_opts *o;
	nids_tree *t;
	int K;
	keyed *keys, *tmp;      /* [nrows] */
	float *v, *wl;          /* [nrows] the node's values of one feature; row weights */
	int *yl;                /* [nrows] the node's classes */
	uint32_t *right;        /* [nrows] for the stable partition */
	double *cl, *cr, *ctot; /* [K] class weights left, right, node */
	int *feat;              /* [d] feature order */
	nids_rng rng;
};

struct split {
	int f;
	float thr;
	double score; /* purity(left) + purity(right) */
};

/* Keeps the better of the split at threshold a|b and *best. */
static void consider(struct grower *g, int f, float a, float b, struct split *best)
{
	for (int k = 0; k < g->K; k++)
		g->cr[k] = g->ctot[k] - g->cl[k];
	double s = purity(g->cl, g->K, g->o->gini) + purity(g->cr, g->K, g->o->gini);
	if (best->f < 0 || s > best->score) {
		float thr = a + (b - a) / 2; /* the midpoint; a when it rounds up to b */
		best->f = f, best->thr = thr == b ? a : thr, best->score = s;
	}
}

/* The best threshold on feature f over the node's m rows; updates *best when better.
 * Returns 0 when f is constant there (so it does not count as tried). */
static int try_feature(struct grower *g, const uint32_t *rows, size_t m, int f,
                       struct split *best)
{
	const float *col = g->data->xt + (size_t)f * g->data->n;
	float *v = g->v;
	/* rows ascend (stable partitions keep them so): the gather walks the column forward */
	for (size_t i = 0; i < m; i++) {
		__builtin_prefetch(col + rows[i + 32 < m ? i + 32 : i]);
		v[i] = col[rows[i]];
	}
	float lo = v[0], hi = v[0];
	int two = 1; /* every value is lo or hi */
	for (size_t i = 1; i < m; i++) {
		float x = v[i];
		if (x != lo && x != hi) {
			two &= lo == hi;
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
	}
	if ((double)hi <= (double)lo + SAME)
		return 0;
	size_t min_leaf = (size_t)g->o->min_leaf;
	memset(g->cl, 0, sizeof(double) * (size_t)g->K);
	const int *yl = g->yl;
	const float *wl = g->wl;
	if (two) { /* a 0/1 (one-hot) column: one candidate, no sort */
		size_t nl = 0;
		double c0 = 0, c1 = 0; /* two classes in registers, the common case */
		for (size_t i = 0; i < m; i++)
			if (v[i] == lo) {
				nl++;
				if (g->K == 2) {
					double wv = wl[i];
					c1 += yl[i] ? wv : 0, c0 += yl[i] ? 0 : wv;
				} else {
					g->cl[yl[i]] += wl[i];
				}
			}
		if (g->K == 2)
			g->cl[0] = c0, g->cl[1] = c1;
		if (nl >= min_leaf && m - nl >= min_leaf)
			consider(g, f, lo, hi, best);
		return 1;
	}
	for (size_t i = 0; i < m; i++)
		g->keys[i] = (keyed){ float_key(v[i]), (uint32_t)i };
	sort_keyed(g->keys, g->tmp, m);
	double c0 = 0, c1 = 0;
	for (size_t i = 0; i + 1 < m; i++) {
		uint32_t p = g->keys[i].pos;
		if (g->K == 2) {
			double wv = wl[p];
			c1 += yl[p] ? wv : 0, c0 += yl[p] ? 0 : wv;
		} else {
			g->cl[yl[p]] += wl[p];
		}
		float a = v[p], b = v[g->keys[i + 1].pos];
		if ((double)b <= (double)a + SAME || i + 1 < min_leaf || m - i - 1 < min_leaf)
			continue;
		if (g->K == 2)
			g->cl[0] = c0, g->cl[1] = c1;
		consider(g, f, a, b, best);
	}
	return 1;
}

/* Picks the split of the node's rows: features in order (mtry 0) or in a random order,
 * mtry of them, more only while all those seen were constant here (scikit-learn's
 * max_features rule). */
static struct split find_split(struct grower *g, const uint32_t *rows, size_t m)
{
	struct split best = { -1, 0, 0 };
	int d = g->data->d, varied = 0;
	for (int i = 0; i < d; i++)
		g->feat[i] = i;
	for (int i = 0; i < d; i++) {
		if (g->o->mtry > 0) {
			if (i >= g->o->mtry && varied)
				break;
			int j = i + (int)nids_rng_below(&g->rng, (uint64_t)(d - i));
			int tmp = g->feat[i];
			g->feat[i] = g->feat[j], g->feat[j] = tmp;
		}
		varied += try_feature(g, rows, m, g->feat[i], &best);
	}
	return best;
}

struct pending {
	size_t lo, hi;
	int depth, parent, right;
};

/* Gathers the node's classes and weights, sets node i's values to the class frequencies;
 * returns 1 when the node is pure. */
static int node_values(struct grower *g, int i, const uint32_t *rows, size_t m)
{
	int K = g->K, classes = 0;
	memset(g->ctot, 0, sizeof(double) * (size_t)K);
	for (size_t j = 0; j < m; j++) {
		g->yl[j] = g->data->y[rows[j]];
		g->wl[j] = g->w[rows[j]];
		g->ctot[g->yl[j]] += g->wl[j];
	}
	double W = 0;
	for (int k = 0; k < K; k++)
		W += g->ctot[k], classes += g->ctot[k] > 0;
	float *v = g->t->value + (size_t)i * K;
	for (int k = 0; k < K; k++)
		v[k] = W > 0 ? (float)(g->ctot[k] / W) : 1.0f / (float)K;
	return classes <= 1;
}

/* Moves the rows going left (x[f] <= thr) to the front, keeping both sides in their
 * order; returns how many went left. */
static size_t partition_rows(struct grower *g, uint32_t *r, size_t m, int f, float thr)
{
	const float *col = g->data->xt + (size_t)f * g->data->n;
	size_t a = 0, b = 0;
	for (size_t i = 0; i < m; i++) {
		if (col[r[i]] <= thr)
			r[a++] = r[i];
		else
			g->right[b++] = r[i];
	}
	memcpy(r + a, g->right, b * sizeof *r);
	return a;
}

int nids_tree_grow(nids_tree *t, const nids_tree_data *data, uint32_t *rows, size_t nrows,
                   const float *w, const nids_tree_opts *o, nids_err *err)
{
	struct grower g = { .data = data, .w = w, .o = o, .t = t, .K = data->K };
	nids_rng_seed(&g.rng, o->seed);
	size_t cap = 64;
	struct pending *stack = malloc(cap * sizeof *stack);
	size_t nr = nrows ? nrows : 1;
	g.keys = malloc(nr * sizeof *g.keys);
	g.tmp = malloc(nr * sizeof *g.tmp);
	g.v = malloc(nr * sizeof *g.v);
	g.wl = malloc(nr * sizeof *g.wl);
	g.yl = malloc(nr * sizeof *g.yl);
	g.right = malloc(nr * sizeof *g.right);
	g.cl = calloc((size_t)g.K * 3, sizeof(double));
	g.feat = malloc(sizeof(int) * (size_t)(data->d ? data->d : 1));
	int root = -1, rc = 0;
	if (!stack || !g.keys || !g.tmp || !g.v || !g.wl || !g.yl || !g.right || !g.cl || !g.feat) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory growing a tree");
		goto out;
	}
	g.cr = g.cl + g.K, g.ctot = g.cl + 2 * g.K;
	size_t top = 0;
	stack[top++] = (struct pending){ 0, nrows, 0, -1, 0 };
	while (top > 0) {
		struct pending p = stack[--top];
		int i = tree_add(t);
		if (i < 0) {
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory growing a tree "
			                  "(or more than %d nodes)", NIDS_TREE_MAX_NODES);
			goto out;
		}
		if (p.parent >= 0)
			t->node[(size_t)p.parent * NIDS_NODE_W + 2 + p.right] = (float)i;
		else
			root = i;
		uint32_t *r = rows + p.lo;
		size_t m = p.hi - p.lo;
		int pure = node_values(&g, i, r, m);
		if (pure || m < 2 * (size_t)o->min_leaf || (o->max_depth > 0 && p.depth >= o->max_depth))
			continue;
		struct split s = find_split(&g, r, m);
		if (s.f < 0)
			continue;
		/* purity is -W I, so the decrease is the sides' purity less the node's */
		if (o->importance)
			o->importance[s.f] += s.score - purity(g.ctot, g.K, o->gini);
		size_t a = partition_rows(&g, r, m, s.f, s.thr);
		float *nd = t->node + (size_t)i * NIDS_NODE_W;
		nd[0] = (float)s.f, nd[1] = s.thr;
		if (top + 2 > cap) {
			struct pending *ns = realloc(stack, 2 * cap * sizeof *stack);
			if (!ns) {
				rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory growing a tree");
				goto out;
			}
			stack = ns, cap *= 2;
		}
		/* right pushed first so the left subtree is numbered first */
		stack[top++] = (struct pending){ p.lo + a, p.hi, p.depth + 1, i, 1 };
		stack[top++] = (struct pending){ p.lo, p.lo + a, p.depth + 1, i, 0 };
	}
out:
	free(stack);
	free(g.keys);
	free(g.tmp);
	free(g.v);
	free(g.wl);
	free(g.yl);
	free(g.right);
	free(g.cl);
	free(g.feat);
	return rc < 0 ? rc : root;
}

/* ---- text dump ---- */

struct sbuf {
	char *s;
	size_t n, cap;
	int bad;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int k = b->bad ? 0 : vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (b->bad || k < 0)
			return;
		if ((size_t)k < b->cap - b->n) {
			b->n += (size_t)k;
			return;
		}
		char *ns = realloc(b->s, 2 * b->cap + (size_t)k);
		if (!ns) {
			b->bad = 1;
			return;
		}
		b->s = ns, b->cap = 2 * b->cap + (size_t)k;
	}
}

static void dump_leaf(struct sbuf *b, const nids_tree *t, int i, char *const *classes)
{
	const float *v = t->value + (size_t)i * t->K;
	int best = 0;
	for (int k = 1; k < t->K; k++)
		if (v[k] > v[best])
			best = k;
	if (classes)
		sb_printf(b, " -> %s (%.3f)\n", classes[best], v[best]);
	else
		sb_printf(b, " -> class %d (%.3f)\n", best, v[best]);
}

static void dump_node(struct sbuf *b, const nids_tree *t, int i, int depth,
                      char *const *features, char *const *classes)
{
	const float *nd = t->node + (size_t)i * NIDS_NODE_W;
	int f = (int)nd[0];
	for (int side = 0; side < 2; side++) {
		sb_printf(b, "%*s", 2 * depth, "");
		if (features)
			sb_printf(b, "%s %s %.9g", features[f], side ? ">" : "<=", nd[1]);
		else
			sb_printf(b, "f%d %s %.9g", f, side ? ">" : "<=", nd[1]);
		int c = (int)nd[2 + side];
		if (t->node[(size_t)c * NIDS_NODE_W] < 0) {
			dump_leaf(b, t, c, classes);
		} else {
			sb_printf(b, "\n");
			dump_node(b, t, c, depth + 1, features, classes);
		}
	}
}

char *nids_tree_dump(const nids_tree *t, int root, char *const *features, char *const *classes)
{
	struct sbuf b = { malloc(4096), 0, 4096, 0 };
	if (!b.s)
		return NULL;
	b.s[0] = 0;
	if (t->node[(size_t)root * NIDS_NODE_W] < 0) {
		sb_printf(&b, "(no split)");
		dump_leaf(&b, t, root, classes);
	} else {
		dump_node(&b, t, root, 0, features, classes);
	}
	if (b.bad) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- isolation trees ---- */

double nids_iforest_c(double n)
{
	if (n <= 1)
		return 0;
	if (n <= 2)
		return 1;
	return 2.0 * (log(n - 1.0) + 0.5772156649015329) - 2.0 * (n - 1.0) / n;
}

struct ipending {
	int lo, hi, depth, parent, right;
};

int nids_itree_grow(nids_tree *t, const float *x, int d, uint32_t *idx, int m, int limit,
                    uint64_t seed, nids_err *err)
{
	nids_rng rng;
	nids_rng_seed(&rng, seed);
	/* depth <= limit, so the stack never holds more than limit + 2 entries */
	struct ipending *stack = malloc(sizeof *stack * (size_t)(limit + 2));
	int *feat = malloc(sizeof(int) * (size_t)d);
	int root = -1, rc = 0, top = 0;
	if (!stack || !feat) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory growing an isolation tree");
		goto out;
	}
	stack[top++] = (struct ipending){ 0, m, 0, -1, 0 };
	while (top > 0) {
		struct ipending p = stack[--top];
		int i = tree_add(t);
		if (i < 0) {
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory growing an isolation tree");
			goto out;
		}
		if (p.parent >= 0)
			t->node[(size_t)p.parent * NIDS_NODE_W + 2 + p.right] = (float)i;
		else
			root = i;
		uint32_t *r = idx + p.lo;
		int n = p.hi - p.lo;
		t->value[(size_t)i * t->K] = (float)(p.depth + nids_iforest_c(n));
		if (n <= 1 || p.depth >= limit)
			continue;
		/* a random feature among those not constant here */
		for (int f = 0; f < d; f++)
			feat[f] = f;
		int f = -1;
		float lo = 0, hi = 0;
		for (int left = d; left > 0 && f < 0; left--) {
			int j = (int)nids_rng_below(&rng, (uint64_t)left);
			int c = feat[j];
			feat[j] = feat[left - 1];
			lo = hi = x[(size_t)r[0] * d + c];
			for (int k = 1; k < n; k++) {
				float v = x[(size_t)r[k] * d + c];
				lo = v < lo ? v : lo, hi = v > hi ? v : hi;
			}
			if (lo < hi)
				f = c;
		}
		if (f < 0)
			continue;
		float thr = lo + (hi - lo) * nids_rng_uniform(&rng);
		if (thr >= hi) /* keep both sides non-empty */
			thr = lo;
		int a = 0, b = n;
		while (a < b) {
			if (x[(size_t)r[a] * d + f] <= thr)
				a++;
			else {
				uint32_t tmp = r[a];
				r[a] = r[--b], r[b] = tmp;
			}
		}
		float *nd = t->node + (size_t)i * NIDS_NODE_W;
		nd[0] = (float)f, nd[1] = thr;
		stack[top++] = (struct ipending){ p.lo + a, p.hi, p.depth + 1, i, 1 };
		stack[top++] = (struct ipending){ p.lo, p.lo + a, p.depth + 1, i, 0 };
	}
out:
	free(stack);
	free(feat);
	return rc < 0 ? rc : root;
}
