/* model_impl.h: the model writers' kit. A model type is one row of the model table
 * (model_table.c): a small vtable (nids_model_type) with its name, its hyperparameters
 * (an option table: name, short flag, default, help), and functions to fit on an
 * in-memory dataset, to load its tensors back from a file, and to score a batch. A
 * model's state on disk is its hyperparameters as key=value text plus a list of named
 * float32 tensors (an nids_arena), which suits neural weights and trees or centroids
 * alike (man/nids-model.5). Here too: the typed hyperparameter views (model_params.c)
 * and the training loop the neural models share (nn_train.c).
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_MODEL_IMPL_H
#define NIDS_MODEL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "nids/model.h"
#include "nn_impl.h"
#include "rng_impl.h"

typedef struct nids_hparam {
	const char *name;    /* long option: "latent" is --latent */
	int shortopt;        /* a short option letter, or 0 */
	const char *defval;  /* default, as text */
	const char *help;    /* one line for --help and nids-fit(1) */
} nids_hparam;

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
	/* 1: splits rows on per-feature thresholds (trees), so a feature's scale does not
	 * matter; 0: distances and gradients, which the largest raw features dominate */
	int scale_free;
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
	/* The side files a fit wrote (a tree's --dump, --importances), written and not yet
	 * committed: nids_fit_save commits them with the model file, so that a run that
	 * fails leaves none of them and the files of an earlier run as they were. */
	struct nids_output *side[2];
};
enum { NIDS_SIDE_DUMP, NIDS_SIDE_IMPORTANCES };

/* ---- the table ---- */

/* The type called name, or NULL. */
const nids_model_type *nids_model_type_find(const char *name);
/* The i-th type (for --help and option tables), NULL past the end. */
const nids_model_type *nids_model_type_at(int i);

/* ---- hyperparameters ---- */

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

/* ---- fitting ---- */

/* What nids_model_fit does before the type's fit: checks that train has rows and the
 * columns the type needs, and copies its feature and class names into m. */
int nids_model_fit_columns(nids_model *m, const nids_dataset *train, nids_err *err);

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
	nids_mlp_acts acts[NIDS_THREADS_MAX];
	float *dout[NIDS_THREADS_MAX], *dcode[NIDS_THREADS_MAX]; /* per shard: [cap x d], [cap x code width] */
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
