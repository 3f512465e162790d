/* normalize.h: per-feature-column scaling learned from one stream and applied to
 * others (man/nids-normalize.1): one method for every column or a method per column.
 *
 * Only feature-role columns are touched; labels, classes and metadata pass through.
 * A fit streams once over the rows with bounded memory: running min and max and a
 * Welford (Chan-merged per block) mean and variance per column, in double precision.
 * The parameters file holds the method, the feature column names, the statistics and
 * a checksum; applying it to a stream whose feature columns differ is an error. */
#ifndef NIDS_NORMALIZE_H
#define NIDS_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/stream.h"

/* The numbers are part of the params file format. */
enum nids_norm_method {
	NIDS_NORM_MINMAX = 0, /* (x - min) / (max - min) */
	NIDS_NORM_ZSCORE = 1, /* (x - mean) / sd, population sd */
	NIDS_NORM_LOG1P = 2,  /* min-max of log1p(x); x must be >= 0 */
	NIDS_NORM_NONE = 3,   /* left as it is */
	NIDS_NORM_LOG1P_ZSCORE = 4,   /* z-score of log1p(x); x must be >= 0 */
	NIDS_NORM_QUANTILE = 5,       /* scikit-learn's QuantileTransformer, uniform output */
	NIDS_NORM_QUANTILE_NORMAL = 6, /* the same, normal output */
	NIDS_NORM_METHODS
};

/* The quantile transform's defaults, scikit-learn's: n_quantiles and subsample. */
#define NIDS_NORM_QUANTILES 1000
#define NIDS_NORM_SUBSAMPLE 10000

/* "minmax", "zscore", "log1p", "none", "log1p-zscore", "quantile", "quantile-normal", or
 * NULL when out of range. */
const char *nids_norm_method_name(int method);
/* The method for a name, or -1. */
int nids_norm_method_parse(const char *name);

typedef struct nids_norm nids_norm;

/* Starts a fit over the feature columns of h (and binds to h, see nids_norm_bind).
 * Returns 0; NIDS_EFORMAT when h has no feature column; NIDS_EUSAGE for a bad method;
 * NIDS_ENOMEM. *n is owned by the caller: nids_norm_free. */
int nids_norm_fit_begin(nids_norm **n, const nids_header *h, int method, nids_err *err);

/* Before the first row: gives the feature column called name its own method. Returns 0,
 * or NIDS_EUSAGE (no such feature column, a bad method, rows seen already), NIDS_ENOMEM. */
int nids_norm_set_column(nids_norm *n, const char *name, int method, nids_err *err);

/* Before the first row: the quantile transform's number of quantiles (n_quantiles, 1 to
 * 100000) and the most rows it keeps to take them from (subsample, >= quantiles): a
 * seeded uniform sample of the rows when there are more, all of them otherwise (then
 * the quantiles are exactly scikit-learn's). Returns 0, NIDS_EUSAGE or NIDS_ENOMEM. */
int nids_norm_set_quantiles(nids_norm *n, int quantiles, int subsample, nids_err *err);

/* What a fit is asked to do, for nids_norm_fit_begin_opts and the stream fit. */
typedef struct nids_norm_opts {
	int method;          /* for every column not in columns */
	const char *columns; /* "name=method,name=method,...", or NULL */
	int quantiles;       /* 0: NIDS_NORM_QUANTILES */
	int subsample;       /* 0: NIDS_NORM_SUBSAMPLE */
} nids_norm_opts;

/* nids_norm_fit_begin, then the columns' methods and the quantile settings of o. Errors
 * as those functions'; a bad columns list is NIDS_EUSAGE naming the bad item. */
int nids_norm_fit_begin_opts(nids_norm **n, const nids_header *h, const nids_norm_opts *o,
                             nids_err *err);

/* Accumulates rows [nrows x h->ncols] of the bound stream (only feature columns are
 * read). name and first_row (1-based number of rows[0]) place errors: a non-finite
 * value, or a negative one for log1p, is NIDS_EFORMAT "name: row N". */
int nids_norm_fit_rows(nids_norm *n, const float *rows, size_t nrows, const char *name,
                       uint64_t first_row, nids_err *err);

/* Ends the fit; apply and save work from here on. Returns 0, or NIDS_EFORMAT when no
 * row was seen (nothing to learn from). */
int nids_norm_fit_end(nids_norm *n, const char *name, nids_err *err);

/* Binds fitted or loaded parameters to a stream header: its feature columns must equal
 * the parameters' in names and order (other columns may differ). Returns 0, or
 * NIDS_EMISMATCH naming the first difference; NIDS_ENOMEM. */
int nids_norm_bind(nids_norm *n, const nids_header *h, const char *where, nids_err *err);

/* Normalizes rows [nrows x h->ncols] of the bound stream in place. With clamp, each
 * value is limited to the range the fit saw ([0,1] for minmax and log1p); without,
 * out-of-range values pass through scaled. Errors as for nids_norm_fit_rows. */
int nids_norm_apply(const nids_norm *n, float *rows, size_t nrows, int clamp, const char *name,
                    uint64_t first_row, nids_err *err);

/* Writes the params file to f (name for messages). Returns 0 or NIDS_EIO, NIDS_ENOMEM. */
int nids_norm_save(const nids_norm *n, FILE *f, const char *name, nids_err *err);

/* The header record a normalized stream carries (and a model trained on it keeps): a
 * byte saying whether values were clamped, then the params file's bytes. */
#define NIDS_NORM_RECORD "nids.normalize"

/* The record for n applied with clamp: malloc'd bytes, their length in *len; NULL when
 * out of memory. */
unsigned char *nids_norm_record(const nids_norm *n, int clamp, size_t *len);

/* Parses such a record (name for messages). Returns 0 or NIDS_EFORMAT, NIDS_ECHECKSUM,
 * NIDS_ENOMEM. */
int nids_norm_from_record(nids_norm **n, int *clamp, const unsigned char *rec, size_t len,
                          const char *name, nids_err *err);

/* Reads a params file from path (zstd-compressed accepted). Returns 0, or NIDS_EIO,
 * NIDS_EFORMAT (bad magic, corrupt), NIDS_EVERSION, NIDS_ECHECKSUM, NIDS_ETRUNCATED.
 * The result must be bound before nids_norm_apply. *n owned by the caller. */
int nids_norm_load(nids_norm **n, const char *path, nids_err *err);

/* Accessors, mainly for tests and messages. Names are lent until nids_norm_free. */
int nids_norm_method(const nids_norm *n);
/* The method of feature j, and the quantiles per quantile column (0 when none). */
int nids_norm_column_method(const nids_norm *n, int j);
int nids_norm_quantiles(const nids_norm *n);
/* Feature j's value x as a fitted (or loaded) n maps it, in double precision, before
 * the rounding to float32 and any clamp. */
double nids_norm_value(const nids_norm *n, int j, double x);
int nids_norm_columns(const nids_norm *n);
const char *nids_norm_column_name(const nids_norm *n, int j);
uint64_t nids_norm_rows(const nids_norm *n);
/* Statistics of feature j as fitted (of log1p(x) for log1p): min, max, mean, sd. */
void nids_norm_stats(const nids_norm *n, int j, double stats[4]);

void nids_norm_free(nids_norm *n);

/* The two programs' whole jobs, so that their mains stay thin.
 *
 * in_name names r's input in messages. nids_normalize_fit_stream reads every row of
 * r, fitting method as it goes and spooling the rows to a tmpfile() (the output
 * needs parameters learned from the last row), then writes the normalized stream to
 * out at zstd level (0 = raw). Memory stays bounded; the spool takes as much
 * temporary disk as the decoded input. Returns 0 with *fitted owned by the caller,
 * or a negative code (nothing fitted). */
int nids_normalize_fit_stream(nids_reader *r, const char *in_name, int method, FILE *out,
                              const char *out_name, int level, nids_norm **fitted, nids_err *err);
/* The same with methods per column and quantile settings (o as nids_norm_fit_begin_opts). */
int nids_normalize_fit_stream_opts(nids_reader *r, const char *in_name, const nids_norm_opts *o,
                                   FILE *out, const char *out_name, int level,
                                   nids_norm **fitted, nids_err *err);

/* Binds n to r's header and streams r to out, normalized. Returns 0 or a negative code. */
int nids_normalize_apply_stream(nids_reader *r, const char *in_name, nids_norm *n, int clamp,
                                FILE *out, const char *out_name, int level, nids_err *err);

/* ---- nids-normalize's steps (normalize_run.c) ---- */

/* What nids-normalize was asked to do. */
typedef struct nids_normalize_args {
	const char *fit, *params, *output; /* --fit P, -p P, -o (NULL or "-": stdout) */
	const char *method, *columns;      /* -t, --column list (NULL when not given) */
	int clamp, level;                  /* --clamp, -z */
	nids_norm_opts opts;               /* --quantiles, --subsample; the rest set by check */
} nids_normalize_args;

/* Checks the combination of options and completes a->opts (method, columns). Returns 0
 * or NIDS_EUSAGE saying what is wrong. */
int nids_normalize_check(nids_normalize_args *a, nids_err *err);

/* Normalizes r (in_name for messages) to a->output: fitted on r and written to a->fit
 * (*n receives the fit), or with the parameters read from a->params (into *n). The
 * stream is committed first, then the parameters, so that a failed stream write leaves
 * no parameter file, and a failed parameter write takes the stream file back. The
 * caller frees *n. Returns 0 or a negative code. */
int nids_normalize_run(nids_reader *r, const char *in_name, const nids_normalize_args *a,
                       nids_norm **n, nids_err *err);

/* One line for people after a fit: method, rows and feature columns (constant ones,
 * and those with a method of their own), "prog: path: ...". */
void nids_norm_summary(FILE *f, const char *prog, const nids_norm *n, const char *path);

#endif
