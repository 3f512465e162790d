/* threshold_impl.h: the fitting rules of threshold.h applied to the sorted rows of an
 * nids_eval (metrics_impl.h), which nids_threshold_fit_stream fills from a stream.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_THRESHOLD_IMPL_H
#define NIDS_THRESHOLD_IMPL_H

#include <stddef.h>

#include "metrics_impl.h"
#include "nids/err.h"
#include "nids/threshold.h"

/* The p-th percentile (0 <= p <= 100) of x[0..n-1], sorted ascending, n >= 1, with
 * numpy's 'linear' interpolation computed the way numpy computes it. */
double nids_percentile(const double *x, size_t n, double p);

/* Fits a threshold to the sorted rows of e by rule with parameter param (ignored by
 * BEST_F1). Fills t->value and t->method, t->rows and t->direction (from e); leaves
 * t->score alone. Returns 0, or NIDS_EFORMAT when the rule cannot apply (no rows, no
 * reference rows, BEST_F1 without labels or attacks), or NIDS_ENOMEM. */
int nids_threshold_fit(const nids_eval *e, int rule, double param, nids_threshold *t,
                       nids_err *err);

#endif
