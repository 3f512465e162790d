/* scored_impl.h: finding the score, label and class columns of a scored stream, and
 * loading its rows into a nids_eval (shared by nids-roc and nids-threshold).
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_SCORED_IMPL_H
#define NIDS_SCORED_IMPL_H

#include "nids/err.h"
#include "metrics_impl.h"
#include "nids/stream.h"

typedef struct nids_scored_cols {
	int score;     /* column index of the score */
	int label;     /* column index of the label, or -1 */
	int cls;       /* column index of the class, or -1 */
	int direction; /* enum nids_direction */
} nids_scored_cols;

/* Picks the columns of h. The score is the column called score_name when it is not
 * NULL, else the one column whose role is score or score-low. direction is
 * NIDS_DIR_HIGH or NIDS_DIR_LOW to force one, or -1 to take it from the column's role
 * (score-low = NIDS_DIR_LOW). where names the stream for messages. Returns 0, or
 * NIDS_EFORMAT naming what is missing or ambiguous ("several score columns ('mae',
 * 'score'); choose one with --score"). */
int nids_scored_find(const nids_header *h, const char *score_name, int direction,
                     nids_scored_cols *c, const char *where, nids_err *err);

/* Checks one row (C floats) and returns its label (0/1, or NIDS_EVAL_UNLABELED
 * without a label column) and class id (or NIDS_EVAL_NO_CLASS). Returns 0, or
 * NIDS_EFORMAT for a NaN score, a label not 0 or 1, a class id not in h's table;
 * where is used as given ("name: row N"). */
int nids_scored_row(const nids_header *h, const nids_scored_cols *c, const float *row,
                    int *label, int *cls, const char *where, nids_err *err);

/* Reads every remaining row of r into e (which has c->direction), then sorts e.
 * name is the input's name for messages. Returns 0 or a negative code. */
int nids_scored_load(nids_reader *r, const nids_scored_cols *c, nids_eval *e, const char *name,
                     nids_err *err);

#endif
