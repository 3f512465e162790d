/* metrics_impl.h: detection metrics over scored, labeled rows (what nids-roc prints).
 *
 * A nids_eval collects one (score, label, class) triple per row in 8 bytes, then sorts
 * them once from most to least anomalous (a radix sort that needs another 8 bytes per
 * row while it runs). Every metric is a walk over that order:
 *   - AUROC is the Mann-Whitney statistic, computed exactly in integers: a benign row
 *     tied with an attack row counts one half. It equals scikit-learn's roc_auc_score.
 *   - AUPRC is average precision as scikit-learn defines it: the sum over distinct
 *     thresholds of (recall step) x (precision there), with no interpolation.
 *   - A row is an alarm at threshold t when its score >= t, or score <= t when the
 *     direction is NIDS_DIR_LOW (lower = more anomalous, e.g. a log-likelihood),
 *     compared in float32 (nids_is_alarm).
 * Metrics that are undefined (AUROC with one class absent, AUPRC and best F1 without
 * attacks) are NaN; precision with no alarms is 0, as scikit-learn's zero_division.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_METRICS_IMPL_H
#define NIDS_METRICS_IMPL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "nids/err.h"
#include "nids/stream.h"

/* enum nids_direction (NIDS_DIR_HIGH, NIDS_DIR_LOW): stream.h */

#define NIDS_EVAL_NO_CLASS (-1)
#define NIDS_EVAL_UNLABELED (-1)
#define NIDS_EVAL_MAX_CLASS 0x3fffffff

typedef struct nids_eval nids_eval;

/* A new empty collection for scores of the given direction; NULL when out of memory.
 * Free with nids_eval_free. */
nids_eval *nids_eval_new(int direction);
void nids_eval_free(nids_eval *e);

/* The direction given to nids_eval_new. */
int nids_eval_direction(const nids_eval *e);

/* Adds a row. score must not be NaN; label is 0, 1 or NIDS_EVAL_UNLABELED (then every
 * row must be unlabeled); cls is a class id in [0, NIDS_EVAL_MAX_CLASS] or
 * NIDS_EVAL_NO_CLASS. Returns 0, NIDS_EFORMAT (with err, where left empty for the
 * caller to name the row) or NIDS_ENOMEM. Adding after nids_eval_sort is NIDS_EUSAGE. */
int nids_eval_add(nids_eval *e, float score, int label, int cls, nids_err *err);

/* Sorts the rows from most to least anomalous. Returns 0 or NIDS_ENOMEM. */
int nids_eval_sort(nids_eval *e, nids_err *err);

/* Counts. attacks + benign == rows when labeled; both 0 when unlabeled. */
size_t nids_eval_rows(const nids_eval *e);
size_t nids_eval_attacks(const nids_eval *e);
size_t nids_eval_benign(const nids_eval *e);
int nids_eval_labeled(const nids_eval *e);

/* After sorting: the i-th most anomalous row's score, label (0/1/-1) and class (or
 * NIDS_EVAL_NO_CLASS), for i < rows. */
float nids_eval_score_at(const nids_eval *e, size_t i);
int nids_eval_label_at(const nids_eval *e, size_t i);
int nids_eval_class_at(const nids_eval *e, size_t i);

/* After sorting, on labeled rows: AUROC and average precision (NaN when undefined). */
double nids_eval_auroc(const nids_eval *e);
double nids_eval_auprc(const nids_eval *e);

/* After sorting: the threshold with the highest F1 (ties: the least anomalous such
 * threshold, as scikit-learn's argmax over precision_recall_curve). Sets *f1 and
 * *threshold (a score present in the data); both NaN when there are no attacks. */
void nids_eval_best_f1(const nids_eval *e, double *f1, double *threshold);

/* The confusion matrix at a threshold and what follows from it. */
typedef struct nids_confusion {
	uint64_t tp, fp, tn, fn;
	double precision, recall, f1, accuracy, fpr; /* 0 where the denominator is 0 */
} nids_confusion;

/* Per class: its rows, how many of them are labeled attacks, and the alarms. */
typedef struct nids_class_count {
	uint64_t rows, attacks, alarms;
} nids_class_count;

/* Fills c at threshold t; when per_class is not NULL it has nclasses entries and
 * receives the counts per class id (rows with a class id >= nclasses are not
 * counted there). */
void nids_eval_confusion(const nids_eval *e, double t, nids_confusion *c, int nclasses,
                         nids_class_count *per_class);

/* One point per distinct score, most anomalous first: the cumulative alarms that are
 * attacks (tp) and benign (fp) when the threshold is that score. */
typedef struct nids_eval_point {
	double threshold;
	uint64_t tp, fp;
} nids_eval_point;

/* Iteration: start with *pos = 0; each call fills *pt and returns 1, or returns 0
 * after the last distinct score. */
int nids_eval_next_point(const nids_eval *e, size_t *pos, nids_eval_point *pt);

/* t rounded to the nearest float32 (saturating to an infinity). */
static inline float nids_threshold_f32(double t)
{
	return t > 3.4028234663852886e38 ? HUGE_VALF
	       : t < -3.4028234663852886e38 ? -HUGE_VALF : (float)t;
}

/* True when score is at least as anomalous as threshold t in direction dir. Scores
 * are float32, and so is the comparison: t is rounded to the nearest float32 first,
 * as numpy compares a float32 array with a Python float (a score of 0.1 is an alarm
 * at --value 0.1 --low). */
static inline int nids_is_alarm(float score, double t, int dir)
{
	float ft = nids_threshold_f32(t);
	return dir == NIDS_DIR_LOW ? score <= ft : score >= ft;
}

#endif
