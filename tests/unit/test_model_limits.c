/* test_model_limits.c: what a model file may make the loader and scorer do. A file's
 * hyperparameters are checked against its tensors before anything they imply is
 * allocated; counts (k, trees) must agree with the tensors; scoring memory does not grow
 * with the vae's samples; non-finite rows score nan; a fit that overflows float32 fails.
 *
 * The memory checks run under an address-space limit (RLIMIT_AS) that a loader which
 * allocated what the hyperparameters claim would exceed. The limit is left off under
 * AddressSanitizer and valgrind, which reserve address space of their own; there the
 * tests still check the errors and results. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include "check.h"
#include "le_impl.h"
#include "model_impl.h"
#include "nids/score.h"
#include "rng_impl.h"

#define N 300
#define D 6
#define AS_LIMIT ((rlim_t)2 << 30) /* 2 GiB of address space */

static float X[N * D];
static int LABEL[N], CLS[N];
static char *FEAT[D] = { "a", "b", "c", "d", "e", "f" };
static char *CLASSES[3] = { "normal", "dos", "probe" };

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* Sets the soft address-space limit (0 = back to the hard limit); 1 when a limit is on. */
static int limit_memory(rlim_t bytes)
{
	const char *pre = getenv("LD_PRELOAD");
	if (UNDER_ASAN || (pre && strstr(pre, "vgpreload")))
		return 0;
	struct rlimit r;
	if (getrlimit(RLIMIT_AS, &r) != 0)
		return 0;
	rlim_t want = bytes ? bytes : r.rlim_max;
	if (r.rlim_max != RLIM_INFINITY && want > r.rlim_max)
		want = r.rlim_max;
	r.rlim_cur = want;
	return setrlimit(RLIMIT_AS, &r) == 0 && bytes != 0;
}

static nids_dataset make_data(float scale)
{
	nids_rng rng;
	nids_rng_seed(&rng, 7);
	for (int i = 0; i < N; i++) {
		CLS[i] = i % 3;
		LABEL[i] = CLS[i] != 0;
		for (int j = 0; j < D; j++)
			X[i * D + j] = scale * (0.2f * nids_rng_uniform(&rng) +
			                        (LABEL[i] && j < 3 ? 0.7f : 0.1f)) *
			               (j % 2 ? -1.0f : 1.0f);
	}
	nids_dataset ds = { .n = N, .d = D, .x = X, .label = LABEL, .cls = CLS, .nclasses = 3,
		            .classes = CLASSES, .features = FEAT };
	return ds;
}

/* Fits type on the data scaled by scale with one option set; returns the fit's code. */
static int fit_scaled(nids_model **mp, const char *type, const char *key, const char *val,
                      float scale, nids_err *err)
{
	nids_dataset ds = make_data(scale), none = ds;
	none.n = 0;
	nids_fit_opts o = { .epochs = 3, .batch = 32, .lr = 1e-2, .threads = 1, .patience = 5 };
	memset(err, 0, sizeof *err);
	CHECK(nids_model_new(mp, type, err) == 0, "%s", err->msg);
	if (key)
		CHECK(nids_model_set(*mp, key, val, err) == 0, "%s", err->msg);
	(*mp)->seed = 3;
	return nids_model_fit(*mp, &ds, &none, &o, err);
}

static nids_model *fit(const char *type, const char *key, const char *val)
{
	nids_model *m = NULL;
	nids_err err;
	CHECK(fit_scaled(&m, type, key, val, 1, &err) == 0, "fit %s: %s", type, err.msg);
	return m;
}

static const char *tmp_path(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s/nids-test-limits-%d-%s",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), name);
	return buf;
}

/* m's model file with the text line "key=..." replaced by "key=value" (the container
 * re-laid and re-checksummed, as a writer would), written to path. */
static void write_edited(const nids_model *m, const char *key, const char *value,
                         const char *path)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	nids_err err = { 0 };
	CHECK(nids_model_write(m, f, &err) == 0, "%s", err.msg);
	fclose(f);
	uint32_t tlen = nids_get32((unsigned char *)buf + 24);
	size_t start = (28 + (size_t)tlen + 63) / 64 * 64, abytes = n - 8 - start;
	char *text = calloc(1, tlen + strlen(value) + 256), *line = text;
	memcpy(text, buf + 28, tlen);
	size_t klen = strlen(key);
	while (line && strncmp(line, key, klen) != 0)
		line = (line = strchr(line, '\n')) ? line + 1 : NULL;
	CHECK(line != NULL, "no line '%s'", key);
	if (!line) {
		free(text), free(buf);
		return;
	}
	char *rest = strdup(strchr(line, '\n'));
	sprintf(line + klen, "%s%s", value, rest);
	free(rest);
	size_t ntlen = strlen(text), nstart = (28 + ntlen + 63) / 64 * 64;
	size_t total = nstart + abytes + 8;
	unsigned char *out = calloc(1, total);
	memcpy(out, buf, 28);
	nids_put64(out + 16, total);
	nids_put32(out + 24, (uint32_t)ntlen);
	memcpy(out + 28, text, ntlen);
	memcpy(out + nstart, buf + start, abytes);
	nids_put64(out + total - 8, XXH64(out, total - 8, 0));
	f = fopen(path, "wb");
	fwrite(out, 1, total, f);
	fclose(f);
	free(out);
	free(text);
	free(buf);
}

static int load(nids_model **m, const char *path, nids_err *err)
{
	memset(err, 0, sizeof *err);
	*m = NULL;
	return nids_model_read(m, path, err);
}

/* An 8 KB ae file claiming layers of 16384 units: the shapes are compared before the
 * 1.6 GB arena those widths imply is allocated, so it fails on the shape, in bounded
 * memory, and not with "out of memory". */
static void test_hyperparameters_checked_before_allocating(void)
{
	nids_model *m = fit("ae", NULL, NULL), *back;
	const char *path = tmp_path("bomb");
	write_edited(m, "hp.layers=", "16384,16384,8192", path);
	nids_err err;
	int limited = limit_memory(AS_LIMIT);
	int rc = load(&back, path, &err);
	limit_memory(0);
	CHECK(rc == NIDS_EFORMAT, "rc %d (%s), limit %d", rc, err.msg, limited);
	CHECK(strcmp(err.msg, "tensor 'ae0.w' is 64 x 6, the model needs 16384 x 6") == 0, "%s",
	      err.msg);
	CHECK(strcmp(err.where, path) == 0, "%s", err.where);
	nids_model_free(back);
	/* the same file unedited loads */
	write_edited(m, "hp.layers=", "64,32,16", path);
	CHECK(load(&back, path, &err) == 0, "%s", err.msg);
	nids_model_free(back);
	nids_model_free(m);
	unlink(path);
}

/* A few KB of zstd that expand to a 64 MB "model": reading stops at 16 times the file's
 * size (plus 16 MB) instead of holding all of it. */
static void test_compressed_expansion_bounded(void)
{
	size_t big = (size_t)64 << 20;
	unsigned char *raw = calloc(1, big);
	memcpy(raw, "\x89NIDM\r\n\x1a", 8);
	nids_put16(raw + 8, NIDS_MODEL_MAJOR);
	nids_put64(raw + 16, big);
	size_t zcap = ZSTD_compressBound(big);
	unsigned char *z = malloc(zcap);
	size_t zn = ZSTD_compress(z, zcap, raw, big, 3);
	CHECK(!ZSTD_isError(zn) && zn < 65536, "compressed to %zu", zn);
	free(raw);
	const char *path = tmp_path("zbomb");
	FILE *f = fopen(path, "wb");
	fwrite(z, 1, zn, f);
	fclose(f);
	free(z);
	nids_model *m;
	nids_err err;
	CHECK(load(&m, path, &err) == NIDS_EFORMAT, "%s", err.msg);
	CHECK(strcmp(err.msg, "compressed model file expands more than 16-fold (not a model file "
	             "nids wrote)") == 0, "%s", err.msg);
	nids_model_free(m);
	unlink(path);
}

/* More features than a stream has columns: refused by the text section's parser. */
static void test_feature_count_limit(void)
{
	nids_model *m = fit("kmeans", "k", "3"), *back;
	size_t n = 70000 - D;
	char *v = malloc(16 + n * 16), *p = v;
	p += sprintf(p, "70000");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "\nfeature=g%zu", i);
	const char *path = tmp_path("wide");
	write_edited(m, "features=", v, path);
	nids_err err;
	CHECK(load(&back, path, &err) == NIDS_EFORMAT, "%s", err.msg);
	CHECK(strcmp(err.msg, "70000 features and 3 classes: a stream holds at most 65536 "
	             "columns and 65536 classes") == 0, "%s", err.msg);
	nids_model_free(back);
	nids_model_free(m);
	free(v);
	unlink(path);
}

/* k and trees must equal the centroids and trees the tensors hold. */
static void count_case(const char *type, const char *key, const char *fitted, const char *claim,
                       const char *want)
{
	nids_model *m = fit(type, key, fitted), *back;
	const char *path = tmp_path("count");
	char line[64];
	snprintf(line, sizeof line, "hp.%s=", key);
	write_edited(m, line, claim, path);
	nids_err err;
	CHECK(load(&back, path, &err) == NIDS_EFORMAT, "%s %s=%s loaded", type, key, claim);
	CHECK(strcmp(err.msg, want) == 0, "%s: %s", type, err.msg);
	nids_model_free(back);
	write_edited(m, line, fitted, path);
	CHECK(load(&back, path, &err) == 0, "%s: %s", type, err.msg);
	nids_model_free(back);
	nids_model_free(m);
	unlink(path);
}

static void test_counts_match_tensors(void)
{
	count_case("kmeans", "k", "3", "100000000", "k=100000000 but the file holds 3 centroids");
	count_case("forest", "trees", "3", "1000000000", "trees=1000000000 but the file holds 3 trees");
	count_case("iforest", "trees", "3", "7", "trees=7 but the file holds 3 trees");
	count_case("kmeans", "k", "3", "3x", "k=3x but the file holds 3 centroids");
}

/* vae with samples=10000: scoring memory is bounded by rows x samples per pass, not by
 * the batch; scores equal those of scoring the rows one at a time. */
static void test_vae_samples_bounded(void)
{
	nids_model *m = fit("vae", "samples", "10000");
	nids_err err = { 0 };
	nids_scorer *s = NULL, *one = NULL;
	int limited = limit_memory(AS_LIMIT);
	int rc = nids_scorer_new(&s, m, 0, 1, 1024, &err);
	CHECK(rc == 0, "scorer: %s (limit %d)", err.msg, limited);
	enum { R = 20 };
	float a[R], b[R];
	if (rc == 0) {
		nids_scorer_run(s, X, R, 0, a);
		CHECK(nids_scorer_new(&one, m, 0, 1, 1, &err) == 0, "%s", err.msg);
		for (int r = 0; r < R; r++)
			nids_scorer_run(one, X + r * D, 1, (uint64_t)r, b + r);
		for (int r = 0; r < R; r++)
			CHECK_NEAR(a[r], b[r], 1e-4);
		CHECK(isfinite(a[0]) && a[0] != 0, "score %g", a[0]);
	}
	limit_memory(0);
	nids_scorer_free(s);
	nids_scorer_free(one);
	nids_model_free(m);
}

/* The vae's samples are at most 10000; tensors may not claim more floats than the
 * arena holds, even where each one alone fits. */
static void test_stated_limits(void)
{
	nids_model *m = fit("vae", "samples", "3"), *back;
	const char *path = tmp_path("limits");
	nids_err err;
	write_edited(m, "hp.samples=", "10001", path);
	CHECK(load(&back, path, &err) == NIDS_EFORMAT, "samples=10001: %s", err.msg);
	CHECK(strcmp(err.msg, "option '--samples': '10001' is not a whole number from 1 to 10000") ==
	              0, "%s", err.msg);
	nids_model_free(back);
	write_edited(m, "hp.samples=", "10000", path);
	CHECK(load(&back, path, &err) == 0, "samples=10000: %s", err.msg);
	nids_model_free(back);
	nids_model_free(m);
	/* kmeans: one tensor "centroids 3 x 6" at offset 0; a second, overlapping one */
	m = fit("kmeans", "k", "3");
	write_edited(m, "tensor=centroids", " 3 6 0\ntensor=extra 3 6 0", path);
	CHECK(load(&back, path, &err) == NIDS_EFORMAT, "overlapping tensors loaded");
	CHECK(strcmp(err.msg, "tensor 'extra' at offset 0, not 32 (where the tensors before it "
	             "end)") == 0, "%s", err.msg);
	nids_model_free(back);
	/* placed where centroids end, but past the arena's end */
	write_edited(m, "tensor=centroids", " 3 6 0\ntensor=extra 3 6 32", path);
	CHECK(load(&back, path, &err) == NIDS_EFORMAT, "a tensor past the arena loaded");
	CHECK(strstr(err.msg, "arena=") || strstr(err.msg, "outside the arena"), "%s", err.msg);
	nids_model_free(back);
	nids_model_free(m);
	unlink(path);
}

/* kmeans scores a row with NaN or an infinity nan, like the other models. */
static void test_kmeans_nonfinite_rows(void)
{
	nids_model *m = fit("kmeans", "k", "3");
	nids_err err = { 0 };
	nids_scorer *s = NULL;
	CHECK(nids_scorer_new(&s, m, 0, 1, 16, &err) == 0, "%s", err.msg);
	float x[4 * D], out[4];
	memcpy(x, X, sizeof x);
	x[1 * D + 2] = NAN;
	x[2 * D + 0] = INFINITY;
	x[3 * D + 5] = -INFINITY;
	nids_scorer_run(s, x, 4, 0, out);
	CHECK(isfinite(out[0]) && out[0] >= 0, "finite row: %g", out[0]);
	for (int r = 1; r < 4; r++)
		CHECK(isnan(out[r]), "row %d: %g", r, out[r]);
	nids_scorer_free(s);
	nids_model_free(m);
}

/* Data near the float32 limits: every training row would score inf or nan; the fit
 * says so instead of writing a useless model. */
static void test_overflowing_fits_fail(void)
{
	nids_model *m = NULL;
	nids_err err;
	CHECK(fit_scaled(&m, "kmeans", "k", "3", 1e30f, &err) == NIDS_EFORMAT, "kmeans 1e30 fitted");
	CHECK(strncmp(err.msg, "-t kmeans scores the training rows inf: their values (up to ", 60) ==
	              0 && strstr(err.msg, "scale them first (nids-normalize)"),
	      "%s", err.msg);
	nids_model_free(m);
	/* ordinary magnitudes fit */
	CHECK(fit_scaled(&m, "kmeans", "k", "3", 1e6f, &err) == 0, "%s", err.msg);
	nids_model_free(m);
}

/* No rows is "no training rows", whatever the model needs. */
static void test_no_rows(void)
{
	const char *types[] = { "logreg", "tree", "kmeans", "ae" };
	for (int i = 0; i < 4; i++) {
		nids_model *m = NULL;
		nids_err err = { 0 };
		nids_dataset ds = make_data(1);
		ds.n = 0;
		ds.label = NULL, ds.cls = NULL; /* what an empty stream's dataset holds */
		nids_fit_opts o = { .epochs = 1, .batch = 32, .lr = 1e-2, .threads = 1 };
		CHECK(nids_model_new(&m, types[i], &err) == 0, "%s", err.msg);
		CHECK(nids_model_fit(m, &ds, &ds, &o, &err) == NIDS_EFORMAT, "%s", types[i]);
		CHECK(strcmp(err.msg, "no training rows") == 0, "%s: %s", types[i], err.msg);
		nids_model_free(m);
	}
}

int main(void)
{
	TEST(test_hyperparameters_checked_before_allocating);
	TEST(test_compressed_expansion_bounded);
	TEST(test_feature_count_limit);
	TEST(test_counts_match_tensors);
	TEST(test_vae_samples_bounded);
	TEST(test_stated_limits);
	TEST(test_kmeans_nonfinite_rows);
	TEST(test_overflowing_fits_fail);
	TEST(test_no_rows);
	return CHECK_DONE();
}
