/* explain_impl.h: what the explain_*.c files share (not public). */
#ifndef NIDS_EXPLAIN_IMPL_H
#define NIDS_EXPLAIN_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "nids/explain.h"

/* Reads the background stream r for m: its benign rows (all rows when it has no label
 * column) with the model's preprocessing applied as nids-score applies it, the features
 * alone, a uniform sample (seeded) of at most max rows. *x [*n x d] is malloc'd. Returns
 * 0, NIDS_EFORMAT when no row is benign, or another negative code. */
int nids_explain_read_background(nids_reader *r, const nids_model *m, size_t max,
                                 uint64_t seed, float **x, size_t *n, nids_err *err);

/* The analytic gradient of an aegmm model's score, d score / d x, of rows x [B x d]
 * into g [B x d] (lib/model_aegmm.c). Returns 0 or NIDS_ENOMEM. */
int nids_aegmm_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err);

/* aegmm's stage-1 error vectors e [B x d] = |x - ae(x)| of rows x [B x d], and its
 * stage-2 score -log p(e) of error vectors into out [B] (lib/model_aegmm.c). Return 0
 * or NIDS_ENOMEM. */
int nids_aegmm_errors(const nids_model *m, const float *x, int B, float *e, nids_err *err);
int nids_aegmm_energy(const nids_model *m, const float *e, int B, double *out, nids_err *err);

/* dsebm's d energy / d x = x - r(x) of rows x [B x d] into g [B x d]
 * (lib/model_dsebm.c). Returns 0, 1 for a model that scores by the reconstruction error
 * (no analytic gradient), or NIDS_ENOMEM. */
int nids_dsebm_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err);

/* memae's d score / d x of rows x [B x d] into g [B x d] (lib/model_memae.c). Returns
 * 0 or NIDS_ENOMEM. */
int nids_memae_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err);

/* dagmm's d energy / d x of rows x [B x d] into g [B x d] (lib/model_dagmm.c). Returns
 * 0 or NIDS_ENOMEM. */
int nids_dagmm_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err);

/* sae's d P(attack) / d x of rows x [B x d] into g [B x d] (lib/model_sae.c). Returns 0
 * or NIDS_ENOMEM. */
int nids_sae_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err);

/* logreg's d P(attack) / d x of rows x [B x d] into g [B x d] (lib/model_logreg.c).
 * Returns 0 or NIDS_ENOMEM. */
int nids_logreg_gradient(const nids_model *m, const float *x, int B, float *g, nids_err *err);

/* nids_treeshap_new with Fast TreeSHAP's tables for the leaves of at most bits distinct
 * features (0: none, every leaf computed from its polynomial), or with path != 0 the
 * path algorithm (Lundberg et al.'s Algorithm 2 as it is) for every tree. */
int nids_treeshap_new_opt(nids_treeshap **t, const nids_model *m, const float *bg, size_t n,
                          int bits, int path, nids_err *err);

/* nids_treeshap_row for B rows x [B x d] at once into phi [B x d], the trees taken in
 * turn for all B rows (the values do not depend on B). Returns the expected value. */
double nids_treeshap_rows(nids_treeshap *t, const float *x, int B, double *phi);

/* The expected value (the value of the empty coalition). */
double nids_treeshap_base(const nids_treeshap *t);

/* How many of t's trees Fast TreeSHAP walks (the others: the path algorithm). */
int nids_treeshap_walked(const nids_treeshap *t);

#endif
