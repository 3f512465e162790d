/* csvin.c: CSV records with line numbers: lines without a quote character split here,
 * straight from the read buffer, with libcsv's rules; libcsv itself from the first read
 * that holds a quote on; and the fast number parser featurizers use on every field. */
#include "csvin_impl.h"

#include <csv.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHUNK (256u << 10) /* bytes asked of the input per read */
#define PAD 64u            /* zeros after the text, so that a 64-byte block may overrun it */

/* A record libcsv finished, waiting to be handed out: its fields are in the arena. */
typedef struct queued {
	size_t first; /* index of its first field */
	int nfields;
	long line;
} queued;

struct nids_csv {
	nids_input *in;
	struct csv_parser p;
	/* the read buffer: [buf, pos) handed out, [pos, last) complete lines still to split,
	 * [last, dend) a partial line carried to the next read, then PAD zeros */
	unsigned char *buf, *pos, *last, *dend;
	size_t cap;
	const unsigned char *fin; /* the line end put after a last line that had none */
	const unsigned char *blk; /* the 64-byte block the line splitter is in */
	uint64_t marks;           /* its delimiters and line ends not yet reached, one bit each */
	/* libcsv's side, once a quote has been seen */
	char *arena; /* field bytes, each NUL-terminated */
	size_t arena_len, arena_cap;
	size_t *off, *len; /* per field: offset into arena, length */
	size_t nf, fcap;
	queued *q;
	size_t nq, qcap, head;
	size_t cur_first; /* first field of the record being parsed */
	long cur_line;    /* line the record being parsed started on */
	long line;        /* line at the parser's position */
	long rec_line;    /* line of the record last handed out, when have_rec */
	int have_rec;
	int prev_cr; /* the last record ended at a CR: a following LF is the same line end */
	int eof, nomem, first_chunk;
	int quoted; /* a quote character has been seen in the input: libcsv parses the rest */
	unsigned char delim;
	unsigned long long bytes;
	unsigned long long blank; /* blank lines skipped */
	char **out_fields;
	size_t *out_lens;
	int out_cap;
	char where[320];
};

/* ---- libcsv's side ---- */

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

static void on_field(void *s, size_t n, void *data)
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
	memcpy(dst, s, n);
	dst[n] = 0;
	for (size_t i = 0; i < n; i++) /* a quoted field may span lines */
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

/* ---- the quote-free side ---- */

/* Bit i of the result is set when p[i] is the delimiter d, a CR or an LF, i < 64. GCC's
 * vector extensions, 16 bytes at a time: each byte's comparison becomes 0 or all ones,
 * and SSE2's movemask gathers them, or elsewhere three shifts fold the eight bytes of
 * each 64-bit lane into its low byte. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef unsigned char u8x16 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));

static inline uint64_t marks16(const unsigned char *p, unsigned char d)
{
	u8x16 v;
	memcpy(&v, p, 16);
	u8x16 m = (u8x16)((v == d) | (v == '\n') | (v == '\r'));
#ifdef __SSE2__ /* one instruction gathers the bytes' top bits */
	return (uint64_t)(unsigned)_mm_movemask_epi8((__m128i)m);
#else
	u64x2 x = (u64x2)(m & 1);
	x |= x >> 7;  /* byte k: bits 0-1 = bytes k, k+1 */
	x |= x >> 14; /* bits 0-3 = bytes k..k+3 */
	x |= x >> 28; /* bits 0-7 = bytes k..k+7 */
	return (x[0] & 0xff) | (x[1] & 0xff) << 8;
#endif
}

static inline uint64_t marks64(const unsigned char *p, unsigned char d)
{
	return marks16(p, d) | marks16(p + 16, d) << 16 | marks16(p + 32, d) << 32 |
	       marks16(p + 48, d) << 48;
}
#else
static inline uint64_t marks64(const unsigned char *p, unsigned char d)
{
	uint64_t m = 0;
	for (int i = 0; i < 64; i++)
		m |= (uint64_t)(p[i] == d || p[i] == '\n' || p[i] == '\r') << i;
	return m;
}
#endif

static int is_blank(unsigned char ch) { return ch == ' ' || ch == '\t'; }

/* Room for n fields in the record handed out; nonzero when out of memory. */
static int grow_out(nids_csv *c, int n)
{
	int cap = n * 2;
	char **f = realloc(c->out_fields, (size_t)cap * sizeof *f);
	size_t *l = f ? realloc(c->out_lens, (size_t)cap * sizeof *l) : NULL;
	if (f)
		c->out_fields = f;
	if (!l)
		return 1;
	c->out_lens = l;
	c->out_cap = cap;
	return 0;
}

/* A line without fields that ended at ch, as on_record counts it. */
static void blank_line(nids_csv *c, int ch)
{
	if (ch == '\n' && c->prev_cr) {
		c->prev_cr = 0; /* the LF of a CRLF */
		return;
	}
	c->prev_cr = ch == '\r';
	c->blank += ch >= 0;
	c->line += ch >= 0;
}

/* The next record among the complete lines [pos, last), split as libcsv splits them
 * (CSV_REPALL_NL: each CR or LF ends a line; spaces and tabs trimmed from both ends of
 * each field; a line of nothing but spaces and tabs has no field and is blank), its
 * fields terminated in place. Returns 1 with *rec, 0 when the lines are used up, or
 * NIDS_ENOMEM. */
static int split_next(nids_csv *c, nids_csv_record *rec, nids_err *err)
{
	unsigned char *s = c->pos;
	const unsigned char *blk = c->blk;
	uint64_t marks = c->marks;
	const unsigned char d = c->delim;
	char **fields = c->out_fields; /* (locals: stores through them cannot change c) */
	size_t *lens = c->out_lens;
	while (s < c->last) {
		int nf = 0;
		unsigned char *q, *f = s;
		for (;;) {
			while (!marks) {
				blk += 64;
				marks = marks64(blk, d);
			}
			q = (unsigned char *)blk + __builtin_ctzll(marks);
			marks &= marks - 1;
			if (*q != d && nf == 0) { /* a line of one field, perhaps none */
				while (f < q && is_blank(*f))
					f++;
				if (f == q)
					break;
			}
			unsigned char *t = q;
			if (*f <= ' ') /* (one test for space and tab, then the exact one) */
				while (f < t && is_blank(*f))
					f++;
			if (t > f && t[-1] <= ' ')
				while (t > f && is_blank(t[-1]))
					t--;
			if (nf == c->out_cap) {
				if (grow_out(c, nf + 1)) {
					c->pos = s, c->blk = blk, c->marks = marks;
					return nids_err_set(err, NIDS_ENOMEM, nids_csv_where(c),
					                    "out of memory");
				}
				fields = c->out_fields;
				lens = c->out_lens;
			}
			fields[nf] = (char *)f;
			lens[nf++] = (size_t)(t - f);
			if (*q != d)
				break;
			*t = 0;
			f = q + 1;
		}
		int ch = q == c->fin ? -1 : *q; /* (-1: the end of the input, not a line end) */
		*q = 0;
		s = q + 1;
		if (nf == 0) {
			blank_line(c, ch);
			continue;
		}
		fields[nf - 1][lens[nf - 1]] = 0;
		c->prev_cr = ch == '\r';
		rec->nfields = nf;
		rec->fields = fields;
		rec->lens = lens;
		rec->line = c->rec_line = c->line;
		c->have_rec = 1;
		c->line += ch >= 0;
		c->pos = s, c->blk = blk, c->marks = marks;
		return 1;
	}
	c->pos = s, c->blk = blk, c->marks = marks;
	return 0;
}

int nids_csv_open(nids_csv **cp, nids_input *in, char delim, nids_err *err)
{
	nids_csv *c = calloc(1, sizeof *c);
	*cp = NULL;
	size_t cap = CHUNK + (64u << 10) + PAD; /* a partial line of up to 64 KiB, then a read */
	if (!c || !(c->buf = malloc(cap)) ||
	    csv_init(&c->p, CSV_REPALL_NL | CSV_STRICT | CSV_STRICT_FINI) != 0) {
		if (c)
			free(c->buf);
		free(c);
		return nids_err_set(err, NIDS_ENOMEM, nids_input_name(in), "out of memory");
	}
	csv_set_delim(&c->p, (unsigned char)delim);
	c->cap = cap;
	c->pos = c->last = c->dend = c->buf;
	c->delim = (unsigned char)delim;
	c->in = in;
	c->line = 1;
	c->first_chunk = 1;
	*cp = c;
	return 0;
}

const char *nids_csv_where(nids_csv *c)
{
	snprintf(c->where, sizeof c->where, "%s:%ld", nids_input_name(c->in),
	         c->have_rec ? c->rec_line : c->line);
	return c->where;
}

unsigned long long nids_csv_bytes(const nids_csv *c) { return c->bytes; }
unsigned long long nids_csv_blank(const nids_csv *c) { return c->blank; }

/* Moves the partial line [last, dend) to the front of the buffer, with room after it for
 * a whole read and the padding. Returns its length, or (size_t)-1 when out of memory. */
static size_t carry_over(nids_csv *c)
{
	size_t carry = (size_t)(c->dend - c->last);
	if (carry && c->last != c->buf)
		memmove(c->buf, c->last, carry);
	if (carry + CHUNK + PAD > c->cap) { /* a line longer than the buffer holds */
		size_t cap = c->cap * 2 > carry + CHUNK + PAD ? c->cap * 2 : carry + CHUNK + PAD;
		unsigned char *b = realloc(c->buf, cap);
		if (!b)
			return (size_t)-1;
		c->buf = b;
		c->cap = cap;
	}
	c->pos = c->last = c->buf;
	c->dend = c->buf + carry;
	return carry;
}

/* The text [buf, dend) is set: its complete lines become [pos, last), what follows the
 * last line end is kept for the next read, and the splitter starts at the first block. */
static void lines_ready(nids_csv *c)
{
	unsigned char *last = c->dend;
	while (last > c->buf && last[-1] != '\n' && last[-1] != '\r')
		last--;
	memset(c->dend, 0, PAD);
	c->pos = c->buf;
	c->last = last;
	c->blk = c->buf;
	c->marks = last > c->buf ? marks64(c->buf, c->delim) : 0;
}

/* Whether an input's first bytes p [n] open a tar archive (the "ustar" magic at byte 257
 * of its first header) or a zip file (a local entry's "PK\3\4"): its kind, and into
 * member [size] its first member's name when the header gives it plainly (else ""). */
static const char *archive_kind(const unsigned char *p, size_t n, char *member, size_t size)
{
	member[0] = 0;
	if (n >= 512 && !memcmp(p + 257, "ustar", 5)) {
		/* a regular file's entry (a directory's, a GNU long name's or a pax header's
		   name is not the CSV's: then -O writes every file's bytes, which for the one
		   CSV of a dataset's archive is it) */
		if (p[156] == '0' || p[156] == 0) {
			int plen = (int)strnlen((const char *)p + 345, 155);
			snprintf(member, size, "%.*s%s%.*s", plen, p + 345, plen ? "/" : "",
			         (int)strnlen((const char *)p, 100), p);
		}
		return "tar";
	}
	if (n >= 30 && !memcmp(p, "PK\3\4", 4)) {
		size_t len = p[26] | (size_t)p[27] << 8;
		if (30 + len <= n)
			snprintf(member, size, "%.*s", (int)len, p + 30);
		return "zip";
	}
	return NULL;
}

/* The line of a NUL at nul in the text [buf, dend) not yet split or parsed: the line
 * the text starts on, plus the line ends before the NUL counted as the splitter counts
 * them (each CR or LF, except an LF after a CR with only spaces and tabs between, which
 * is a blank line blank_line skips). libcsv's part of a field not yet finished comes
 * before the text: the LFs in it are lines on_field has yet to count. */
static long nul_line(const nids_csv *c, const unsigned char *nul)
{
	long line = c->line;
	int cr = c->prev_cr;
	if (c->quoted) {
		for (size_t i = 0; i < c->p.entry_pos; i++)
			line += c->p.entry_buf[i] == '\n';
		if (c->p.entry_pos || c->p.quoted || c->nf != c->cur_first)
			cr = 0; /* inside a record: an LF is no CRLF's */
	}
	for (const unsigned char *s = c->buf; s < nul; s++) {
		if (*s == '\n')
			line += !cr, cr = 0;
		else if (*s == '\r')
			line++, cr = 1;
		else if (!is_blank(*s))
			cr = 0;
	}
	return line;
}

/* The message for a NUL byte in the bytes p [n] just read (first: they are the input's
 * first): an archive is named as one, with the command that reads a CSV out of it; other
 * text by the NUL's own line. */
static int binary_input(nids_csv *c, const unsigned char *p, size_t n, int first, nids_err *err)
{
	char member[300];
	const char *kind = first ? archive_kind(p, n, member, sizeof member) : NULL;
	if (!kind) {
		c->line = nul_line(c, memchr(p, 0, n)); /* (the error ends the reading) */
		return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
		                    "binary data (a NUL byte): this is not CSV text");
	}
	/* (GNU tar finds a file's compression, not a pipe's: say it) */
	const char *cmd = strcmp(kind, "tar")              ? "unzip -p"
	                  : nids_input_is_gzip(c->in) ? "tar -xzOf"
	                  : nids_input_is_zstd(c->in) ? "tar --zstd -xOf"
	                                              : "tar -xOf";
	return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
	                    "a %s archive, not CSV text: pipe a CSV file out of it (%s %s%s%s%s | ...)",
	                    kind, cmd, nids_input_name(c->in), member[0] ? " '" : "", member,
	                    member[0] ? "'" : "");
}

/* Reads until there are lines to split or records from libcsv, or the end. */
static int fill(nids_csv *c, nids_err *err)
{
	compact(c);
	c->have_rec = 0;
	while (c->nq == 0 && !c->eof && !(c->pos < c->last)) {
		size_t carry = carry_over(c);
		if (carry == (size_t)-1)
			return nids_err_set(err, NIDS_ENOMEM, nids_csv_where(c), "out of memory");
		unsigned char *p = c->buf + carry;
		long n = nids_input_read(c->in, p, CHUNK, err);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			c->eof = 1;
			if (c->quoted) {
				if (csv_fini(&c->p, on_field, on_record, c) != 0)
					return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
					                    "unterminated quoted field at the end of the input");
			} else if (carry) { /* a last line without a line end: give it one */
				*c->dend = '\n';
				c->fin = c->dend++;
				lines_ready(c);
			}
			break;
		}
		int first = c->first_chunk;
		if (first && n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
			memmove(p, p + 3, (size_t)n - 3); /* UTF-8 byte-order mark */
			n -= 3;
		}
		c->first_chunk = 0;
		c->bytes += (unsigned long long)n;
		if (!c->quoted && memchr(p, '"', (size_t)n))
			c->quoted = 1;
		if (memchr(p, 0, (size_t)n))
			return binary_input(c, p, (size_t)n, first, err);
		c->dend = p + n;
		if (!c->quoted) {
			lines_ready(c);
			continue;
		}
		/* libcsv from here on, from the start of a line (the partial one carried over) */
		size_t len = (size_t)(c->dend - c->buf);
		c->pos = c->last = c->dend = c->buf;
		if (csv_parse(&c->p, c->buf, len, on_field, on_record, c) != len)
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

/* The next record libcsv finished, its fields lent from the arena. */
static int next_queued(nids_csv *c, nids_csv_record *rec, nids_err *err)
{
	queued *q = &c->q[c->head++];
	if (q->nfields > c->out_cap && grow_out(c, q->nfields))
		return nids_err_set(err, NIDS_ENOMEM, nids_csv_where(c), "out of memory");
	for (int i = 0; i < q->nfields; i++) {
		c->out_fields[i] = c->arena + c->off[q->first + (size_t)i];
		c->out_lens[i] = c->len[q->first + (size_t)i];
	}
	rec->nfields = q->nfields;
	rec->fields = c->out_fields;
	rec->lens = c->out_lens;
	rec->line = c->rec_line = q->line;
	c->have_rec = 1;
	return 1;
}

int nids_csv_next(nids_csv *c, nids_csv_record *rec, nids_err *err)
{
	for (;;) {
		if (c->head < c->nq)
			return next_queued(c, rec, err);
		if (c->pos < c->last) {
			int rc = split_next(c, rec, err);
			if (rc)
				return rc;
		}
		if (c->eof)
			return 0;
		int rc = fill(c, err);
		if (rc)
			return rc;
	}
}

void nids_csv_free(nids_csv *c)
{
	if (!c)
		return;
	csv_free(&c->p);
	free(c->buf);
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

#ifdef __SIZEOF_INT128__
static const uint64_t POW5[28] = { 1ull, 5ull, 25ull, 125ull, 625ull, 3125ull, 15625ull,
	78125ull, 390625ull, 1953125ull, 9765625ull, 48828125ull, 244140625ull, 1220703125ull,
	6103515625ull, 30517578125ull, 152587890625ull, 762939453125ull, 3814697265625ull,
	19073486328125ull, 95367431640625ull, 476837158203125ull, 2384185791015625ull,
	11920928955078125ull, 59604644775390625ull, 298023223876953125ull,
	1490116119384765625ull, 7450580596923828125ull };

/* m * 10^e for 0 < m < 2^64 and |e| <= 27, correctly rounded (to nearest, ties to even),
 * in integers: 10^e = 5^e 2^e with 5^e exact in 64 bits, so the value is the exact
 * product m 5^e, or the quotient (m << 64) / 5^-e and whether a remainder is left, times
 * a power of two; either has at least 64 significant bits, rounded here to 53. This is
 * what covers the 16 to 19 digit decimals that Java and Python print (CICFlowMeter's
 * rates and means), which Clinger's test refuses. */
static double scale_exact(uint64_t m, int e)
{
	int lz = __builtin_clzll(m);
	unsigned __int128 q;
	int sticky = 0, bexp; /* the value is (q + a fraction when sticky) * 2^bexp */
	if (e >= 0) {
		q = (unsigned __int128)(m << lz) * POW5[e];
		bexp = e - lz;
	} else {
		unsigned __int128 n = (unsigned __int128)(m << lz) << 64;
		q = n / POW5[-e];
		sticky = n - q * POW5[-e] != 0;
		bexp = e - lz - 64;
	}
	uint64_t hi = (uint64_t)(q >> 64);
	int bits = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll((uint64_t)q);
	int drop = bits - 53; /* >= 11: q >= 2^63 */
	uint64_t top = (uint64_t)(q >> drop);
	unsigned __int128 rest = q & (((unsigned __int128)1 << drop) - 1);
	unsigned __int128 half = (unsigned __int128)1 << (drop - 1);
	if (rest > half || (rest == half && (sticky || (top & 1))))
		top++;
	bexp += drop;
	if (top >> 53) { /* rounded up to the next power of two */
		top >>= 1;
		bexp++;
	}
	/* top * 2^bexp with 2^52 <= top < 2^53: a normal double (|e| <= 27) */
	uint64_t b = (uint64_t)(bexp + 1075) << 52 | (top & ((1ull << 52) - 1));
	double v;
	memcpy(&v, &b, sizeof v);
	return v;
}
#endif

/* m * 10^e correctly rounded, when m is exact and the product can be had without
 * strtod: Clinger's one operation, or scale_exact. Returns 0 with *v, or -1. */
static inline int scaled(uint64_t m, int e, double *v)
{
	if (m <= (1ull << 53) && e >= -22 && e <= 22) {
		double d = (double)(int64_t)m; /* (exact) */
		*v = e < 0 ? d / POW10[-e] : d * POW10[e];
		return 0;
	}
#ifdef __SIZEOF_INT128__
	if (e >= -27 && e <= 27) {
		*v = m ? scale_exact(m, e) : 0;
		return 0;
	}
#endif
	return -1;
}

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

/* Every form: spaces, signs, fractions, exponents, inf and nan. Mantissas of up to 18
 * digits with small exponents go through scaled(), the rest through strtod. */
__attribute__((noinline)) static int parse_general(const char *s, size_t len, double *out)
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
	/* mant holds every digit: rounded here as strtod rounds it */
	double v;
	if (digits < 19 && scaled(mant, exp10, &v) == 0) {
		*out = neg ? -v : v;
		return 0;
	}
	/* rare: long mantissas and large exponents; strtod needs a terminated copy, on the
	 * heap for a number too long for the stack's (a 130-digit integer is still one) */
	char buf[128], *b = buf;
	if (len >= sizeof buf && !(b = malloc(len + 1)))
		return -1;
	memcpy(b, s, len);
	b[len] = 0;
	char *e;
	*out = strtod(b, &e);
	int rc = *e ? -1 : 0;
	if (b != buf)
		free(b);
	return rc;
}

/* The digits at [*pp, end) appended to *m, eight at a time where eight are there (the
 * multiplications fold pairs, then quads, then the eight; as in simdjson), then one by
 * one; *pp moves past them. The chain m * 10 + d costs two cycles a digit, and
 * CICFlowMeter's numbers have up to 17. */
static inline void digits(const unsigned char **pp, const unsigned char *end, uint64_t *m)
{
	const unsigned char *p = *pp;
	uint64_t v = *m;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull;
	while (end - p >= 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		if (((x & 0xf0 * ones) | (((x + 0x06 * ones) & 0xf0 * ones) >> 4)) != 0x33 * ones)
			break; /* not eight digits */
		x = (x & 0x0f * ones) * 2561 >> 8;
		x = (x & 0x00ff00ff00ff00ffull) * 6553601 >> 16;
		x = (x & 0x0000ffff0000ffffull) * 42949672960001ull >> 32;
		v = v * 100000000 + x;
		p += 8;
	}
#endif
	for (; p < end && (unsigned)(*p - '0') < 10; p++)
		v = v * 10 + (unsigned)(*p - '0');
	*pp = p;
	*m = v;
}

/* [-+]digits[.digits] of 9 to 20 characters with up to 19 digits, rounded by scaled();
 * the rest to parse_general. */
__attribute__((noinline)) static int parse_plain(const char *s, size_t len, double *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	int neg = *p == '-';
	p += neg | (*p == '+');
	uint64_t m = 0; /* (wraps past 19 digits, which are not taken here) */
	const unsigned char *d0 = p;
	digits(&p, end, &m);
	size_t nd = (size_t)(p - d0), nfrac = 0;
	if (p < end && *p == '.') {
		const unsigned char *f0 = ++p;
		digits(&p, end, &m);
		nfrac = (size_t)(p - f0);
		nd += nfrac;
	}
	double v; /* up to 19 digits: m is exact (no wrap) */
	if (p == end && nd - 1 < 19 && scaled(m, -(int)nfrac, &v) == 0) {
		*out = neg ? -v : v;
		return 0;
	}
	return parse_general(s, len, out);
}

/* The common short forms first: [-+]digits[.digits] of up to 8 characters, whose value
 * is below 10^8 and so one of Clinger's cases, correctly rounded as parse_general's
 * result is; longer plain forms go to parse_plain, everything else to parse_general
 * (both kept out of line, so that this path needs no stack frame). */
int nids_parse_float(const char *s, size_t len, double *out)
{
	if (len == 1 && (unsigned)(s[0] - '0') < 10) { /* a digit: flags, counts, ToS */
		*out = s[0] - '0';
		return 0;
	}
	if (len - 1 >= 8)
		return len - 1 < 20 ? parse_plain(s, len, out) : parse_general(s, len, out);
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	int neg = *p == '-';
	p += neg | (*p == '+');
	uint32_t m = 0;
	const unsigned char *d0 = p;
	for (; p < end && (unsigned)(*p - '0') < 10; p++)
		m = m * 10 + (unsigned)(*p - '0');
	size_t nd = (size_t)(p - d0), nfrac = 0;
	if (p < end && *p == '.') {
		const unsigned char *f0 = ++p;
		for (; p < end && (unsigned)(*p - '0') < 10; p++)
			m = m * 10 + (unsigned)(*p - '0');
		nfrac = (size_t)(p - f0);
		nd += nfrac;
	}
	if (p != end || nd == 0)
		return parse_general(s, len, out);
	double v = (double)(int32_t)m; /* < 10^8: exact, and so is 10^nfrac */
	if (nfrac)
		v /= POW10[nfrac];
	*out = neg ? -v : v;
	return 0;
}
