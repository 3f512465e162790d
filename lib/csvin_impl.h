/* csvin_impl.h: records from CSV (or TSV) text, as libcsv parses them, with line numbers.
 *
 * Reads an nids_input (so zstd-compressed CSV works), strips a UTF-8 byte-order mark,
 * accepts LF and CRLF line ends and quoted fields, and skips blank lines. Fields are
 * trimmed of surrounding spaces. Each record knows the line it started on, for
 * messages like "KDDTest+.txt:1872: ...". Lines are split in the read buffer until a
 * read holds a quote character, and by libcsv from there on, with the same results.
 * Memory is bounded by the read size plus the longest record.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_CSVIN_IMPL_H
#define NIDS_CSVIN_IMPL_H

#include <stddef.h>

#include "nids/err.h"
#include "nids/io.h"

typedef struct nids_csv nids_csv;

typedef struct nids_csv_record {
	int nfields;
	char **fields;  /* NUL-terminated, writable, lent until the next call */
	size_t *lens;   /* byte length of each field */
	long line;      /* 1-based line the record starts on */
} nids_csv_record;

/* Starts reading in (which the caller keeps and must outlive the reader); delim is
 * ',' or '\t'. Returns 0 or a negative code. */
int nids_csv_open(nids_csv **c, nids_input *in, char delim, nids_err *err);

/* Next non-blank record: 1 with *rec filled, 0 at the end, or a negative code (an I/O
 * or decompression error, an unterminated quote at the end, binary data). */
int nids_csv_next(nids_csv *c, nids_csv_record *rec, nids_err *err);

/* "name:line" for the record last returned, for messages. Lent. */
const char *nids_csv_where(nids_csv *c);

/* Blank lines (no fields, or only spaces) skipped so far. */
unsigned long long nids_csv_blank(const nids_csv *c);

/* Bytes of text consumed so far (after decompression). */
unsigned long long nids_csv_bytes(const nids_csv *c);

void nids_csv_free(nids_csv *c);

/* Parses a whole field as a number: decimal with optional sign, fraction and exponent,
 * correctly rounded (to nearest, ties to even, as glibc's strtod), without strtod for
 * mantissas of up to 18 digits (19 in plain [-+]digits[.digits] fields) and exponents
 * up to 27 either way, strtod otherwise, at any length; also inf/infinity/nan in any
 * case. A numeral beyond a double's range is +-HUGE_VAL and one below it 0 or a
 * subnormal, as strtod gives them. Spaces and tabs before and after the number are
 * ignored. Returns 0 with *out, or -1 when the text is not a number (empty included). */
int nids_parse_float(const char *s, size_t len, double *out);

#endif
