/* metrics_multi_impl.h: multi-class evaluation of a classifier's predicted classes, with
 * scikit-learn's definitions (classification_report, confusion_matrix):
 *
 *   labels     the sorted union of the true and the predicted class names
 *   cm[i][j]   rows whose true class is labels[i] and predicted class labels[j]
 *   precision  cm[i][i] / column sum, 0 when nothing was predicted as the class
 *   recall     cm[i][i] / row sum (the support), 0 when the class has no row
 *   F1         2 P R / (P + R), 0 when P + R = 0
 *   macro      the unweighted mean over the labels; weighted: weighted by support
 *   accuracy   the trace over the rows
 *
 * Classes are matched by name, so a true class column and a predicted one may come
 * from different class tables (the stream's, the model's), and the label column's
 * 0/1 reads as the names 'benign' and 'attack' (a model fitted with --target label).
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_METRICS_MULTI_IMPL_H
#define NIDS_METRICS_MULTI_IMPL_H

#include <stdint.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/stream.h"

#define NIDS_MC_MAX_CLASSES 4096

typedef struct nids_mc_class {
	const char *name; /* owned by the report */
	double precision, recall, f1;
	uint64_t support, predicted, correct;
} nids_mc_class;

typedef struct nids_mc_avg {
	double precision, recall, f1;
} nids_mc_avg;

typedef struct nids_mc_report {
	int L;              /* labels */
	nids_mc_class *cls; /* [L], sorted by name (strcmp: code point order, as Python) */
	uint64_t *cm;       /* [L x L], row = true class, column = predicted */
	uint64_t rows;
	double accuracy;
	nids_mc_avg macro, weighted;
} nids_mc_report;

/* Builds the report of (true, predicted) name pairs: truth [n] and pred [n] index the
 * name tables tnames [nt] and pnames [np]. Returns 0 with *out owned by the caller
 * (nids_mc_report_free), NIDS_EFORMAT for an index out of its table or more than
 * NIDS_MC_MAX_CLASSES names, NIDS_ENOMEM. */
int nids_mc_report_new(nids_mc_report **out, const int *truth, const int *pred, size_t n,
                       char *const *tnames, int nt, char *const *pnames, int np,
                       nids_err *err);
void nids_mc_report_free(nids_mc_report *r);

/* Writes the report as text: classification_report's table with 6 decimals (per-class
 * rows, accuracy, macro avg, weighted avg), then the confusion matrix. */
void nids_mc_print_text(FILE *f, const nids_mc_report *r, const char *input);
/* Writes the report as one JSON object: rows, labels, confusion, classes (name,
 * precision, recall, f1, support), accuracy, macro_avg, weighted_avg. Numbers in
 * shortest round-trip form. */
void nids_mc_print_json(FILE *f, const nids_mc_report *r);
/* Writes the confusion matrix as an SVG heatmap: each cell shaded by its share of the
 * true class's rows (the recall row), with its count. Returns 0 or NIDS_EIO. */
int nids_mc_svg(FILE *f, const char *name, const nids_mc_report *r, const char *title,
                nids_err *err);

/* Reads the rest of r: the true class from the column truth (role class or label; a
 * label reads as 'benign' / 'attack') and the prediction from the column pred (role
 * class), and builds the report. name names the input in messages. Returns 0 or < 0. */
int nids_mc_read(nids_reader *r, int truth, int pred, const char *name, nids_mc_report **out,
                 nids_err *err);

#endif
