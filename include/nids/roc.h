/* roc.h: the evaluation nids-roc prints: AUROC, AUPRC, best F1, the confusion matrix
 * at a threshold and the detection rate of every class of a scored, labeled stream,
 * as a table, JSON, curve points or SVG plots. Public API of libnids. */
#ifndef NIDS_ROC_H
#define NIDS_ROC_H

#include <stddef.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/stream.h"
#include "nids/threshold.h"

typedef struct nids_roc_opts {
	const char *score;  /* the score column, or NULL for the one with a score role */
	int direction;      /* NIDS_DIR_*, or -1 for the column's role */
	const char *cls;    /* evaluate this class against the benign rows alone, or NULL */
	int vs_benign;      /* also each attack class's AUROC and AUPRC against the benign rows */
	double threshold;   /* the threshold to evaluate at, NaN for none */
	const nids_threshold *params; /* a threshold file's contents (its score, direction
	                                 and value win), or NULL */
	/* what nids-roc writes (nids_roc_check checks the combination) */
	const char *params_file; /* -p */
	int json;                /* --json */
	const char *curve;       /* --curve roc|pr */
	const char *svg, *density, *output; /* --svg, --density, -o ("-" or NULL: stdout) */
	int report;              /* set by nids_roc_check: enum nids_roc_report, -1 for none */
	int multiclass;          /* --multiclass: predicted classes against the true ones */
	const char *truth;       /* --truth class|label, or NULL */
} nids_roc_opts;

/* Checks the combination of nids-roc's options and sets o->report. Returns 0 or
 * NIDS_EUSAGE saying what does not go together. */
int nids_roc_check(nids_roc_opts *o, nids_err *err);

/* --multiclass: reads the predicted classes of r (the column 'pred', role class; name
 * for messages and the report) and the true ones (o->truth: the class column, or the
 * label; NULL: the class column when there is one, else the label), and writes the
 * per-class report: an SVG heatmap to o->svg when set, and, unless o->svg is "-", text
 * or JSON (o->json) to o->output. Returns 0 or a negative code. */
int nids_roc_multiclass(nids_reader *r, const char *name, const nids_roc_opts *o,
                        nids_err *err);

typedef struct nids_roc nids_roc;

/* Reads every remaining row of r (name for messages) and evaluates it: at params' value,
 * else at threshold, else at the best-F1 threshold. Returns 0 with *res owned by the
 * caller (nids_roc_free), or a negative code: NIDS_EFORMAT without a label column,
 * NIDS_EUSAGE for an unknown --class. */
int nids_roc_evaluate(nids_roc **res, nids_reader *r, const char *name, const nids_roc_opts *o,
                      nids_err *err);

/* The reports. */
enum nids_roc_report {
	NIDS_ROC_TABLE,     /* the metrics as a table for people */
	NIDS_ROC_JSON,      /* the same as one JSON object */
	NIDS_ROC_CURVE_ROC, /* the ROC curve's points as TSV: threshold, fpr, tpr */
	NIDS_ROC_CURVE_PR,  /* the precision-recall curve's: threshold, recall, precision */
	NIDS_ROC_SVG,       /* ROC, PR and score-histogram plots (bins bins) as SVG */
	NIDS_ROC_DENSITY    /* score densities (Gaussian KDE) of the benign rows and of each
	                       attack class as SVG */
};

/* Writes o->report to o->output (NULL or "-": stdout) and the plots o->svg and
 * o->density asked for, all or none; label names the input in them (a file, or "3
 * files"). Returns 0 or a negative code. */
int nids_roc_save(const nids_roc *res, const nids_roc_opts *o, const char *label, int bins,
                  nids_err *err);

/* The warning a one-sided stream deserves ("no attack rows; ..."), or NULL. */
const char *nids_roc_warning(const nids_roc *res);

/* Frees. Accepts NULL. */
void nids_roc_free(nids_roc *res);

#endif
