/* stream.c: record stream header, blocks, checksums, concatenation. */
#include "nids/stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

#include "le_impl.h"

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
#define BLOCK_STRINGS_FLAG 0x8u
#define BLOCK_KNOWN (BLOCK_ZSTD | BLOCK_CLASSES | BLOCK_END | BLOCK_STRINGS_FLAG)

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

/* ---- name index: open addressing over borrowed keys, so a header of n columns or
 * classes is built and searched in O(n), whatever its names ---- */

struct nids_name_index {
	size_t cap, n; /* cap a power of two, n < cap / 2 */
	const char **key;
	int *id;
};

static uint64_t name_hash(const char *s) { return XXH3_64bits(s, strlen(s)); }

static void index_free(struct nids_name_index *x)
{
	if (x) {
		free(x->key);
		free(x->id);
		free(x);
	}
}

static int index_find(const struct nids_name_index *x, const char *name)
{
	if (!x)
		return -1;
	for (size_t i = name_hash(name) & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		if (!x->key[i])
			return -1;
		if (!strcmp(x->key[i], name))
			return x->id[i];
	}
}

static int index_put(struct nids_name_index *x, const char *name, int id)
{
	size_t i = name_hash(name) & (x->cap - 1);
	while (x->key[i])
		i = (i + 1) & (x->cap - 1);
	x->key[i] = name;
	x->id[i] = id;
	x->n++;
	return 0;
}

/* Adds name (borrowed: it must live as long as the index) with id. 0 or NIDS_ENOMEM. */
static int index_add(struct nids_name_index **xp, const char *name, int id)
{
	struct nids_name_index *x = *xp;
	if (!x || 2 * (x->n + 1) > x->cap) {
		size_t cap = x ? 2 * x->cap : 16;
		struct nids_name_index *y = calloc(1, sizeof *y);
		if (y) {
			y->cap = cap;
			y->key = calloc(cap, sizeof *y->key);
			y->id = malloc(cap * sizeof *y->id);
		}
		if (!y || !y->key || !y->id) {
			index_free(y);
			return NIDS_ENOMEM;
		}
		for (size_t i = 0; x && i < x->cap; i++)
			if (x->key[i])
				index_put(y, x->key[i], x->id[i]);
		index_free(x);
		*xp = x = y;
	}
	return index_put(x, name, id);
}

static const char *TYPE_NAMES[NIDS_TYPE_COUNT] = { NULL, "timestamp", "addr", "port",
	                                           "proto", "u64",  "str",  "f64" };
static const int TYPE_WIDTHS[NIDS_TYPE_COUNT] = { 0, 8, 16, 2, 1, 8, 4, 8 };

void nids_row_where(char *where, size_t size, const char *input, uint64_t row,
                    const char *csv_file, uint64_t record)
{
	unsigned long long n = row, r = record;
	if (record != NIDS_U64_NONE && csv_file)
		snprintf(where, size, "%s: record %llu", csv_file, r);
	else if (record != NIDS_U64_NONE)
		snprintf(where, size, "%s: row %llu (CSV record %llu)", input, n, r);
	else
		snprintf(where, size, "%s: row %llu", input, n);
}

const char *nids_type_name(int type)
{
	return type > 0 && type < NIDS_TYPE_COUNT ? TYPE_NAMES[type] : NULL;
}

int nids_type_parse(const char *name)
{
	for (int i = 1; i < NIDS_TYPE_COUNT; i++)
		if (!strcmp(name, TYPE_NAMES[i]))
			return i;
	return -1;
}

int nids_type_width(int type) { return type > 0 && type < NIDS_TYPE_COUNT ? TYPE_WIDTHS[type] : 0; }

/* ---- header ---- */

/* Makes room for element n of an array that holds n, doubling its capacity at powers of
 * two, so that n appends cost O(n) copying. Returns 1, or 0 when out of memory. */
static int grow_array(void **a, int n, size_t size)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return 1; /* not a power of two: there is room */
	size_t cap = n ? 2 * (size_t)n : 1;
	void *b = realloc(*a, cap * size);
	if (!b)
		return 0;
	*a = b;
	return 1;
}

/* Metadata columns are found through the column index as META_ID + their index. */
#define META_ID (1 << 24)

nids_header *nids_header_new(void) { return calloc(1, sizeof(nids_header)); }

void nids_header_free(nids_header *h)
{
	if (!h)
		return;
	for (int i = 0; i < h->ncols; i++)
		free(h->cols[i].name);
	for (int i = 0; i < h->nmeta; i++)
		free(h->meta[i].name);
	for (int i = 0; i < h->nclasses; i++)
		free(h->classes[i]);
	for (int i = 0; i < h->nstrings; i++)
		free(h->strings[i]);
	for (int i = 0; i < h->next; i++)
		free(h->ext[i].key), free(h->ext[i].data);
	free(h->cols);
	free(h->meta);
	free(h->classes);
	free(h->strings);
	free(h->ext);
	index_free(h->col_index);
	index_free(h->class_index);
	index_free(h->string_index);
	free(h);
}

int nids_header_find(const nids_header *h, const char *name)
{
	int id = index_find(h->col_index, name);
	return id >= 0 && id < META_ID ? id : -1;
}

int nids_header_find_meta(const nids_header *h, const char *name)
{
	int id = index_find(h->col_index, name);
	return id >= META_ID ? id - META_ID : -1;
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

/* Checks a new column's name and role; 0 or NIDS_EUSAGE. */
static int check_column(const nids_header *h, const char *name, int role, nids_err *err)
{
	size_t len = strlen(name);
	if (len == 0 || len > NIDS_MAX_NAME)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "column name '%.80s' is empty or too long",
		                    name);
	if (role < 0 || role >= NIDS_ROLE_COUNT)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "column '%s': bad role %d", name, role);
	if (index_find(h->col_index, name) >= 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "duplicate column name '%s'", name);
	return 0;
}

int nids_header_add_column(nids_header *h, const char *name, int role, nids_err *err)
{
	int rc = check_column(h, name, role, err);
	if (rc)
		return rc;
	if (h->ncols >= NIDS_MAX_COLUMNS)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "more than %d columns",
		                    NIDS_MAX_COLUMNS);
	nids_column *c = h->cols;
	if (!grow_array((void **)&c, h->ncols, sizeof *c))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	h->cols = c;
	if (!(c[h->ncols].name = strdup(name)) || index_add(&h->col_index, c[h->ncols].name, h->ncols))
		return free(c[h->ncols].name), nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	c[h->ncols].role = role;
	return h->ncols++;
}

int nids_header_add_meta(nids_header *h, const char *name, int type, int role, nids_err *err)
{
	int rc = check_column(h, name, role, err);
	if (rc)
		return rc;
	if (!nids_type_width(type))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "column '%s': bad type %d", name, type);
	if (h->nmeta >= NIDS_MAX_META)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "more than %d metadata columns",
		                    NIDS_MAX_META);
	nids_meta_column *c = h->meta;
	if (!grow_array((void **)&c, h->nmeta, sizeof *c))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	h->meta = c;
	if (!(c[h->nmeta].name = strdup(name)) ||
	    index_add(&h->col_index, c[h->nmeta].name, META_ID + h->nmeta))
		return free(c[h->nmeta].name), nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	c[h->nmeta].type = type;
	c[h->nmeta].role = role;
	c[h->nmeta].off = h->meta_width;
	h->meta_width += nids_type_width(type);
	return h->nmeta++;
}

/* Adds name to a growing table of names with its index; the id, or a negative code.
 * Names are checked here, where every writer's tables are filled, so that no header or
 * block can hold a name the reader refuses (empty, or longer than maxlen). */
static int table_add(char ***names, int *n, struct nids_name_index **x, int max, size_t maxlen,
                     const char *name)
{
	int id = index_find(*x, name);
	if (id >= 0)
		return id;
	size_t len = strlen(name);
	if (*n >= max || len == 0 || len > maxlen)
		return NIDS_EUSAGE;
	char **c = *names;
	if (!grow_array((void **)&c, *n, sizeof *c))
		return NIDS_ENOMEM;
	*names = c;
	if (!(c[*n] = strdup(name)) || index_add(x, c[*n], *n)) {
		free(c[*n]);
		return NIDS_ENOMEM;
	}
	return (*n)++;
}

int nids_header_add_class(nids_header *h, const char *name)
{
	return table_add(&h->classes, &h->nclasses, &h->class_index, NIDS_MAX_CLASSES,
	                 NIDS_MAX_NAME, name);
}

int nids_header_add_string(nids_header *h, const char *str)
{
	return table_add(&h->strings, &h->nstrings, &h->string_index, NIDS_MAX_STRINGS,
	                 NIDS_MAX_STRING, str);
}

int nids_header_set_ext(nids_header *h, const char *key, const void *data, size_t len)
{
	size_t kl = strlen(key);
	if (kl == 0 || kl > NIDS_MAX_NAME || len > (32u << 20))
		return NIDS_EUSAGE;
	int i = 0;
	while (i < h->next && strcmp(h->ext[i].key, key))
		i++;
	if (!data) {
		if (i < h->next) {
			free(h->ext[i].key), free(h->ext[i].data);
			memmove(h->ext + i, h->ext + i + 1, (size_t)(h->next - i - 1) * sizeof *h->ext);
			h->next--;
		}
		return 0;
	}
	unsigned char *copy = malloc(len ? len : 1);
	if (!copy)
		return NIDS_ENOMEM;
	memcpy(copy, data, len);
	if (i < h->next) {
		free(h->ext[i].data);
	} else {
		if (h->next >= NIDS_MAX_EXTS)
			return free(copy), NIDS_EUSAGE;
		nids_ext *e = realloc(h->ext, (size_t)(h->next + 1) * sizeof *e);
		if (!e || !(e[i].key = strdup(key))) {
			if (e)
				h->ext = e;
			return free(copy), NIDS_ENOMEM;
		}
		h->ext = e;
		h->next++;
	}
	h->ext[i].data = copy;
	h->ext[i].len = len;
	return 0;
}

const unsigned char *nids_header_get_ext(const nids_header *h, const char *key, size_t *len)
{
	for (int i = 0; i < h->next; i++)
		if (!strcmp(h->ext[i].key, key)) {
			if (len)
				*len = h->ext[i].len;
			return h->ext[i].data;
		}
	return NULL;
}

nids_header *nids_header_copy(const nids_header *h)
{
	nids_header *c = nids_header_new();
	if (!c)
		return NULL;
	for (int i = 0; i < h->ncols; i++)
		if (nids_header_add_column(c, h->cols[i].name, h->cols[i].role, NULL) < 0)
			goto fail;
	for (int i = 0; i < h->nmeta; i++)
		if (nids_header_add_meta(c, h->meta[i].name, h->meta[i].type, h->meta[i].role, NULL) < 0)
			goto fail;
	for (int i = 0; i < h->nclasses; i++)
		if (nids_header_add_class(c, h->classes[i]) < 0)
			goto fail;
	for (int i = 0; i < h->nstrings; i++)
		if (nids_header_add_string(c, h->strings[i]) < 0)
			goto fail;
	for (int i = 0; i < h->next; i++)
		if (nids_header_set_ext(c, h->ext[i].key, h->ext[i].data, h->ext[i].len))
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
	n = a->nmeta < b->nmeta ? a->nmeta : b->nmeta;
	for (int i = 0; i < n; i++)
		if (strcmp(a->meta[i].name, b->meta[i].name) || a->meta[i].type != b->meta[i].type ||
		    a->meta[i].role != b->meta[i].role)
			return nids_err_set(err, NIDS_EMISMATCH, where,
			                    "metadata column %d: '%s' (%s) vs '%s' (%s)", i + 1,
			                    a->meta[i].name, nids_type_name(a->meta[i].type),
			                    b->meta[i].name, nids_type_name(b->meta[i].type));
	if (a->nmeta != b->nmeta)
		return nids_err_set(err, NIDS_EMISMATCH, where, "%d metadata columns vs %d",
		                    a->nmeta, b->nmeta);
	for (int pass = 0; pass < 2; pass++) {
		const nids_header *x = pass ? b : a, *y = pass ? a : b;
		for (int i = 0; i < x->next; i++) {
			size_t len;
			const unsigned char *d = nids_header_get_ext(y, x->ext[i].key, &len);
			if (!d || len != x->ext[i].len || memcmp(d, x->ext[i].data, len))
				return nids_err_set(err, NIDS_EMISMATCH, where,
				                    "header record '%s' differs (rows that went through "
				                    "different preprocessing)",
				                    x->ext[i].key);
		}
	}
	return 0;
}

/* Checksums by format major version: XXH32 in version 1; the low 32 bits of XXH3-64 in
 * versions 2 and 3. */
static uint32_t header_sum(int major, const void *b, size_t n)
{
	return major == 1 ? XXH32(b, n, 0) : (uint32_t)XXH3_SEEDED(b, n, 0);
}

#define FIXED_HEADER3 40

static unsigned char *put_name(unsigned char *p, const char *name)
{
	size_t l = strlen(name);
	nids_put16(p, (unsigned)l);
	memcpy(p + 2, name, l);
	return p + 2 + l;
}

/* Serialises h (version 3); returns a malloc'd buffer and its length in *len, or NULL. */
static unsigned char *header_encode(const nids_header *h, size_t *len)
{
	size_t n = FIXED_HEADER3 + 4;
	for (int i = 0; i < h->ncols; i++)
		n += 3 + strlen(h->cols[i].name);
	for (int i = 0; i < h->nmeta; i++)
		n += 4 + strlen(h->meta[i].name);
	for (int i = 0; i < h->nclasses; i++)
		n += 2 + strlen(h->classes[i]);
	for (int i = 0; i < h->nstrings; i++)
		n += 2 + strlen(h->strings[i]);
	for (int i = 0; i < h->next; i++)
		n += 6 + strlen(h->ext[i].key) + h->ext[i].len;
	if (n > MAX_HEADER)
		return NULL;
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
	nids_put32(p + 28, (uint32_t)h->nmeta);
	nids_put32(p + 32, (uint32_t)h->nstrings);
	nids_put32(p + 36, (uint32_t)h->next);
	p += FIXED_HEADER3;
	for (int i = 0; i < h->ncols; i++) {
		*p++ = (unsigned char)h->cols[i].role;
		p = put_name(p, h->cols[i].name);
	}
	for (int i = 0; i < h->nmeta; i++) {
		*p++ = (unsigned char)h->meta[i].type;
		*p++ = (unsigned char)h->meta[i].role;
		p = put_name(p, h->meta[i].name);
	}
	for (int i = 0; i < h->nclasses; i++)
		p = put_name(p, h->classes[i]);
	for (int i = 0; i < h->nstrings; i++)
		p = put_name(p, h->strings[i]);
	for (int i = 0; i < h->next; i++) {
		p = put_name(p, h->ext[i].key);
		nids_put32(p, (uint32_t)h->ext[i].len);
		memcpy(p + 4, h->ext[i].data, h->ext[i].len);
		p += 4 + h->ext[i].len;
	}
	nids_put32(p, header_sum(NIDS_STREAM_MAJOR, b, n - 4));
	*len = n;
	return b;
}

/* Reads a u16-length-prefixed name of at most max bytes from [*p, end) into a
 * NUL-terminated buffer of max + 1 bytes. */
static int take_text(const unsigned char **p, const unsigned char *end, char *name, size_t max)
{
	if (end - *p < 2)
		return -1;
	unsigned l = nids_get16(*p);
	if (l == 0 || l > max || (size_t)(end - *p) < 2 + (size_t)l)
		return -1;
	memcpy(name, *p + 2, l);
	name[l] = 0;
	if (memchr(name, 0, l))
		return -1;
	*p += 2 + l;
	return 0;
}

static int take_name(const unsigned char **p, const unsigned char *end, char *name)
{
	return take_text(p, end, name, NIDS_MAX_NAME);
}

/* ---- metadata values as text ---- */

int nids_addr_parse(const char *s, size_t len, unsigned char out[16])
{
	char buf[64];
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (inet_pton(AF_INET, buf, out + 12) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		return 0;
	}
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

int nids_addr_format(const unsigned char a[16], char *buf)
{
	static const unsigned char zero[16], v4[12] = { [10] = 0xff, [11] = 0xff };
	if (!memcmp(a, zero, 16))
		return (int)(buf[0] = 0);
	const char *r = !memcmp(a, v4, 12) ? inet_ntop(AF_INET, a + 12, buf, 46)
	                                   : inet_ntop(AF_INET6, a, buf, 46);
	return r ? (int)strlen(buf) : (int)(buf[0] = 0);
}

int nids_time_format(int64_t us, int epoch, char *buf)
{
	if (us == NIDS_TIME_NONE)
		return (int)(buf[0] = 0);
	int64_t sec = us / 1000000, frac = us % 1000000;
	if (frac < 0)
		frac += 1000000, sec--;
	time_t t = (time_t)sec;
	struct tm tm;
	/* ISO 8601 has four year digits: other years are written as seconds, which
	   nids_time_parse reads back as well. Seconds are signed decimals, -1.5 for
	   -1500000: the magnitude is split, not the floored value (a negative us is at
	   least INT64_MIN + 1, so its magnitude fits) */
	if (epoch || !gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		uint64_t mag = us < 0 ? 0 - (uint64_t)us : (uint64_t)us;
		int n = snprintf(buf, 40, "%s%llu", us < 0 ? "-" : "",
		                 (unsigned long long)(mag / 1000000));
		if (mag % 1000000)
			n += snprintf(buf + n, 40 - (size_t)n, ".%06llu",
			              (unsigned long long)(mag % 1000000));
		return n;
	}
	int n = snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (frac)
		n += snprintf(buf + n, 40 - (size_t)n, ".%06lld", (long long)frac);
	buf[n++] = 'Z';
	buf[n] = 0;
	return n;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* A date past its month's days would move to the next month: refused instead. */
int nids_day_exists(long y, long m, long d)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12 || d < 1)
		return 0;
	int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	return d <= days[m - 1] + (m == 2 && leap);
}

/* Whole digits [p, p + n) as a number, or -1. */
static long digits(const char *p, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* The fraction ".ddd..." at p (up to microseconds, further digits must be 0 to be exact
 * are truncated) as microseconds; *n gets the characters used. */
static int64_t fraction_us(const char *p, size_t len, size_t *n)
{
	int64_t us = 0;
	size_t i = 1;
	int k = 0;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, k++)
		if (k < 6)
			us = us * 10 + (p[i] - '0');
	for (; k < 6; k++)
		us *= 10;
	*n = i;
	return us;
}

int nids_time_parse(const char *s, size_t len, int64_t *us)
{
	if (len == 0)
		return *us = NIDS_TIME_NONE, 0;
	if (len >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') &&
	    s[13] == ':' && s[16] == ':') {
		long y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
		long hh = digits(s + 11, 2), mm = digits(s + 14, 2), ss = digits(s + 17, 2);
		if (y < 0 || !nids_day_exists(y, mo, d) || hh < 0 ||
		    hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
			return -1;
		size_t i = 19;
		int64_t frac = 0;
		if (i < len && s[i] == '.') {
			size_t n;
			frac = fraction_us(s + i, len - i, &n);
			if (n < 2)
				return -1;
			i += n;
		}
		if (i < len && s[i] == 'Z')
			i++;
		if (i != len)
			return -1;
		int64_t sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 +
		              mm * 60 + ss;
		*us = sec * 1000000 + frac;
		return 0;
	}
	/* [-]seconds[.fraction]: the sign applies to the whole, -1.5 is -1500000; the
	   magnitude is at most INT64_MAX, so -INT64_MAX is the least and INT64_MIN (none)
	   cannot be written */
	size_t i = s[0] == '-';
	int64_t sec = 0;
	size_t start = i;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (sec > (INT64_MAX / 1000000 - (s[i] - '0')) / 10)
			return -1;
		sec = sec * 10 + (s[i] - '0');
	}
	if (i == start)
		return -1;
	int64_t frac = 0;
	if (i < len && s[i] == '.') {
		size_t n;
		frac = fraction_us(s + i, len - i, &n);
		i += n;
	}
	if (i != len || (sec == INT64_MAX / 1000000 && frac > INT64_MAX % 1000000))
		return -1;
	*us = s[0] == '-' ? -(sec * 1000000 + frac) : sec * 1000000 + frac;
	return 0;
}

/* ---- writer ---- */

#define BLOCK_STRINGS BLOCK_STRINGS_FLAG

struct nids_writer {
	FILE *f;
	nids_rows_fn sink; /* a sink writer's destination instead of f */
	void *sink_ctx;
	char *name;
	nids_header *h;
	int level;
	ZSTD_CCtx *cctx;
	unsigned char *buf; /* pending rows: floats [block_rows x C], then metadata
	                       [block_rows x meta_width] at meta_at */
	size_t block_rows, pending, meta_at;
	void *zbuf;
	size_t zcap;
	uint64_t total;
};

static int write_bytes(nids_writer *w, const void *p, size_t n, nids_err *err)
{
	errno = 0;
	if (n && fwrite(p, 1, n, w->f) != n) /* standard output ("-") unnamed, as everywhere */
		return nids_err_set(err, NIDS_EIO, strcmp(w->name, "-") ? w->name : NULL,
		                    "write error: %s", errno ? strerror(errno) : "short write");
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
	size_t fbytes = w->pending * (size_t)w->h->ncols * sizeof(float);
	size_t mbytes = w->pending * (size_t)w->h->meta_width;
	if (mbytes && fbytes != w->meta_at) /* a short block: the metadata follows the rows */
		memmove(w->buf + fbytes, w->buf + w->meta_at, mbytes);
	size_t raw = fbytes + mbytes;
	if (w->sink) {
		size_t n = w->pending;
		w->total += n;
		w->pending = 0;
		return w->sink(w->sink_ctx, w->h, (const float *)(void *)w->buf, w->buf + fbytes, n, err);
	}
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

/* A writer with h's copy and its block buffers, nothing written yet. */
static int writer_new(nids_writer **wp, const char *name, const nids_header *h, int level,
                      nids_err *err)
{
	*wp = NULL;
	if (h->ncols < 1)
		return nids_err_set(err, NIDS_EUSAGE, name, "a stream needs at least one column");
	nids_writer *w = calloc(1, sizeof *w);
	if (!w)
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	w->level = level;
	w->name = strdup(name ? name : "-");
	w->h = nids_header_copy(h);
	size_t rowbytes = (size_t)h->ncols * sizeof(float) + (size_t)h->meta_width;
	w->block_rows = BLOCK_TARGET / rowbytes ? BLOCK_TARGET / rowbytes : 1;
	w->meta_at = w->block_rows * (size_t)h->ncols * sizeof(float);
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
	*wp = w;
	return 0;
}

int nids_writer_open(nids_writer **wp, FILE *f, const char *name, const nids_header *h,
                     int level, nids_err *err)
{
	nids_writer *w;
	int rc = writer_new(&w, name, h, level, err);
	if (rc)
		return rc;
	w->f = f;
	size_t len;
	unsigned char *hb = header_encode(w->h, &len);
	rc = hb ? write_bytes(w, hb, len, err)
	        : nids_err_set(err, NIDS_ENOMEM, name, "out of memory (or a header over %u MB)",
	                       MAX_HEADER >> 20);
	free(hb);
	if (rc) {
		nids_writer_free(w);
		return rc;
	}
	*wp = w;
	return 0;
}

int nids_writer_open_sink(nids_writer **wp, const char *name, const nids_header *h,
                          nids_rows_fn fn, void *ctx, nids_err *err)
{
	nids_writer *w;
	int rc = writer_new(&w, name, h, 0, err);
	if (rc)
		return rc;
	w->sink = fn;
	w->sink_ctx = ctx;
	if ((rc = fn(ctx, w->h, NULL, NULL, 0, err))) {
		nids_writer_free(w);
		return rc;
	}
	*wp = w;
	return 0;
}

const nids_header *nids_writer_header(const nids_writer *w) { return w->h; }

int nids_writer_write_meta(nids_writer *w, const float *rows, const void *meta, size_t nrows,
                           nids_err *err)
{
	size_t C = (size_t)w->h->ncols, M = (size_t)w->h->meta_width;
	const unsigned char *m = meta;
	while (nrows) {
		size_t n = w->block_rows - w->pending;
		if (n > nrows)
			n = nrows;
		memcpy(w->buf + w->pending * C * sizeof(float), rows, n * C * sizeof(float));
		if (M)
			memcpy(w->buf + w->meta_at + w->pending * M, m, n * M);
		w->pending += n;
		rows += n * C;
		if (M) /* meta may be NULL when the stream has no metadata */
			m += n * M;
		nrows -= n;
		if (w->pending == w->block_rows) {
			int rc = flush_rows(w, err);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int nids_writer_write(nids_writer *w, const float *rows, size_t nrows, nids_err *err)
{
	if (w->h->meta_width)
		return nids_err_set(err, NIDS_EUSAGE, w->name,
		                    "rows written without the metadata the header declares");
	return nids_writer_write_meta(w, rows, NULL, nrows, err);
}

/* Writes a class or string block adding name, after the pending rows (which cannot
 * refer to it). */
static int name_block(nids_writer *w, uint32_t flag, const char *name, size_t max, nids_err *err)
{
	int rc = flush_rows(w, err);
	if (rc || w->sink) /* a sink reads names from the header */
		return rc;
	size_t l = strlen(name);
	if (l == 0 || l > max)
		return nids_err_set(err, NIDS_EUSAGE, w->name, "bad %s '%.80s'",
		                    flag == BLOCK_CLASSES ? "class name" : "string", name);
	unsigned char *p = malloc(2 + l);
	if (!p)
		return nids_err_set(err, NIDS_ENOMEM, w->name, "out of memory");
	nids_put16(p, (unsigned)l);
	memcpy(p + 2, name, l);
	rc = write_block(w, 1, flag, p, 2 + l, err);
	free(p);
	return rc;
}

int nids_writer_add_class(nids_writer *w, const char *name, nids_err *err)
{
	size_t l = strlen(name);
	if (l == 0 || l > NIDS_MAX_NAME)
		return nids_err_set(err, NIDS_EUSAGE, w->name, "bad class name '%.80s'", name);
	int before = w->h->nclasses;
	int id = nids_header_add_class(w->h, name);
	if (id < 0)
		return nids_err_set(err, id, w->name, "cannot add class '%.80s'", name);
	if (id < before)
		return id;
	int rc = name_block(w, BLOCK_CLASSES, name, NIDS_MAX_NAME, err);
	return rc ? rc : id;
}

int nids_writer_add_string(nids_writer *w, const char *str, nids_err *err)
{
	size_t l = strlen(str);
	if (l == 0 || l > NIDS_MAX_STRING)
		return nids_err_set(err, NIDS_EUSAGE, w->name, "bad string '%.80s'", str);
	int before = w->h->nstrings;
	int id = nids_header_add_string(w->h, str);
	if (id < 0)
		return nids_err_set(err, id, w->name, "cannot add string '%.80s'", str);
	if (id < before)
		return id;
	int rc = name_block(w, BLOCK_STRINGS, str, NIDS_MAX_STRING, err);
	return rc ? rc : id;
}

int nids_writer_sync_classes(nids_writer *w, const nids_header *src, nids_err *err)
{
	for (int i = w->h->nclasses; i < src->nclasses; i++) {
		int rc = nids_writer_add_class(w, src->classes[i], err);
		if (rc < 0)
			return rc;
	}
	for (int i = w->h->nstrings; i < src->nstrings; i++) {
		int rc = nids_writer_add_string(w, src->strings[i], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int nids_writer_close(nids_writer *w, nids_err *err)
{
	int rc = flush_rows(w, err);
	if (!rc && w->sink) /* the end, while the header is there to read */
		rc = w->sink(w->sink_ctx, w->h, NULL, NULL, 0, err);
	if (!rc && !w->sink) {
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

/* A segment's table of names (classes or strings) mapped onto the reader's unified one;
 * seen[] marks unified ids this segment has named, so a repeated name is refused. */
typedef struct seg_table {
	int *map, n, cap;
	unsigned *seen;
	int seen_cap;
} seg_table;

struct nids_reader {
	nids_input *in;
	nids_header *h;      /* columns of the first segment, all classes and strings seen */
	int *class_cols;     /* indices of class-role columns */
	int nclass_cols;
	int *str_offs;       /* metadata offsets of str columns */
	int nstr_cols;
	seg_table classes, strings;
	unsigned segment;    /* 1 for the first segment */
	uint64_t seg_rows, rows;
	int file;            /* the input file the rows come from (nids_input_file_index) */
	uint64_t file_base;  /* rows read before that file: positions count within it */
	int major; /* this segment's format version: its checksums and layout */
	int done;
	unsigned char *buf;  /* the decoded block: floats, then metadata */
	size_t cap;
	size_t meta_at;      /* where this block's metadata starts in buf */
	void *zbuf;
	size_t zcap;
	ZSTD_DCtx *dctx;
	char where[300];
};

/* Notes a move of the input on to its next file: rows from then on count from 1 again,
 * so a message names a file and the row within it. Returns non-zero when it moved. */
static int follow_file(nids_reader *r)
{
	int k = nids_input_file_index(r->in);
	if (k == r->file)
		return 0;
	r->file = k;
	r->file_base = r->rows;
	return 1;
}

/* "NAME: row N": the file being read and the next row's number within it. */
/* "input: row N" for row i of the block being read (N counted within its file). */
static const char *at_block_row(nids_reader *r, uint32_t i)
{
	follow_file(r);
	snprintf(r->where, sizeof r->where, "%s: row %llu", nids_input_name(r->in),
	         (unsigned long long)(r->rows - r->file_base) + 1 + i);
	return r->where;
}

static const char *at_row(nids_reader *r) { return at_block_row(r, 0); }

static int truncated(nids_reader *r, nids_err *err)
{
	return nids_err_set(err, NIDS_ETRUNCATED, at_row(r), "truncated stream (no end block)");
}

/* Adds a name of the current segment to the map t and the unified table. */
static int map_name(nids_reader *r, seg_table *t, int strings, const char *name, nids_err *err)
{
	const char *what = strings ? "string" : "class";
	int max = strings ? NIDS_MAX_STRINGS : NIDS_MAX_CLASSES;
	if (t->n >= max)
		return nids_err_set(err, NIDS_EFORMAT, at_row(r), "more than %d %s names", max, what);
	int id = strings ? nids_header_add_string(r->h, name) : nids_header_add_class(r->h, name);
	if (id < 0)
		return nids_err_set(err, id == NIDS_EUSAGE ? NIDS_EFORMAT : id, at_row(r),
		                    id == NIDS_EUSAGE ? "too many %s names" : "out of memory", what);
	if (id >= t->seen_cap) {
		int cap = 2 * id + 16;
		unsigned *s = realloc(t->seen, (size_t)cap * sizeof *s);
		if (!s)
			return nids_err_set(err, NIDS_ENOMEM, at_row(r), "out of memory");
		memset(s + t->seen_cap, 0, (size_t)(cap - t->seen_cap) * sizeof *s);
		t->seen = s, t->seen_cap = cap;
	}
	if (t->seen[id] == r->segment)
		return nids_err_set(err, NIDS_EFORMAT, at_row(r), "%s '%.80s' named twice", what,
		                    name);
	t->seen[id] = r->segment;
	if (t->n == t->cap) {
		int cap = 2 * t->cap + 16;
		int *m = realloc(t->map, (size_t)cap * sizeof *m);
		if (!m)
			return nids_err_set(err, NIDS_ENOMEM, at_row(r), "out of memory");
		t->map = m, t->cap = cap;
	}
	t->map[t->n++] = id;
	return 0;
}

/* Parses the column, metadata-column, class, string and extension sections of a header
 * body [p, end) into h (columns) and the reader's tables. */
static int parse_header(nids_reader *r, nids_header *h, int major, const unsigned char *fixed,
                        const unsigned char *p, const unsigned char *end, nids_err *err)
{
	const char *name = nids_input_name(r->in);
	uint32_t ncols = nids_get32(fixed + 20), nclasses = nids_get32(fixed + 24);
	uint32_t nmeta = major >= 3 ? nids_get32(fixed + 28) : 0;
	uint32_t nstrings = major >= 3 ? nids_get32(fixed + 32) : 0;
	uint32_t next = major >= 3 ? nids_get32(fixed + 36) : 0;
	char nm[NIDS_MAX_STRING + 1];
	for (uint32_t i = 0; i < ncols; i++) {
		int role = p < end ? *p++ : -1;
		if (role < 0 || take_name(&p, end, nm) ||
		    nids_header_add_column(h, nm, role >= NIDS_ROLE_COUNT ? NIDS_ROLE_META : role,
		                           NULL) < 0)
			return nids_err_set(err, NIDS_EFORMAT, name, "corrupt stream header (column %u)",
			                    i + 1);
	}
	for (uint32_t i = 0; i < nmeta; i++) {
		int type = end - p >= 2 ? p[0] : -1, role = end - p >= 2 ? p[1] : -1;
		p += 2;
		if (type < 0 || take_name(&p, end, nm))
			return nids_err_set(err, NIDS_EFORMAT, name,
			                    "corrupt stream header (metadata column %u)", i + 1);
		if (!nids_type_width(type))
			return nids_err_set(err, NIDS_EVERSION, name,
			                    "metadata column '%s' has unknown type %d", nm, type);
		if (nids_header_add_meta(h, nm, type, role >= NIDS_ROLE_COUNT ? NIDS_ROLE_META : role,
		                         NULL) < 0)
			return nids_err_set(err, NIDS_EFORMAT, name,
			                    "corrupt stream header (metadata column %u)", i + 1);
	}
	/* the columns decide whether this segment may follow the first */
	if (r->h) {
		nids_header cols = *h;
		cols.next = 0;
		nids_header first = *r->h;
		first.next = 0;
		int rc = nids_header_compare_columns(&first, &cols, name, err);
		if (rc) {
			if (err)
				snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
				         " (concatenated streams differ)");
			return rc;
		}
	}
	r->classes.n = r->strings.n = 0;
	r->segment++;
	nids_header *target = r->h ? r->h : h;
	nids_header *saved = r->h;
	r->h = target;
	int rc = 0;
	for (uint32_t i = 0; !rc && i < nclasses; i++)
		rc = take_name(&p, end, nm) ? nids_err_set(err, NIDS_EFORMAT, name,
		                                           "corrupt stream header (class %u)", i + 1)
		                            : map_name(r, &r->classes, 0, nm, err);
	for (uint32_t i = 0; !rc && i < nstrings; i++)
		rc = take_text(&p, end, nm, NIDS_MAX_STRING)
		             ? nids_err_set(err, NIDS_EFORMAT, name, "corrupt stream header (string %u)",
		                            i + 1)
		             : map_name(r, &r->strings, 1, nm, err);
	r->h = saved;
	nids_header *exts = nids_header_new();
	if (!rc && !exts)
		rc = nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	for (uint32_t i = 0; !rc && i < next; i++) {
		uint32_t len = 0;
		if (take_name(&p, end, nm) || end - p < 4 || (len = nids_get32(p)) > (size_t)(end - p - 4))
			rc = nids_err_set(err, NIDS_EFORMAT, name, "corrupt stream header (record %u)",
			                  i + 1);
		else if (nids_header_get_ext(exts, nm, NULL))
			rc = nids_err_set(err, NIDS_EFORMAT, name, "header record '%s' twice", nm);
		else if (nids_header_set_ext(exts, nm, p + 4, len))
			rc = nids_err_set(err, NIDS_EFORMAT, name, "corrupt stream header (record %u)",
			                  i + 1);
		p += 4 + len;
	}
	if (!rc && p != end)
		rc = nids_err_set(err, NIDS_EFORMAT, name, "corrupt stream header (trailing bytes)");
	if (!rc && r->h) {
		nids_header a = *r->h, b = *exts;
		a.ncols = a.nmeta = b.ncols = b.nmeta = 0;
		rc = nids_header_compare_columns(&a, &b, name, err);
		if (rc && err)
			snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
			         " (concatenated streams differ)");
	}
	for (int i = 0; !rc && !r->h && i < exts->next; i++)
		if (nids_header_set_ext(h, exts->ext[i].key, exts->ext[i].data, exts->ext[i].len))
			rc = nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	nids_header_free(exts);
	return rc;
}

/* Reads and checks a header whose 8 magic bytes are already consumed. */
static int read_header(nids_reader *r, const unsigned char *magic, nids_err *err)
{
	follow_file(r);
	const char *name = nids_input_name(r->in);
	unsigned char fixed[FIXED_HEADER3];
	memcpy(fixed, magic, 8);
	long got = nids_input_read_full(r->in, fixed + 8, FIXED_HEADER - 8, err);
	if (got < 0)
		return (int)got;
	if (got < FIXED_HEADER - 8)
		return nids_err_set(err, NIDS_ETRUNCATED, name, "truncated stream header");
	int major = (int)nids_get16(fixed + 8);
	if (major < 1 || major > NIDS_STREAM_MAJOR)
		return nids_err_set(err, NIDS_EVERSION, name,
		                    "stream format version %u.%u is not supported (this reads 1.x "
		                    "to %d.x)",
		                    nids_get16(fixed + 8), nids_get16(fixed + 10), NIDS_STREAM_MAJOR);
	size_t fixed_len = major >= 3 ? FIXED_HEADER3 : FIXED_HEADER;
	if (fixed_len > FIXED_HEADER) {
		got = nids_input_read_full(r->in, fixed + FIXED_HEADER, fixed_len - FIXED_HEADER, err);
		if (got < 0)
			return (int)got;
		if ((size_t)got < fixed_len - FIXED_HEADER)
			return nids_err_set(err, NIDS_ETRUNCATED, name, "truncated stream header");
	}
	uint32_t flags = nids_get32(fixed + 12), len = nids_get32(fixed + 16);
	if (flags & 0xffffu)
		return nids_err_set(err, NIDS_EVERSION, name,
		                    "stream header has unknown required flags 0x%x", flags & 0xffffu);
	uint32_t ncols = nids_get32(fixed + 20), nclasses = nids_get32(fixed + 24);
	uint32_t nmeta = major >= 3 ? nids_get32(fixed + 28) : 0;
	uint32_t nstrings = major >= 3 ? nids_get32(fixed + 32) : 0;
	uint32_t next = major >= 3 ? nids_get32(fixed + 36) : 0;
	/* every count is bounded by the bytes each entry takes at least, so nothing is
	 * allocated beyond what the header's own length implies */
	uint64_t least = fixed_len + 4 + 3ull * ncols + 4ull * nmeta + 3ull * nclasses +
	                 3ull * nstrings + 7ull * next;
	if (len < least || len > MAX_HEADER || ncols < 1 || ncols > NIDS_MAX_COLUMNS ||
	    nclasses > NIDS_MAX_CLASSES || nmeta > NIDS_MAX_META || nstrings > NIDS_MAX_STRINGS ||
	    next > NIDS_MAX_EXTS)
		return nids_err_set(err, NIDS_EFORMAT, name, "corrupt stream header");
	/* the buffer grows with the bytes that arrive, not with the length the header
	   claims, so a short input claiming 64 MiB costs what it holds */
	size_t cap = len < 65536 ? len : 65536, have = fixed_len;
	unsigned char *b = malloc(cap);
	if (!b)
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	memcpy(b, fixed, fixed_len);
	got = 0;
	while (have < len) {
		if (have == cap) {
			size_t ncap = cap * 2 < len ? cap * 2 : len;
			unsigned char *nb = realloc(b, ncap);
			if (!nb) {
				free(b);
				return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
			}
			b = nb, cap = ncap;
		}
		got = nids_input_read_full(r->in, b + have, cap - have, err);
		if (got < 0)
			break;
		have += (size_t)got;
		if ((size_t)got < cap - (have - (size_t)got))
			break;
	}
	if (got >= 0)
		got = (long)(have - fixed_len);
	int rc = 0;
	nids_header *h = nids_header_new();
	if (got < 0)
		rc = (int)got;
	else if ((uint32_t)got < len - fixed_len)
		rc = nids_err_set(err, NIDS_ETRUNCATED, name, "truncated stream header");
	else if (header_sum(major, b, len - 4) != nids_get32(b + len - 4))
		rc = nids_err_set(err, NIDS_ECHECKSUM, name, "stream header checksum mismatch");
	else if (!h)
		rc = nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	if (!rc)
		rc = parse_header(r, h, major, b, b + fixed_len, b + len - 4, err);
	if (!rc && !r->h) {
		r->h = h;
		h = NULL;
	}
	nids_header_free(h);
	free(b);
	r->seg_rows = 0;
	r->major = major;
	return rc;
}

/* An input's first n bytes p [n] that are not a stream's magic: a stream cut inside
 * it, text (CSV given where a stream belongs), or something else. */
static int bad_magic(const unsigned char *p, long n, const char *name, nids_err *err)
{
	if (n < 8 && !memcmp(p, MAGIC, (size_t)n))
		return nids_err_set(err, NIDS_ETRUNCATED, name,
		                    "truncated stream (%ld of the 8 bytes of its magic)", n);
	int text = 1;
	for (long i = 0; i < n; i++)
		text &= p[i] >= 0x09 && p[i] != 0x7f;
	return nids_err_set(err, NIDS_EFORMAT, name, "not a nids stream (bad magic)%s",
	                    text ? "; is this CSV? try nids-featurize or nids-cat -r" : "");
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
	if (n < 8 || memcmp(p, MAGIC, 8) != 0)
		return bad_magic(p, n, name, err);
	nids_reader *r = calloc(1, sizeof *r);
	if (!r)
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	r->in = in;
	unsigned char magic[8];
	nids_input_read_full(in, magic, 8, err);
	int rc = read_header(r, magic, err);
	if (!rc) {
		r->class_cols = malloc(sizeof(int) * (size_t)r->h->ncols);
		r->str_offs = malloc(sizeof(int) * (size_t)(r->h->nmeta + 1));
		if (!r->class_cols || !r->str_offs)
			rc = nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
		for (int i = 0; !rc && i < r->h->ncols; i++)
			if (r->h->cols[i].role == NIDS_ROLE_CLASS)
				r->class_cols[r->nclass_cols++] = i;
		for (int i = 0; !rc && i < r->h->nmeta; i++)
			if (r->h->meta[i].type == NIDS_TYPE_STR)
				r->str_offs[r->nstr_cols++] = r->h->meta[i].off;
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
uint64_t nids_reader_file_rows(const nids_reader *r) { return r->rows - r->file_base; }
const char *nids_reader_name(const nids_reader *r) { return nids_input_name(r->in); }

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
	/* a later input file that is no stream is named as the first one would be */
	if ((got < 8 || memcmp(magic, MAGIC, 8) != 0) && follow_file(r))
		return bad_magic(magic, got, nids_input_name(r->in), err);
	if (got < 8 || memcmp(magic, MAGIC, 8) != 0)
		return nids_err_set(err, NIDS_EFORMAT, at_row(r),
		                    "unexpected bytes after the end of the stream");
	return read_header(r, magic, err);
}

/* A class or string block: count names added to the segment's table. */
static int name_block_read(nids_reader *r, const unsigned char *bh, int strings, nids_err *err)
{
	const char *what = strings ? "string block" : "class block";
	uint32_t count = nids_get32(bh), plen = nids_get32(bh + 8);
	if (plen > MAX_HEADER || (uint64_t)count * 3 > plen ||
	    grow(&r->zbuf, &r->zcap, plen ? plen : 1))
		return nids_err_set(err, NIDS_EFORMAT, at_row(r), "corrupt %s", what);
	int rc = read_payload(r, r->zbuf, plen, err);
	if (rc)
		return rc;
	if (block_sum(r->major, bh, r->zbuf, plen) != nids_get32(bh + 12))
		return nids_err_set(err, NIDS_ECHECKSUM, at_row(r), "%s checksum mismatch", what);
	const unsigned char *p = r->zbuf, *end = p + plen;
	char nm[NIDS_MAX_STRING + 1];
	for (uint32_t i = 0; i < count; i++) {
		if (take_text(&p, end, nm, strings ? NIDS_MAX_STRING : NIDS_MAX_NAME))
			return nids_err_set(err, NIDS_EFORMAT, at_row(r), "corrupt %s", what);
		if ((rc = map_name(r, strings ? &r->strings : &r->classes, strings, nm, err)))
			return rc;
	}
	return 0;
}

/* Maps the block's class ids (float columns) and string ids (metadata) onto the
 * reader's tables, refusing ids the segment never named. */
static int map_ids(nids_reader *r, uint32_t rows, nids_err *err)
{
	size_t C = (size_t)r->h->ncols, M = (size_t)r->h->meta_width;
	for (int k = 0; k < r->nclass_cols; k++) {
		float *v = (float *)r->buf + r->class_cols[k];
		for (uint32_t i = 0; i < rows; i++, v += C) {
			float f = *v;
			if (!(f >= 0 && f < (float)r->classes.n) || f != (float)(int)f)
				return nids_err_set(err, NIDS_EFORMAT, at_block_row(r, i),
				                    "class id %g in column '%s' is not in the class table", f,
				                    r->h->cols[r->class_cols[k]].name);
			*v = (float)r->classes.map[(int)f];
		}
	}
	for (int k = 0; k < r->nstr_cols; k++) {
		unsigned char *v = r->buf + r->meta_at + r->str_offs[k];
		for (uint32_t i = 0; i < rows; i++, v += M) {
			uint32_t id = nids_meta_get_u32(v);
			if (id == NIDS_STR_NONE)
				continue;
			if (id >= (uint32_t)r->strings.n)
				return nids_err_set(err, NIDS_EFORMAT, at_block_row(r, i),
				                    "string id %u is not in the string table", id);
			nids_meta_put_u32(v, (uint32_t)r->strings.map[id]);
		}
	}
	return 0;
}

static int data_block(nids_reader *r, const unsigned char *bh, nids_err *err)
{
	uint32_t rows = nids_get32(bh), flags = nids_get32(bh + 4), plen = nids_get32(bh + 8);
	size_t C = (size_t)r->h->ncols, M = (size_t)r->h->meta_width;
	size_t raw = (size_t)rows * (C * sizeof(float) + M);
	if (rows == 0 || raw > MAX_BLOCK_BYTES || plen > MAX_BLOCK_BYTES ||
	    (!(flags & BLOCK_ZSTD) && plen != raw))
		return nids_err_set(err, NIDS_EFORMAT, at_row(r), "corrupt block header");
	void *buf = r->buf;
	if (grow(&buf, &r->cap, raw))
		return nids_err_set(err, NIDS_ENOMEM, at_row(r), "out of memory");
	r->buf = buf;
	r->meta_at = (size_t)rows * C * sizeof(float);
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
	return map_ids(r, rows, err);
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
		uint32_t known = r->major >= 3 ? BLOCK_KNOWN : BLOCK_KNOWN & ~BLOCK_STRINGS_FLAG;
		if (flags & 0xffffu & ~known)
			return nids_err_set(err, NIDS_EVERSION, at_row(r),
			                    "block has unknown required flags 0x%x", flags);
		int rc;
		if (flags & BLOCK_END)
			rc = end_block(r, bh, err);
		else if (flags & BLOCK_CLASSES)
			rc = name_block_read(r, bh, 0, err);
		else if (flags & BLOCK_STRINGS_FLAG)
			rc = name_block_read(r, bh, 1, err);
		else if (!(rc = data_block(r, bh, err))) {
			uint32_t n = nids_get32(bh);
			r->rows += n;
			r->seg_rows += n;
			*rows = (float *)r->buf;
			return n;
		}
		if (rc)
			return rc;
	}
	return 0;
}

unsigned char *nids_reader_meta(nids_reader *r)
{
	return r->h->meta_width && r->buf ? r->buf + r->meta_at : NULL;
}

void nids_reader_free(nids_reader *r)
{
	if (!r)
		return;
	nids_header_free(r->h);
	free(r->class_cols);
	free(r->str_offs);
	free(r->classes.map), free(r->classes.seen);
	free(r->strings.map), free(r->strings.seen);
	free(r->buf);
	free(r->zbuf);
	ZSTD_freeDCtx(r->dctx);
	free(r);
}
