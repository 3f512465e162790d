/* stream.h: the nids record stream (man/nids-stream.5).
 *
 * A stream is a header (magic, version, columns with names and roles, typed metadata
 * columns, class names, string table, extension records, checksum) followed by blocks.
 * A data block holds rows: the float32 columns [rows x C] (features, label, class,
 * scores: what models read, contiguous), then the metadata [rows x meta_width] bytes
 * (exact times, addresses, ports, protocol, record numbers, strings), with a row count
 * and a checksum, optionally zstd-compressed. An end block with the total row count
 * makes truncation detectable. Streams may be concatenated: a reader takes the next
 * header after an end block, requires its columns and extensions to equal the first
 * header's, and maps its class and string ids onto one table each.
 *
 * The class and string tables can grow mid-stream (class and string blocks), because a
 * streaming featurizer meets new names only as it reads; readers fold those into the
 * header they lend out, and filters pass them on with nids_writer_sync_classes.
 * Public API of libnids. */
#ifndef NIDS_STREAM_H
#define NIDS_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nids/err.h"
#include "nids/io.h"

/* The version written. Readers also take majors 1 (XXH32 checksums) and 2 (XXH3, no
 * metadata columns or extensions). */
#define NIDS_STREAM_MAJOR 3
#define NIDS_STREAM_MINOR 0
#define NIDS_MAX_COLUMNS 65536
#define NIDS_MAX_META 1024
#define NIDS_MAX_CLASSES 65536
#define NIDS_MAX_STRINGS (1 << 24)
#define NIDS_MAX_EXTS 64
#define NIDS_MAX_NAME 1024   /* bytes of a column, class or header record name */
#define NIDS_MAX_STRING 65535 /* bytes of a string of the string table */

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

/* The anomalous side of a score: the direction of role score and of role score-low. */
enum nids_direction {
	NIDS_DIR_HIGH = 0, /* higher score = more anomalous */
	NIDS_DIR_LOW = 1   /* lower score = more anomalous */
};

/* The role's name as documented ("feature", "label", ...), or NULL if out of range. */
const char *nids_role_name(int role);
/* The role for a name, or -1. */
int nids_role_parse(const char *name);

typedef struct nids_column {
	char *name; /* UTF-8, unique within a header */
	int role;   /* enum nids_role */
} nids_column;

/* The exact types of metadata columns; each value takes a fixed number of bytes of a
 * row's metadata, little-endian. The numbers are part of the file format. */
enum nids_type {
	NIDS_TYPE_TIME = 1,  /* int64 microseconds since the epoch, UTC; INT64_MIN = none */
	NIDS_TYPE_ADDR = 2,  /* 16 bytes, network order: IPv6, or IPv4 as ::ffff:a.b.c.d;
	                        all zero = none */
	NIDS_TYPE_PORT = 3,  /* uint16 */
	NIDS_TYPE_PROTO = 4, /* uint8, an IP protocol number */
	NIDS_TYPE_U64 = 5,   /* uint64 (a record number); UINT64_MAX = none */
	NIDS_TYPE_STR = 6,   /* uint32, an index into the string table; UINT32_MAX = none */
	NIDS_TYPE_F64 = 7,   /* IEEE 754 binary64 */
	NIDS_TYPE_COUNT
};

/* The type's name ("timestamp", "addr", "port", "proto", "u64", "str", "f64"; none is
 * a role name), or NULL. */
const char *nids_type_name(int type);
/* The type for a name, or -1. */
int nids_type_parse(const char *name);
/* Bytes a value of the type takes, 0 for an unknown type. */
int nids_type_width(int type);

typedef struct nids_meta_column {
	char *name; /* unique among all columns of the header */
	int type;   /* enum nids_type */
	int role;   /* enum nids_role: id, time or meta */
	int off;    /* byte offset of the value within a row's metadata */
} nids_meta_column;

/* An extension record: a named blob the stream carries in its header, such as the
 * normalization its rows went through ("nids.normalize"). Filters pass them on. */
typedef struct nids_ext {
	char *key;
	unsigned char *data;
	size_t len;
} nids_ext;

struct nids_name_index;

/* A stream's description. Plain data: read the fields directly, change them only
 * through the functions below. */
typedef struct nids_header {
	int ncols;
	nids_column *cols;       /* the float32 columns */
	int nmeta;
	nids_meta_column *meta;  /* the typed metadata columns */
	int meta_width;          /* bytes of metadata per row */
	int nclasses;
	char **classes;          /* class id i has name classes[i] */
	int nstrings;
	char **strings;          /* string id i of a str column has text strings[i] */
	int next;
	nids_ext *ext;
	/* name lookups in constant time: columns (both kinds), classes, strings */
	struct nids_name_index *col_index, *class_index, *string_index;
} nids_header;

/* A new empty header; NULL when out of memory. Free with nids_header_free. */
nids_header *nids_header_new(void);
/* A deep copy, or NULL when out of memory. */
nids_header *nids_header_copy(const nids_header *h);
void nids_header_free(nids_header *h);

/* Appends a column. Returns its index, or NIDS_EUSAGE for a duplicate or empty name
 * (err says which), or NIDS_ENOMEM. */
int nids_header_add_column(nids_header *h, const char *name, int role, nids_err *err);

/* Appends a metadata column of the given type and role. Returns its index among the
 * metadata columns, or NIDS_EUSAGE (duplicate or empty name, bad type, too many), or
 * NIDS_ENOMEM. */
int nids_header_add_meta(nids_header *h, const char *name, int type, int role, nids_err *err);

/* Returns the id of class name, adding it at the end when new; NIDS_ENOMEM, or
 * NIDS_EUSAGE for a new name that is empty or over NIDS_MAX_NAME bytes, or past
 * NIDS_MAX_CLASSES. */
int nids_header_add_class(nids_header *h, const char *name);

/* The same for the string table (NIDS_MAX_STRING bytes, NIDS_MAX_STRINGS strings). */
int nids_header_add_string(nids_header *h, const char *s);

/* Sets extension key to a copy of data[len] (replacing one of the same key); data
 * NULL removes it. Returns 0, NIDS_EUSAGE (bad key, too many) or NIDS_ENOMEM. */
int nids_header_set_ext(nids_header *h, const char *key, const void *data, size_t len);

/* Extension key's data (lent) with its length in *len, or NULL when absent. */
const unsigned char *nids_header_get_ext(const nids_header *h, const char *key, size_t *len);

/* Index of the float32 column called name, or -1. */
int nids_header_find(const nids_header *h, const char *name);

/* Index of the metadata column called name, or -1. */
int nids_header_find_meta(const nids_header *h, const char *name);
/* Index of the first column with this role, or -1. */
int nids_header_find_role(const nids_header *h, int role);
/* How many columns have this role. */
int nids_header_count_role(const nids_header *h, int role);

/* Compares the columns (float and metadata) and extensions of a and b. Returns 0 when
 * equal, else NIDS_EMISMATCH with err naming the first difference ("column 12:
 * 'src_bytes' vs 'dst_bytes'"). */
int nids_header_compare_columns(const nids_header *a, const nids_header *b,
                                const char *where, nids_err *err);

typedef struct nids_writer nids_writer;

/* Starts a stream on f: writes the header of a copy of h at once. level 0 writes
 * raw blocks, level 1..19 zstd-compresses each block at that level.
 * name is used in messages. Returns 0 or a negative code; *w owned by the caller. */
int nids_writer_open(nids_writer **w, FILE *f, const char *name, const nids_header *h,
                     int level, nids_err *err);

/* Where a sink writer's rows go: called once at open with nrows 0 (rows and meta NULL)
 * to show the header, then with each block of rows [nrows x ncols] and their metadata
 * [nrows x meta_width] as it fills, in order, with the rest at close, and once more at
 * close with nrows 0 (rows and meta NULL) for the end, the header still valid. h is the
 * writer's header, whose class and string tables have every name the rows use. rows
 * and meta are lent for the call. Returns 0 or a negative code (err filled), which the
 * writer's call that flushed returns. */
typedef int (*nids_rows_fn)(void *ctx, const nids_header *h, const float *rows,
                            const unsigned char *meta, size_t nrows, nids_err *err);

/* A writer whose rows go to fn(ctx, ...) instead of a file: the same calls and
 * blocks as a stream writer, without encoding them, for a program that runs a
 * producer and a consumer of rows in one process. name is used in messages. Returns
 * 0 or a negative code (fn's at open among them); *w owned by the caller. */
int nids_writer_open_sink(nids_writer **w, const char *name, const nids_header *h,
                          nids_rows_fn fn, void *ctx, nids_err *err);

/* The writer's header (its class table grows with add_class). Lent. */
const nids_header *nids_writer_header(const nids_writer *w);

/* Appends rows [nrows x ncols] (copied; the caller keeps rows) of a stream without
 * metadata columns. Returns 0, NIDS_EIO, or NIDS_EUSAGE when the header has metadata
 * columns (use nids_writer_write_meta). */
int nids_writer_write(nids_writer *w, const float *rows, size_t nrows, nids_err *err);

/* Appends rows [nrows x ncols] with their metadata meta [nrows x meta_width] bytes
 * (meta may be NULL when meta_width is 0). Both are copied. Returns 0 or NIDS_EIO. */
int nids_writer_write_meta(nids_writer *w, const float *rows, const void *meta, size_t nrows,
                           nids_err *err);

/* Returns the class id of name, first writing a class block when it is new; or a
 * negative code: NIDS_EUSAGE for an empty name, one over NIDS_MAX_NAME bytes or one past
 * NIDS_MAX_CLASSES (err names the writer: a caller whose names come from its input says
 * where in it instead, as bad input), NIDS_EIO, NIDS_ENOMEM. */
int nids_writer_add_class(nids_writer *w, const char *name, nids_err *err);

/* Returns the string id of s, first writing a string block when it is new; the same
 * codes (NIDS_MAX_STRING bytes, NIDS_MAX_STRINGS strings). */
int nids_writer_add_string(nids_writer *w, const char *s, nids_err *err);

/* Adds, in order, the classes and strings of src beyond those the writer has, so ids
 * agree with src. For filters: call it after each nids_reader_next, before writing. */
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
 * mismatching concatenated header), with err->where naming the file and the row within
 * it ("b.rec: row 4"). Class and string ids are already mapped to the
 * header's. */
long nids_reader_next(nids_reader *r, float **rows, nids_err *err);

/* The metadata [rows x meta_width] of the rows the last nids_reader_next returned;
 * lent, writable, valid until the next call. NULL when the stream has none. */
unsigned char *nids_reader_meta(nids_reader *r);

/* Rows returned so far. */
uint64_t nids_reader_rows(const nids_reader *r);

/* Rows returned so far from the input file the last rows came from (the one
 * nids_input_name names), so that a message about row i of the last block names the
 * file and, as nids_reader_file_rows(r) - n + i + 1, the row within it. Concatenated
 * streams within one file count on; the next file counts from 1 again. */
uint64_t nids_reader_file_rows(const nids_reader *r);

/* The name of the input file being read (nids_input_name of the reader's input): lent,
 * the same pointer throughout, its text changing as the input moves on to its next
 * file. */
const char *nids_reader_name(const nids_reader *r);

void nids_reader_free(nids_reader *r);

/* ---- metadata values (little-endian, unaligned) ---- */

#define NIDS_TIME_NONE INT64_MIN
#define NIDS_U64_NONE UINT64_MAX
#define NIDS_STR_NONE UINT32_MAX

/* Names row `row` of input in a message, by what the row carries of the featurizer's
 * metadata: "CSV_FILE: record R" when it carries its CSV file's name (csv_file) and its
 * record R; "INPUT: row N (CSV record R)" when its record alone; else "INPUT: row N"
 * (record NIDS_U64_NONE). */
void nids_row_where(char *where, size_t size, const char *input, uint64_t row,
                    const char *csv_file, uint64_t record);

static inline int64_t nids_meta_get_i64(const unsigned char *p)
{
	int64_t v;
	memcpy(&v, p, 8);
	return v;
}
static inline uint64_t nids_meta_get_u64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}
static inline uint32_t nids_meta_get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static inline unsigned nids_meta_get_u16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}
static inline double nids_meta_get_f64(const unsigned char *p)
{
	double v;
	memcpy(&v, p, 8);
	return v;
}
static inline void nids_meta_put_i64(unsigned char *p, int64_t v) { memcpy(p, &v, 8); }
static inline void nids_meta_put_u64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static inline void nids_meta_put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void nids_meta_put_u16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}
static inline void nids_meta_put_f64(unsigned char *p, double v) { memcpy(p, &v, 8); }

/* Parses an IPv4 (dotted quad) or IPv6 address into 16 bytes (IPv4 as ::ffff:a.b.c.d).
 * Returns 0, or -1 when s is neither. */
int nids_addr_parse(const char *s, size_t len, unsigned char out[16]);
/* Formats 16 address bytes: dotted quad for IPv4-mapped, RFC 5952 text for IPv6, ""
 * for none. buf holds at least 46 bytes; returns the length. */
int nids_addr_format(const unsigned char a[16], char *buf);
/* Formats microseconds since the epoch as ISO 8601 UTC ("2016-07-27T13:43:21Z", with
 * ".ffffff" when not a whole second), or as seconds since the epoch when epoch is
 * non-zero or the year is outside 0000-9999; "" for none. buf holds at least 40 bytes; returns the length. */
int nids_time_format(int64_t us, int epoch, char *buf);
/* Parses what nids_time_format writes (either form), and "YYYY-MM-DD HH:MM:SS[.frac]".
 * Returns 0 or -1. */
int nids_time_parse(const char *s, size_t len, int64_t *us);
/* Whether day d of month m of year y exists (proleptic Gregorian): 1 or 0. */
int nids_day_exists(long y, long m, long d);

#endif
