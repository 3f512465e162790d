/* model.h: detectors as the programs use them. A model is one of the model table's types
 * (nids-fit -t: ae, vae, sae, dagmm, memae, dsebm, aegmm, kmeans, logreg, tree, forest,
 * iforest, ensemble) with its hyperparameters as key=value text; it is fitted on a
 * dataset, asked for its output columns, and read from and written to a model file
 * (man/nids-model.5), which makes it a complete detector (its training rows'
 * preprocessing, provenance, a stored threshold). Scoring is score.h's. The model is
 * opaque here: the model writers' kit (a type's vtable, the model's fields, the
 * training loop of the neural models) is lib/model_impl.h.
 * Public API of libnids. */
#ifndef NIDS_MODEL_H
#define NIDS_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nids/dataset.h"
#include "nids/err.h"
#include "nids/stream.h"

/* Version 2 added the training stream's preprocessing records (prep=), a stored
 * threshold and provenance; version 1 files still load, as models that record no
 * preprocessing. */
#define NIDS_MODEL_MAJOR 2
#define NIDS_MODEL_MINOR 0

/* The ceiling of -j (nids_fit_opts.threads, the scorer's threads): the trainers, the
 * forest and the scorer size their per-thread state by it. */
#define NIDS_THREADS_MAX 64

/* Extra output columns a model may offer besides "score". */
enum nids_score_output {
	NIDS_OUT_ERRORS = 1,  /* per-feature reconstruction error, "err_<feature>" */
	NIDS_OUT_EXPLAIN = 2, /* gradient of the score by each feature, "grad_<feature>" */
	NIDS_OUT_CLASSES = 4, /* class probabilities, "p_<class>" */
	NIDS_OUT_CLUSTER = 8  /* index of the nearest centroid, "cluster" */
};

/* What training reached, for the model file's provenance (NAN when not known). */
/* The optimizer of the neural models (nids-fit --optim). */
enum nids_optim_kind { NIDS_OPTIM_ADAM = 0, NIDS_OPTIM_SGD = 1 };

typedef struct nids_fit_report {
	int epochs;      /* epochs run (early stopping may end before the last) */
	double loss;     /* the last epoch's training loss */
	double val_loss; /* and its validation loss */
} nids_fit_report;

/* Training settings shared by every model (the nids-fit flags). */
typedef struct nids_fit_opts {
	int epochs;        /* passes over the training rows */
	int min_steps;     /* at least this many minibatch steps: raises epochs on small sets */
	int batch;         /* minibatch rows */
	double lr;         /* learning rate */
	int optim;         /* enum nids_optim_kind */
	double weight_decay; /* L2 added to every gradient, PyTorch's weight_decay; 0: none */
	int threads;       /* -j */
	int patience;      /* epochs without a better validation loss before stopping */
	FILE *progress;    /* per-epoch lines, or NULL for none */
	FILE *warnings;    /* the warning about unscaled rows, or NULL for none */
	int progress_tty;  /* rewrite a live line with \r within each epoch */
	nids_fit_report *report; /* filled by the neural trainers when not NULL */
} nids_fit_opts;

typedef struct nids_model nids_model;

/* ---- the table ---- */

/* The types' names as "ae, vae, ...", written into buf (n bytes). Returns buf. */
char *nids_model_type_names(char *buf, size_t n);

/* ---- hyperparameters ---- */

/* A new model of the type called name with default hyperparameters. Returns 0,
 * NIDS_EUSAGE for an unknown type (err lists the known ones) or NIDS_ENOMEM. */
int nids_model_new(nids_model **m, const char *type, nids_err *err);

/* Sets the seed of every random choice in fitting (nids-fit --seed). */
void nids_model_set_seed(nids_model *m, uint64_t seed);

/* The number of parameters (floats, alignment padding included) the model file holds. */
size_t nids_model_params(const nids_model *m);

/* Sets a hyperparameter. NIDS_EUSAGE when the type has no such key. */
int nids_model_set(nids_model *m, const char *key, const char *value, nids_err *err);

/* The text value of key (lent), or NULL for an unknown key. */
const char *nids_model_get(const nids_model *m, const char *key);

/* ---- fitting and scoring ---- */

/* Copies train's feature and class names into m, then calls the type's fit (fit.c), and
 * checks that the fitted model scores the training rows with finite values. */
int nids_model_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                   const nids_fit_opts *o, nids_err *err);

/* Number of output columns for outputs (1 for the score alone), or NIDS_EUSAGE
 * naming an output the type does not offer. names, when not NULL, receives malloc'd
 * column names (free each and the array). */
int nids_model_outputs(const nids_model *m, unsigned outputs, char ***names, nids_err *err);

/* Checks that the stream's feature columns are the model's, in order. Returns 0 or
 * NIDS_EMISMATCH naming the first difference. */
int nids_model_check_features(const nids_model *m, const nids_header *h, nids_err *err);

/* Rows in every call of a model type's score() (unless it sets any_batch): a matrix
 * product's rounding can depend on its shape, so the scorer never lets it vary. */
#define NIDS_SCORE_ROWS 256

void nids_model_free(nids_model *m);

/* ---- model files (man/nids-model.5) ---- */

/* Writes m to f. Returns 0, NIDS_EIO, or NIDS_EUSAGE for a name that cannot be stored
 * (a newline in a feature name). */
int nids_model_write(const nids_model *m, FILE *f, nids_err *err);

/* Records what a model's training rows went through: a copy of the records of the
 * stream header h (NIDS_NORM_RECORD, ...). Returns 0 or NIDS_ENOMEM. */
int nids_model_set_prep(nids_model *m, const nids_header *h);

/* Stores a threshold: score (the column called score) alarms when >= value, or <= value
 * when high is 0. Returns 0 or NIDS_EUSAGE (a score name too long to store). */
int nids_model_set_threshold(nids_model *m, double value, int high, const char *score,
                             nids_err *err);

/* Appends a provenance line "key=value" (value without newlines). 0 or NIDS_ENOMEM. */
int nids_model_add_made(nids_model *m, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reads a model file (zstd-compressed files too). Returns 0 or: NIDS_EIO (cannot read),
 * NIDS_EFORMAT (not a model file, bad field), NIDS_EVERSION (newer major version or an
 * unknown must-understand flag), NIDS_ECHECKSUM, NIDS_ETRUNCATED, with err naming path. */
int nids_model_read(nids_model **m, const char *path, nids_err *err);

/* The file's text header (type, hyperparameters, seed, rows, features, classes,
 * tensors) as a malloc'd string, for nids-score --info. NULL when out of memory. */
char *nids_model_describe(const nids_model *m);

/* The header record nids-score adds to what it scores: "model=" and the scoring model's
 * id, 16 hexadecimal digits, so that nids-threshold -m can tell whose scores it reads.
 * nids-fit does not copy it into a model's preprocessing. */
#define NIDS_SCORE_RECORD "nids.score"

/* The NIDS_SCORE_RECORD text of m into rec [32]: "model=" and the model's id, XXH64 of its
 * file's text section without the threshold line, then of its tensors (storing a
 * threshold leaves it as it was). 0 or NIDS_ENOMEM. */
int nids_model_id(const nids_model *m, char rec[32]);

#endif
