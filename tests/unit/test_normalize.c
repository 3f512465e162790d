/* test_normalize.c: exact fitted statistics and scaled values on a small stream, the
 * params file round trip, and damaged params files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nids/normalize.h"

/* columns: f1, label, f2, f3 (constant), class */
#define C 5
#define R 4
static const float ROWS[R * C] = {
	0,  0, 1, 5, 0, /* */
	2,  1, 3, 5, 1, /* */
	4,  0, 7, 5, 0, /* */
	10, 1, 1, 5, 1,
};

static nids_header *header(const char *f2name)
{
	nids_header *h = nids_header_new();
	nids_header_add_column(h, "f1", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "label", NIDS_ROLE_LABEL, NULL);
	nids_header_add_column(h, f2name, NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "f3", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "class", NIDS_ROLE_CLASS, NULL);
	nids_header_add_class(h, "normal");
	nids_header_add_class(h, "neptune");
	return h;
}

static nids_norm *fit(int method, size_t split)
{
	nids_header *h = header("f2");
	nids_norm *n = NULL;
	nids_err err = { 0 };
	CHECK(nids_norm_fit_begin(&n, h, method, &err) == 0, "%s", err.msg);
	CHECK(nids_norm_fit_rows(n, ROWS, split, "t", 1, &err) == 0, "%s", err.msg);
	CHECK(nids_norm_fit_rows(n, ROWS + split * C, R - split, "t", split + 1, &err) == 0, "%s",
	      err.msg);
	CHECK(nids_norm_fit_end(n, "t", &err) == 0, "%s", err.msg);
	nids_header_free(h);
	return n;
}

static void test_minmax_stats_and_values(void)
{
	for (size_t split = 0; split <= R; split++) { /* block boundaries must not matter */
		nids_norm *n = fit(NIDS_NORM_MINMAX, split);
		CHECK(nids_norm_columns(n) == 3, "%d", nids_norm_columns(n));
		CHECK(strcmp(nids_norm_column_name(n, 1), "f2") == 0, "%s",
		      nids_norm_column_name(n, 1));
		CHECK(nids_norm_rows(n) == R, "%llu", (unsigned long long)nids_norm_rows(n));
		double s[4];
		nids_norm_stats(n, 0, s);
		CHECK(s[0] == 0 && s[1] == 10, "min %g max %g", s[0], s[1]);
		CHECK_NEAR(s[2], 4.0, 1e-15);
		CHECK_NEAR(s[3], sqrt(14.0), 1e-15); /* population sd of 0,2,4,10 */
		nids_norm_stats(n, 2, s);
		CHECK(s[0] == 5 && s[1] == 5 && s[2] == 5 && s[3] == 0, "%g %g %g %g", s[0], s[1],
		      s[2], s[3]);
		float x[R * C];
		memcpy(x, ROWS, sizeof x);
		nids_err err = { 0 };
		CHECK(nids_norm_apply(n, x, R, 0, "t", 1, &err) == 0, "%s", err.msg);
		static const float want[R * C] = {
			0,    0, 0,       0, 0, /* */
			0.2f, 1, 2 / 6.f, 0, 1, /* */
			0.4f, 0, 1,       0, 0, /* */
			1,    1, 0,       0, 1,
		};
		for (int i = 0; i < R * C; i++)
			CHECK(x[i] == want[i], "value %d: %.9g, want %.9g", i, x[i], want[i]);
		nids_norm_free(n);
	}
}

static void test_zscore_and_clamp(void)
{
	nids_norm *n = fit(NIDS_NORM_ZSCORE, 2);
	float x[R * C];
	memcpy(x, ROWS, sizeof x);
	nids_err err = { 0 };
	CHECK(nids_norm_apply(n, x, R, 0, "t", 1, &err) == 0, "%s", err.msg);
	CHECK_NEAR(x[5 * 3], 6 / sqrt(14.0), 1e-6);
	CHECK_NEAR(x[2], -2 / sqrt(6.0), 1e-6); /* f2: mean 3, sd sqrt(6) */
	CHECK(x[3] == 0, "constant column: %g", x[3]);
	/* out of range: f1 = 20 passes through, or clamps to the fitted max's z-score */
	float y[C] = { 20, 1, 13, 9, 0 };
	CHECK(nids_norm_apply(n, y, 1, 0, "t", 1, &err) == 0, "%s", err.msg);
	CHECK_NEAR(y[0], 16 / sqrt(14.0), 1e-6);
	CHECK(y[3] == 4, "constant column keeps its offset: %g", y[3]);
	float z[C] = { 20, 1, -13, 9, 0 };
	CHECK(nids_norm_apply(n, z, 1, 1, "t", 1, &err) == 0, "%s", err.msg);
	CHECK_NEAR(z[0], 6 / sqrt(14.0), 1e-6);
	CHECK_NEAR(z[2], -2 / sqrt(6.0), 1e-6);
	CHECK(z[3] == 0, "%g", z[3]);
	nids_norm_free(n);

	n = fit(NIDS_NORM_MINMAX, 1);
	float m[C] = { 20, 7, -5, 6, 1 };
	CHECK(nids_norm_apply(n, m, 1, 0, "t", 1, &err) == 0, "%s", err.msg);
	CHECK(m[0] == 2 && m[1] == 7 && m[2] == -1 && m[3] == 1 && m[4] == 1, "%g %g %g %g %g",
	      m[0], m[1], m[2], m[3], m[4]);
	float k[C] = { 20, 7, -5, 6, 1 };
	CHECK(nids_norm_apply(n, k, 1, 1, "t", 1, &err) == 0, "%s", err.msg);
	CHECK(k[0] == 1 && k[2] == 0 && k[3] == 0, "%g %g %g", k[0], k[2], k[3]);
	nids_norm_free(n);
}

static void test_log1p(void)
{
	nids_norm *n = fit(NIDS_NORM_LOG1P, 3);
	double s[4];
	nids_norm_stats(n, 1, s);
	CHECK_NEAR(s[0], log1p(1.0), 1e-15);
	CHECK_NEAR(s[1], log1p(7.0), 1e-15);
	float x[R * C];
	memcpy(x, ROWS, sizeof x);
	nids_err err = { 0 };
	CHECK(nids_norm_apply(n, x, R, 0, "t", 1, &err) == 0, "%s", err.msg);
	CHECK_NEAR(x[C + 2], (log1p(3.0) - log1p(1.0)) / (log1p(7.0) - log1p(1.0)), 1e-6);
	CHECK_NEAR(x[C], log1p(2.0) / log1p(10.0), 1e-6);
	float neg[C] = { 1, 0, -0.5f, 5, 0 };
	CHECK(nids_norm_apply(n, neg, 1, 0, "in.rec", 7, &err) == NIDS_EFORMAT, "%d", err.code);
	CHECK(strcmp(err.where, "in.rec: row 7") == 0, "%s", err.where);
	CHECK(strstr(err.msg, "column 'f2': value -0.5 is negative") != NULL, "%s", err.msg);
	nids_norm_free(n);

	nids_header *h = header("f2");
	CHECK(nids_norm_fit_begin(&n, h, NIDS_NORM_LOG1P, &err) == 0, "%s", err.msg);
	float rows[2 * C] = { 1, 0, 1, 1, 0, -3, 0, 1, 1, 0 };
	CHECK(nids_norm_fit_rows(n, rows, 2, "x", 41, &err) == NIDS_EFORMAT, "%d", err.code);
	CHECK(strcmp(err.where, "x: row 42") == 0, "%s", err.where);
	nids_norm_free(n);
	CHECK(nids_norm_fit_begin(&n, h, NIDS_NORM_MINMAX, &err) == 0, "%s", err.msg);
	rows[7] = NAN;
	CHECK(nids_norm_fit_rows(n, rows, 2, "x", 1, &err) == NIDS_EFORMAT, "%d", err.code);
	CHECK(strcmp(err.msg, "column 'f2': value nan is not finite") == 0, "%s", err.msg);
	CHECK(strcmp(err.where, "x: row 2") == 0, "%s", err.where);
	nids_norm_free(n);
	CHECK(nids_norm_fit_begin(&n, h, NIDS_NORM_MINMAX, &err) == 0, "%s", err.msg);
	CHECK(nids_norm_fit_end(n, "x", &err) == NIDS_EFORMAT, "no rows: %d", err.code);
	nids_norm_free(n);
	nids_header_free(h);
}

/* Values far from 0 with a small spread, one row per block: the shifted sums and the
 * block merges must keep the variance exact. */
static void test_variance_accuracy(void)
{
	nids_header *h = nids_header_new();
	nids_header_add_column(h, "x", NIDS_ROLE_FEATURE, NULL);
	nids_norm *n;
	nids_err err = { 0 };
	CHECK(nids_norm_fit_begin(&n, h, NIDS_NORM_ZSCORE, &err) == 0, "%s", err.msg);
	for (int i = 0; i < 1000; i++) {
		float x = 1e6f + (float)(i % 4);
		CHECK(nids_norm_fit_rows(n, &x, 1, "t", (uint64_t)i + 1, &err) == 0, "%s", err.msg);
	}
	nids_norm_fit_end(n, "t", &err);
	double s[4];
	nids_norm_stats(n, 0, s);
	CHECK_NEAR(s[2], 1e6 + 1.5, 1e-15);
	CHECK_NEAR(s[3], sqrt(1.25), 1e-9); /* naive sums of squares: ~1e-4 */
	nids_norm_free(n);
	nids_header_free(h);
}

/* Features as one run of columns (the fast path) or scattered (gathered per row) must
 * give the same statistics and values. */
static void test_contiguous_features(void)
{
	nids_header *h = nids_header_new();
	nids_header_add_column(h, "label", NIDS_ROLE_LABEL, NULL);
	nids_header_add_column(h, "f1", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "f2", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "f3", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "class", NIDS_ROLE_CLASS, NULL);
	float rows[R * C]; /* ROWS with the columns reordered to h's */
	for (int i = 0; i < R; i++) {
		const float *x = ROWS + i * C;
		float *y = rows + i * C;
		y[0] = x[1], y[1] = x[0], y[2] = x[2], y[3] = x[3], y[4] = x[4];
	}
	nids_norm *n, *m = fit(NIDS_NORM_ZSCORE, 2);
	nids_err err = { 0 };
	CHECK(nids_norm_fit_begin(&n, h, NIDS_NORM_ZSCORE, &err) == 0, "%s", err.msg);
	CHECK(nids_norm_fit_rows(n, rows, R, "t", 1, &err) == 0, "%s", err.msg);
	CHECK(nids_norm_fit_end(n, "t", &err) == 0, "%s", err.msg);
	for (int j = 0; j < 3; j++) {
		double s[4], t[4];
		nids_norm_stats(n, j, s);
		nids_norm_stats(m, j, t);
		for (int k = 0; k < 4; k++)
			CHECK_NEAR(s[k], t[k], 1e-15);
	}
	float x[R * C];
	memcpy(x, ROWS, sizeof x);
	CHECK(nids_norm_apply(m, x, R, 0, "t", 1, &err) == 0, "%s", err.msg);
	CHECK(nids_norm_apply(n, rows, R, 0, "t", 1, &err) == 0, "%s", err.msg);
	for (int i = 0; i < R; i++)
		CHECK(rows[i * C] == x[i * C + 1] && rows[i * C + 1] == x[i * C] &&
		              rows[i * C + 2] == x[i * C + 2] && rows[i * C + 3] == x[i * C + 3],
		      "row %d differs", i);
	nids_norm_free(n);
	nids_norm_free(m);
	nids_header_free(h);
}

/* Writes n's params to a temporary file; returns its bytes (malloc'd) and length. */
static unsigned char *saved(const nids_norm *n, size_t *len)
{
	FILE *f = tmpfile();
	nids_err err = { 0 };
	CHECK(nids_norm_save(n, f, "p", &err) == 0, "%s", err.msg);
	*len = (size_t)ftell(f);
	unsigned char *b = malloc(*len);
	rewind(f);
	CHECK(fread(b, 1, *len, f) == *len, "read back");
	fclose(f);
	return b;
}

static char path[] = "/tmp/nids-test-normXXXXXX";

static int load_bytes(const unsigned char *b, size_t len, nids_norm **n, nids_err *err)
{
	FILE *f = fopen(path, "wb");
	fwrite(b, 1, len, f);
	fclose(f);
	return nids_norm_load(n, path, err);
}

static void test_params_round_trip(void)
{
	for (int method = 0; method < NIDS_NORM_METHODS; method++) {
		nids_norm *n = fit(method, 2), *m = NULL;
		size_t len;
		unsigned char *b = saved(n, &len);
		nids_err err = { 0 };
		CHECK(load_bytes(b, len, &m, &err) == 0, "%s", err.msg);
		CHECK(nids_norm_method(m) == method, "%d", nids_norm_method(m));
		CHECK(nids_norm_columns(m) == 3 && nids_norm_rows(m) == R, "%d",
		      nids_norm_columns(m));
		for (int j = 0; j < 3; j++) {
			double s[4], t[4];
			nids_norm_stats(n, j, s);
			nids_norm_stats(m, j, t);
			CHECK(strcmp(nids_norm_column_name(m, j), nids_norm_column_name(n, j)) == 0,
			      "%s", nids_norm_column_name(m, j));
			CHECK(memcmp(s, t, sizeof s) == 0, "column %d stats differ", j);
		}
		nids_header *h = header("f2");
		CHECK(nids_norm_bind(m, h, "s", &err) == 0, "%s", err.msg);
		float x[R * C], y[R * C];
		memcpy(x, ROWS, sizeof x);
		memcpy(y, ROWS, sizeof y);
		nids_norm_apply(n, x, R, 0, "t", 1, &err);
		nids_norm_apply(m, y, R, 0, "t", 1, &err);
		CHECK(memcmp(x, y, sizeof x) == 0, "loaded params scale differently");
		nids_header_free(h);
		free(b);
		nids_norm_free(n);
		nids_norm_free(m);
	}
}

/* A loaded params file saves back to the same bytes, and the header record a stream
 * carries is the same whether made right after --fit or from the saved file (a model
 * compares them byte for byte), for statistics that do not round-trip through sd^2. */
static void test_params_fixed_point(void)
{
	enum { N = 1000 };
	float *rows = malloc(sizeof(float) * N * C);
	for (int i = 0; i < N; i++) {
		rows[i * C + 0] = (float)fabs(sin(i * 0.37)) * 1000.0f;
		rows[i * C + 1] = (float)(i % 2);
		rows[i * C + 2] = (float)(i % 97) / 7.0f;
		rows[i * C + 3] = (float)exp((i % 13) * 0.9);
		rows[i * C + 4] = (float)(i % 2);
	}
	for (int method = 0; method < NIDS_NORM_METHODS; method++) {
		nids_header *h = header("f2");
		nids_norm *n = NULL, *m = NULL, *r = NULL;
		nids_err err = { 0 };
		CHECK(nids_norm_fit_begin(&n, h, method, &err) == 0, "%s", err.msg);
		CHECK(nids_norm_fit_rows(n, rows, N, "t", 1, &err) == 0, "%s", err.msg);
		CHECK(nids_norm_fit_end(n, "t", &err) == 0, "%s", err.msg);
		size_t la, lb, ra, rb;
		unsigned char *a = saved(n, &la);
		CHECK(load_bytes(a, la, &m, &err) == 0, "%s", err.msg);
		unsigned char *b = saved(m, &lb);
		CHECK(la == lb && memcmp(a, b, la) == 0, "method %d: load then save differs", method);
		unsigned char *x = nids_norm_record(n, 0, &ra), *y = nids_norm_record(m, 0, &rb);
		CHECK(ra == rb && memcmp(x, y, ra) == 0, "method %d: records differ", method);
		int clamp = 1;
		CHECK(nids_norm_from_record(&r, &clamp, y, rb, "rec", &err) == 0 && clamp == 0, "%s",
		      err.msg);
		unsigned char *z = saved(r, &lb);
		CHECK(lb == rb - 1 && memcmp(z, y + 1, lb) == 0, "method %d: record is not its file",
		      method);
		free(a), free(b), free(x), free(y), free(z);
		nids_norm_free(n), nids_norm_free(m), nids_norm_free(r);
		nids_header_free(h);
	}
	free(rows);
}

static void test_params_damaged(void)
{
	nids_norm *n = fit(NIDS_NORM_MINMAX, 2), *m = NULL;
	size_t len;
	unsigned char *b = saved(n, &len);
	nids_err err = { 0 };
	for (size_t cut = 0; cut < len; cut++) { /* truncated at every length */
		int rc = load_bytes(b, cut, &m, &err);
		int want = cut == 0 || cut < 8 ? NIDS_EFORMAT : NIDS_ETRUNCATED;
		CHECK(rc == want && !m, "cut at %zu: %s (%s)", cut, nids_err_name(rc), err.msg);
	}
	for (size_t i = 0; i < len; i++) { /* every flipped bit is caught */
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (unsigned char)(1u << bit);
			int rc = load_bytes(b, len, &m, &err);
			CHECK(rc < 0 && !m, "byte %zu bit %d accepted", i, bit);
			b[i] ^= (unsigned char)(1u << bit);
		}
	}
	CHECK(load_bytes(b, len, &m, &err) == 0, "%s", err.msg);
	nids_norm_free(m);
	b[8] = 2;
	CHECK(load_bytes(b, len, &m, &err) == NIDS_EVERSION, "%s", err.msg);
	CHECK(strstr(err.msg, "version 2.0 is not supported") != NULL, "%s", err.msg);
	b[8] = 1;
	b[len - 1] ^= 0x40;
	CHECK(load_bytes(b, len, &m, &err) == NIDS_ECHECKSUM, "%s", err.msg);
	CHECK(strcmp(err.where, path) == 0 && strcmp(err.msg, "params file checksum mismatch") == 0,
	      "%s: %s", err.where, err.msg);
	const char text[] = "f1,f2\n1,2\n";
	CHECK(load_bytes((const unsigned char *)text, sizeof text - 1, &m, &err) == NIDS_EFORMAT,
	      "%s", err.msg);
	CHECK(strstr(err.msg, "bad magic") != NULL, "%s", err.msg);
	free(b);
	nids_norm_free(n);
}

static void test_bind_mismatch(void)
{
	nids_norm *n = fit(NIDS_NORM_MINMAX, 2);
	nids_err err = { 0 };
	nids_header *h = header("g2");
	CHECK(nids_norm_bind(n, h, "test.rec", &err) == NIDS_EMISMATCH, "%d", err.code);
	CHECK(strcmp(err.msg, "feature column 2: 'f2' in the params vs 'g2' in the stream") == 0,
	      "%s", err.msg);
	CHECK(strcmp(err.where, "test.rec") == 0, "%s", err.where);
	nids_header_add_column(h, "f4", NIDS_ROLE_FEATURE, NULL);
	nids_header_free(h);
	h = header("f2");
	nids_header_add_column(h, "f4", NIDS_ROLE_FEATURE, NULL);
	CHECK(nids_norm_bind(n, h, "s", &err) == NIDS_EMISMATCH, "%d", err.code);
	CHECK(strcmp(err.msg, "feature column 4: 'f4' in the stream, missing in the params") == 0,
	      "%s", err.msg);
	nids_header_free(h);
	h = nids_header_new();
	nids_header_add_column(h, "f1", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "f2", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "f3", NIDS_ROLE_META, NULL);
	CHECK(nids_norm_bind(n, h, "s", &err) == NIDS_EMISMATCH, "%d", err.code);
	CHECK(strcmp(err.msg, "feature column 3: 'f3' in the params, missing in the stream") == 0,
	      "%s", err.msg);
	nids_header_free(h);
	/* only the feature columns must agree: other columns may differ */
	h = nids_header_new();
	nids_header_add_column(h, "id", NIDS_ROLE_ID, NULL);
	nids_header_add_column(h, "f1", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "f2", NIDS_ROLE_FEATURE, NULL);
	nids_header_add_column(h, "f3", NIDS_ROLE_FEATURE, NULL);
	CHECK(nids_norm_bind(n, h, "s", &err) == 0, "%s", err.msg);
	float row[4] = { 99, 10, 7, 5 };
	CHECK(nids_norm_apply(n, row, 1, 0, "s", 1, &err) == 0, "%s", err.msg);
	CHECK(row[0] == 99 && row[1] == 1 && row[2] == 1 && row[3] == 0, "%g %g %g %g", row[0],
	      row[1], row[2], row[3]);
	nids_header_free(h);
	nids_norm_free(n);
}

/* The whole --fit path: a stream in a file, spooled, normalized, read back. */
static void test_fit_stream(void)
{
	char in_path[] = "/tmp/nids-test-norm-inXXXXXX";
	int fd = mkstemp(in_path);
	FILE *f = fdopen(fd, "wb");
	nids_header *h = header("f2");
	nids_writer *w;
	nids_err err = { 0 };
	CHECK(nids_writer_open(&w, f, "in", h, 0, &err) == 0, "%s", err.msg);
	nids_writer_write(w, ROWS, 2, &err);
	CHECK(nids_writer_add_class(w, "smurf", &err) == 2, "%s", err.msg);
	float late[C] = { 10, 1, 1, 5, 2 };
	nids_writer_write(w, ROWS + 2 * C, 1, &err);
	nids_writer_write(w, late, 1, &err);
	CHECK(nids_writer_close(w, &err) == 0, "%s", err.msg);
	fclose(f);

	nids_input *in;
	nids_reader *r;
	CHECK(nids_input_open(&in, in_path, &err) == 0, "%s", err.msg);
	CHECK(nids_reader_open(&r, in, &err) == 0, "%s", err.msg);
	FILE *out = tmpfile();
	nids_norm *n = NULL;
	CHECK(nids_normalize_fit_stream(r, "in", NIDS_NORM_MINMAX, out, "out", 0, &n, &err) == 0,
	      "%s", err.msg);
	nids_reader_free(r);
	nids_input_free(in);
	fflush(out);
	char out_path[64];
	snprintf(out_path, sizeof out_path, "/proc/self/fd/%d", fileno(out));
	CHECK(nids_input_open(&in, out_path, &err) == 0, "%s", err.msg);
	CHECK(nids_reader_open(&r, in, &err) == 0, "%s", err.msg);
	float *rows;
	CHECK(nids_reader_next(r, &rows, &err) == R, "%s", err.msg);
	const nids_header *oh = nids_reader_header(r);
	CHECK(oh->nclasses == 3 && strcmp(oh->classes[2], "smurf") == 0, "%d classes",
	      oh->nclasses);
	CHECK(rows[3 * C] == 1 && rows[3 * C + 4] == 2 && rows[C] == 0.2f, "%g %g %g", rows[3 * C],
	      rows[3 * C + 4], rows[C]);
	CHECK(nids_reader_next(r, &rows, &err) == 0, "%s", err.msg);
	nids_reader_free(r);
	nids_input_free(in);
	fclose(out);
	nids_norm_free(n);
	nids_header_free(h);
	unlink(in_path);
}

/* The quantile transform against scikit-learn's QuantileTransformer (1.2.1) on the
 * values of tests/fixtures/quantile/quantile.tsv (made by make_fixture.py there): a heavy
 * tail, small counts with many ties, a constant column and a uniform one; 1500 rows, so
 * no subsampling; test values inside, at and outside the fitted range. Every value
 * agrees within 1e-9, for uniform and normal output with 1000 quantiles and for uniform
 * with 37; the params file keeps the tables, and a loaded file maps alike. */
#define QN 1500
#define QM 260
static void test_quantile_sklearn(void)
{
	FILE *f = fopen("tests/fixtures/quantile/quantile.tsv", "r");
	CHECK(f != NULL, "no fixture");
	if (!f)
		return;
	static float fitx[QN * 4];
	static double test[QM * 4], want[3][QM * 4];
	const char *tags[3] = { "uniform1000", "normal1000", "uniform37" };
	int nfit = 0, ntest = 0, nw[3] = { 0 };
	char line[1024], tag[32];
	while (fgets(line, sizeof line, f)) {
		double v[4];
		if (line[0] == '#' ||
		    sscanf(line, "%31s %lf %lf %lf %lf", tag, &v[0], &v[1], &v[2], &v[3]) != 5)
			continue;
		for (int k = 0; k < 4; k++) {
			if (!strcmp(tag, "fit") && nfit < QN)
				fitx[nfit * 4 + k] = (float)v[k];
			else if (!strcmp(tag, "test") && ntest < QM)
				test[ntest * 4 + k] = (float)v[k]; /* the float32 value */
			for (int t = 0; t < 3; t++)
				if (!strcmp(tag, tags[t]) && nw[t] < QM)
					want[t][nw[t] * 4 + k] = v[k];
		}
		nfit += !strcmp(tag, "fit");
		ntest += !strcmp(tag, "test");
		for (int t = 0; t < 3; t++)
			nw[t] += !strcmp(tag, tags[t]);
	}
	fclose(f);
	CHECK(nfit == QN && ntest > 200 && nw[0] == ntest && nw[2] == ntest, "%d %d", nfit, ntest);
	nids_header *h = nids_header_new();
	const char *names[4] = { "bytes", "count", "const", "unif" };
	for (int k = 0; k < 4; k++)
		nids_header_add_column(h, names[k], NIDS_ROLE_FEATURE, NULL);
	for (int t = 0; t < 3; t++) {
		nids_norm *n = NULL, *m = NULL;
		nids_err err = { 0 };
		int method = t == 1 ? NIDS_NORM_QUANTILE_NORMAL : NIDS_NORM_QUANTILE;
		CHECK(nids_norm_fit_begin(&n, h, method, &err) == 0, "%s", err.msg);
		if (t == 2)
			CHECK(nids_norm_set_quantiles(n, 37, NIDS_NORM_SUBSAMPLE, &err) == 0, "%s",
			      err.msg);
		CHECK(nids_norm_fit_rows(n, fitx, 700, "t", 1, &err) == 0, "%s", err.msg);
		CHECK(nids_norm_fit_rows(n, fitx + 700 * 4, QN - 700, "t", 701, &err) == 0, "%s",
		      err.msg);
		CHECK(nids_norm_fit_end(n, "t", &err) == 0, "%s", err.msg);
		CHECK(nids_norm_quantiles(n) == (t == 2 ? 37 : 1000), "%d", nids_norm_quantiles(n));
		size_t len;
		unsigned char *b = saved(n, &len);
		CHECK(load_bytes(b, len, &m, &err) == 0, "%s", err.msg);
		double worst = 0;
		for (int i = 0; m && i < ntest; i++)
			for (int k = 0; k < 4; k++) {
				double got = nids_norm_value(n, k, test[i * 4 + k]);
				double again = nids_norm_value(m, k, test[i * 4 + k]);
				double e = fabs(got - want[t][i * 4 + k]);
				worst = e > worst ? e : worst;
				CHECK(e <= 1e-9, "%s row %d col %d: %.17g, scikit-learn %.17g", tags[t], i,
				      k, got, want[t][i * 4 + k]);
				CHECK(got == again, "loaded params map %.17g to %.17g, not %.17g",
				      test[i * 4 + k], again, got);
			}
		printf("# %s: largest difference from scikit-learn %.3g\n", tags[t], worst);
		free(b);
		nids_norm_free(n);
		nids_norm_free(m);
	}
	nids_header_free(h);
}

/* Methods per column: a column left unscaled keeps its values, a log1p-zscore column
 * gets the z-score of log1p(x), the params file (version 1.1, its flag set) keeps them,
 * and unknown names and bad methods are refused. */
static void test_per_column(void)
{
	nids_header *h = header("f2");
	nids_norm *n = NULL, *m = NULL;
	nids_err err = { 0 };
	nids_norm_opts o = { .method = NIDS_NORM_MINMAX, .columns = "f2=none,f3=log1p-zscore" };
	CHECK(nids_norm_fit_begin_opts(&n, h, &o, &err) == 0, "%s", err.msg);
	CHECK(nids_norm_fit_rows(n, ROWS, R, "t", 1, &err) == 0, "%s", err.msg);
	CHECK(nids_norm_fit_end(n, "t", &err) == 0, "%s", err.msg);
	CHECK(nids_norm_column_method(n, 0) == NIDS_NORM_MINMAX &&
	      nids_norm_column_method(n, 1) == NIDS_NORM_NONE &&
	      nids_norm_column_method(n, 2) == NIDS_NORM_LOG1P_ZSCORE, "methods");
	float x[R * C];
	memcpy(x, ROWS, sizeof x);
	CHECK(nids_norm_apply(n, x, R, 1, "t", 1, &err) == 0, "%s", err.msg);
	for (int i = 0; i < R; i++) {
		CHECK(x[i * C + 0] == ROWS[i * C + 0] / 10.0f, "row %d minmax %g", i, x[i * C]);
		CHECK(x[i * C + 2] == ROWS[i * C + 2], "row %d unscaled %g", i, x[i * C + 2]);
		CHECK(x[i * C + 3] == (float)(log1p(5.0) - log1p(5.0)), "row %d constant %g", i,
		      x[i * C + 3]);
	}
	size_t len;
	unsigned char *b = saved(n, &len);
	CHECK(b[10] == 1 && b[12] == 1, "version 1.%d, flags %d", b[10], b[12]);
	CHECK(load_bytes(b, len, &m, &err) == 0, "%s", err.msg);
	CHECK(m && nids_norm_column_method(m, 1) == NIDS_NORM_NONE, "loaded methods");
	free(b);
	nids_norm_free(m);
	nids_norm_free(n);
	const char *bad[3] = { "f9=none", "f2=cube", "=none" };
	for (int i = 0; i < 3; i++) {
		o.columns = bad[i];
		CHECK(nids_norm_fit_begin_opts(&n, h, &o, &err) == NIDS_EUSAGE && !n, "%s", bad[i]);
	}
	CHECK(strstr(err.msg, "'=none' is not NAME=METHOD"), "%s", err.msg);
	/* an old (1.0) reader's view: a 1.0 file of one method still loads, byte for byte */
	nids_norm *old = fit(NIDS_NORM_LOG1P, 1);
	b = saved(old, &len);
	CHECK(b[10] == 0 && b[12] == 0, "a one-method file is version 1.0");
	free(b);
	nids_norm_free(old);
	nids_header_free(h);
}

int main(void)
{
	int fd = mkstemp(path);
	close(fd);
	TEST(test_minmax_stats_and_values);
	TEST(test_zscore_and_clamp);
	TEST(test_log1p);
	TEST(test_variance_accuracy);
	TEST(test_contiguous_features);
	TEST(test_params_round_trip);
	TEST(test_params_fixed_point);
	TEST(test_params_damaged);
	TEST(test_bind_mismatch);
	TEST(test_fit_stream);
	TEST(test_quantile_sklearn);
	TEST(test_per_column);
	unlink(path);
	return CHECK_DONE();
}
