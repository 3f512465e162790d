/* select.h: feature selection (nids-select): choose the features to keep from a ranking
 * (impurity importances from nids-fit --importances, or permutation importances
 * computed here) by the top K and the correlation filter of importance.h, write the
 * kept list, and apply a kept list to a stream. */
#ifndef NIDS_SELECT_H
#define NIDS_SELECT_H

#include <stdint.h>
#include <stdio.h>

#include "nids/dataset.h"
#include "nids/err.h"
#include "nids/model.h"
#include "nids/stream.h"

/* Permutation importance of every feature of ds for model m: the model's AUROC on ds
 * (score column, labels) less its mean AUROC over repeats with that feature's values
 * shuffled among the rows (a seeded Fisher-Yates shuffle per feature and repeat),
 * into imp [ds->d]; *base receives the unshuffled AUROC. The model's stored
 * normalization is applied as nids-score applies it. Needs labels of both kinds.
 * Returns 0, NIDS_EMISMATCH (features), NIDS_EFORMAT (labels), NIDS_ENOMEM. */
int nids_permutation_importance(const nids_model *m, const nids_dataset *ds, int repeats,
                                uint64_t seed, int threads, double *imp, double *base,
                                nids_err *err);

typedef struct nids_select_opts {
	char *const *rank; /* [nrank] feature names, most important first */
	int nrank;
	int top;           /* keep the first top of them; 0: all */
	double corr;       /* then drop |r| > corr (importance.h); NaN: no filter */
} nids_select_opts;

/* The kept names, in ranking order, as pointers into o->rank (*kept [*nkept], the
 * array malloc'd). ds (needed for the filter, else may be NULL) must have every ranked
 * name among its features. *dropped receives how many the filter dropped. Returns 0,
 * NIDS_EFORMAT (a ranked name not in the stream), NIDS_ENOMEM. */
int nids_select_choose(const nids_select_opts *o, const nids_dataset *ds, char ***kept,
                       int *nkept, int *dropped, nids_err *err);

/* Reads a kept list: one feature name a line; blank lines, '#' comments and anything
 * after a tab are ignored. *names [*n] malloc'd. Returns 0, NIDS_EIO, NIDS_EFORMAT
 * (empty list, a name twice: path:line), NIDS_ENOMEM. */
int nids_select_list_read(const char *path, char ***names, int *n, nids_err *err);

/* Copies the stream r to out keeping, of its feature columns, those named in keep
 * [nkeep] (in the stream's order), and every other column, the metadata, classes and
 * records. Returns 0, NIDS_EFORMAT (a kept name that is not a feature of the stream),
 * or a stream error. */
int nids_select_apply(nids_reader *r, const char *in_name, char *const *keep, int nkeep,
                      FILE *out, const char *out_name, int level, nids_err *err);

/* ---- nids-select's steps (select_run.c) ---- */

/* What nids-select was asked to do. */
typedef struct nids_select_args {
	const char *importances, *model, *permutation, *apply, *output; /* the files */
	int top, repeats, threads, level; /* --top (0: all), --repeats, -j, -z */
	double corr;                      /* --corr, NaN for none */
	uint64_t seed;
	char **inputs; /* the input streams, ninputs of them (none: stdin) */
	int ninputs;
} nids_select_args;

/* Checks the combination of options. Returns 0 or NIDS_EUSAGE saying what is wrong. */
int nids_select_check(const nids_select_args *a, nids_err *err);

/* --apply: copies the inputs to a->output (atomically), keeping the features listed in
 * a->apply. Returns 0 or a negative code. */
int nids_select_apply_files(const nids_select_args *a, nids_err *err);

/* What choosing found, for the summary on stderr. */
typedef struct nids_select_summary {
	int kept, ranked, dropped; /* features kept, ranked, dropped by the filter */
	double auroc;              /* --permutation: the model's AUROC on the input */
	size_t rows;               /* the rows read from the input (0: none read) */
} nids_select_summary;

/* Chooses the features: ranks them (a->importances, or permutation importances of
 * a->model on the inputs, written to a->permutation), keeps the top a->top, filters by
 * a->corr over the inputs' rows, and writes the kept list to a->output (atomically).
 * Returns 0 or a negative code. */
int nids_select_choose_files(const nids_select_args *a, nids_select_summary *sum,
                             nids_err *err);

#endif
