/* feat_impl.h: what a featurizer format implements, and the helpers they share.
 * Internal to lib/: one file per format (feat_kdd.c, feat_cic.c, ...), each defining
 * one feat_format that lib/feat.c lists in its format table. */
#ifndef NIDS_FEAT_IMPL_H
#define NIDS_FEAT_IMPL_H

#include "nids/csvin.h"
#include "nids/feat.h"
#include "nids/stream.h"

typedef struct feat_ctx {
	const nids_feat_opts *o;
	nids_feat_stats *st;
	nids_header *h;  /* the output columns: built by the format's init */
	nids_writer *w;  /* open once init returns */
	nids_csv *csv;
	const char *in_name;
	int nfields;     /* fields every data record must have; 0 = the format checks */
} feat_ctx;

/* Returned by a format's row function for records it did not turn into a row. */
#define FEAT_SKIP_HEADER 1 /* a header line repeated inside the data */
#define FEAT_DROPPED 2     /* dropped by a policy (already counted in the stats) */

typedef struct feat_format {
	const char *name;
	/* How sure the format is that the file's first record is its own: 0 no, 1 could
	 * be, 2 sure. */
	int (*detect)(const nids_csv_record *first);
	/* Builds fc->h (and sets fc->nfields) from the first record. Returns 1 when that
	 * record was a header line, 0 when it is data to convert, or a negative code. */
	int (*init)(feat_ctx *fc, const nids_csv_record *first, void **state, nids_err *err);
	/* Fills row (fc->h->ncols values). Returns 0, FEAT_SKIP_HEADER, FEAT_DROPPED or a
	 * negative code (NIDS_EFORMAT for a bad record, which --skip-bad may skip). */
	int (*row)(feat_ctx *fc, void *state, const nids_csv_record *rec, float *row,
	           nids_err *err);
	/* After the last record; may be NULL. */
	int (*finish)(feat_ctx *fc, void *state, nids_err *err);
	/* Frees the state; may be NULL. */
	void (*free_state)(void *state);
} feat_format;

extern const feat_format feat_nslkdd, feat_kdd99;
extern const feat_format feat_cic, feat_ugr16, feat_netflow, feat_csv;

/* "file:line" of the record being converted. */
const char *feat_where(feat_ctx *fc);

/* Field i (0-based) of rec as a number, or NIDS_EFORMAT naming the field. */
int feat_number(feat_ctx *fc, const nids_csv_record *rec, int i, const char *what, double *out,
                nids_err *err);

/* The class id for name, adding it to the output's class table when new. */
int feat_class(feat_ctx *fc, const char *name, nids_err *err);

/* Non-zero for the benign label values: normal, benign, background (any case), and
 * those in o->benign. */
int feat_is_benign(feat_ctx *fc, const char *label);

/* A fixed categorical vocabulary, sorted by strcmp for binary search. */
typedef struct feat_vocab {
	const char *column;        /* the input column, used as the output name prefix */
	const char *const *values; /* sorted */
	int n;
} feat_vocab;

/* Adds columns "column=value" for each value and "column=_other" after them. */
int feat_add_onehot(feat_ctx *fc, const feat_vocab *v, nids_err *err);

/* Sets the one-hot group at row[0 .. n] for value: its slot, or the _other slot
 * (counted in the stats; an error in strict mode). */
int feat_onehot(feat_ctx *fc, const feat_vocab *v, const char *value, float *row, int field,
                nids_err *err);

/* Adds a column, turning a duplicate name into an error naming the input. */
int feat_add_column(feat_ctx *fc, const char *name, int role, nids_err *err);

#endif
