/* fit.h: what nids-fit builds from the model table (its usage text and options) and the
 * provenance a fitted model records. Public API of libnids; fitting itself is
 * nids_model_fit (model.h). */
#ifndef NIDS_FIT_H
#define NIDS_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "nids/dataset.h"
#include "nids/err.h"
#include "nids/io.h"
#include "nids/model.h"
#include "nids/stream.h"

/* The usage text: head, then each model type's summary, training defaults and
 * options, then "see nids-fit(1)". malloc'd (the caller frees it); NULL when out of
 * memory. */
char *nids_fit_usage(const char *head);

/* getopt_long values of the hyperparameter options: NIDS_FIT_HP + their index. */
#define NIDS_FIT_HP 0x4000

/* The long options: fixed (ending with a zeroed row), then one per hyperparameter name
 * of any model type (value NIDS_FIT_HP + its index in hp_names, which has room for
 * NIDS_FIT_MAX_HP), into opts (cap rows, the last left zeroed); shorts (256 bytes or
 * more) receives fixed_shorts and the hyperparameters' letters. */
#define NIDS_FIT_MAX_HP 256

/* The fewest minibatch steps of a neural model trained with the default epochs. */
#define NIDS_FIT_MIN_STEPS 2000
struct option;
void nids_fit_options(const struct option *fixed, const char *fixed_shorts, struct option *opts,
                      int cap, char *shorts, const char **hp_names);

/* The hyperparameter that getopt_long's value c names (NIDS_FIT_HP + i, or a model's
 * short letter), or NULL when c is another option. */
const char *nids_fit_hparam(int c, const char *const *hp_names);

/* A new model (nids_model_new) of type (NULL: NIDS_EUSAGE, -t is required) with the n hyperparameters keys[i] = values[i]
 * and seed; fills the training settings of fo that nids-fit was not given (epochs -1,
 * batch 0, lr 0) with the type's defaults from its paper, else 20 epochs, batch 256,
 * lr 1e-3; where the 20 epochs are that default, also at least NIDS_FIT_MIN_STEPS
 * minibatch steps (fo->min_steps), so that a small training set is not left half
 * trained. Returns 0, NIDS_EUSAGE (unknown type or option, bad value) or NIDS_ENOMEM. */
int nids_fit_model(nids_model **m, const char *type, const char *const *keys,
                   const char *const *values, int n, uint64_t seed, nids_fit_opts *fo,
                   nids_err *err);

/* Fits m on the dataset all: holds out the fraction val of its rows (shuffled with seed)
 * for early stopping, fits on the rest with fo (nids_model_fit; its epochs raised to
 * give at least fo->min_steps steps over the rest) and records the
 * provenance (nids_fit_provenance). *ntrain and *nval receive the row counts. Returns 0
 * or a negative code. */
int nids_fit_dataset(nids_model *m, nids_dataset *all, double val, uint64_t seed,
                     const nids_fit_opts *fo, size_t *ntrain, size_t *nval, nids_err *err);

/* Writes m to out and commits it with the files the fit wrote (a tree's --dump,
 * --importances), all written through before any is renamed into place: a failed run
 * leaves none of them, and the files of an earlier run as they were. out is freed.
 * Returns 0 or a negative code. */
int nids_fit_save(nids_model *m, nids_output *out, nids_err *err);

/* Makes m a complete detector that says how it was made: the records of the training
 * stream's header h (its preprocessing), and the provenance lines nids-score --info
 * shows: version, date (SOURCE_DATE_EPOCH when set, so that a fit is reproducible byte
 * for byte), rows, training settings and losses (rep). Returns 0 or NIDS_ENOMEM. */
int nids_fit_provenance(nids_model *m, const nids_header *h, const nids_fit_opts *fo,
                        const nids_fit_report *rep, size_t ntrain, size_t nval, nids_err *err);

#endif
