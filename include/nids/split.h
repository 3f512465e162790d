/* split.h: the grep of streams (man/nids-split.1).
 *
 * Keeps benign rows, attack rows or named classes; samples a fraction; downsamples
 * the majority label to the minority's count; sends each kept row to a train or a
 * validation output. Every random choice is a hash of the seed and the row's position,
 * so a seed gives the same split whatever the block sizes. Streams with bounded
 * memory, except --balance, which spools the kept rows to a tmpfile() and reads them
 * back once the two label counts are known.
 * Public API of libnids. */
#ifndef NIDS_SPLIT_H
#define NIDS_SPLIT_H

#include <stdint.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/stream.h"

enum nids_split_keep {
	NIDS_SPLIT_ALL = 0,
	NIDS_SPLIT_BENIGN = 1, /* label == 0 */
	NIDS_SPLIT_ATTACKS = 2 /* label != 0 */
};

typedef struct nids_split_opts {
	int keep;       /* enum nids_split_keep */
	char **classes; /* class names to keep (any of them), or NULL */
	int nclasses;
	double fraction; /* keep each selected row with this probability (1 = all) */
	double val;      /* send each kept row to output 1 with this probability */
	int balance;     /* downsample the majority label to the minority's count */
	uint64_t seed;
	int level; /* zstd level of the outputs, 0 = raw blocks */
	/* --partition K/N: keep the rows whose key hashes to part K of N (1 <= K <= N; N 0:
	 * off). The key is the column named key (metadata or float), NULL: the first address
	 * column. The hash is of the value itself (a string's text, not its id), so a key
	 * goes to the same part in every stream, whatever else the stream holds. */
	int part_k, part_n;
	const char *key;
	/* --since/--until: keep the rows whose time (the first timestamp column) is in
	 * [time_from, time_to), microseconds since the epoch; has_time 0: off. A row
	 * without a time is not kept. */
	int has_time;
	int64_t time_from, time_to;
	/* --records: keep the rows whose record number (the metadata column 'record', else
	 * the first u64 column) is in the sorted, disjoint, inclusive ranges rec [nrec x 2]
	 * (nids_split_records_read); NULL: off */
	const uint64_t *rec;
	size_t nrec;
	/* Exact-size sampling, after every other selection: exactly sample[0] rows of any
	 * label (sample_by_label 0), or exactly sample[0] benign and sample[1] attack rows
	 * (sample_by_label 1; UINT64_MAX: all of that label). Each is a uniform sample
	 * without replacement (reservoir sampling, Vitter's algorithm R): every subset of
	 * that size is equally likely; rows keep their order. The kept rows are held in
	 * memory. Fewer rows than asked is an error (NIDS_EFORMAT). */
	uint64_t sample[2];
	int sampling, sample_by_label;
	int by_ratio; /* the two came from --rows and --attack-ratio (for messages) */
} nids_split_opts;

/* Reads a list of record numbers from path: one a line, a number or an inclusive range
 * A-B, blank lines and '#' comments ignored, in any order. *rec receives the sorted,
 * merged ranges [*n x 2] (free()). Returns 0, NIDS_EIO, NIDS_EFORMAT (path:line: what),
 * NIDS_ENOMEM. */
int nids_split_records_read(const char *path, uint64_t **rec, size_t *n, nids_err *err);

/* Whether v is in the sorted, disjoint ranges rec [n x 2]. */
int nids_split_records_has(const uint64_t *rec, size_t n, uint64_t v);

/* What went where. Groups are the class names when the stream has a class column,
 * else "benign" and "attack" when it has a label, else none. */
typedef struct nids_split_counts {
	uint64_t in;     /* rows read */
	uint64_t out[2]; /* rows written to output 0 (train) and 1 (val) */
	int ngroups;
	char **groups;         /* [ngroups] names */
	uint64_t *by_group[2]; /* [ngroups] rows per group per output */
} nids_split_counts;

/* Reads all of r (in_name names it in messages) and writes the kept rows as streams to
 * out[0] and, when o->val > 0, out[1] (names in out_names). Fills *c (release with
 * nids_split_counts_free, also after an error). On an error the outputs are left
 * without an end block (a reader of them sees a truncated stream); the caller aborts
 * them. Returns 0, NIDS_EFORMAT when the stream lacks a label or class column an option
 * needs (or the --partition key column), NIDS_EUSAGE when a --class name never appeared in the class table (the message
 * lists the known ones), or a stream/IO error. */
int nids_split_run(const nids_split_opts *o, nids_reader *r, const char *in_name,
                   FILE *const out[2], const char *const out_names[2], nids_split_counts *c,
                   nids_err *err);

/* nids-split's options in its own terms, which nids_split_args_apply turns into a
 * nids_split_opts. */
typedef struct nids_split_args {
	const char *partition;   /* --partition K/N, or NULL */
	const char *since, *until; /* --since, --until: ISO 8601 or epoch seconds, or NULL */
	const char *records;     /* --records FILE, or NULL */
	const char *rows, *ratio; /* --rows N, --attack-ratio R, or NULL */
	const char *quota[2];    /* --benign-rows N, --attack-rows N, or NULL */
	const char *out[2];      /* -o (NULL or "-": stdout), --val-output (NULL: none) */
} nids_split_args;

/* Completes o from a: parses the times and the partition, sets the sampling quotas,
 * checks the combination of options, and reads --records into *rec (the caller frees
 * it; o->rec points into it). Returns 0, NIDS_EUSAGE saying what is wrong with the
 * options, or an error of nids_split_records_read. */
int nids_split_args_apply(nids_split_opts *o, const nids_split_args *a, uint64_t **rec,
                          nids_err *err);

/* nids_split_run on the outputs paths[0] (the train rows; NULL or "-": stdout) and,
 * when o->val > 0, paths[1] (the validation rows): written atomically, the first taken
 * back when the second fails, stdout closed with its write errors checked. Returns 0
 * or a negative code. */
int nids_split_to_files(const nids_split_opts *o, nids_reader *r, const char *in_name,
                        const char *const paths[2], nids_split_counts *c, nids_err *err);

/* Writes the counts for people to f, one "prog: name: N rows ..." line for the input
 * (in_name) and one per output (paths[k], nout of them) with its rows per group. */
void nids_split_report(FILE *f, const char *prog, const nids_split_counts *c, const char *in_name,
                       const char *const paths[2], int nout);

/* Frees the arrays in c (not c itself). Accepts a zeroed c. */
void nids_split_counts_free(nids_split_counts *c);

#endif
