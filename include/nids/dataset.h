/* dataset.h: a training set in memory, read from a record stream.
 *
 * Model fitting needs every row at once: the features (columns with role feature, in
 * stream order) as one float matrix [n x d], rows x features x 4 bytes, plus the label
 * (role label, 0 benign / 1 attack) and class (role class) of each row when the stream
 * has those columns. --max-rows caps memory by reservoir sampling (Vitter's algorithm R)
 * over the whole stream, so a sample of a larger input is uniform and seeded.
 * Public API of libnids. */
#ifndef NIDS_DATASET_H
#define NIDS_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "nids/err.h"
#include "nids/stream.h"

typedef struct nids_dataset {
	size_t n;        /* rows */
	int d;           /* features */
	float *x;        /* [n x d] */
	int *label;      /* [n] 0 or 1; NULL when the stream has no label column */
	int *cls;        /* [n] class ids into classes; NULL when it has no class column */
	int nclasses;
	char **classes;  /* class names (lent from the header) */
	char **features; /* [d] feature names (lent from the header) */
	nids_header *h;  /* the stream's header, owned by the dataset that read it */
	int owner;       /* 1: frees x, label, cls, h; 0: a view into another dataset */
	uint64_t seen;   /* rows read from the stream (more than n when sampled) */
	struct nids_dataset_places *places; /* where each row came from, for messages: only
	                                       from nids_dataset_read_placed, else NULL */
} nids_dataset;

/* Reads every row of r into memory, or a uniform sample of max_rows rows when max_rows
 * is non-zero and the stream is longer (seeded by seed). Rejects NaN or infinite
 * features and labels other than 0 and 1 (NIDS_EFORMAT naming the row and column), and
 * a stream without feature columns. Returns 0 or a negative code; *ds is owned by the
 * caller (nids_dataset_free). */
int nids_dataset_read(nids_dataset **ds, nids_reader *r, const char *name, size_t max_rows,
                      uint64_t seed, nids_err *err);

/* As nids_dataset_read with no sampling, keeping where each row came from (its input
 * file, its row there, its 'record' and 'file' metadata) for nids_dataset_where: 12
 * bytes more a row. Returns as nids_dataset_read. */
int nids_dataset_read_placed(nids_dataset **ds, nids_reader *r, nids_err *err);

/* Writes where row i of ds came from into where [size], as a message's where names a
 * featurized row: "FILE.csv: record R" when the row carries its CSV file and record,
 * "NAME: row N (CSV record R)" when it carries its record alone, else "NAME: row N",
 * N counted within the input file NAME; "row I" (I = i + 1) without places. */
void nids_dataset_where(const nids_dataset *ds, size_t i, char *where, size_t size);

/* Shuffles the rows of all in place (seeded) and makes train and val views of its first
 * n - round(n * frac) and last round(n * frac) rows. frac 0 gives an empty val. The
 * views stay valid while all lives; none has places (all's are dropped). Returns 0 or
 * NIDS_EUSAGE (too few rows). */
int nids_dataset_split(nids_dataset *all, double frac, uint64_t seed, nids_dataset *train,
                       nids_dataset *val, nids_err *err);

/* Frees a dataset from nids_dataset_read. Accepts NULL. */
void nids_dataset_free(nids_dataset *ds);

#endif
