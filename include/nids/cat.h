/* cat.h: the record stream as text and back (nids-cat).
 *
 * Text form: a header line of column names (the metadata columns first: they say which
 * flow a row is), then one line per row, fields separated by a tab (TSV) or a comma
 * (CSV, quoted where needed); or JSON lines, one object per row. Times are ISO 8601 UTC
 * (or seconds since the epoch), addresses dotted quads or RFC 5952 IPv6 text. Class
 * columns hold class names. Numbers are written in the shortest form that reads back
 * to the same value, so stream -> text -> stream is exact.
 *
 * The header names are the stream's column names, which every column option accepts.
 * With types, a name also says what -r needs: `name:role` for a float column whose role
 * is not the one its name implies (label, class, score, alarm and score-low imply their
 * role, every other name feature), `name:type[:role]` for a metadata column. With
 * types, lines before the header line carry the rest of the header, so that -r rebuilds
 * it byte for byte: `#class NAME` and `#string TEXT` (the tables the header starts with,
 * in id order) and `#record KEY HEX` (each header record, 2048 bytes a line at most).
 * Public API of libnids. */
#ifndef NIDS_CAT_H
#define NIDS_CAT_H

#include <stdio.h>

#include "nids/err.h"
#include "nids/io.h"
#include "nids/stream.h"

/* The role a bare column name implies. */
int nids_cat_implied_role(const char *name);

typedef struct nids_cat_opts {
	char delim;        /* '\t' or ',' */
	int header;        /* write the header line */
	const char *cols;  /* comma-separated column names to keep, in that order; NULL = all */
	long long head;    /* stop after this many rows; < 0 = all */
	int types;         /* annotate the header with roles and types (what -r reads) */
	int json;          /* JSON lines instead of delimited text */
	int epoch;         /* times as seconds since the epoch instead of ISO 8601 */
} nids_cat_opts;

/* Formats metadata column k of a row's metadata as text into buf[n]; "" for none.
 * Returns the length. */
int nids_cat_format_meta(const nids_header *h, int k, const unsigned char *row, int epoch,
                         char *buf, size_t n);

/* Writes the stream read by r to f as text. Returns 0 or a negative code (a stream
 * error, an unknown column name, a write error). */
int nids_cat_to_text(nids_reader *r, FILE *f, const nids_cat_opts *o, nids_err *err);

/* Reads text (the # lines, then the header line) from in and writes a stream to f with
 * zstd level (0 = raw blocks). Errors name file:line. */
int nids_cat_from_text(nids_input *in, char delim, FILE *f, const char *out_name, int level,
                       nids_err *err);

/* Writes a stream's header as readable text: columns with roles, class table. */
int nids_cat_describe(const nids_header *h, FILE *f, nids_err *err);

#endif
