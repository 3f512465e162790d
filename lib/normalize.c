/* normalize.c: min-max, z-score and log1p scaling of feature columns; the params file. */
/* O3: the per-column loops over a row (fit sums, min, max, scaling) vectorize across
 * columns, so each column still sums in row order and results do not change */
#pragma GCC optimize("O3")
#include "nids/normalize.h"

/* The fitting and scaling loops also in an AVX2 build, picked at load time where the CPU
 * has it: their double-precision arithmetic goes 4 wide instead of 2 (scaling KDDTrain+
 * took half the time). Each value's arithmetic is the same either way. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define NIDS_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define NIDS_SIMD_CLONES
#endif

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "nids/io.h"
#include "nids/le.h"
#include "spool_impl.h"

/* Params file: see man/nids-normalize.1, FILES. */
static const unsigned char MAGIC[8] = { 0x89, 'N', 'I', 'D', 'N', '\r', '\n', 0x1a };
#define PARAMS_MAJOR 1
#define PARAMS_MINOR 0
#define FIXED 36            /* magic, version, flags, length, method, D, rows */
#define PER_COLUMN_STATS 32 /* four float64 after each name */
#define MAX_PARAMS (64u << 20)

static const char *METHOD_NAMES[NIDS_NORM_METHODS] = { "minmax", "zscore", "log1p" };

const char *nids_norm_method_name(int method)
{
	return method >= 0 && method < NIDS_NORM_METHODS ? METHOD_NAMES[method] : NULL;
}

int nids_norm_method_parse(const char *name)
{
	for (int i = 0; i < NIDS_NORM_METHODS; i++)
		if (strcmp(name, METHOD_NAMES[i]) == 0)
			return i;
	return -1;
}

/* per-column arrays: running statistics, derived scaling, a block's shift and sums */
enum { ST_MIN, ST_MAX, ST_MEAN, ST_M2, ST_OFF, ST_DIV, ST_LO, ST_HI, ST_K, ST_S1, ST_S2, ST_N };

struct nids_norm {
	int method;
	int D;            /* feature columns */
	char **names;     /* [D] */
	double *st[ST_N]; /* [D] each: running statistics, derived scaling, block scratch */
	uint64_t rows;
	int *col;  /* [D] column of feature j in the bound stream */
	int ncols; /* columns of the bound stream */
	int run;   /* first column when the features are one run of columns, else -1 */
	float *g;  /* [D] a row's features gathered, when they are not one run */
	int loaded; /* read from a params file: ST_M2 holds the stored sd itself, so a load
	               and a save give back the same bytes */
	char where[300];
};

static nids_norm *norm_alloc(int method, int D)
{
	nids_norm *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->method = method;
	n->D = D;
	n->names = calloc((size_t)D, sizeof *n->names);
	n->col = calloc((size_t)D, sizeof *n->col);
	n->g = calloc((size_t)D, sizeof *n->g);
	double *arena = calloc((size_t)D * ST_N, sizeof(double));
	if (!n->names || !n->col || !n->g || !arena) {
		free(arena);
		nids_norm_free(n);
		return NULL;
	}
	for (int k = 0; k < ST_N; k++)
		n->st[k] = arena + (size_t)k * D;
	return n;
}

void nids_norm_free(nids_norm *n)
{
	if (!n)
		return;
	for (int j = 0; n->names && j < n->D; j++)
		free(n->names[j]);
	free(n->names);
	free(n->st[0]);
	free(n->col);
	free(n->g);
	free(n);
}

int nids_norm_method(const nids_norm *n) { return n->method; }
int nids_norm_columns(const nids_norm *n) { return n->D; }
const char *nids_norm_column_name(const nids_norm *n, int j) { return n->names[j]; }
uint64_t nids_norm_rows(const nids_norm *n) { return n->rows; }

void nids_norm_stats(const nids_norm *n, int j, double stats[4])
{
	stats[0] = n->st[ST_MIN][j];
	stats[1] = n->st[ST_MAX][j];
	stats[2] = n->st[ST_MEAN][j];
	stats[3] = n->loaded ? n->st[ST_M2][j] : n->rows ? sqrt(n->st[ST_M2][j] / (double)n->rows) : 0;
}

/* The scaling y = (v - off) / div and the clamp range [lo, hi] from the statistics.
 * A constant column gets div 1, so it maps to 0 at fit time and keeps its offset from
 * the constant at apply time (as scikit-learn and the pandas peer do). */
static void derive(nids_norm *n)
{
	for (int j = 0; j < n->D; j++) {
		double mn = n->st[ST_MIN][j], mx = n->st[ST_MAX][j], s[4];
		nids_norm_stats(n, j, s);
		double off = mn, div = mx - mn;
		if (n->method == NIDS_NORM_ZSCORE) {
			off = s[2];
			div = s[3];
		}
		if (!(div > 0))
			div = 1;
		n->st[ST_OFF][j] = off;
		n->st[ST_DIV][j] = div;
		n->st[ST_LO][j] = n->method == NIDS_NORM_ZSCORE ? (mn - off) / div : 0;
		n->st[ST_HI][j] = n->method == NIDS_NORM_ZSCORE ? (mx - off) / div : mx > mn;
	}
}

int nids_norm_bind(nids_norm *n, const nids_header *h, const char *where, nids_err *err)
{
	int j = 0;
	for (int c = 0; c < h->ncols; c++) {
		if (h->cols[c].role != NIDS_ROLE_FEATURE)
			continue;
		if (j == n->D)
			return nids_err_set(
			        err, NIDS_EMISMATCH, where,
			        "feature column %d: '%s' in the stream, missing in the params",
			        j + 1, h->cols[c].name);
		if (strcmp(n->names[j], h->cols[c].name) != 0)
			return nids_err_set(
			        err, NIDS_EMISMATCH, where,
			        "feature column %d: '%s' in the params vs '%s' in the stream",
			        j + 1, n->names[j], h->cols[c].name);
		n->col[j++] = c;
	}
	if (j != n->D)
		return nids_err_set(err, NIDS_EMISMATCH, where,
		                    "feature column %d: '%s' in the params, missing in the stream",
		                    j + 1, n->names[j]);
	n->ncols = h->ncols;
	n->run = n->col[0];
	for (j = 1; j < n->D && n->run >= 0; j++)
		n->run = n->col[j] == n->col[0] + j ? n->run : -1;
	return 0;
}

int nids_norm_fit_begin(nids_norm **np, const nids_header *h, int method, nids_err *err)
{
	*np = NULL;
	if (!nids_norm_method_name(method))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "unknown normalization method %d",
		                    method);
	int D = nids_header_count_role(h, NIDS_ROLE_FEATURE);
	if (D == 0)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "the stream has no feature columns");
	nids_norm *n = norm_alloc(method, D);
	if (!n)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int c = 0, j = 0; c < h->ncols; c++)
		if (h->cols[c].role == NIDS_ROLE_FEATURE &&
		    !(n->names[j++] = strdup(h->cols[c].name))) {
			nids_norm_free(n);
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		}
	for (int j = 0; j < D; j++) {
		n->st[ST_MIN][j] = INFINITY;
		n->st[ST_MAX][j] = -INFINITY;
	}
	nids_norm_bind(n, h, NULL, NULL);
	*np = n;
	return 0;
}

/* Checks rows [nrows x C] for values the method cannot take: non-finite ones, and
 * negative ones for log1p. A branch-free pass per row keeps the common case fast; the
 * error names the first bad row and column. */
static int validate(const nids_norm *n, const float *rows, size_t nrows, const char *name,
                    uint64_t first_row, nids_err *err)
{
	size_t D = (size_t)n->D, C = (size_t)n->ncols;
	int log = n->method == NIDS_NORM_LOG1P;
	for (size_t i = 0; i < nrows; i++) {
		const float *x = rows + i * C;
		int bad = 0;
		for (size_t j = 0; j < D; j++)
			bad |= (!isfinite(x[n->col[j]])) | (log & (x[n->col[j]] < 0));
		if (!bad)
			continue;
		size_t j = 0;
		while (isfinite(x[n->col[j]]) && !(log && x[n->col[j]] < 0))
			j++;
		char where[300];
		snprintf(where, sizeof where, "%s: row %llu", name ? name : "-",
		         (unsigned long long)(first_row + i));
		float v = x[n->col[j]];
		if (!isfinite(v))
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "column '%s': value %g is not finite", n->names[j], v);
		return nids_err_set(err, NIDS_EFORMAT, where,
		                    "column '%s': value %g is negative; log1p needs values >= 0 "
		                    "(try -t minmax or -t zscore)",
		                    n->names[j], v);
	}
	return 0;
}

/* A row's feature values as one contiguous array, so that the loops over them
 * vectorize: a pointer into the row when the features are one run of columns (as
 * nids-featurize writes them), else gathered into n->g. */
static float *features(const nids_norm *n, float *row)
{
	if (n->run >= 0)
		return row + n->run;
	for (int j = 0; j < n->D; j++)
		n->g[j] = row[n->col[j]];
	return n->g;
}

/* Non-zero when a value the method cannot take is among f[0..D): non-finite ones
 * (x - x is NaN for them), or negative ones for log1p. */
static int any_bad(const float *f, size_t D, int log)
{
	int bad = 0;
	if (log)
		for (size_t j = 0; j < D; j++)
			bad |= (!(f[j] >= 0)) | (f[j] - f[j] != 0);
	else
		for (size_t j = 0; j < D; j++)
			bad |= f[j] - f[j] != 0;
	return bad;
}

/* Adds one row's values f[0..D) to the block sums about the shift k (sums of v - k
 * and (v - k)^2) and to the running min and max. Returns non-zero at a bad value. */
static int fit_row(const float *restrict f, size_t D, int log, const double *restrict k,
                   double *restrict s1, double *restrict s2, double *restrict mn,
                   double *restrict mx)
{
	int bad = 0;
	for (size_t j = 0; j < D; j++) {
		bad |= log ? (!(f[j] >= 0)) | (f[j] - f[j] != 0) : f[j] - f[j] != 0;
		double v = log ? log1p((double)f[j]) : (double)f[j], d = v - k[j];
		s1[j] += d;
		s2[j] += d * d;
		mn[j] = v < mn[j] ? v : mn[j];
		mx[j] = v > mx[j] ? v : mx[j];
	}
	return bad;
}

/* One block in one pass: sums of deviations from a shift (the running mean, or the
 * block's first row at the start), which stay small so the variance keeps its
 * accuracy, then merged into the running mean and M2 (Chan et al.), as Welford's
 * update does one value at a time. */
NIDS_SIMD_CLONES
int nids_norm_fit_rows(nids_norm *n, const float *rows, size_t nrows, const char *name,
                       uint64_t first_row, nids_err *err)
{
	size_t D = (size_t)n->D, C = (size_t)n->ncols;
	if (!nrows)
		return 0;
	int log = n->method == NIDS_NORM_LOG1P;
	double *k = n->st[ST_K], *s1 = n->st[ST_S1], *s2 = n->st[ST_S2];
	const float *f0 = features(n, (float *)rows); /* only read */
	for (size_t j = 0; j < D; j++) {
		double v = log ? log1p((double)f0[j]) : (double)f0[j]; /* bad values: below */
		k[j] = n->rows ? n->st[ST_MEAN][j] : isfinite(v) ? v : 0;
	}
	memset(s1, 0, D * sizeof *s1);
	memset(s2, 0, D * sizeof *s2);
	for (size_t i = 0; i < nrows; i++) {
		const float *f = features(n, (float *)rows + i * C);
		if (fit_row(f, D, log, k, s1, s2, n->st[ST_MIN], n->st[ST_MAX]))
			return validate(n, rows + i * C, 1, name, first_row + i, err);
	}
	double nb = (double)nrows, na = (double)n->rows, tot = na + nb;
	for (size_t j = 0; j < D; j++) {
		double mb = k[j] + s1[j] / nb, m2b = s2[j] - s1[j] * s1[j] / nb;
		double delta = mb - n->st[ST_MEAN][j];
		n->st[ST_MEAN][j] += delta * nb / tot;
		n->st[ST_M2][j] += (m2b > 0 ? m2b : 0) + delta * delta * na * nb / tot;
	}
	n->rows += nrows;
	return 0;
}

int nids_norm_fit_end(nids_norm *n, const char *name, nids_err *err)
{
	if (n->rows == 0)
		return nids_err_set(err, NIDS_EFORMAT, name, "no rows to fit the parameters on");
	derive(n);
	return 0;
}

/* Scales rows in place; with check, stops at the first value the method cannot take. */
NIDS_SIMD_CLONES
static int scale_rows(const nids_norm *n, float *rows, size_t nrows, int clamp, int check,
                      const char *name, uint64_t first_row, nids_err *err)
{
	size_t D = (size_t)n->D, C = (size_t)n->ncols;
	const double *off = n->st[ST_OFF], *div = n->st[ST_DIV], *lo = n->st[ST_LO],
	             *hi = n->st[ST_HI];
	int log = n->method == NIDS_NORM_LOG1P;
	for (size_t i = 0; i < nrows; i++) {
		float *x = rows + i * C, *f = features(n, x);
		if (check && any_bad(f, D, log))
			return validate(n, x, 1, name, first_row + i, err);
		if (log)
			for (size_t j = 0; j < D; j++)
				f[j] = (float)((log1p((double)f[j]) - off[j]) / div[j]);
		else
			for (size_t j = 0; j < D; j++)
				f[j] = (float)(((double)f[j] - off[j]) / div[j]);
		if (clamp) /* in float: the bounds are 0 and 1, or z-scores rounded alike */
			for (size_t j = 0; j < D; j++)
				f[j] = f[j] < (float)lo[j]   ? (float)lo[j]
				       : f[j] > (float)hi[j] ? (float)hi[j]
				                             : f[j];
		if (n->run < 0)
			for (size_t j = 0; j < D; j++)
				x[n->col[j]] = f[j];
	}
	return 0;
}

int nids_norm_apply(const nids_norm *n, float *rows, size_t nrows, int clamp, const char *name,
                    uint64_t first_row, nids_err *err)
{
	return scale_rows(n, rows, nrows, clamp, 1, name, first_row, err);
}

/* ---- params file ---- */

static void putf64(unsigned char *p, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	nids_put64(p, u);
}
static double getf64(const unsigned char *p)
{
	uint64_t u = nids_get64(p);
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static int parse(nids_norm **np, const unsigned char *b, size_t len, const char *path,
                 nids_err *err);

/* The params file's bytes (malloc'd) and their length, or NULL when out of memory. */
static unsigned char *encode(const nids_norm *n, size_t *lenp)
{
	size_t len = FIXED + 4;
	for (int j = 0; j < n->D; j++)
		len += 2 + strlen(n->names[j]) + PER_COLUMN_STATS;
	unsigned char *b = malloc(len), *p = b;
	if (!b)
		return NULL;
	memcpy(p, MAGIC, 8);
	nids_put16(p + 8, PARAMS_MAJOR);
	nids_put16(p + 10, PARAMS_MINOR);
	nids_put32(p + 12, 0);
	nids_put32(p + 16, (uint32_t)len);
	nids_put32(p + 20, (uint32_t)n->method);
	nids_put32(p + 24, (uint32_t)n->D);
	nids_put64(p + 28, n->rows);
	p += FIXED;
	for (int j = 0; j < n->D; j++) {
		size_t l = strlen(n->names[j]);
		double s[4];
		nids_put16(p, (unsigned)l);
		memcpy(p + 2, n->names[j], l);
		p += 2 + l;
		nids_norm_stats(n, j, s);
		for (int k = 0; k < 4; k++, p += 8)
			putf64(p, s[k]);
	}
	nids_put32(p, XXH32(b, len - 4, 0));
	*lenp = len;
	return b;
}

unsigned char *nids_norm_record(const nids_norm *n, int clamp, size_t *len)
{
	/* the parameters as a params file holds them (a fitted sd is derived from running
	 * sums; a loaded one is stored), so a record made after --fit equals one made after
	 * -p with the saved file, and scoring applies what -p applies */
	size_t plen;
	unsigned char *b = encode(n, &plen);
	nids_norm *canon = NULL;
	if (b && !parse(&canon, b, plen, "record", NULL)) {
		free(b);
		b = encode(canon, &plen);
	}
	nids_norm_free(canon);
	unsigned char *r = b ? malloc(plen + 1) : NULL;
	if (r) {
		r[0] = (unsigned char)(clamp != 0);
		memcpy(r + 1, b, plen);
		*len = plen + 1;
	}
	free(b);
	return r;
}

int nids_norm_from_record(nids_norm **np, int *clamp, const unsigned char *rec, size_t len,
                          const char *name, nids_err *err)
{
	*np = NULL;
	if (len < 1 || rec[0] > 1)
		return nids_err_set(err, NIDS_EFORMAT, name, "corrupt normalization record");
	*clamp = rec[0];
	return parse(np, rec + 1, len - 1, name, err);
}

int nids_norm_save(const nids_norm *n, FILE *f, const char *name, nids_err *err)
{
	size_t len;
	unsigned char *b = encode(n, &len);
	if (!b)
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	int rc = fwrite(b, 1, len, f) == len
	                 ? 0
	                 : nids_err_set(err, NIDS_EIO, name, "write error: %s", strerror(errno));
	free(b);
	return rc;
}

/* Reads all of path (at most MAX_PARAMS bytes) into a malloc'd buffer. */
static int slurp(const char *path, unsigned char **buf, size_t *len, nids_err *err)
{
	nids_input *in;
	int rc = nids_input_open(&in, path, err);
	if (rc)
		return rc;
	size_t cap = 1 << 16, n = 0;
	unsigned char *b = malloc(cap);
	while (b && !rc) {
		long got = nids_input_read(in, b + n, cap - n, err);
		if (got < 0)
			rc = (int)got;
		else if (got == 0)
			break;
		else if ((n += (size_t)got) == cap) {
			unsigned char *nb = cap < MAX_PARAMS ? realloc(b, cap *= 2) : NULL;
			if (!nb)
				rc = nids_err_set(err, NIDS_EFORMAT, path,
				                  "params file is too large");
			else
				b = nb;
		}
	}
	nids_input_free(in);
	if (!b)
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	if (rc) {
		free(b);
		return rc;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Parses the columns after the fixed part of a checksummed buffer b of length len. */
static int parse_columns(nids_norm *n, const unsigned char *b, size_t len, const char *path,
                         nids_err *err)
{
	const unsigned char *p = b + FIXED, *end = b + len - 4;
	for (int j = 0; j < n->D; j++) {
		unsigned l = end - p >= 2 ? nids_get16(p) : 0;
		if (l == 0 || l > NIDS_MAX_NAME ||
		    (size_t)(end - p) < 2 + (size_t)l + PER_COLUMN_STATS || memchr(p + 2, 0, l))
			return nids_err_set(err, NIDS_EFORMAT, path,
			                    "corrupt params file (column %d)", j + 1);
		if (!(n->names[j] = strndup((const char *)p + 2, l)))
			return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
		p += 2 + l;
		double s[4];
		for (int k = 0; k < 4; k++, p += 8)
			s[k] = getf64(p);
		if (!isfinite(s[0]) || !isfinite(s[1]) || !isfinite(s[2]) || !isfinite(s[3]) ||
		    s[0] > s[1] || s[3] < 0)
			return nids_err_set(err, NIDS_EFORMAT, path,
			                    "corrupt params file (column '%s' statistics)",
			                    n->names[j]);
		n->st[ST_MIN][j] = s[0];
		n->st[ST_MAX][j] = s[1];
		n->st[ST_MEAN][j] = s[2];
		n->st[ST_M2][j] = s[3];
	}
	if (p != end)
		return nids_err_set(err, NIDS_EFORMAT, path,
		                    "corrupt params file (trailing bytes)");
	return 0;
}

static int parse(nids_norm **np, const unsigned char *b, size_t len, const char *path,
                 nids_err *err)
{
	if (len == 0)
		return nids_err_set(err, NIDS_EFORMAT, path, "empty params file");
	if (len < 8 || memcmp(b, MAGIC, 8) != 0)
		return nids_err_set(err, NIDS_EFORMAT, path,
		                    "not a nids-normalize params file (bad magic)");
	if (len < FIXED + 4)
		return nids_err_set(err, NIDS_ETRUNCATED, path, "truncated params file");
	if (nids_get16(b + 8) != PARAMS_MAJOR)
		return nids_err_set(err, NIDS_EVERSION, path,
		                    "params file version %u.%u is not supported (this reads %d.x)",
		                    nids_get16(b + 8), nids_get16(b + 10), PARAMS_MAJOR);
	if (nids_get32(b + 12) & 0xffffu)
		return nids_err_set(err, NIDS_EVERSION, path,
		                    "params file has unknown required flags 0x%x", nids_get32(b + 12));
	uint32_t want = nids_get32(b + 16), method = nids_get32(b + 20), D = nids_get32(b + 24);
	if (want > len)
		return nids_err_set(err, NIDS_ETRUNCATED, path,
		                    "truncated params file (%zu of %u bytes)", len, want);
	if (want < len)
		return nids_err_set(err, NIDS_EFORMAT, path,
		                    "corrupt params file (%zu bytes, header says %u)", len, want);
	if (XXH32(b, len - 4, 0) != nids_get32(b + len - 4))
		return nids_err_set(err, NIDS_ECHECKSUM, path, "params file checksum mismatch");
	/* each column takes at least a 2-byte length, a 1-byte name and its statistics, so
	 * D is bounded by the file's size before anything is allocated for it */
	if (!nids_norm_method_name((int)method) || D < 1 || D > NIDS_MAX_COLUMNS ||
	    (uint64_t)D * (3 + PER_COLUMN_STATS) > len - FIXED - 4)
		return nids_err_set(err, NIDS_EFORMAT, path,
		                    "corrupt params file (method %u, %u columns)", method, D);
	nids_norm *n = norm_alloc((int)method, (int)D);
	if (!n)
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	n->rows = nids_get64(b + 28);
	n->loaded = 1;
	int rc = parse_columns(n, b, len, path, err);
	if (rc) {
		nids_norm_free(n);
		return rc;
	}
	derive(n);
	*np = n;
	return 0;
}

int nids_norm_load(nids_norm **np, const char *path, nids_err *err)
{
	*np = NULL;
	unsigned char *b = NULL;
	size_t len = 0;
	int rc = slurp(path, &b, &len, err);
	if (rc)
		return rc;
	rc = parse(np, b, len, path, err);
	free(b);
	return rc;
}

/* ---- whole streams ---- */

/* The output header: the input's, recording the normalization its rows went through, so
 * a model trained on them carries it and nids-score can apply it to raw rows. */
static int output_header(nids_header **out, const nids_header *h, const nids_norm *n, int clamp,
                         const char *in_name, nids_err *err)
{
	*out = NULL;
	if (nids_header_get_ext(h, NIDS_NORM_RECORD, NULL))
		return nids_err_set(err, NIDS_EFORMAT, in_name,
		                    "the stream is normalized already (its header records the "
		                    "parameters); normalize the featurized stream instead");
	size_t len;
	unsigned char *rec = nids_norm_record(n, clamp, &len);
	nids_header *c = rec ? nids_header_copy(h) : NULL;
	int rc = c ? nids_header_set_ext(c, NIDS_NORM_RECORD, rec, len) : NIDS_ENOMEM;
	free(rec);
	if (rc) {
		nids_header_free(c);
		return nids_err_set(err, rc, in_name, rc == NIDS_ENOMEM ? "out of memory"
		                                                        : "too many header records");
	}
	*out = c;
	return 0;
}

int nids_normalize_apply_stream(nids_reader *r, const char *in_name, nids_norm *n, int clamp,
                                FILE *out, const char *out_name, int level, nids_err *err)
{
	const nids_header *h = nids_reader_header(r);
	nids_header *oh = NULL;
	int rc = nids_norm_bind(n, h, in_name, err);
	nids_writer *w = NULL;
	if (!rc)
		rc = output_header(&oh, h, n, clamp, in_name, err);
	if (!rc)
		rc = nids_writer_open(&w, out, out_name, oh, level, err);
	nids_header_free(oh);
	float *rows;
	long k;
	while (!rc && (k = nids_reader_next(r, &rows, err)) != 0) {
		if (k < 0) {
			rc = (int)k;
			break;
		}
		uint64_t first = nids_reader_rows(r) - (uint64_t)k + 1;
		rc = nids_writer_sync_classes(w, h, err);
		if (!rc)
			rc = nids_norm_apply(n, rows, (size_t)k, clamp, in_name, first, err);
		if (!rc)
			rc = nids_writer_write_meta(w, rows, nids_reader_meta(r), (size_t)k, err);
	}
	if (rc) {
		nids_writer_free(w);
		return rc;
	}
	return nids_writer_close(w, err);
}

/* Replays the spooled rows (each C floats, then its metadata) through n into a new
 * writer on out. */
static int replay(nids_spool *spool, const nids_header *h, nids_norm *n, FILE *out,
                  const char *out_name, int level, nids_err *err)
{
	nids_writer *w = NULL;
	nids_header *oh = NULL;
	int rc = output_header(&oh, h, n, 0, out_name, err);
	if (!rc)
		rc = nids_writer_open(&w, out, out_name, oh, level, err);
	nids_header_free(oh);
	float *rows;
	unsigned char *meta;
	long k;
	while (!rc && (k = nids_spool_next(spool, &rows, &meta, err)) != 0) {
		if (k < 0) {
			rc = (int)k;
			break;
		}
		scale_rows(n, rows, (size_t)k, 0, 0, NULL, 0, NULL); /* the fit checked every value */
		rc = nids_writer_sync_classes(w, h, err);
		if (!rc)
			rc = nids_writer_write_meta(w, rows, meta, (size_t)k, err);
	}
	if (rc) {
		nids_writer_free(w);
		return rc;
	}
	return nids_writer_close(w, err);
}

int nids_normalize_fit_stream(nids_reader *r, const char *in_name, int method, FILE *out,
                              const char *out_name, int level, nids_norm **fitted, nids_err *err)
{
	*fitted = NULL;
	const nids_header *h = nids_reader_header(r);
	nids_norm *n;
	if (nids_header_get_ext(h, NIDS_NORM_RECORD, NULL))
		return nids_err_set(err, NIDS_EFORMAT, in_name,
		                    "the stream is normalized already (its header records the "
		                    "parameters); fit on the featurized stream instead");
	int rc = nids_norm_fit_begin(&n, h, method, err);
	if (rc) {
		if (err && !err->where[0])
			snprintf(err->where, sizeof err->where, "%s", in_name);
		return rc;
	}
	size_t C = (size_t)h->ncols, M = (size_t)h->meta_width;
	nids_spool *spool = NULL;
	rc = nids_spool_open(&spool, C, M, err);
	float *rows;
	long k;
	while (!rc && (k = nids_reader_next(r, &rows, err)) != 0) {
		if (k < 0) {
			rc = (int)k;
			break;
		}
		uint64_t first = nids_reader_rows(r) - (uint64_t)k + 1;
		rc = nids_norm_fit_rows(n, rows, (size_t)k, in_name, first, err);
		const unsigned char *meta = nids_reader_meta(r);
		for (long i = 0; !rc && i < k; i++)
			rc = nids_spool_put(spool, rows + (size_t)i * C, meta ? meta + (size_t)i * M : NULL,
			                    err);
	}
	if (!rc)
		rc = nids_norm_fit_end(n, in_name, err);
	if (!rc)
		rc = replay(spool, h, n, out, out_name, level, err);
	nids_spool_free(spool);
	if (rc) {
		nids_norm_free(n);
		return rc;
	}
	*fitted = n;
	return 0;
}
