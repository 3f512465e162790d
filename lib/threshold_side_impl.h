/* threshold_side_impl.h: which side of a score column is anomalous, and the traps of
 * forcing the other one (nids-threshold).
 *
 * A column's role says it: score (higher = more anomalous: reconstruction errors,
 * -log p) or score-low (lower = more anomalous: log-likelihoods, aegmm's "logp"). A
 * rule stated in a source system's own units often names the other side: the AE-GMM
 * system's "1.2th percentile of the validation log-probabilities" is, on -log p, the
 * 98.8th percentile; the netflow VAE's "reconstruction probability p below alpha" is,
 * on -log p, a threshold of -ln alpha.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_THRESHOLD_SIDE_IMPL_H
#define NIDS_THRESHOLD_SIDE_IMPL_H

#include <stddef.h>

#include "nids/stream.h"

/* When the direction forced by --high or --low (forced, enum nids_direction) contradicts
 * the role of the score column col of h, writes a one-line warning that spells out
 * the fix for the rule (enum nids_fit_rule, with its parameter) into msg [n] and
 * returns 1; returns 0 (msg untouched) for a column of another role or no
 * contradiction. */
int nids_threshold_side_check(const nids_header *h, int col, int forced, int rule, double param,
                              char *msg, size_t n);

/* The alpha rule (alarm when the probability p < alpha, 0 < alpha < 1) as a threshold
 * on a column holding -log p (direction high: -ln alpha) or log p (direction low:
 * ln alpha). */
double nids_threshold_alpha(double alpha, int direction);

#endif
