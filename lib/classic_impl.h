/* classic_impl.h: the algorithms behind the classic models (kmeans, logreg, tree, forest,
 * iforest), over plain float matrices, so that they can be tested apart from the model
 * table and the model files (lib/model_kmeans.c ... lib/model_iforest.c glue them in).
 *
 * Shapes: n rows, d features, k centroids, K classes. x is row-major [n x d] unless a
 * comment says column-major (xt [d x n], feature f's values at xt + f * n). Every
 * random choice comes from nids_rng seeded by the caller, and every threaded loop cuts
 * its work into fixed pieces combined in a fixed order, so results depend on the seed
 * only (and never on the thread count or on timing).
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_CLASSIC_IMPL_H
#define NIDS_CLASSIC_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "nids/err.h"

/* ---- k-means ---- */

typedef struct nids_kmeans_opts {
	int k;          /* clusters */
	int max_iter;   /* Lloyd iterations per restart */
	int restarts;   /* k-means++ initialisations; the lowest inertia wins */
	double tol;     /* stop when the summed squared centroid shift <= tol * mean variance */
	int threads;
	uint64_t seed;
} nids_kmeans_opts;

/* Fits k centroids c [k x d] to x [n x d] (n >= k): greedy k-means++ seeding, then Lloyd
 * iterations, best of o->restarts. *inertia receives the sum of squared distances of the
 * winner, *iters its iteration count (either may be NULL). Returns 0, NIDS_EUSAGE
 * (n < k) or NIDS_ENOMEM. */
int nids_kmeans_fit(const float *x, size_t n, int d, const nids_kmeans_opts *o, float *c,
                    double *inertia, int *iters, nids_err *err);

/* For each row of x [B x d]: the squared distance to the nearest of the centroids
 * c [k x d] in dist [B] and its index in idx [B] (NULL: not needed). cn [k] holds
 * ||c_j||^2; scratch holds B * k floats. One thread; the distances go through sgemm. */
void nids_kmeans_nearest(const float *c, const float *cn, int k, int d, const float *x, int B,
                         float *dist, int *idx, float *scratch);

/* ---- logistic regression ---- */

typedef struct nids_logreg_opts {
	double l2;     /* penalty l2 / 2 * ||w||^2 on the weights (not the bias) */
	int max_iter;  /* Newton (binary) or L-BFGS (multinomial) iterations */
	double tol;    /* stop when max |gradient of the mean loss| <= tol */
	int threads;
} nids_logreg_opts;

/* Binary: minimises sum_i sw_i * logloss(y_i, sigmoid(x_i . w + b)) + l2/2 ||w||^2 by
 * Newton's method with step halving. w [d + 1] (the bias last) starts from its content.
 * sw [n] row weights or NULL for 1. Returns the iterations used (>= 0) or < 0. */
int nids_logreg_fit_binary(const float *x, const int *y, const float *sw, size_t n, int d,
                           const nids_logreg_opts *o, double *w, nids_err *err);

/* Multinomial: softmax over K classes, W [K x (d + 1)] (bias last in each row), the same
 * objective with the summed cross-entropy, by L-BFGS (memory 10). Returns iterations. */
int nids_logreg_fit_multi(const float *x, const int *y, const float *sw, size_t n, int d, int K,
                          const nids_logreg_opts *o, double *W, nids_err *err);

/* ---- decision trees (tree, forest, iforest share the node layout) ---- */

/* A node is 4 floats: feature, threshold, left, right. A row goes left when
 * x[feature] <= threshold. Leaves have feature -1. Node indices are stored as floats,
 * exact below 2^24 nodes. Each node also has K values (class probabilities for a
 * classifier, the path length for an isolation tree). */
#define NIDS_NODE_W 4
#define NIDS_TREE_MAX_NODES (1 << 24)

typedef struct nids_tree {
	int n, cap, K;
	float *node;  /* [n x 4] */
	float *value; /* [n x K] */
} nids_tree;

void nids_tree_free(nids_tree *t);

/* The leaf row x reaches from node root: its index. */
int nids_tree_leaf(const float *node, int root, const float *x);

/* The same nodes unpacked for scoring, 16 bytes each. A leaf points to itself on both
 * sides (feature 0, threshold +inf), so a walk can step without testing for leaves and
 * stop when a step no longer moves. */
typedef struct nids_cnode {
	int32_t feature;
	float thr;
	int32_t child[2];
} nids_cnode;

static inline int nids_cnode_leaf(const nids_cnode *nodes, int root, const float *x)
{
	int i = root;
	for (;;) {
		const nids_cnode *c = nodes + i;
		int next = c->child[!(x[c->feature] <= c->thr)];
		if (next == i)
			return i;
		i = next;
	}
}

typedef struct nids_tree_data {
	size_t n;        /* rows */
	int d;
	const float *xt; /* column-major [d x n] */
	const int *y;    /* [n] classes in [0, K) */
	int K;
} nids_tree_data;

typedef struct nids_tree_opts {
	int max_depth; /* 0: unlimited */
	int min_leaf;  /* rows (not weights) in each leaf, >= 1 */
	int mtry;      /* features drawn per split (more while all are constant; sklearn's
	                * max_features), 0: all, in order */
	uint64_t seed; /* feature order when mtry > 0 */
	int gini;      /* 1: Gini impurity instead of entropy (scikit-learn's forest default) */
	double *importance; /* [d] or NULL: each split adds its weighted impurity decrease,
	                     * W_node I_node - W_left I_left - W_right I_right (I the
	                     * criterion's impurity, entropy in nats), to its feature's entry:
	                     * scikit-learn's feature_importances_ before normalisation */
} nids_tree_opts;

/* Grows an entropy (information gain) or Gini tree over the rows rows[0..nrows) of data with
 * weights w [data->n] (class weights times bootstrap counts; rows not listed are not
 * used), appending its nodes to t (t->K must equal data->K). Each split is the best
 * threshold over the tried features, at a midpoint between sorted distinct values (a
 * 0/1 column splits at 0.5). Leaves hold the weighted class frequencies. rows is
 * reordered (each side of a split keeps its order: give them ascending). Values closer
 * than 1e-7 count as equal. Returns the root's index, or NIDS_ENOMEM / NIDS_EUSAGE (too
 * many nodes). */
int nids_tree_grow(nids_tree *t, const nids_tree_data *data, uint32_t *rows, size_t nrows,
                   const float *w, const nids_tree_opts *o, nids_err *err);

/* Writes the subtree at root as indented text with feature and class names (names may
 * be NULL: f3, class 1), into a malloc'd string; NULL when out of memory. */
char *nids_tree_dump(const nids_tree *t, int root, char *const *features,
                     char *const *classes);

/* ---- isolation forest (Liu, Ting and Zhou 2008) ---- */

/* c(n) = 2 H(n - 1) - 2 (n - 1) / n, the mean path length of an unsuccessful BST search,
 * with H(i) = ln i + Euler's gamma; c(1) = 0 and c(2) = 1 (as scikit-learn). */
double nids_iforest_c(double n);

/* Grows one isolation tree on the rows idx[0..m) of x [n x d] (row-major), to height
 * limit: a random feature that is not constant in the node, a threshold uniform between
 * its minimum and maximum there. Leaves store depth + c(rows in the leaf) as value.
 * idx is reordered. Returns the root or < 0. */
int nids_itree_grow(nids_tree *t, const float *x, int d, uint32_t *idx, int m, int limit,
                    uint64_t seed, nids_err *err);

#endif
