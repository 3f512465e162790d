/* importance_impl.h: feature importances and feature selection (nids-fit's --importances,
 * nids-select).
 *
 * Impurity importances follow scikit-learn's feature_importances_: a tree's are its
 * summed weighted impurity decreases per feature, normalised to sum 1 (all zero for a
 * tree without splits); a forest's are the mean of its trees' normalised importances
 * over the trees with at least one split, normalised again. Permutation importance
 * (Breiman 2001) is the drop of a model's AUROC on a stream when one feature's values
 * are shuffled among the rows, the mean over repeats. The correlation filter is the
 * usual pandas recipe: with the features in a given order and r their Pearson
 * correlation over the rows (DataFrame.corr), a feature is dropped when its |r| with
 * any feature before it is above the threshold (whether or not that one is kept); a
 * constant feature has no defined r and is never dropped for it.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_IMPORTANCE_IMPL_H
#define NIDS_IMPORTANCE_IMPL_H

#include <stddef.h>

#include "nids/err.h"
#include "nids/io.h"

/* Scales imp [d] to sum 1; leaves all-zero importances as they are. */
void nids_importance_normalize(double *imp, int d);

/* The features' indices, most important first (ties in feature order): malloc'd [d],
 * NULL when out of memory. */
int *nids_importance_order(const double *imp, int d);

/* Writes "feature<TAB>importance" lines, a header line first, most important first
 * (ties in feature order), values in shortest round-trip form, to path (atomically);
 * with pending not NULL, written and not committed, in *pending. Returns 0, NIDS_EIO,
 * NIDS_ENOMEM. */
int nids_importance_write(const char *path, char *const *names, const double *imp, int d,
                          nids_output **pending, nids_err *err);

/* Reads a file of feature names, one a line, into *names [*n] (each and the array
 * malloc'd), in file order. With vals, an importance file as written above (the header
 * line, then name, tab and number), the numbers into *vals [*n]; without, a kept list
 * (a name is the text up to a tab; blank and '#' lines skipped; a name listed twice or
 * no name at all refused). Returns 0, NIDS_EIO, NIDS_EFORMAT (path:line: what),
 * NIDS_ENOMEM. */
int nids_name_file_read(const char *path, char ***names, double **vals, int *n, nids_err *err);

/* The correlation filter over the finite columns x [n x d] (row-major), in the order
 * order [k] (feature indices): keep [k] receives 1 for a kept feature, 0 for a dropped
 * one. Correlations in double, two passes (means, then centred sums). Returns 0. */
int nids_corr_filter(const float *x, size_t n, int d, const int *order, int k, double thr,
                     int *keep, nids_err *err);

/* Pearson's r of columns a and b of x [n x d]; NaN when either is constant or n < 2. */
double nids_corr(const float *x, size_t n, int d, int a, int b);

#endif
