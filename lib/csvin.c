/* csvin.c: libcsv glue that turns pushed fields into pulled records with line numbers,
 * and the fast number parser featurizers use on every field. */
#include "csvin_impl.h"

#include <csv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHUNK (256u << 10)
#define IN_CHUNK ((size_t)1 << 63) /* a field's offset is into the chunk, not the arena */

typedef struct queued {
	size_t first; /* index of its first field */
	int nfields;
	long line;
} queued;

struct nids_csv {
	nids_input *in;
	struct csv_parser p;
	unsigned char *chunk;
	char *arena; /* field bytes, each NUL-terminated */
	size_t arena_len, arena_cap;
	size_t *off, *len; /* per field: offset into arena (or chunk, tagged IN_CHUNK), length */
	size_t nf, fcap;
	queued *q;
	size_t nq, qcap, head;
	size_t cur_first; /* first field of the record being parsed */
	long cur_line;    /* line the record being parsed started on */
	long line;        /* line at the parser's position */
	int prev_cr;      /* the last record ended at a CR: a following LF is the same line end */
	int eof, nomem, first_chunk;
	int quoted; /* a quote character has been seen in the input */
	unsigned char delim;
	unsigned long long bytes;
	unsigned long long blank; /* blank lines skipped */
	char **out_fields;
	size_t *out_lens;
	int out_cap;
	char where[320];
};

/* Doubles the field arrays; nonzero (and nomem set) when out of memory. */
static int grow_fields(nids_csv *c)
{
	size_t cap = c->fcap ? c->fcap * 2 : 4096;
	size_t *o = realloc(c->off, cap * sizeof *o), *l = o ? realloc(c->len, cap * sizeof *l) : NULL;
	if (o)
		c->off = o;
	if (!l)
		return c->nomem = 1;
	c->len = l;
	c->fcap = cap;
	return 0;
}

/* no-tree-loop-distribute-patterns: keeps GCC from turning the short-field byte loop back
 * into a memcpy call */
__attribute__((optimize("no-tree-loop-distribute-patterns"))) static void
on_field(void *s, size_t n, void *data)
{
	nids_csv *c = data;
	if (c->nomem)
		return;
	if (c->nf == c->cur_first)
		c->cur_line = c->line;
	if (c->arena_len + n + 1 > c->arena_cap) {
		size_t cap = (c->arena_cap ? c->arena_cap * 2 : CHUNK) + n + 1;
		char *a = realloc(c->arena, cap);
		if (!a) {
			c->nomem = 1;
			return;
		}
		c->arena = a;
		c->arena_cap = cap;
	}
	if (c->nf == c->fcap && grow_fields(c))
		return;
	char *dst = c->arena + c->arena_len;
	/* most fields are a few bytes: a byte loop beats a call to memcpy, which was a tenth
	 * of featurize's time (see on_field's attribute) */
	if (n <= 16)
		for (size_t i = 0; i < n; i++)
			dst[i] = ((const char *)s)[i];
	else
		memcpy(dst, s, n);
	dst[n] = 0;
	/* only a quoted field may span lines, so plain text needs no scan */
	if (c->quoted)
		for (size_t i = 0; i < n; i++)
			c->line += dst[i] == '\n';
	c->off[c->nf] = c->arena_len;
	c->len[c->nf++] = n;
	c->arena_len += n + 1;
}

static void on_record(int ch, void *data)
{
	nids_csv *c = data;
	int empty = c->nf == c->cur_first;
	if (ch == '\n' && c->prev_cr && empty) {
		c->prev_cr = 0; /* the LF of a CRLF */
		return;
	}
	c->prev_cr = ch == '\r';
	c->blank += empty && ch >= 0; /* (ch < 0: the end of the input, not a line) */
	if (!empty && !c->nomem) {
		if (c->nq == c->qcap) {
			size_t cap = c->qcap ? c->qcap * 2 : 1024;
			queued *q = realloc(c->q, cap * sizeof *q);
			if (!q) {
				c->nomem = 1;
				return;
			}
			c->q = q;
			c->qcap = cap;
		}
		c->q[c->nq++] = (queued){ c->cur_first, (int)(c->nf - c->cur_first), c->cur_line };
		c->cur_first = c->nf;
	}
	if (ch == '\n' || ch == '\r')
		c->line++;
}

/* A field [s, t) of the chunk, where it is: terminated in place (t is the delimiter, the
 * line end or trimmed space, all read by then), its offset tagged IN_CHUNK. */
static void chunk_field(nids_csv *c, unsigned char *s, unsigned char *t)
{
	if (c->nomem)
		return;
	if (c->nf == c->cur_first)
		c->cur_line = c->line;
	if (c->nf == c->fcap && grow_fields(c))
		return;
	*t = 0;
	c->off[c->nf] = (size_t)(s - c->chunk) | IN_CHUNK;
	c->len[c->nf++] = (size_t)(t - s);
}

/* The fields of the unquoted line [s, e) as libcsv gives them: split at the delimiter,
 * spaces and tabs trimmed from both ends of each; a line of nothing but spaces and tabs
 * has no field. */
static void split_line(nids_csv *c, unsigned char *s, unsigned char *e)
{
	const unsigned char *q = s;
	while (q < e && (*q == ' ' || *q == '\t'))
		q++;
	if (q == e)
		return;
	for (;;) {
		unsigned char *f = s; /* fields are short: a byte loop beats memchr's call */
		while (f < e && *f != c->delim)
			f++;
		unsigned char *end = f;
		f = f < e ? f : NULL;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		unsigned char *t = end;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		chunk_field(c, s, t);
		if (!f)
			return;
		s = f + 1;
	}
}

/* Hands the complete lines of the quote-free buf [n] to on_field and on_record as
 * csv_parse would (with CSV_REPALL_NL: each CR or LF ends a record, blank ones too),
 * once libcsv is between records: the bytes up to the first line end go to libcsv
 * first, as they may end a record it began in the previous chunk. Returns the bytes
 * consumed (the rest, a partial line, is libcsv's), or (size_t)-1 when libcsv found an
 * error in those first bytes. */
static size_t split_lines(nids_csv *c, unsigned char *buf, size_t n)
{
	unsigned char *p = buf, *end = buf + n, *last = end;
	while (last > p && last[-1] != '\n' && last[-1] != '\r')
		last--;
	if (last == p)
		return 0;
	const unsigned char *first = p;
	while (*first != '\n' && *first != '\r')
		first++;
	size_t head = (size_t)(first - p) + 1;
	if (csv_parse(&c->p, p, head, on_field, on_record, c) != head)
		return (size_t)-1; /* libcsv's error */
	int cr = memchr(first, '\r', (size_t)(last - first)) != NULL;
	for (p += head; p < last;) {
		unsigned char *q = p;
		if (cr)
			while (*q != '\n' && *q != '\r')
				q++;
		else /* LF alone ends lines */
			q = memchr(p, '\n', (size_t)(last - p));
		unsigned char ch = *q; /* split_line may end its last field here */
		split_line(c, p, q);
		on_record(ch, c);
		p = q + 1;
	}
	return (size_t)(last - buf);
}

int nids_csv_open(nids_csv **cp, nids_input *in, char delim, nids_err *err)
{
	nids_csv *c = calloc(1, sizeof *c);
	*cp = NULL;
	if (!c || !(c->chunk = malloc(CHUNK)) ||
	    csv_init(&c->p, CSV_REPALL_NL | CSV_STRICT | CSV_STRICT_FINI) != 0) {
		if (c)
			free(c->chunk);
		free(c);
		return nids_err_set(err, NIDS_ENOMEM, nids_input_name(in), "out of memory");
	}
	csv_set_delim(&c->p, (unsigned char)delim);
	c->delim = (unsigned char)delim;
	c->in = in;
	c->line = 1;
	c->first_chunk = 1;
	*cp = c;
	return 0;
}

const char *nids_csv_where(nids_csv *c)
{
	long line = c->head ? c->q[c->head - 1].line : c->line;
	snprintf(c->where, sizeof c->where, "%s:%ld", nids_input_name(c->in), line);
	return c->where;
}

unsigned long long nids_csv_bytes(const nids_csv *c) { return c->bytes; }
unsigned long long nids_csv_blank(const nids_csv *c) { return c->blank; }

/* Drops the records already handed out, keeping a partly parsed record's fields. */
static void compact(nids_csv *c)
{
	size_t keep = c->nf - c->cur_first;
	size_t base = keep ? c->off[c->cur_first] : c->arena_len;
	if (c->arena_len > base)
		memmove(c->arena, c->arena + base, c->arena_len - base);
	c->arena_len -= base;
	for (size_t i = 0; i < keep; i++) {
		c->off[i] = c->off[c->cur_first + i] - base;
		c->len[i] = c->len[c->cur_first + i];
	}
	c->nf = keep;
	c->cur_first = 0;
	c->nq = c->head = 0;
}

static int fill(nids_csv *c, nids_err *err)
{
	compact(c);
	while (c->nq == 0 && !c->eof) {
		long n = nids_input_read(c->in, c->chunk, CHUNK, err);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			c->eof = 1;
			if (csv_fini(&c->p, on_field, on_record, c) != 0)
				return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
				                    "unterminated quoted field at the end of the input");
			break;
		}
		unsigned char *p = c->chunk;
		if (c->first_chunk && n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
			p += 3; /* UTF-8 byte-order mark */
			n -= 3;
		}
		c->first_chunk = 0;
		c->bytes += (unsigned long long)n;
		if (!c->quoted && memchr(p, '"', (size_t)n))
			c->quoted = 1;
		if (memchr(p, 0, (size_t)n))
			return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
			                    "binary data (a NUL byte): this is not CSV text");
		size_t done = c->quoted ? 0 : split_lines(c, p, (size_t)n);
		if (done != (size_t)-1) { /* whole lines without quotes split, as libcsv would */
			p += done;
			n -= (long)done;
		}
		if (done == (size_t)-1 || csv_parse(&c->p, p, (size_t)n, on_field, on_record, c) != (size_t)n)
			return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
			                    csv_error(&c->p) == CSV_EPARSE
			                            ? "malformed quoted field (a quote inside an unquoted "
			                              "field, or text after a closing quote)"
			                            : "csv: %s",
			                    csv_strerror(csv_error(&c->p)));
		if (c->nomem)
			return nids_err_set(err, NIDS_ENOMEM, nids_csv_where(c), "out of memory");
	}
	return 0;
}

int nids_csv_next(nids_csv *c, nids_csv_record *rec, nids_err *err)
{
	if (c->head == c->nq) {
		int rc = fill(c, err);
		if (rc)
			return rc;
		if (c->nq == 0)
			return 0;
	}
	queued *q = &c->q[c->head++];
	if (q->nfields > c->out_cap) {
		int cap = q->nfields * 2;
		char **f = realloc(c->out_fields, (size_t)cap * sizeof *f);
		size_t *l = f ? realloc(c->out_lens, (size_t)cap * sizeof *l) : NULL;
		if (f)
			c->out_fields = f;
		if (!l)
			return nids_err_set(err, NIDS_ENOMEM, nids_csv_where(c), "out of memory");
		c->out_lens = l;
		c->out_cap = cap;
	}
	for (int i = 0; i < q->nfields; i++) {
		size_t off = c->off[q->first + (size_t)i];
		c->out_fields[i] = off & IN_CHUNK ? (char *)c->chunk + (off & ~IN_CHUNK) : c->arena + off;
		c->out_lens[i] = c->len[q->first + (size_t)i];
	}
	rec->nfields = q->nfields;
	rec->fields = c->out_fields;
	rec->lens = c->out_lens;
	rec->line = q->line;
	return 1;
}

void nids_csv_free(nids_csv *c)
{
	if (!c)
		return;
	csv_free(&c->p);
	free(c->chunk);
	free(c->arena);
	free(c->off);
	free(c->len);
	free(c->q);
	free(c->out_fields);
	free(c->out_lens);
	free(c);
}

/* ---- numbers ---- */

static const double POW10[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                          1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                          1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

static int parse_special(const char *s, size_t len, double *out)
{
	int neg = 0;
	if (len && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
		len--;
	}
	if ((len == 3 && !strncasecmp(s, "inf", 3)) || (len == 8 && !strncasecmp(s, "infinity", 8)))
		*out = neg ? -HUGE_VAL : HUGE_VAL;
	else if (len == 3 && !strncasecmp(s, "nan", 3))
		*out = NAN;
	else
		return -1;
	return 0;
}

/* Clinger's fast path: when the decimal mantissa fits in 53 bits and the power of ten
 * is exact in a double, one multiply or divide rounds correctly. */
int nids_parse_float(const char *s, size_t len, double *out)
{
	/* spaces and tabs around the number (inside quotes, where libcsv keeps them) are
	 * ignored on both sides alike */
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	const char *p = s, *end = s + len;
	int neg = 0;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	uint64_t mant = 0;
	int digits = 0, exp10 = 0, seen = 0;
	for (; p < end && (unsigned)(*p - '0') < 10; p++, seen = 1) {
		if (digits < 19) {
			mant = mant * 10 + (uint64_t)(*p - '0');
			digits += mant != 0;
		} else {
			exp10++;
		}
	}
	if (p < end && *p == '.') {
		for (p++; p < end && (unsigned)(*p - '0') < 10; p++, seen = 1) {
			if (digits < 19) {
				mant = mant * 10 + (uint64_t)(*p - '0');
				digits += mant != 0;
				exp10--;
			}
		}
	}
	if (!seen)
		return parse_special(s, len, out);
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		int eneg = 0, e = 0, edig = 0;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		for (; p < end && (unsigned)(*p - '0') < 10; p++, edig++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		if (!edig)
			return -1;
		exp10 += eneg ? -e : e;
	}
	if (p != end)
		return -1;
	if (digits < 19 && mant <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
		double v = (double)mant;
		v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
		*out = neg ? -v : v;
		return 0;
	}
	/* rare: long mantissas and large exponents; strtod needs a terminated copy */
	char buf[128];
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	char *e;
	*out = strtod(buf, &e);
	return *e ? -1 : 0;
}
