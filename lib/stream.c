/* stream.c: record stream header, blocks, checksums, concatenation. */
#include "nids/stream.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#if defined(__x86_64__) || defined(__i386__)
/* Debian's libxxhash picks the widest vector unit at run time in these (AVX2: 67 GB/s
 * here, against 17 GB/s for the plain SSE2 XXH3 and 10 GB/s for XXH32) */
#include <xxh_x86dispatch.h>
#define XXH3_SEEDED XXH3_64bits_withSeed_dispatch
#else
#define XXH3_SEEDED XXH3_64bits_withSeed
#endif
#include <zstd.h>

#include "nids/le.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "nids writes float32 rows in host order; a big-endian port must byte-swap them"
#endif

static const unsigned char MAGIC[8] = { 0x89, 'N', 'I', 'D', 'S', '\r', '\n', 0x1a };
#define FIXED_HEADER 28
#define BLOCK_HEADER 16
#define MAX_HEADER (64u << 20)
#define MAX_BLOCK_BYTES (256u << 20)
#define BLOCK_TARGET (1u << 20)
#define BLOCK_ZSTD 0x1u
#define BLOCK_CLASSES 0x2u
#define BLOCK_END 0x4u
#define BLOCK_KNOWN (BLOCK_ZSTD | BLOCK_CLASSES | BLOCK_END)

static const char *ROLE_NAMES[NIDS_ROLE_COUNT] = { "feature", "label", "class", "score",
	                                           "id",      "time",  "alarm", "meta",
	                                           "score-low" };

const char *nids_role_name(int role)
{
	return role >= 0 && role < NIDS_ROLE_COUNT ? ROLE_NAMES[role] : NULL;
}

int nids_role_parse(const char *name)
{
	for (int i = 0; i < NIDS_ROLE_COUNT; i++)
		if (strcmp(name, ROLE_NAMES[i]) == 0)
			return i;
	return -1;
}

/* ---- little-endian helpers ---- */


/* ---- header ---- */

nids_header *nids_header_new(void) { return calloc(1, sizeof(nids_header)); }

void nids_header_free(nids_header *h)
{
	if (!h)
		return;
	for (int i = 0; i < h->ncols; i++)
		free(h->cols[i].name);
	for (int i = 0; i < h->nclasses; i++)
		free(h->classes[i]);
	free(h->cols);
	free(h->classes);
	free(h);
}

int nids_header_find(const nids_header *h, const char *name)
{
	for (int i = 0; i < h->ncols; i++)
		if (strcmp(h->cols[i].name, name) == 0)
			return i;
	return -1;
}

int nids_header_find_role(const nids_header *h, int role)
{
	for (int i = 0; i < h->ncols; i++)
		if (h->cols[i].role == role)
			return i;
	return -1;
}

int nids_header_count_role(const nids_header *h, int role)
{
	int n = 0;
	for (int i = 0; i < h->ncols; i++)
		n += h->cols[i].role == role;
	return n;
}

int nids_header_add_column(nids_header *h, const char *name, int role, nids_err *err)
{
	size_t len = strlen(name);
	if (len == 0 || len > NIDS_MAX_NAME)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "column name '%s' is empty or too long",
		                    name);
	if (role < 0 || role >= NIDS_ROLE_COUNT)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "column '%s': bad role %d", name, role);
	if (nids_header_find(h, name) >= 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "duplicate column name '%s'", name);
	if (h->ncols >= NIDS_MAX_COLUMNS)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "more than %d columns",
		                    NIDS_MAX_COLUMNS);
	nids_column *c = realloc(h->cols, (size_t)(h->ncols + 1) * sizeof *c);
	if (!c)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	h->cols = c;
	if (!(c[h->ncols].name = strdup(name)))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	c[h->ncols].role = role;
	return h->ncols++;
}

int nids_header_add_class(nids_header *h, const char *name)
{
	for (int i = 0; i < h->nclasses; i++)
		if (strcmp(h->classes[i], name) == 0)
			return i;
	if (h->nclasses >= NIDS_MAX_CLASSES)
		return NIDS_EUSAGE;
	char **c = realloc(h->classes, (size_t)(h->nclasses + 1) * sizeof *c);
	if (!c)
		return NIDS_ENOMEM;
	h->classes = c;
	if (!(c[h->nclasses] = strdup(name)))
		return NIDS_ENOMEM;
	return h->nclasses++;
}

nids_header *nids_header_copy(const nids_header *h)
{
	nids_header *c = nids_header_new();
	if (!c)
		return NULL;
	for (int i = 0; i < h->ncols; i++)
		if (nids_header_add_column(c, h->cols[i].name, h->cols[i].role, NULL) < 0)
			goto fail;
	for (int i = 0; i < h->nclasses; i++)
		if (nids_header_add_class(c, h->classes[i]) < 0)
			goto fail;
	return c;
fail:
	nids_header_free(c);
	return NULL;
}

int nids_header_compare_columns(const nids_header *a, const nids_header *b, const char *where,
                                nids_err *err)
{
	int n = a->ncols < b->ncols ? a->ncols : b->ncols;
	for (int i = 0; i < n; i++) {
		if (strcmp(a->cols[i].name, b->cols[i].name) != 0)
			return nids_err_set(err, NIDS_EMISMATCH, where, "column %d: '%s' vs '%s'",
			                    i + 1, a->cols[i].name, b->cols[i].name);
		if (a->cols[i].role != b->cols[i].role)
			return nids_err_set(err, NIDS_EMISMATCH, where,
			                    "column %d '%s': role %s vs %s", i + 1, a->cols[i].name,
			                    nids_role_name(a->cols[i].role),
			                    nids_role_name(b->cols[i].role));
	}
	if (a->ncols != b->ncols)
		return nids_err_set(err, NIDS_EMISMATCH, where, "%d columns vs %d", a->ncols,
		                    b->ncols);
	return 0;
}

/* Checksums by format major version: XXH32 in version 1; the low 32 bits of XXH3-64 in
 * version 2. */
static uint32_t header_sum(int major, const void *b, size_t n)
{
	return major == 1 ? XXH32(b, n, 0) : (uint32_t)XXH3_SEEDED(b, n, 0);
}

/* Serialises h; returns a malloc'd buffer and its length in *len, or NULL. */
static unsigned char *header_encode(const nids_header *h, size_t *len)
{
	size_t n = FIXED_HEADER + 4;
	for (int i = 0; i < h->ncols; i++)
		n += 3 + strlen(h->cols[i].name);
	for (int i = 0; i < h->nclasses; i++)
		n += 2 + strlen(h->classes[i]);
	unsigned char *b = malloc(n), *p = b;
	if (!b)
		return NULL;
	memcpy(p, MAGIC, 8);
	nids_put16(p + 8, NIDS_STREAM_MAJOR);
	nids_put16(p + 10, NIDS_STREAM_MINOR);
	nids_put32(p + 12, 0);
	nids_put32(p + 16, (uint32_t)n);
	nids_put32(p + 20, (uint32_t)h->ncols);
	nids_put32(p + 24, (uint32_t)h->nclasses);
	p += FIXED_HEADER;
	for (int i = 0; i < h->ncols; i++) {
		size_t l = strlen(h->cols[i].name);
		*p++ = (unsigned char)h->cols[i].role;
		nids_put16(p, (unsigned)l);
		memcpy(p + 2, h->cols[i].name, l);
		p += 2 + l;
	}
	for (int i = 0; i < h->nclasses; i++) {
		size_t l = strlen(h->classes[i]);
		nids_put16(p, (unsigned)l);
		memcpy(p + 2, h->classes[i], l);
		p += 2 + l;
	}
	nids_put32(p, header_sum(NIDS_STREAM_MAJOR, b, n - 4));
	*len = n;
	return b;
}

/* Reads a u16-length-prefixed name from [*p, end) into a NUL-terminated buffer. */
static int take_name(const unsigned char **p, const unsigned char *end, char *name)
{
	if (end - *p < 2)
		return -1;
	unsigned l = nids_get16(*p);
	if (l == 0 || l > NIDS_MAX_NAME || (size_t)(end - *p) < 2 + (size_t)l)
		return -1;
	memcpy(name, *p + 2, l);
	name[l] = 0;
	if (memchr(name, 0, l))
		return -1;
	*p += 2 + l;
	return 0;
}

/* ---- writer ---- */

struct nids_writer {
	FILE *f;
	char *name;
	nids_header *h;
	int level;
	ZSTD_CCtx *cctx;
	float *buf; /* [block_rows x ncols] pending rows */
	size_t block_rows, pending;
	void *zbuf;
	size_t zcap;
	uint64_t total;
};

static int write_bytes(nids_writer *w, const void *p, size_t n, nids_err *err)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		return nids_err_set(err, NIDS_EIO, w->name, "write error");
	return 0;
}

/* A block's checksum covers its header fields and its payload as stored (compressed
 * or not), so any flipped bit is caught before a decoder sees it. */
static uint32_t block_sum(int major, const unsigned char *bh, const void *payload, size_t plen)
{
	if (major == 1)
		return XXH32(payload, plen, XXH32(bh, 12, 0));
	return (uint32_t)XXH3_SEEDED(payload, plen, XXH3_SEEDED(bh, 12, 0));
}

static int write_block(nids_writer *w, uint32_t rows, uint32_t flags, const void *payload,
                       size_t plen, nids_err *err)
{
	unsigned char bh[BLOCK_HEADER];
	nids_put32(bh, rows);
	nids_put32(bh + 4, flags);
	nids_put32(bh + 8, (uint32_t)plen);
	nids_put32(bh + 12, block_sum(NIDS_STREAM_MAJOR, bh, payload, plen));
	int rc = write_bytes(w, bh, sizeof bh, err);
	return rc ? rc : write_bytes(w, payload, plen, err);
}

static int flush_rows(nids_writer *w, nids_err *err)
{
	if (!w->pending)
		return 0;
	size_t raw = w->pending * (size_t)w->h->ncols * sizeof(float);
	const void *payload = w->buf;
	size_t plen = raw;
	uint32_t flags = 0;
	if (w->level > 0) {
		size_t r = ZSTD_compressCCtx(w->cctx, w->zbuf, w->zcap, w->buf, raw, w->level);
		if (ZSTD_isError(r))
			return nids_err_set(err, NIDS_EIO, w->name, "zstd: %s", ZSTD_getErrorName(r));
		if (r < raw) { /* incompressible blocks are stored raw */
			payload = w->zbuf;
			plen = r;
			flags = BLOCK_ZSTD;
		}
	}
	int rc = write_block(w, (uint32_t)w->pending, flags, payload, plen, err);
	w->total += w->pending;
	w->pending = 0;
	return rc;
}

int nids_writer_open(nids_writer **wp, FILE *f, const char *name, const nids_header *h,
                     int level, nids_err *err)
{
	*wp = NULL;
	if (h->ncols < 1)
		return nids_err_set(err, NIDS_EUSAGE, name, "a stream needs at least one column");
	nids_writer *w = calloc(1, sizeof *w);
	if (!w)
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	w->f = f;
	w->level = level;
	w->name = strdup(name ? name : "-");
	w->h = nids_header_copy(h);
	size_t rowbytes = (size_t)h->ncols * sizeof(float);
	w->block_rows = BLOCK_TARGET / rowbytes ? BLOCK_TARGET / rowbytes : 1;
	w->buf = malloc(w->block_rows * rowbytes);
	if (level > 0) {
		w->zcap = ZSTD_compressBound(w->block_rows * rowbytes);
		w->zbuf = malloc(w->zcap);
		w->cctx = ZSTD_createCCtx();
	}
	if (!w->name || !w->h || !w->buf || (level > 0 && (!w->zbuf || !w->cctx))) {
		nids_writer_free(w);
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	}
	size_t len;
	unsigned char *hb = header_encode(w->h, &len);
	int rc = hb ? write_bytes(w, hb, len, err) : nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	free(hb);
	if (rc) {
		nids_writer_free(w);
		return rc;
	}
	*wp = w;
	return 0;
}

const nids_header *nids_writer_header(const nids_writer *w) { return w->h; }

int nids_writer_write(nids_writer *w, const float *rows, size_t nrows, nids_err *err)
{
	size_t C = (size_t)w->h->ncols;
	while (nrows) {
		size_t n = w->block_rows - w->pending;
		if (n > nrows)
			n = nrows;
		memcpy(w->buf + w->pending * C, rows, n * C * sizeof(float));
		w->pending += n;
		rows += n * C;
		nrows -= n;
		if (w->pending == w->block_rows) {
			int rc = flush_rows(w, err);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int nids_writer_add_class(nids_writer *w, const char *name, nids_err *err)
{
	int before = w->h->nclasses;
	int id = nids_header_add_class(w->h, name);
	if (id < 0)
		return nids_err_set(err, id, w->name, "cannot add class '%s'", name);
	if (id < before)
		return id;
	/* rows written so far cannot refer to the new id, but keep block order simple */
	int rc = flush_rows(w, err);
	if (rc)
		return rc;
	size_t l = strlen(name);
	if (l == 0 || l > NIDS_MAX_NAME)
		return nids_err_set(err, NIDS_EUSAGE, w->name, "bad class name '%s'", name);
	unsigned char p[2 + NIDS_MAX_NAME];
	nids_put16(p, (unsigned)l);
	memcpy(p + 2, name, l);
	rc = write_block(w, 1, BLOCK_CLASSES, p, 2 + l, err);
	return rc ? rc : id;
}

int nids_writer_sync_classes(nids_writer *w, const nids_header *src, nids_err *err)
{
	for (int i = w->h->nclasses; i < src->nclasses; i++) {
		int rc = nids_writer_add_class(w, src->classes[i], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int nids_writer_close(nids_writer *w, nids_err *err)
{
	int rc = flush_rows(w, err);
	if (!rc) {
		unsigned char p[8];
		nids_put32(p, (uint32_t)w->total);
		nids_put32(p + 4, (uint32_t)(w->total >> 32));
		rc = write_block(w, 0, BLOCK_END, p, 8, err);
	}
	nids_writer_free(w);
	return rc;
}

void nids_writer_free(nids_writer *w)
{
	if (!w)
		return;
	nids_header_free(w->h);
	ZSTD_freeCCtx(w->cctx);
	free(w->zbuf);
	free(w->buf);
	free(w->name);
	free(w);
}

/* ---- reader ---- */

struct nids_reader {
	nids_input *in;
	nids_header *h;      /* columns of the first segment, all classes seen */
	int *class_cols;     /* indices of class-role columns */
	int nclass_cols;
	int *class_map;      /* this segment's class id -> h's id */
	int seg_classes;
	uint64_t seg_rows, rows;
	int major; /* this segment's format version: its checksums */
	int done;
	float *buf;
	size_t cap;
	void *zbuf;
	size_t zcap;
	ZSTD_DCtx *dctx;
	char where[300];
};

static const char *at_row(nids_reader *r)
{
	snprintf(r->where, sizeof r->where, "%s: row %llu", nids_input_name(r->in),
	         (unsigned long long)r->rows + 1);
	return r->where;
}

static int truncated(nids_reader *r, nids_err *err)
{
	return nids_err_set(err, NIDS_ETRUNCATED, at_row(r), "truncated stream (no end block)");
}

/* Adds a class of the current segment to the map and the unified table. */
static int map_class(nids_reader *r, const char *name, nids_err *err)
{
	int id = nids_header_add_class(r->h, name);
	int *m = realloc(r->class_map, (size_t)(r->seg_classes + 1) * sizeof *m);
	if (id < 0 || !m)
		return nids_err_set(err, NIDS_ENOMEM, at_row(r), "out of memory");
	r->class_map = m;
	m[r->seg_classes++] = id;
	return 0;
}

/* Reads and checks a header whose 8 magic bytes are already consumed. */
static int read_header(nids_reader *r, const unsigned char *magic, nids_err *err)
{
	const char *name = nids_input_name(r->in);
	unsigned char fixed[FIXED_HEADER];
	memcpy(fixed, magic, 8);
	long got = nids_input_read_full(r->in, fixed + 8, FIXED_HEADER - 8, err);
	if (got < 0)
		return (int)got;
	if (got < FIXED_HEADER - 8)
		return nids_err_set(err, NIDS_ETRUNCATED, name, "truncated stream header");
	int major = (int)nids_get16(fixed + 8);
	if (major != 1 && major != NIDS_STREAM_MAJOR)
		return nids_err_set(err, NIDS_EVERSION, name,
		                    "stream format version %u.%u is not supported (this reads 1.x "
		                    "and %d.x)",
		                    nids_get16(fixed + 8), nids_get16(fixed + 10), NIDS_STREAM_MAJOR);
	uint32_t flags = nids_get32(fixed + 12), len = nids_get32(fixed + 16);
	if (flags & 0xffffu)
		return nids_err_set(err, NIDS_EVERSION, name,
		                    "stream header has unknown required flags 0x%x", flags & 0xffffu);
	uint32_t ncols = nids_get32(fixed + 20), nclasses = nids_get32(fixed + 24);
	if (len < FIXED_HEADER + 4 || len > MAX_HEADER || ncols < 1 || ncols > NIDS_MAX_COLUMNS ||
	    nclasses > NIDS_MAX_CLASSES)
		return nids_err_set(err, NIDS_EFORMAT, name, "corrupt stream header");
	unsigned char *b = malloc(len);
	if (!b)
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	memcpy(b, fixed, FIXED_HEADER);
	got = nids_input_read_full(r->in, b + FIXED_HEADER, len - FIXED_HEADER, err);
	int rc = 0;
	nids_header *h = nids_header_new();
	char nm[NIDS_MAX_NAME + 1];
	if (got < 0)
		rc = (int)got;
	else if ((uint32_t)got < len - FIXED_HEADER)
		rc = nids_err_set(err, NIDS_ETRUNCATED, name, "truncated stream header");
	else if (header_sum(major, b, len - 4) != nids_get32(b + len - 4))
		rc = nids_err_set(err, NIDS_ECHECKSUM, name, "stream header checksum mismatch");
	else if (!h)
		rc = nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	const unsigned char *p = b + FIXED_HEADER, *end = b + len - 4;
	for (uint32_t i = 0; !rc && i < ncols; i++) {
		int role = p < end ? *p++ : -1;
		if (role < 0 || take_name(&p, end, nm) ||
		    nids_header_add_column(h, nm, role >= NIDS_ROLE_COUNT ? NIDS_ROLE_META : role,
		                           NULL) < 0)
			rc = nids_err_set(err, NIDS_EFORMAT, name, "corrupt stream header (column %u)",
			                  i + 1);
	}
	if (!rc) {
		free(r->class_map);
		r->class_map = NULL;
		r->seg_classes = 0;
		if (!r->h) {
			r->h = h;
			h = NULL;
		} else {
			rc = nids_header_compare_columns(r->h, h, name, err);
			if (rc && err)
				snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
				         " (concatenated streams differ)");
		}
	}
	for (uint32_t i = 0; !rc && i < nclasses; i++)
		rc = take_name(&p, end, nm)
		             ? nids_err_set(err, NIDS_EFORMAT, name, "corrupt stream header (class %u)",
		                            i + 1)
		             : map_class(r, nm, err);
	nids_header_free(h);
	free(b);
	r->seg_rows = 0;
	r->major = major;
	return rc;
}

int nids_reader_open(nids_reader **rp, nids_input *in, nids_err *err)
{
	*rp = NULL;
	const char *name = nids_input_name(in);
	const unsigned char *p;
	long n = nids_input_peek(in, &p, 8, err);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return nids_err_set(err, NIDS_EFORMAT, name, "empty input: no stream header");
	if (n < 8 || memcmp(p, MAGIC, 8) != 0) {
		int text = 1;
		for (long i = 0; i < n; i++)
			text &= p[i] >= 0x09 && p[i] != 0x7f;
		return nids_err_set(err, NIDS_EFORMAT, name, "not a nids stream (bad magic)%s",
		                    text ? "; is this CSV? try nids-featurize or nids-cat -r" : "");
	}
	nids_reader *r = calloc(1, sizeof *r);
	if (!r)
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	r->in = in;
	unsigned char magic[8];
	nids_input_read_full(in, magic, 8, err);
	int rc = read_header(r, magic, err);
	if (!rc) {
		r->class_cols = malloc(sizeof(int) * (size_t)r->h->ncols);
		if (!r->class_cols)
			rc = nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
		for (int i = 0; !rc && i < r->h->ncols; i++)
			if (r->h->cols[i].role == NIDS_ROLE_CLASS)
				r->class_cols[r->nclass_cols++] = i;
	}
	if (rc) {
		nids_reader_free(r);
		return rc;
	}
	*rp = r;
	return 0;
}

const nids_header *nids_reader_header(const nids_reader *r) { return r->h; }
uint64_t nids_reader_rows(const nids_reader *r) { return r->rows; }

static int grow(void **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	void *b = realloc(*buf, need);
	if (!b)
		return -1;
	*buf = b;
	*cap = need;
	return 0;
}

/* Reads exactly n payload bytes into dst; a short read is truncation. */
static int read_payload(nids_reader *r, void *dst, size_t n, nids_err *err)
{
	long got = nids_input_read_full(r->in, dst, n, err);
	if (got < 0)
		return (int)got;
	return (size_t)got < n ? truncated(r, err) : 0;
}

static int end_block(nids_reader *r, const unsigned char *bh, nids_err *err)
{
	unsigned char p[8];
	if (nids_get32(bh + 8) != 8)
		return nids_err_set(err, NIDS_EFORMAT, at_row(r), "corrupt end block");
	int rc = read_payload(r, p, 8, err);
	if (rc)
		return rc;
	if (block_sum(r->major, bh, p, 8) != nids_get32(bh + 12))
		return nids_err_set(err, NIDS_ECHECKSUM, at_row(r), "end block checksum mismatch");
	uint64_t total = nids_get32(p) | (uint64_t)nids_get32(p + 4) << 32;
	if (total != r->seg_rows)
		return nids_err_set(err, NIDS_EFORMAT, at_row(r),
		                    "end block says %llu rows, stream had %llu (blocks lost)",
		                    (unsigned long long)total, (unsigned long long)r->seg_rows);
	unsigned char magic[8];
	long got = nids_input_read_full(r->in, magic, 8, err);
	if (got < 0)
		return (int)got;
	if (got == 0) {
		r->done = 1;
		return 0;
	}
	if (got < 8 || memcmp(magic, MAGIC, 8) != 0)
		return nids_err_set(err, NIDS_EFORMAT, at_row(r),
		                    "unexpected bytes after the end of the stream");
	return read_header(r, magic, err);
}

static int class_block(nids_reader *r, const unsigned char *bh, nids_err *err)
{
	uint32_t count = nids_get32(bh), plen = nids_get32(bh + 8);
	if (plen > MAX_HEADER || grow(&r->zbuf, &r->zcap, plen ? plen : 1))
		return nids_err_set(err, NIDS_EFORMAT, at_row(r), "corrupt class block");
	int rc = read_payload(r, r->zbuf, plen, err);
	if (rc)
		return rc;
	if (block_sum(r->major, bh, r->zbuf, plen) != nids_get32(bh + 12))
		return nids_err_set(err, NIDS_ECHECKSUM, at_row(r), "class block checksum mismatch");
	const unsigned char *p = r->zbuf, *end = p + plen;
	char nm[NIDS_MAX_NAME + 1];
	for (uint32_t i = 0; i < count; i++) {
		if (take_name(&p, end, nm))
			return nids_err_set(err, NIDS_EFORMAT, at_row(r), "corrupt class block");
		if ((rc = map_class(r, nm, err)))
			return rc;
	}
	return 0;
}

static int data_block(nids_reader *r, const unsigned char *bh, nids_err *err)
{
	uint32_t rows = nids_get32(bh), flags = nids_get32(bh + 4), plen = nids_get32(bh + 8);
	size_t C = (size_t)r->h->ncols, raw = (size_t)rows * C * sizeof(float);
	if (rows == 0 || raw > MAX_BLOCK_BYTES || plen > MAX_BLOCK_BYTES ||
	    (!(flags & BLOCK_ZSTD) && plen != raw))
		return nids_err_set(err, NIDS_EFORMAT, at_row(r), "corrupt block header");
	void *buf = r->buf;
	if (grow(&buf, &r->cap, raw))
		return nids_err_set(err, NIDS_ENOMEM, at_row(r), "out of memory");
	r->buf = buf;
	int rc;
	if (flags & BLOCK_ZSTD) {
		if (grow(&r->zbuf, &r->zcap, plen ? plen : 1) ||
		    (!r->dctx && !(r->dctx = ZSTD_createDCtx())))
			return nids_err_set(err, NIDS_ENOMEM, at_row(r), "out of memory");
		if ((rc = read_payload(r, r->zbuf, plen, err)))
			return rc;
		if (block_sum(r->major, bh, r->zbuf, plen) != nids_get32(bh + 12))
			return nids_err_set(err, NIDS_ECHECKSUM, at_row(r), "block checksum mismatch");
		size_t d = ZSTD_decompressDCtx(r->dctx, r->buf, raw, r->zbuf, plen);
		if (ZSTD_isError(d) || d != raw)
			return nids_err_set(err, NIDS_ECHECKSUM, at_row(r), "corrupt compressed block");
	} else if ((rc = read_payload(r, r->buf, raw, err))) {
		return rc;
	} else if (block_sum(r->major, bh, r->buf, raw) != nids_get32(bh + 12)) {
		return nids_err_set(err, NIDS_ECHECKSUM, at_row(r), "block checksum mismatch");
	}
	for (int k = 0; k < r->nclass_cols; k++) {
		float *v = r->buf + r->class_cols[k];
		for (uint32_t i = 0; i < rows; i++, v += C) {
			float f = *v;
			if (!(f >= 0 && f < (float)r->seg_classes) || f != (float)(int)f)
				return nids_err_set(err, NIDS_EFORMAT, at_row(r),
				                    "class id %g in column '%s' is not in the class table", f,
				                    r->h->cols[r->class_cols[k]].name);
			*v = (float)r->class_map[(int)f];
		}
	}
	return 0;
}

long nids_reader_next(nids_reader *r, float **rows, nids_err *err)
{
	while (!r->done) {
		unsigned char bh[BLOCK_HEADER];
		long got = nids_input_read_full(r->in, bh, BLOCK_HEADER, err);
		if (got < 0)
			return got;
		if (got < BLOCK_HEADER)
			return truncated(r, err);
		uint32_t flags = nids_get32(bh + 4);
		if (flags & 0xffffu & ~BLOCK_KNOWN)
			return nids_err_set(err, NIDS_EVERSION, at_row(r),
			                    "block has unknown required flags 0x%x", flags);
		int rc;
		if (flags & BLOCK_END)
			rc = end_block(r, bh, err);
		else if (flags & BLOCK_CLASSES)
			rc = class_block(r, bh, err);
		else if (!(rc = data_block(r, bh, err))) {
			uint32_t n = nids_get32(bh);
			r->rows += n;
			r->seg_rows += n;
			*rows = r->buf;
			return n;
		}
		if (rc)
			return rc;
	}
	return 0;
}

void nids_reader_free(nids_reader *r)
{
	if (!r)
		return;
	nids_header_free(r->h);
	free(r->class_cols);
	free(r->class_map);
	free(r->buf);
	free(r->zbuf);
	ZSTD_freeDCtx(r->dctx);
	free(r);
}
