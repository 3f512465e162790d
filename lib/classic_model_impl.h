/* classic_model_impl.h: what the classic models' table rows (lib/model_kmeans.c ...) share:
 * the supervised target, class weights, the benign mask, and storing or reloading a
 * model's tensors. Internal to lib/: the models use it through the model table. */
#ifndef NIDS_CLASSIC_MODEL_IMPL_H
#define NIDS_CLASSIC_MODEL_IMPL_H

#include <stddef.h>

#include "classic_impl.h"
#include "model_impl.h"

/* The targets of a supervised fit by the model's --target (label or class): *y lent
 * from ds ([n] values in [0, *K)). For label, m's class names become benign, attack.
 * Returns 0, NIDS_EUSAGE (bad --target) or NIDS_EFORMAT (no such column). */
int nids_classic_target(nids_model *m, const nids_dataset *ds, const int **y, int *K,
                        nids_err *err);

/* mask [K] = 1 for benign classes: with labels, a class none of whose rows is an attack;
 * else by name (normal, benign, background). For label targets: 1, 0. */
void nids_classic_benign(const nids_model *m, const nids_dataset *ds, int K, float *mask);

/* Row weights by --class-weight: NULL (*sw) for none; for balanced n / (K n_y) as
 * scikit-learn. Returns 0, NIDS_EUSAGE or NIDS_ENOMEM; *sw owned by the caller. */
int nids_classic_weights(const nids_model *m, const int *y, size_t n, int K, float **sw,
                         nids_err *err);

/* Defines and allocates m->arena with n tensors (names[i], rows[i] x cols[i]) and
 * copies data[i] into each (data[i] may be NULL: left zero). Returns 0 or < 0. */
int nids_classic_store(nids_model *m, int n, const char *const *names, const int *rows,
                       const int *cols, const float *const *data, nids_err *err);

/* Rebuilds m->arena as a copy of the file's tensors, then checks that tensor name
 * exists with cols columns (cols < 0: any) and rows rows (rows < 0: at least -rows).
 * Returns its index in m->arena or NIDS_EFORMAT. Call once per tensor; the copy happens
 * on the first. */
int nids_classic_load(nids_model *m, const nids_arena *file, const char *name, int rows,
                      int cols, nids_err *err);

/* For loaders: the count hyperparameter key (k, trees) must equal have, the number of
 * centroids or trees the file's tensors hold, so that what --info reports and what is
 * scored agree. Returns 0 or NIDS_EFORMAT ("k=100000000 but the file holds 3
 * centroids"). */
int nids_classic_check_count(const nids_model *m, const char *key, long have, const char *what,
                             nids_err *err);

/* A column-major copy xt [d x n] of x [n x d] (malloc'd), or NULL when out of memory. */
float *nids_classic_transpose(const float *x, size_t n, int d);

/* The state of a tree-ensemble model (tree, forest, iforest): arena indices. */
struct nids_trees_state {
	int node, value, benign, roots; /* arena indices; benign -1 when absent */
	int K, ntrees;
	nids_cnode *cn; /* [N] the nodes unpacked */
	int *root;      /* [ntrees] */
	float *pattack; /* [N] a leaf's summed attack-class value (tree, forest), else NULL */
};

/* Frees a struct nids_trees_state (the model table's free_state). */
void nids_classic_trees_free(void *state);

/* Accumulates into acc [B x K] the sum over the trees of the K values value [N x K] of the
 * leaf each row of x [B x d] reaches (the class frequencies, or with K = 1 a leaf's
 * P(attack) or path length). */
void nids_classic_trees_sum(const struct nids_trees_state *s, const float *value, int K,
                            const float *x, int B, int d, float *acc);

/* Sets m->state (struct nids_trees_state) from the tensors node [N x 4], value [N x K],
 * roots [T] (and benign [K] when with_benign) of file, copying them into m->arena unless
 * file is m->arena; checks every index. Returns 0 or NIDS_EFORMAT / NIDS_ENOMEM. */
int nids_classic_trees_bind(nids_model *m, const nids_arena *file, int K, int with_benign,
                            nids_err *err);

/* The model table's scratch_new and score for tree and forest: score = the mean over
 * trees of the leaf's P(attack) (the attack classes' summed frequency); with --classes
 * also the mean class frequencies. */
void *nids_classic_trees_scratch(const nids_model *m, int cap, unsigned outputs);
void nids_classic_trees_run(const nids_model *m, void *scratch, const float *x, int B,
                            uint64_t row0, unsigned outputs, float *out, int ldo);

#endif
