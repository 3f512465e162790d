/* metrics_class_impl.h: one class against the benign rows alone, as GEE (Nguyen et al. 2019)
 * evaluates: for an attack class c, the rows of class c are the positives, the rows
 * labeled benign the negatives, and every other row is left out. AUROC, average
 * precision and the curves of that subset are those of nids_eval on it.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_METRICS_CLASS_IMPL_H
#define NIDS_METRICS_CLASS_IMPL_H

#include "nids/err.h"
#include "metrics_impl.h"

/* From a sorted, labeled e: a new sorted collection of the benign rows and the rows of
 * class cls, with their scores, labels and classes. Returns 0 with *sub owned by the
 * caller (nids_eval_free), NIDS_EUSAGE when e is unlabeled, or NIDS_ENOMEM. */
int nids_eval_vs_benign(const nids_eval *e, int cls, nids_eval **sub, nids_err *err);

/* AUROC and average precision of class cls against the benign rows of the sorted,
 * labeled e, in one walk without a copy; NaN when either side has no row. The
 * positives are the class's rows whatever their label. */
void nids_eval_vs_benign_auc(const nids_eval *e, int cls, double *auroc, double *auprc);

#endif
