/* feat.h: CSV flow records -> record stream (nids-featurize).
 *
 * A format turns each CSV record into one row of features plus label (0 benign,
 * 1 attack), class (the attack name, an index into the class table) and metadata
 * columns. Formats: nslkdd, kdd99, cic, ugr16, nfdump, netflow, csv (man/nids-featurize.1
 * documents each one's columns and vocabularies).
 * Public API of libnids. */
#ifndef NIDS_FEAT_H
#define NIDS_FEAT_H

#include <stdio.h>

#include "nids/err.h"
#include "nids/io.h"
#include "nids/stream.h"

typedef struct nids_feat_opts {
	const char *format;     /* a format name, or NULL to detect from the first line */
	int strict;             /* a category outside the vocabulary is an error */
	int skip_bad;           /* skip and count malformed records instead of failing */
	int drop_nonfinite;     /* drop records with Infinity/NaN/empty numbers (cic) */
	double nonfinite_value; /* else replace them with this (default 0) */
	int no_ids;             /* leave out the identifier metadata (time, addresses, ports,
	                           protocol); the record number is always kept */
	/* generic csv */
	const char *label_col;  /* label column name (default "label", else the last) */
	const char *class_col;  /* class column name (default: none) */
	const char *drop_cols;  /* comma-separated names to drop */
	const char *onehot_cols; /* comma-separated categorical names to one-hot */
	const char *vocab_in;   /* apply vocabularies from this file */
	const char *vocab_out;  /* learn vocabularies and write them here */
	/* when not NULL, vocab_out is written but not committed: *vocab_pending receives
	   it, for the caller to commit after its own output (nids_outputs_commit), so that
	   a run that fails leaves neither, or to abort */
	struct nids_output **vocab_pending;
	const char *benign;     /* comma-separated extra benign label values */
	int zstd_level;         /* output block compression, 0 = none */
} nids_feat_opts;

typedef struct nids_feat_stats {
	unsigned long long records;   /* data records read */
	unsigned long long rows;      /* rows written */
	unsigned long long skipped;   /* malformed records skipped (skip_bad) */
	unsigned long long headers;   /* header lines met inside the data and skipped */
	unsigned long long nonfinite_replaced; /* values replaced */
	unsigned long long nonfinite_dropped;  /* records dropped for them */
	unsigned long long unseen;    /* categorical values that went to an _other slot */
	unsigned long long empty;     /* records with every field empty, skipped (cic) */
	unsigned long long blank;     /* blank lines skipped */
	unsigned long long clamped;   /* finite values beyond float32's range, stored as
	                                 +-FLT_MAX */
	unsigned long long benign;    /* rows with label 0 */
	int labelled;                 /* the rows have a label column */
	unsigned long long bytes;     /* CSV bytes read (decompressed) */
	unsigned long long trailer;   /* lines of a trailer skipped (nfdump's summary) */
	char note[200];               /* what the input lacks, said once (nfdump's optional
	                                 columns), or "" */
	char first_bad[800];          /* the first skipped record's message */
} nids_feat_stats;

/* Sets the documented defaults. */
void nids_feat_opts_init(nids_feat_opts *o);

/* Reads CSV from the inputs in order (one format and one header for all), writes one
 * stream to out. Every row carries its record's number in its input ("record", from 1,
 * header lines not counted) and, with several inputs, the input's name ("file").
 * Returns 0 or a negative code with err naming file:line. The stream is complete only
 * when 0 is returned. */
int nids_featurize(nids_input *const *in, int nin, FILE *out, const char *out_name,
                   const nids_feat_opts *o, nids_feat_stats *st, nids_err *err);

/* As nids_featurize, with the rows handed to fn(ctx, ...) instead of written
 * (nids_writer_open_sink: first the header, then blocks of rows and metadata, the same
 * rows and bytes the stream would hold). fn's error stops the run and is returned. */
int nids_featurize_rows(nids_input *const *in, int nin, const nids_feat_opts *o, nids_rows_fn fn,
                        void *ctx, nids_feat_stats *st, nids_err *err);

/* Writes the counts of a run (st, with the options o) for people to f: one line
 * "prog: name: N rows (...)", and the first skipped record's message when any was. */
void nids_feat_report(FILE *f, const char *prog, const char *name, const nids_feat_stats *st,
                      const nids_feat_opts *o);

/* The format names, NULL-terminated, for usage messages. */
const char *const *nids_feat_format_names(void);

#endif
