/* normalize.c: min-max, z-score and log1p scaling and the quantile transform of feature
 * columns, one method for all or one per column; the params file. */
/* The Makefile builds this file at -O3: the per-column loops over a row (fit sums, min,
 * max, scaling) vectorize across columns, so each column still sums in row order and
 * results do not change. */
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
#include "le_impl.h"
#include "rng_impl.h"
#include "spool_impl.h"

/* Params file: see man/nids-normalize.1, FILES. */
static const unsigned char MAGIC[8] = { 0x89, 'N', 'I', 'D', 'N', '\r', '\n', 0x1a };
#define PARAMS_MAJOR 1
#define PARAMS_MINOR 1        /* 1.1: methods per column and quantile tables (flag bit 0) */
#define FLAG_PER_COLUMN 0x1u /* must-understand: a method byte (and quantiles) per column */
#define FIXED 36            /* magic, version, flags, length, method, D, rows */
#define PER_COLUMN_STATS 32 /* four float64 after each name */
#define MAX_PARAMS (64u << 20)
#define MAX_QUANTILES 100000

static const char *METHOD_NAMES[NIDS_NORM_METHODS] = { "minmax", "zscore", "log1p", "none",
	                                                "log1p-zscore", "quantile",
	                                                "quantile-normal" };

/* Methods that take log1p(x) first, and those of the quantile transform. */
static int is_log(int m) { return m == NIDS_NORM_LOG1P || m == NIDS_NORM_LOG1P_ZSCORE; }
static int is_quantile(int m) { return m == NIDS_NORM_QUANTILE || m == NIDS_NORM_QUANTILE_NORMAL; }

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
	/* methods per column: simple when every column has the method of the file's header
	 * and it is one of the first three (the 1.0 layout, and the vectorized loops) */
	unsigned char *meth; /* [D] */
	int simple;
	/* the quantile transform (scikit-learn's QuantileTransformer): a reservoir sample of
	 * at most subsample rows of the quantile columns while fitting, then nq quantiles
	 * of each at the references 0, 1/(nq-1), ..., 1 */
	int nq_req, subsample;
	int dq;        /* quantile columns */
	int *qk;       /* [D] feature j's index among the quantile columns, or -1 */
	float *res;    /* [subsample x dq] the reservoir while fitting */
	nids_rng rng;
	int nq;        /* quantiles per column once fitted */
	double *q;     /* [dq x nq] */
	double *ref;   /* [nq] */
	double qlo, qhi; /* the normal output's clip range */
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
	n->meth = malloc((size_t)D);
	n->qk = malloc((size_t)D * sizeof *n->qk);
	double *arena = calloc((size_t)D * ST_N, sizeof(double));
	if (!n->names || !n->col || !n->g || !n->meth || !n->qk || !arena) {
		free(arena);
		nids_norm_free(n);
		return NULL;
	}
	for (int k = 0; k < ST_N; k++)
		n->st[k] = arena + (size_t)k * D;
	memset(n->meth, method, (size_t)D);
	for (int j = 0; j < D; j++)
		n->qk[j] = -1;
	n->simple = method <= NIDS_NORM_LOG1P;
	n->nq_req = NIDS_NORM_QUANTILES;
	n->subsample = NIDS_NORM_SUBSAMPLE;
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
	free(n->meth);
	free(n->qk);
	free(n->res);
	free(n->q);
	free(n->ref);
	free(n);
}

int nids_norm_method(const nids_norm *n) { return n->method; }
int nids_norm_column_method(const nids_norm *n, int j) { return n->meth[j]; }
int nids_norm_quantiles(const nids_norm *n) { return n->nq; }
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

static double ndtri(double p);

/* The scaling y = (v - off) / div and the clamp range [lo, hi] from the statistics.
 * A constant column gets div 1, so it maps to 0 at fit time and keeps its offset from
 * the constant at apply time (as scikit-learn and the pandas peer do). A column left
 * unscaled (none) or quantile-transformed gets off 0, div 1 and no clamp range. */
static void derive(nids_norm *n)
{
	for (int j = 0; j < n->D; j++) {
		double mn = n->st[ST_MIN][j], mx = n->st[ST_MAX][j], s[4];
		nids_norm_stats(n, j, s);
		int m = n->meth[j], z = m == NIDS_NORM_ZSCORE || m == NIDS_NORM_LOG1P_ZSCORE;
		double off = mn, div = mx - mn;
		if (z) {
			off = s[2];
			div = s[3];
		}
		if (!(div > 0))
			div = 1;
		if (m == NIDS_NORM_NONE || is_quantile(m))
			off = 0, div = 1;
		n->st[ST_OFF][j] = off;
		n->st[ST_DIV][j] = div;
		n->st[ST_LO][j] = z ? (mn - off) / div : 0;
		n->st[ST_HI][j] = z ? (mx - off) / div : mx > mn;
		if (m == NIDS_NORM_NONE || is_quantile(m))
			n->st[ST_LO][j] = -INFINITY, n->st[ST_HI][j] = INFINITY;
	}
	const double eps = 2.220446049250313e-16, bound = 1e-7; /* np.spacing(1) */
	n->qlo = ndtri(bound - eps);
	n->qhi = ndtri(1 - (bound - eps));
}

/* Marks which columns the quantile transform takes and sizes its reservoir. */
static int quantile_setup(nids_norm *n)
{
	n->dq = 0;
	for (int j = 0; j < n->D; j++)
		n->qk[j] = is_quantile(n->meth[j]) ? n->dq++ : -1;
	free(n->res);
	n->res = NULL;
	if (n->dq && !(n->res = malloc(sizeof(float) * (size_t)n->subsample * (size_t)n->dq)))
		return NIDS_ENOMEM;
	nids_rng_seed(&n->rng, 0);
	return 0;
}

static void update_simple(nids_norm *n)
{
	n->simple = n->method <= NIDS_NORM_LOG1P;
	for (int j = 0; j < n->D; j++)
		n->simple &= n->meth[j] == n->method;
}

int nids_norm_set_column(nids_norm *n, const char *name, int method, nids_err *err)
{
	if (!nids_norm_method_name(method))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "unknown normalization method %d",
		                    method);
	if (n->rows)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "methods are set before the first row");
	int found = 0;
	for (int j = 0; j < n->D; j++)
		if (strcmp(n->names[j], name) == 0)
			n->meth[j] = (unsigned char)method, found = 1;
	if (!found)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--column: '%s' is not a feature column "
		                    "of the stream", name);
	update_simple(n);
	return quantile_setup(n) ? nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory") : 0;
}

int nids_norm_set_quantiles(nids_norm *n, int quantiles, int subsample, nids_err *err)
{
	if (quantiles < 1 || quantiles > MAX_QUANTILES || subsample < quantiles || n->rows)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "%d quantiles from a sample of %d rows: "
		                    "the quantiles must be 1 to %d, at most the sample", quantiles,
		                    subsample, MAX_QUANTILES);
	n->nq_req = quantiles;
	n->subsample = subsample;
	return quantile_setup(n) ? nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory") : 0;
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
	if (quantile_setup(n)) {
		nids_norm_free(n);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	*np = n;
	return 0;
}

int nids_norm_fit_begin_opts(nids_norm **np, const nids_header *h, const nids_norm_opts *o,
                             nids_err *err)
{
	int rc = nids_norm_fit_begin(np, h, o->method, err);
	nids_norm *n = *np;
	if (!rc && (o->quantiles || o->subsample))
		rc = nids_norm_set_quantiles(n, o->quantiles ? o->quantiles : NIDS_NORM_QUANTILES,
		                             o->subsample ? o->subsample : NIDS_NORM_SUBSAMPLE, err);
	char *list = !rc && o->columns ? strdup(o->columns) : NULL, *save = NULL;
	if (!rc && o->columns && !list)
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (char *it = list ? strtok_r(list, ",", &save) : NULL; !rc && it;
	     it = strtok_r(NULL, ",", &save)) {
		char *eq = strrchr(it, '=');
		int m = eq ? nids_norm_method_parse(eq + 1) : -1;
		if (!eq || eq == it || m < 0)
			rc = nids_err_set(err, NIDS_EUSAGE, NULL, "--column: '%s' is not NAME=METHOD "
			                  "(methods: minmax, zscore, log1p, none, log1p-zscore, "
			                  "quantile, quantile-normal)", it);
		else
			*eq = 0, rc = nids_norm_set_column(n, it, m, err);
	}
	free(list);
	if (rc && n) {
		nids_norm_free(n);
		*np = NULL;
	}
	return rc;
}

/* Checks rows [nrows x C] for values the method cannot take: non-finite ones, and
 * negative ones for log1p. A branch-free pass per row keeps the common case fast; the
 * error names the first bad row and column. */
static int validate(const nids_norm *n, const float *rows, size_t nrows, const char *name,
                    uint64_t first_row, nids_err *err)
{
	size_t D = (size_t)n->D, C = (size_t)n->ncols;
	for (size_t i = 0; i < nrows; i++) {
		const float *x = rows + i * C;
		int bad = 0;
		for (size_t j = 0; j < D; j++)
			bad |= (!isfinite(x[n->col[j]])) | (is_log(n->meth[j]) & (x[n->col[j]] < 0));
		if (!bad)
			continue;
		size_t j = 0;
		while (isfinite(x[n->col[j]]) && !(is_log(n->meth[j]) && x[n->col[j]] < 0))
			j++;
		char where[300];
		snprintf(where, sizeof where, "%s: row %llu", name ? name : "-",
		         (unsigned long long)(first_row + i));
		float v = x[n->col[j]];
		if (!isfinite(v))
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "column '%s': value %g is not finite", n->names[j], v);
		return nids_err_set(err, NIDS_EFORMAT, where,
		                    "column '%s': value %g is negative; %s needs values >= 0 "
		                    "(try -t minmax or -t zscore)",
		                    n->names[j], v, METHOD_NAMES[n->meth[j]]);
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

/* Adds one value v (log1p'd first when log) to a column's block sums about the shift k
 * (sums of v - k and (v - k)^2) and to its running min and max. Returns non-zero at a
 * bad value. */
static inline int fit_value(float f, int log, double k, double *restrict s1,
                            double *restrict s2, double *restrict mn, double *restrict mx)
{
	int bad = log ? (!(f >= 0)) | (f - f != 0) : f - f != 0;
	double v = log ? log1p((double)f) : (double)f, d = v - k;
	*s1 += d;
	*s2 += d * d;
	*mn = v < *mn ? v : *mn;
	*mx = v > *mx ? v : *mx;
	return bad;
}

/* One row's values f[0..D): log1p on every column when log (one method for all). */
static int fit_row(const float *restrict f, size_t D, int log, const double *restrict k,
                   double *restrict s1, double *restrict s2, double *restrict mn,
                   double *restrict mx)
{
	int bad = 0;
	for (size_t j = 0; j < D; j++)
		bad |= fit_value(f[j], log, k[j], s1 + j, s2 + j, mn + j, mx + j);
	return bad;
}

/* fit_row with a method per column (meth [D]): log1p first where it says so. */
static int fit_row_mixed(const float *restrict f, size_t D, const unsigned char *meth,
                         const double *restrict k, double *restrict s1, double *restrict s2,
                         double *restrict mn, double *restrict mx)
{
	int bad = 0;
	for (size_t j = 0; j < D; j++)
		bad |= fit_value(f[j], is_log(meth[j]), k[j], s1 + j, s2 + j, mn + j, mx + j);
	return bad;
}

/* Offers the block's rows to the reservoir of the quantile columns (Algorithm R: after t
 * rows each has been kept with probability subsample / t; all of them while t <=
 * subsample, in order). */
static void reservoir_add(nids_norm *n, const float *rows, size_t nrows)
{
	size_t C = (size_t)n->ncols, S = (size_t)n->subsample;
	for (size_t i = 0; i < nrows; i++) {
		uint64_t t = n->rows + i;
		size_t slot = t < S ? (size_t)t : (size_t)nids_rng_below(&n->rng, t + 1);
		if (slot >= S)
			continue;
		const float *f = features(n, (float *)rows + i * C);
		float *dst = n->res + slot * (size_t)n->dq;
		for (int j = 0; j < n->D; j++)
			if (n->qk[j] >= 0)
				dst[n->qk[j]] = f[j];
	}
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
		double v = is_log(n->meth[j]) ? log1p((double)f0[j]) : (double)f0[j]; /* bad: below */
		k[j] = n->rows ? n->st[ST_MEAN][j] : isfinite(v) ? v : 0;
	}
	memset(s1, 0, D * sizeof *s1);
	memset(s2, 0, D * sizeof *s2);
	for (size_t i = 0; i < nrows; i++) {
		const float *f = features(n, (float *)rows + i * C);
		if (n->simple ? fit_row(f, D, log, k, s1, s2, n->st[ST_MIN], n->st[ST_MAX])
		              : fit_row_mixed(f, D, n->meth, k, s1, s2, n->st[ST_MIN], n->st[ST_MAX]))
			return validate(n, rows + i * C, 1, name, first_row + i, err);
	}
	if (n->dq)
		reservoir_add(n, rows, nrows);
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

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* numpy.linspace(0, 1, nq): j * (1 / (nq - 1)), the last exactly 1; [0] for nq = 1. */
static void references(double *ref, int nq)
{
	double step = nq > 1 ? 1.0 / (nq - 1) : 0;
	for (int j = 0; j < nq; j++)
		ref[j] = j * step;
	if (nq > 1)
		ref[nq - 1] = 1;
}

/* numpy.percentile(v, ref * 100) of the sorted v [m], method 'linear', as numpy 1.24
 * computes it (the reference scaled to percent and back, numpy's two-sided lerp). */
static double percentile(const double *v, size_t m, double ref)
{
	double q = ref * 100 / 100, vi = (double)(m - 1) * q;
	if (vi >= (double)(m - 1))
		return v[m - 1];
	if (vi < 0)
		return v[0];
	double lo = floor(vi), g = vi - lo;
	size_t i = (size_t)lo;
	double a = v[i], b = v[i + 1], d = b - a;
	return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

/* The quantiles of each quantile column from the reservoir, made non-decreasing as
 * scikit-learn does (np.maximum.accumulate). */
static int fit_quantiles(nids_norm *n)
{
	size_t m = n->rows < (uint64_t)n->subsample ? (size_t)n->rows : (size_t)n->subsample;
	n->nq = n->nq_req < (int)m ? n->nq_req : (int)m;
	n->q = malloc(sizeof(double) * (size_t)n->dq * (size_t)n->nq);
	n->ref = malloc(sizeof(double) * (size_t)n->nq);
	float *col = malloc(sizeof(float) * m);
	double *v = malloc(sizeof(double) * m);
	if (!n->q || !n->ref || !col || !v) {
		free(col), free(v);
		return NIDS_ENOMEM;
	}
	references(n->ref, n->nq);
	for (int k = 0; k < n->dq; k++) {
		for (size_t i = 0; i < m; i++)
			col[i] = n->res[i * (size_t)n->dq + (size_t)k];
		qsort(col, m, sizeof *col, cmp_float);
		for (size_t i = 0; i < m; i++)
			v[i] = col[i];
		double *q = n->q + (size_t)k * n->nq;
		for (int j = 0; j < n->nq; j++) {
			q[j] = percentile(v, m, n->ref[j]);
			if (j && q[j] < q[j - 1])
				q[j] = q[j - 1];
		}
	}
	free(col), free(v);
	free(n->res);
	n->res = NULL;
	return 0;
}

int nids_norm_fit_end(nids_norm *n, const char *name, nids_err *err)
{
	if (n->rows == 0)
		return nids_err_set(err, NIDS_EFORMAT, name, "no rows to fit the parameters on");
	if (n->dq && fit_quantiles(n))
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	derive(n);
	return 0;
}

/* numpy.interp(x, xp, fp) over nq points, xp non-decreasing: the ends outside, fp[j] at
 * xp[j] == x, else the line from the last j with xp[j] <= x. With rev, the points are
 * (-xp, -fp) reversed, as scikit-learn's second, descending pass reads them. */
static double interp(double x, const double *xp, const double *fp, int nq, int rev)
{
#define XP(i) (rev ? -xp[nq - 1 - (i)] : xp[i])
#define FP(i) (rev ? -fp[nq - 1 - (i)] : fp[i])
	if (x < XP(0))
		return FP(0);
	if (x > XP(nq - 1))
		return FP(nq - 1);
	int lo = 0, hi = nq; /* the last j with XP(j) <= x */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (x >= XP(mid))
			lo = mid + 1;
		else
			hi = mid;
	}
	int j = lo - 1;
	if (j == nq - 1 || XP(j) == x)
		return FP(j);
	double slope = (FP(j + 1) - FP(j)) / (XP(j + 1) - XP(j));
	return slope * (x - XP(j)) + FP(j);
#undef XP
#undef FP
}

/* The standard normal quantile function (scipy.stats.norm.ppf): Acklam's rational
 * approximation, then one Halley step on erfc, which brings it to double precision. */
static double ndtri(double p)
{
	static const double a[6] = { -3.969683028665376e+01, 2.209460984245205e+02,
		                     -2.759285104469687e+02, 1.383577518672690e+02,
		                     -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[5] = { -5.447609879822406e+01, 1.615858368580409e+02,
		                     -1.556989798598866e+02, 6.680131188771972e+01,
		                     -1.328068155288572e+01 };
	static const double c[6] = { -7.784894002430293e-03, -3.223964580411365e-01,
		                     -2.400758277161838e+00, -2.549732539343734e+00,
		                     4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[4] = { 7.784695709041462e-03, 3.224671290700398e-01,
		                     2.445134137142996e+00, 3.754408661907416e+00 };
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	double x, q, r;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - 0.02425) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		q = sqrt(-2 * log1p(-p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	for (int it = 0; it < 2; it++) { /* Halley: e = Phi(x) - p */
		double e = x < 0 ? 0.5 * erfc(-x / M_SQRT2) - p : (0.5 - p) + 0.5 * erf(x / M_SQRT2);
		double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
		x = x - u / (1 + x * u / 2);
	}
	return x;
}

/* scikit-learn's QuantileTransformer._transform_col for one value of one column with
 * quantiles q [nq] (BOUNDS_THRESHOLD 1e-7; normal output clipped where the inverse stays
 * consistent). */
static double quantile_value(double x, const double *q, const double *ref, int nq, int normal,
                             double lo, double hi)
{
	const double bound = 1e-7;
	int lower = normal ? x - bound < q[0] : x == q[0];
	int upper = normal ? x + bound > q[nq - 1] : x == q[nq - 1];
	double y = 0.5 * (interp(x, q, ref, nq, 0) - interp(-x, q, ref, nq, 1));
	if (upper)
		y = 1;
	if (lower)
		y = 0;
	if (!normal)
		return y;
	y = ndtri(y);
	return y < lo ? lo : y > hi ? hi : y;
}

double nids_norm_value(const nids_norm *n, int j, double x)
{
	int m = n->meth[j];
	if (is_quantile(m))
		return quantile_value(x, n->q + (size_t)n->qk[j] * n->nq, n->ref, n->nq,
		                      m == NIDS_NORM_QUANTILE_NORMAL, n->qlo, n->qhi);
	if (m == NIDS_NORM_NONE)
		return x;
	return ((is_log(m) ? log1p(x) : x) - n->st[ST_OFF][j]) / n->st[ST_DIV][j];
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
		int rc = !n->simple && check ? validate(n, x, 1, name, first_row + i, err) : 0;
		if (rc)
			return rc;
		if (!n->simple) /* a method per column: one value at a time */
			for (size_t j = 0; j < D; j++)
				f[j] = (float)nids_norm_value(n, (int)j, (double)f[j]);
		else if (check && any_bad(f, D, log))
			return validate(n, x, 1, name, first_row + i, err);
		else if (log)
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
		len += 2 + strlen(n->names[j]) + PER_COLUMN_STATS +
		       (n->simple ? 0 : 1 + (is_quantile(n->meth[j]) ? 4 + 8 * (size_t)n->nq : 0));
	unsigned char *b = malloc(len), *p = b;
	if (!b)
		return NULL;
	memcpy(p, MAGIC, 8);
	/* one method of the first three for every column: the 1.0 layout, byte for byte */
	nids_put16(p + 8, PARAMS_MAJOR);
	nids_put16(p + 10, n->simple ? 0 : PARAMS_MINOR);
	nids_put32(p + 12, n->simple ? 0 : FLAG_PER_COLUMN);
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
		if (n->simple)
			continue;
		*p++ = n->meth[j];
		if (!is_quantile(n->meth[j]))
			continue;
		nids_put32(p, (uint32_t)n->nq);
		p += 4;
		for (int k = 0; k < n->nq; k++, p += 8)
			putf64(p, n->q[(size_t)n->qk[j] * n->nq + k]);
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

/* A column's method byte and, for the quantile transform, its table: nq (the same for
 * every column) non-decreasing finite quantiles. p advances past them. */
static int parse_method(nids_norm *n, int j, const unsigned char **pp, const unsigned char *end,
                        const char *path, nids_err *err)
{
	const unsigned char *p = *pp;
	if (p >= end || !nids_norm_method_name(*p))
		return nids_err_set(err, NIDS_EFORMAT, path,
		                    "corrupt params file (column '%s' method)", n->names[j]);
	n->meth[j] = *p++;
	if (is_quantile(n->meth[j])) {
		uint32_t nq = end - p >= 4 ? nids_get32(p) : 0;
		if (nq < 1 || nq > MAX_QUANTILES || (n->nq && (int)nq != n->nq) ||
		    (size_t)(end - p - 4) / 8 < nq)
			return nids_err_set(err, NIDS_EFORMAT, path,
			                    "corrupt params file (column '%s' quantiles)", n->names[j]);
		p += 4;
		if (!n->nq) {
			n->nq = (int)nq;
			if (!(n->ref = malloc(sizeof(double) * nq)))
				return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
			references(n->ref, n->nq);
		}
		/* grown a column at a time: never more than the file holds */
		double *grown = realloc(n->q, sizeof(double) * nq * ((size_t)n->dq + 1));
		if (!grown)
			return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
		n->q = grown;
		double *q = n->q + (size_t)n->dq * nq;
		n->qk[j] = n->dq++;
		for (uint32_t k = 0; k < nq; k++, p += 8)
			if (!isfinite(q[k] = getf64(p)) || (k && q[k] < q[k - 1]))
				return nids_err_set(err, NIDS_EFORMAT, path,
				                    "corrupt params file (column '%s' quantiles)",
				                    n->names[j]);
	}
	*pp = p;
	return 0;
}

/* Parses the columns after the fixed part of a checksummed buffer b of length len. */
static int parse_columns(nids_norm *n, const unsigned char *b, size_t len, const char *path,
                         nids_err *err)
{
	const unsigned char *p = b + FIXED, *end = b + len - 4;
	int per_column = (nids_get32(b + 12) & FLAG_PER_COLUMN) != 0;
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
		int rc = per_column ? parse_method(n, j, &p, end, path, err) : 0;
		if (rc)
			return rc;
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
	if (nids_get32(b + 12) & 0xffffu & ~FLAG_PER_COLUMN)
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
	update_simple(n);
	if (n->simple == ((nids_get32(b + 12) & FLAG_PER_COLUMN) != 0)) {
		nids_norm_free(n);
		return nids_err_set(err, NIDS_EFORMAT, path, "corrupt params file (methods)");
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
		uint64_t first = nids_reader_file_rows(r) - (uint64_t)k + 1;
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
	nids_norm_opts o = { .method = method };
	return nids_normalize_fit_stream_opts(r, in_name, &o, out, out_name, level, fitted, err);
}

int nids_normalize_fit_stream_opts(nids_reader *r, const char *in_name, const nids_norm_opts *o,
                                   FILE *out, const char *out_name, int level,
                                   nids_norm **fitted, nids_err *err)
{
	*fitted = NULL;
	const nids_header *h = nids_reader_header(r);
	nids_norm *n;
	if (nids_header_get_ext(h, NIDS_NORM_RECORD, NULL))
		return nids_err_set(err, NIDS_EFORMAT, in_name,
		                    "the stream is normalized already (its header records the "
		                    "parameters); fit on the featurized stream instead");
	int rc = nids_norm_fit_begin_opts(&n, h, o, err);
	if (rc) {
		if (err && !err->where[0])
			snprintf(err->where, sizeof err->where, "%s", in_name);
		return rc;
	}
	size_t C = (size_t)h->ncols, M = (size_t)h->meta_width;
	nids_spool *spool = NULL;
	rc = nids_spool_open(&spool, C, M, err);
	float *rows;
	long k = 0;
	while (!rc && (k = nids_reader_next(r, &rows, err)) > 0) {
		uint64_t first = nids_reader_file_rows(r) - (uint64_t)k + 1;
		rc = nids_norm_fit_rows(n, rows, (size_t)k, in_name, first, err);
		const unsigned char *meta = nids_reader_meta(r);
		for (long i = 0; !rc && i < k; i++)
			rc = nids_spool_put(spool, rows + (size_t)i * C, meta ? meta + (size_t)i * M : NULL,
			                    err);
	}
	if (!rc && k < 0)
		rc = (int)k;
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
