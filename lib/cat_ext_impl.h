/* cat_ext_impl.h: what a stream's header holds beyond its columns (its class and string
 * tables, its header records) as text lines before the header line of nids-cat's text
 * form (`#class NAME`, `#string TEXT`, `#record KEY HEX`), and back (lib/cat_ext.c says
 * why hex).
 * Internal to lib/. */
#ifndef NIDS_CAT_EXT_IMPL_H
#define NIDS_CAT_EXT_IMPL_H

#include <stddef.h>
#include <stdio.h>

#include "csvin_impl.h"
#include "nids/err.h"
#include "nids/stream.h"

/* The first fields of the preamble lines. */
#define NIDS_CAT_RECORD "#record"
#define NIDS_CAT_CLASS "#class"
#define NIDS_CAT_STRING "#string"
/* The longest record read back (nids_header_set_ext's limit). */
#define NIDS_CAT_RECORD_MAX (32 << 20)

/* Writes h's classes, strings and header records as `#class NAME`, `#string TEXT` and
 * `#record KEY HEX` lines, fields separated by delim. Returns 0,
 * or NIDS_EUSAGE for a key that would not read back (a delimiter, quote, line end or
 * surrounding spaces in it). Write errors are left to the caller's ferror. */
int nids_cat_put_preamble(const nids_header *h, FILE *f, char delim, nids_err *err);

/* Writes s with a tab, line feed, carriage return and backslash as \t, \n, \r and \\,
 * and a double quote as quote (TSV's "", logfmt's \"). */
void nids_cat_put_escaped(FILE *f, const char *s, const char *quote);

/* Writes one field of the text form, quoting it for CSV when it holds a comma, quote or
 * line end; for TSV (delim '\t') writing a tab, line feed, carriage return and
 * backslash as \t, \n, \r and \\. */
void nids_cat_put_field(FILE *f, const char *s, char delim);

/* Decodes the TSV escapes \t, \n, \r and \\ in every field of rec, in place. Returns
 * 0, or NIDS_EFORMAT naming where for a backslash followed by anything else. */
int nids_cat_unescape(nids_csv_record *rec, const char *where, nids_err *err);

/* The record being gathered from its lines; zero-initialize, free with
 * nids_cat_records_free. */
typedef struct nids_cat_records {
	char *key;
	unsigned char *data;
	size_t len, cap;
} nids_cat_records;

/* Non-zero when s is #record, #class or #string. */
int nids_cat_is_tag(const char *s);

/* Non-zero when a text record's first field is #record, #class or #string. */
int nids_cat_is_preamble(const nids_csv_record *rec);

/* Takes one preamble line: a class or string joins h's table; a record line goes into
 * t, and one with a new key first stores the record gathered so far into h. Returns 0,
 * or NIDS_EFORMAT naming where (a wrong field count, an empty key or name, odd or
 * non-hex digits, a key or name given twice), or NIDS_ENOMEM. */
int nids_cat_take_preamble(nids_cat_records *t, nids_header *h, const nids_csv_record *rec,
                           const char *where, nids_err *err);

/* Stores the last record gathered into h. Returns 0 or a negative code. */
int nids_cat_preamble_end(nids_cat_records *t, nids_header *h, const char *where, nids_err *err);

void nids_cat_records_free(nids_cat_records *t);

#endif
