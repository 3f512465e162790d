/* stream.h: the nids record stream (man/nids-stream.5).
 *
 * A stream is a header (magic, version, columns with names and roles, class names,
 * checksum) followed by blocks of little-endian float32 rows [rows x C], each with
 * its row count and a checksum of the decoded rows, optionally zstd-compressed, and
 * an end block with the total row count, so truncation is always detected. Streams
 * may be concatenated: a reader takes the next header after an end block, requires
 * its columns to equal the first header's, and maps its class ids onto one table.
 *
 * The class table can grow mid-stream (a class block), because a streaming
 * featurizer meets new attack names only as it reads; readers fold those into the
 * header they lend out, and filters pass them on with nids_writer_sync_classes. */
#ifndef NIDS_STREAM_H
#define NIDS_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nids/err.h"
#include "nids/io.h"

/* The version written. Readers also take major 1, whose checksums are XXH32 (version 2
 * changed only that, to XXH3, 7 times faster with AVX2). */
#define NIDS_STREAM_MAJOR 2
#define NIDS_STREAM_MINOR 0
#define NIDS_MAX_COLUMNS 65536
#define NIDS_MAX_CLASSES 65536
#define NIDS_MAX_NAME 1024

/* What a column holds. The numbers are part of the file format. */
enum nids_role {
	NIDS_ROLE_FEATURE = 0, /* model input */
	NIDS_ROLE_LABEL = 1,   /* 0 benign, 1 attack */
	NIDS_ROLE_CLASS = 2,   /* index into the class table */
	NIDS_ROLE_SCORE = 3,   /* anomaly score, higher = more anomalous */
	NIDS_ROLE_ID = 4,      /* identifier metadata (row id, port, difficulty) */
	NIDS_ROLE_TIME = 5,    /* seconds since the epoch */
	NIDS_ROLE_ALARM = 6,   /* 0/1 decision */
	NIDS_ROLE_META = 7,    /* any other value carried along, not a feature */
	NIDS_ROLE_SCORE_LOW = 8, /* anomaly score where lower = more anomalous (log-likelihood) */
	NIDS_ROLE_COUNT
};

/* The role's name as documented ("feature", "label", ...), or NULL if out of range. */
const char *nids_role_name(int role);
/* The role for a name, or -1. */
int nids_role_parse(const char *name);

typedef struct nids_column {
	char *name; /* UTF-8, unique within a header */
	int role;   /* enum nids_role */
} nids_column;

/* A stream's description. Plain data: read the fields directly, change them only
 * through the functions below. */
typedef struct nids_header {
	int ncols;
	nids_column *cols;
	int nclasses;
	char **classes; /* class id i has name classes[i] */
} nids_header;

/* A new empty header; NULL when out of memory. Free with nids_header_free. */
nids_header *nids_header_new(void);
/* A deep copy, or NULL when out of memory. */
nids_header *nids_header_copy(const nids_header *h);
void nids_header_free(nids_header *h);

/* Appends a column. Returns its index, or NIDS_EUSAGE for a duplicate or empty name
 * (err says which), or NIDS_ENOMEM. */
int nids_header_add_column(nids_header *h, const char *name, int role, nids_err *err);

/* Returns the id of class name, adding it at the end when new; NIDS_ENOMEM. */
int nids_header_add_class(nids_header *h, const char *name);

/* Index of the column called name, or -1. */
int nids_header_find(const nids_header *h, const char *name);
/* Index of the first column with this role, or -1. */
int nids_header_find_role(const nids_header *h, int role);
/* How many columns have this role. */
int nids_header_count_role(const nids_header *h, int role);

/* Compares the columns of a and b. Returns 0 when equal, else NIDS_EMISMATCH with
 * err naming the first difference ("column 12: 'src_bytes' vs 'dst_bytes'"). */
int nids_header_compare_columns(const nids_header *a, const nids_header *b,
                                const char *where, nids_err *err);

typedef struct nids_writer nids_writer;

/* Starts a stream on f: writes the header of a copy of h at once. level 0 writes
 * raw blocks, level 1..19 zstd-compresses each block at that level.
 * name is used in messages. Returns 0 or a negative code; *w owned by the caller. */
int nids_writer_open(nids_writer **w, FILE *f, const char *name, const nids_header *h,
                     int level, nids_err *err);

/* The writer's header (its class table grows with add_class). Lent. */
const nids_header *nids_writer_header(const nids_writer *w);

/* Appends rows [nrows x ncols] (copied; the caller keeps rows). Returns 0 or NIDS_EIO. */
int nids_writer_write(nids_writer *w, const float *rows, size_t nrows, nids_err *err);

/* Returns the class id of name, first writing a class block when it is new. */
int nids_writer_add_class(nids_writer *w, const char *name, nids_err *err);

/* Adds, in order, the classes of src beyond those the writer has, so ids agree with
 * src. For filters: call it after each nids_reader_next, before writing. */
int nids_writer_sync_classes(nids_writer *w, const nids_header *src, nids_err *err);

/* Writes pending rows and the end block, then frees w (not f). Returns 0 or NIDS_EIO. */
int nids_writer_close(nids_writer *w, nids_err *err);

/* Frees without finishing the stream (after an error). Accepts NULL. */
void nids_writer_free(nids_writer *w);

typedef struct nids_reader nids_reader;

/* Reads the first header from in (which stays owned by the caller and must outlive
 * the reader). Returns 0, or a negative code: empty input, bad magic (with a hint
 * when it looks like text), unknown major version, checksum. */
int nids_reader_open(nids_reader **r, nids_input *in, nids_err *err);

/* The header: columns of the first segment, classes of all segments read so far. Lent. */
const nids_header *nids_reader_header(const nids_reader *r);

/* Next rows: returns their count (> 0) with *rows lent, writable, valid until the
 * next call; 0 at the clean end of the input; or a negative code (truncated, checksum,
 * mismatching concatenated header). Class ids are already mapped to the header's. */
long nids_reader_next(nids_reader *r, float **rows, nids_err *err);

/* Rows returned so far. */
uint64_t nids_reader_rows(const nids_reader *r);

void nids_reader_free(nids_reader *r);

#endif
