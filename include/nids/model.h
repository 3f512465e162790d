/* model.h: the model table, hyperparameters, fitting, scoring and model files.
 *
 * Every model (ae, vae, sae; later dagmm, kmeans, forest, ...) is one row of a table of
 * nids_model_type: a small vtable with its name, its hyperparameters (option table:
 * name, short flag, default, help), and functions to fit on an in-memory dataset, to
 * load its tensors back from a file, and to score a batch. A model's state on disk is
 * its hyperparameters as key=value text plus a list of named float32 tensors (an
 * nids_arena), which suits neural weights and trees or centroids alike
 * (man/nids-model.5). */
#ifndef NIDS_MODEL_H
#define NIDS_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nids/dataset.h"
#include "nids/err.h"
#include "nids/nn.h"
#include "nids/stream.h"

/* Version 2 added the training stream's preprocessing records (prep=), a stored
 * threshold and provenance; version 1 files still load, as models that record no
 * preprocessing. */
#define NIDS_MODEL_MAJOR 2
#define NIDS_MODEL_MINOR 0

/* Extra output columns a model may offer besides "score". */
enum nids_score_output {
	NIDS_OUT_ERRORS = 1,  /* per-feature reconstruction error, "err_<feature>" */
	NIDS_OUT_EXPLAIN = 2, /* gradient of the score by each feature, "grad_<feature>" */
	NIDS_OUT_CLASSES = 4, /* class probabilities, "p_<class>" */
	NIDS_OUT_CLUSTER = 8  /* index of the nearest centroid, "cluster" */
};

typedef struct nids_hparam {
	const char *name;    /* long option: "latent" is --latent */
	int shortopt;        /* a short option letter, or 0 */
	const char *defval;  /* default, as text */
	const char *help;    /* one line for --help and nids-fit(1) */
} nids_hparam;

/* What training reached, for the model file's provenance (NAN when not known). */
typedef struct nids_fit_report {
	int epochs;      /* epochs run (early stopping may end before the last) */
	double loss;     /* the last epoch's training loss */
	double val_loss; /* and its validation loss */
} nids_fit_report;

/* Training settings shared by every model (the nids-fit flags). */
typedef struct nids_fit_opts {
	int epochs;        /* passes over the training rows */
	int batch;         /* minibatch rows */
	double lr;         /* learning rate */
	int optim;         /* enum nids_optim_kind */
	double weight_decay; /* L2 added to every gradient, PyTorch's weight_decay; 0: none */
	int threads;       /* -j */
	int patience;      /* epochs without a better validation loss before stopping */
	FILE *progress;    /* per-epoch lines, or NULL for none */
	int progress_tty;  /* rewrite a live line with \r within each epoch */
	nids_fit_report *report; /* filled by the neural trainers when not NULL */
} nids_fit_opts;

typedef struct nids_model nids_model;

typedef struct nids_model_type {
	const char *name;
	const char *summary;        /* one line for --help */
	const nids_hparam *hparams; /* ends with a { NULL } row */
	unsigned outputs;           /* the NIDS_OUT_* it supports */
	int needs_labels;           /* 1: fit needs the label column, 2: the class column */
	/* Fits m (hyperparameters, features and classes set) on train, using val for early
	 * stopping when val->n > 0: defines and fills m->arena and m->state. */
	int (*fit)(nids_model *m, const nids_dataset *train, const nids_dataset *val,
	           const nids_fit_opts *o, nids_err *err);
	/* Rebuilds m->state and m->arena from a file's tensors (file), checking shapes. */
	int (*load)(nids_model *m, const nids_arena *file, nids_err *err);
	/* Per-thread scratch for scoring up to cap rows with these outputs; NULL when out of
	 * memory. */
	void *(*scratch_new)(const nids_model *m, int cap, unsigned outputs);
	void (*scratch_free)(void *scratch);
	/* Scores x [B x d] into out [B x ldo]: column 0 the score, then the requested
	 * outputs in the order errors, explain, classes, cluster. row0 is the stream index of
	 * the first row; a score must not depend on it, nor on the other rows (vae draws
	 * the same noise for every row). Unless any_batch is set, B is always
	 * NIDS_SCORE_ROWS (the scorer pads), so matrix products always have one shape. */
	void (*score)(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
	              unsigned outputs, float *out, int ldo);
	void (*free_state)(void *state);
	/* Names of further score columns the type always emits right after "score" (role
	 * score too; score() writes them in columns 1..n before the other outputs), ending
	 * with NULL; NULL for none. aegmm's stage-1 "mae", for example. */
	const char *const *scores;
	/* Bit i set: scores[i] has role score-low (lower = more anomalous), as aegmm's
	 * "logp", the log-likelihood that "score" negates. */
	unsigned scores_low;
	/* 1: a row's score never depends on the batch around it (no matrix products, only
	 * per-row loops), so score() may get any number of rows, up to the scratch's cap;
	 * 0: score() gets blocks of exactly NIDS_SCORE_ROWS rows. */
	int any_batch;
	/* Training defaults from the model's paper, used by nids-fit when its --epochs,
	 * --batch or --lr is not given; 0 leaves nids-fit's own (20, 256, 1e-3). */
	int epochs, batch;
	double lr;
} nids_model_type;

struct nids_model {
	const nids_model_type *type;
	char **hp;           /* values parallel to type->hparams, as text */
	uint64_t seed;
	uint64_t train_rows; /* rows the model was fitted on */
	int d;
	char **features;     /* [d] the training stream's feature names */
	int nclasses;
	char **classes;      /* class names known at training time */
	nids_arena arena;    /* the parameters saved in the model file */
	void *state;         /* the type's own parsed view of hyperparameters and tensors */
	/* A complete detector: the header records of the stream it was trained on (what its
	 * rows went through, e.g. NIDS_NORM_RECORD), NULL when unknown (older files); how
	 * it was made (informative "key=value" lines, or NULL); and a stored threshold. */
	nids_header *prep;
	char *made;
	int has_threshold;
	double threshold;
	int threshold_high;  /* 1: score >= threshold alarms; 0: score <= threshold */
	char threshold_score[128]; /* the score column it applies to */
};

/* ---- the table ---- */

/* The type called name, or NULL. */
const nids_model_type *nids_model_type_find(const char *name);
/* The i-th type (for --help and option tables), NULL past the end. */
const nids_model_type *nids_model_type_at(int i);

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

/* Typed views of a hyperparameter, range-checked; NIDS_EUSAGE with
 * "--key: 'value' is not ..." otherwise. */
int nids_model_get_long(const nids_model *m, const char *key, long lo, long hi, long *out,
                        nids_err *err);
int nids_model_get_double(const nids_model *m, const char *key, double lo, double hi,
                          double *out, nids_err *err);
/* A comma-separated list of at most max whole numbers in [lo, hi]; returns the count. */
int nids_model_get_ints(const nids_model *m, const char *key, int *out, int max, long lo,
                        long hi, nids_err *err);
/* The index of the value in the NULL-terminated choices, or NIDS_EUSAGE. */
int nids_model_get_choice(const nids_model *m, const char *key, const char *const *choices,
                          nids_err *err);
/* A hidden-layer activation (any but none): its NIDS_ACT_ value, or NIDS_EUSAGE. */
int nids_model_get_act(const nids_model *m, const char *key, nids_err *err);

/* ---- fitting and scoring ---- */

/* Copies train's feature and class names into m, then calls the type's fit (fit.c), and
 * checks that the fitted model scores the training rows with finite values. */
int nids_model_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                   const nids_fit_opts *o, nids_err *err);

/* What nids_model_fit does before the type's fit: checks that train has rows and the
 * columns the type needs, and copies its feature and class names into m. */
int nids_model_fit_columns(nids_model *m, const nids_dataset *train, nids_err *err);

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

/* ---- the training loop shared by the neural models ---- */

/* A network as the trainer sees it: one parameter block, a step function, and how many
 * data-parallel shards a minibatch may be cut into (1 when a loss needs the whole
 * batch, such as KL sparsity). */
typedef struct nids_net {
	void *ctx;
	float *params;
	size_t nparams;
	int max_shards;
	/* Lists shard's activations and scratch for up to cap rows in sc; the trainer makes
	 * one allocation for every shard (and its own buffers) and frees it after training. */
	void (*plan)(void *ctx, int shard, int cap, nids_scratch *sc);
	/* Forward on rows x [B x d] with labels y [B] (or NULL); when grads is not NULL also
	 * backward, accumulating scale times the gradient. Returns scale * the summed loss. */
	double (*step)(void *ctx, int shard, const float *x, const int *y, int B, float scale,
	               float *grads, nids_rng *rng);
} nids_net;

/* The dense autoencoder of -t ae and of -t aegmm's stage 1 (nn_autoencoder.c):
 * d -> widths -> mirror -> d, the activation after every layer but the linear output,
 * MSE or MAE loss, and an optional L1 penalty on the code (the innermost layer). */
typedef struct nids_autoencoder {
	nids_mlp net;  /* tensors ae0.w, ae0.b, ... */
	int code;      /* index of the code layer in net */
	int mae;       /* 1: MAE loss, else MSE */
	float l1;      /* weight of the L1 penalty on the code; 0: none */
	nids_mlp_acts acts[64];
	float *dout[64], *dcode[64]; /* per shard: [cap x d], [cap x code width] */
	nids_arena *arena;
} nids_autoencoder;

/* Lays out the network from m's "layers" and "act" hyperparameters in m->arena, which it
 * starts afresh (nothing allocated yet). */
int nids_autoencoder_define(nids_autoencoder *a, nids_model *m, int mae, float l1,
                            nids_err *err);
/* nids_net's plan and step, with the autoencoder as ctx. */
void nids_autoencoder_plan(void *ctx, int s, int cap, nids_scratch *sc);
double nids_autoencoder_step(void *ctx, int s, const float *x, const int *y, int B,
                             float scale, float *grads, nids_rng *rng);

/* A neural model's parameters: define() lays out its tensors in m->arena (and creates
 * m->state), the arena is allocated, and, when file is given (loading a model file), filled
 * from the file's tensors. */
int nids_model_arena_setup(nids_model *m, int (*define)(nids_model *m, nids_err *err),
                           const nids_arena *file, nids_err *err);

/* Initialises the n networks in order from rng, seeded with m->seed; networks with no
 * layers are skipped, and rng is left for the caller's further draws. */
void nids_model_init_mlps(const nids_model *m, nids_mlp *const *nets, int n, nids_rng *rng);

/* Trains net with the options in o: shuffled minibatches, Adam or SGD, progress on
 * o->progress, early stopping on val (when val->n > 0; the best parameters are kept).
 * y selects the row targets: 0 none, 1 labels, 2 classes. stage names the phase in
 * progress lines ("" for one-phase models). Returns 0, or NIDS_EFORMAT when the loss
 * becomes NaN or infinite (nothing usable was learned). */
int nids_net_train(nids_net *net, const nids_dataset *train, const nids_dataset *val, int y,
                   const nids_fit_opts *o, uint64_t seed, const char *stage, nids_err *err);

/* A test hook (tests/unit/test_objectives.c): when not NULL, nids_net_train calls it with
 * each network it trains once the network's buffers are prepared, before the first epoch,
 * so that a test can set the parameters and evaluate the model's loss through its own
 * step function. NULL (no hook) in the programs. */
extern void (*nids_net_train_hook)(nids_net *net, const char *stage);

#endif
