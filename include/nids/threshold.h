/* threshold.h: fitting an alarm threshold to scores, and the threshold file.
 *
 * Rules (see nids-threshold(1)); "reference rows" are the benign rows when the rows
 * are labeled and all rows otherwise:
 *   PERCENTILE p  the p-th percentile of the reference scores, interpolated as
 *                 numpy.percentile's default ('linear'): sorted x, h = (n-1)p/100,
 *                 x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]), in double
 *   SIGMA k       mean + k sd of the reference scores (mean - k sd for NIDS_DIR_LOW),
 *                 sd with ddof 0 as numpy.std
 *   RATE r        flags the top fraction r of all rows: the percentile 100(1-r) of all
 *                 scores (100r for NIDS_DIR_LOW), the DAGMM/DSEBM/MemAE protocol
 *   BEST_F1       the score with the highest F1 (nids_eval_best_f1); needs attacks
 *   VALUE v       v itself
 *
 * The threshold file is text, one "key value" per line, versioned by its first line
 * and ended by an XXH32 checksum of the lines before it:
 *     nids-threshold 1
 *     threshold 0.98765432
 *     direction high
 *     score score
 *     method percentile 98
 *     rows 12345
 *     xxh32 1a2b3c4d
 * Readers require version 1, the threshold, direction and score keys and the
 * checksum, and ignore keys they do not know (later minor additions).
 * Public API of libnids. */
#ifndef NIDS_THRESHOLD_H
#define NIDS_THRESHOLD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/model.h"
#include "nids/stream.h"

#define NIDS_THRESHOLD_VERSION 1

enum nids_fit_rule {
	NIDS_FIT_PERCENTILE,
	NIDS_FIT_SIGMA,
	NIDS_FIT_RATE,
	NIDS_FIT_BEST_F1,
	NIDS_FIT_VALUE
};

typedef struct nids_threshold {
	double value;     /* alarm when score >= value (<= for NIDS_DIR_LOW) */
	int direction;    /* enum nids_direction */
	char score[1025]; /* name of the score column it applies to */
	char method[128]; /* how it was fitted, for people ("percentile 98") */
	uint64_t rows;    /* rows it was fitted on */
} nids_threshold;

/* Writes t as a threshold file to f (name for messages). Returns 0 or NIDS_EIO. */
int nids_threshold_write(FILE *f, const char *name, const nids_threshold *t, nids_err *err);

/* Reads the threshold file at path into t. Returns 0, or NIDS_EIO (cannot read),
 * NIDS_EFORMAT ("path:line: ..."), NIDS_EVERSION or NIDS_ECHECKSUM. */
int nids_threshold_read(const char *path, nids_threshold *t, nids_err *err);

/* ---- nids-threshold's steps ---- */

/* What nids-threshold was asked to do. */
typedef struct nids_threshold_opts {
	int rule;     /* NIDS_FIT_*, or -1 with params */
	const char *arg; /* the rule's parameter as given (NULL for --best-f1) */
	int nrules;   /* how many of the rules and -p were given (one may be) */
	int by_alpha; /* the rule is --alpha (NIDS_FIT_VALUE) */
	double param; /* the rule's parameter, set by the check (--alpha's threshold) */
	double alpha; /* --alpha a: the rule p < a on a -log p or log p column, or 0 */
	const char *params, *out, *model, *score; /* -p, -o, -m, --score */
	int direction; /* --high, --low: NIDS_DIR_*, or -1 for the column's role */
	int alarms_only, level, apply, exit_status; /* --alarms-only, -z, --apply, -e */
} nids_threshold_opts;

/* Checks the combination of options (has_inputs: input files were named), parses the
 * rule's parameter, and decides
 * whether o applies a threshold (o->apply: -p, or --value or --alpha without -o) or
 * fits one; --alpha's threshold goes to o->param (in the direction of --low or --high,
 * else high). Returns 0, or NIDS_EUSAGE saying what does not go together. */
int nids_threshold_opts_check(nids_threshold_opts *o, int has_inputs, nids_err *err);

/* Reads the threshold file at path into t (nids_threshold_read) and checks a --high or
 * --low flag (direction NIDS_DIR_*, or -1 for none) against its direction. Returns 0,
 * a code of nids_threshold_read, or NIDS_EUSAGE ("--low contradicts the direction
 * 'high' in 'path'"). */
int nids_threshold_load(const char *path, int direction, nids_threshold *t, nids_err *err);

/* Fits a threshold by rule (param its parameter) to the scores of every remaining row of
 * r (name for messages): the column called score (NULL: the one with a score role),
 * in direction (-1: the column's role). Fills t, t->score included. Returns 0 or a
 * negative code, err naming the input. */
int nids_threshold_fit_stream(nids_reader *r, const char *name, const char *score, int direction,
                              int rule, double param, nids_threshold *t, nids_err *err);

/* Makes t the threshold of --value or --alpha in o, by no rule ("value v", "alpha a"),
 * for the column o->score (NULL: "score"). */
void nids_threshold_set_value(nids_threshold *t, const nids_threshold_opts *o);

/* For -m: reads the model at model_path into *m (the caller's, for
 * nids_threshold_save, so that the file is read once: a FIFO cannot be read twice, and
 * a file replaced between two reads would be checked as one model and stored as
 * another), and checks that it scored the stream of header h (named name), as the
 * record nids-score adds says. 0, with warn [n] empty, or saying that the stream has no
 * such record; NIDS_EMISMATCH when another model scored it; a model file's errors.
 * *m is set whenever the file was read, error or not (nids_model_free). */
int nids_threshold_model_check(const char *model_path, nids_model **m, const nids_header *h,
                               const char *name, char *warn, size_t n, nids_err *err);

/* When --high or --low in o contradicts the role of the score column of h that o
 * names (or the one with a score role), writes a warning with the fix into msg [n]
 * and returns 1 (nids_threshold_side_check); else 0. */
int nids_threshold_side_warning(const nids_header *h, const nids_threshold_opts *o, char *msg,
                                size_t n);

/* Writes t as a threshold file at path (NULL: none) and, when m is not NULL, stores t in
 * m, the model read from model_path by nids_threshold_model_check, and writes it back to
 * model_path (a FIFO or device in place), which then alarms by itself (nids-score
 * --alarms). Both are written before either is committed, the threshold file first, so
 * that a run that fails leaves neither: no model changed beside a threshold file that
 * could not be written. Returns 0 or a negative code. */
int nids_threshold_save(const char *path, nids_model *m, const char *model_path,
                        const nids_threshold *t, nids_err *err);

/* Applies t to every remaining row of r (name for messages) and writes the stream to out
 * (out_name for messages, blocks at zstd level o->level): each row with an 'alarm'
 * column (0 or 1), or, with o->alarms_only, the alarm rows alone and no new column.
 * The score column is o->score, else t->score when set, else the one with a score role;
 * t->direction -1 takes the direction from the column's role (and --alpha's threshold
 * then follows it: -ln a on -log p, ln a on log p). Adds the alarms to *alarms.
 * Returns 0, or NIDS_EFORMAT for a NaN score (naming the row) or a stream that has an
 * 'alarm' column, or another negative code. */
int nids_threshold_apply_stream(nids_reader *r, const char *name, const nids_threshold *t,
                                const nids_threshold_opts *o, FILE *out, const char *out_name,
                                unsigned long long *alarms, nids_err *err);

#endif
