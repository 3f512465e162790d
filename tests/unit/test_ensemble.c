/* test_ensemble.c: -t ensemble. Its members are exactly the single models trained from
 * the same seeds (replica k of a neural type from seed + 100 k), and its score is their
 * standardized combination, computed here again from the single models' scores: z-score
 * and mean, rank and max, average of maximum. The model does not depend on -j; the
 * file round-trips, and a cut file, a flipped byte and a member damaged inside an
 * intact outer file (its options, its tensor table, its type) are each refused. (Batch and thread invariance of its scores:
 * test_score_invariance.c.) */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "check.h"
#include "le_impl.h"
#include "model_impl.h"
#include "nids/score.h"

#define N 400
#define D 6

static float X[N * D];
static char *FEAT[D];

static void make_data(void)
{
	static char names[D][16];
	nids_rng rng;
	nids_rng_seed(&rng, 11);
	for (int j = 0; j < D; j++) {
		snprintf(names[j], sizeof names[j], "f%d", j);
		FEAT[j] = names[j];
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < D; j++)
			X[i * D + j] = 0.3f * nids_rng_uniform(&rng) + (i % 10 == 9 ? 0.6f : 0.1f * j);
}

static nids_dataset data(void)
{
	return (nids_dataset){ .n = N, .d = D, .x = X, .features = FEAT };
}

/* type with the key=value pairs in kv (NULL-terminated), fitted with seed on threads
 * on the n rows of x (D features). */
static nids_model *fit_on(const char *type, const char *const *kv, uint64_t seed, int threads,
                          float *x, size_t n)
{
	nids_err err = { 0 };
	nids_model *m = NULL;
	nids_dataset ds = { .n = n, .d = D, .x = x, .features = FEAT }, none = ds;
	none.n = 0;
	nids_fit_opts o = { .epochs = 2, .batch = 64, .lr = 3e-3, .threads = threads, .patience = 5 };
	CHECK(nids_model_new(&m, type, &err) == 0, "%s", err.msg);
	for (int i = 0; m && kv && kv[i]; i += 2)
		CHECK(nids_model_set(m, kv[i], kv[i + 1], &err) == 0, "%s", err.msg);
	if (!m)
		return NULL;
	m->seed = seed;
	int rc = nids_model_fit(m, &ds, &none, &o, &err);
	CHECK(rc == 0, "fit %s: %s", type, err.msg);
	if (rc) {
		nids_model_free(m);
		return NULL;
	}
	return m;
}

/* The same on the fixed rows X. */
static nids_model *fit(const char *type, const char *const *kv, uint64_t seed, int threads)
{
	nids_dataset ds = data();
	return fit_on(type, kv, seed, threads, ds.x, ds.n);
}

/* the same on the n rows of x, one thread */
static nids_model *fit_rows(const char *type, const char *const *kv, uint64_t seed, float *x,
                            size_t n)
{
	return fit_on(type, kv, seed, 1, x, n);
}

/* Column 0 of m's outputs for every row of X. */
static void scores(const nids_model *m, float *out)
{
	nids_err err = { 0 };
	int nout = nids_model_outputs(m, 0, NULL, &err);
	float *o = malloc(sizeof(float) * N * (size_t)nout);
	nids_scorer *s = NULL;
	CHECK(nids_scorer_new(&s, m, 0, 1, N, &err) == 0, "%s", err.msg);
	nids_scorer_run(s, X, N, 0, o);
	for (int i = 0; i < N; i++)
		out[i] = o[(size_t)i * nout];
	nids_scorer_free(s);
	free(o);
}

/* The z-score of member scores s against their own mean and population sd, with the
 * float32 rounding the model file stores them in. */
static void zscores(const float *s, double *z)
{
	double sum = 0, sq = 0;
	for (int i = 0; i < N; i++)
		sum += s[i];
	double mu = sum / N;
	for (int i = 0; i < N; i++)
		sq += ((double)s[i] - mu) * ((double)s[i] - mu);
	double m = (float)mu, sd = (float)sqrt(sq / N);
	for (int i = 0; i < N; i++)
		z[i] = ((double)s[i] - m) / sd;
}

/* A training score's rank: the last position of its value among the sorted training
 * scores, over N - 1. */
static void ranks(const float *s, double *r)
{
	for (int i = 0; i < N; i++) {
		int le = 0;
		for (int k = 0; k < N; k++)
			le += s[k] <= s[i];
		r[i] = (double)(le - 1) / (N - 1);
	}
}

/* members ae (two seeds), kmeans, iforest; zscore and mean: the mean over types of the
 * mean over replicas */
static void test_zscore_mean(void)
{
	const char *kv[] = { "members", "ae,kmeans,iforest", "seeds", "2", "standardize", "zscore",
		             NULL };
	nids_model *e = fit("ensemble", kv, 5, 2);
	nids_model *a0 = fit("ae", NULL, 5, 1), *a1 = fit("ae", NULL, 105, 1);
	nids_model *k = fit("kmeans", NULL, 5, 1), *f = fit("iforest", NULL, 5, 1);
	if (!e || !a0 || !a1 || !k || !f)
		return;
	static float se[N], s[4][N];
	static double z[4][N];
	scores(e, se);
	const nids_model *single[4] = { a0, a1, k, f };
	for (int i = 0; i < 4; i++) {
		scores(single[i], s[i]);
		zscores(s[i], z[i]);
	}
	int bad = 0;
	for (int r = 0; r < N; r++) {
		double g = ((z[0][r] + z[1][r]) / 2 + z[2][r] + z[3][r]) / 3;
		bad += se[r] != (float)g;
		if (r == 0 || (bad == 1 && se[r] != (float)g))
			CHECK(se[r] == (float)g, "row %d: ensemble %.9g, from the singles %.9g", r,
			      se[r], g);
	}
	CHECK(bad == 0, "%d of %d rows differ", bad, N);
	CHECK(!strcmp(nids_model_get(e, "members"), "ae,kmeans,iforest"), "members");
	nids_model_free(e), nids_model_free(a0), nids_model_free(a1), nids_model_free(k),
	        nids_model_free(f);
}

/* rank and max; and aom with two buckets: (max(kmeans, ae) + iforest) / 2 */
static void test_rank_max_and_aom(void)
{
	const char *kv[] = { "members", "kmeans,iforest", "standardize", "rank", "combine", "max",
		             NULL };
	const char *kv2[] = { "members", "kmeans,iforest,ae", "combine", "aom", "buckets", "2",
		              "standardize", "zscore", NULL };
	nids_model *e = fit("ensemble", kv, 3, 1), *e2 = fit("ensemble", kv2, 3, 1);
	nids_model *k = fit("kmeans", NULL, 3, 1), *f = fit("iforest", NULL, 3, 1);
	nids_model *a = fit("ae", NULL, 3, 1);
	if (!e || !e2 || !k || !f || !a)
		return;
	static float se[N], se2[N], sk[N], sf[N], sa[N];
	static double rk[N], rf[N], zk[N], zf[N], za[N];
	scores(e, se), scores(e2, se2), scores(k, sk), scores(f, sf), scores(a, sa);
	ranks(sk, rk), ranks(sf, rf);
	zscores(sk, zk), zscores(sf, zf), zscores(sa, za);
	int bad = 0, bad2 = 0, ones = 0;
	for (int r = 0; r < N; r++) {
		double want = rk[r] > rf[r] ? rk[r] : rf[r];
		double want2 = ((zk[r] > za[r] ? zk[r] : za[r]) + zf[r]) / 2;
		bad += se[r] != (float)want;
		bad2 += se2[r] != (float)want2;
		ones += se[r] == 1;
	}
	CHECK(bad == 0, "rank/max: %d of %d rows differ (row 0: %.9g vs %.9g)", bad, N, se[0],
	      rk[0] > rf[0] ? rk[0] : rf[0]);
	CHECK(bad2 == 0, "aom: %d of %d rows differ", bad2, N);
	CHECK(ones >= 1, "the most anomalous training row of a member ranks 1");
	/* outside the training scores: 0 below, 1 above */
	float lo[D], hi[D], out[2];
	for (int j = 0; j < D; j++)
		lo[j] = 0.1f * j + 0.15f, hi[j] = 50;
	nids_err err = { 0 };
	nids_scorer *s = NULL;
	CHECK(nids_scorer_new(&s, e, 0, 1, 1, &err) == 0, "%s", err.msg);
	nids_scorer_run(s, hi, 1, 0, out);
	CHECK(out[0] == 1, "far away: %g", out[0]);
	nids_scorer_run(s, lo, 1, 0, out + 1);
	CHECK(out[1] >= 0 && out[1] < 1, "typical row: %g", out[1]);
	nids_scorer_free(s);
	nids_model_free(e), nids_model_free(e2), nids_model_free(k), nids_model_free(f),
	        nids_model_free(a);
}

static unsigned char *file_bytes(const nids_model *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	nids_err err = { 0 };
	CHECK(nids_model_write(m, f, &err) == 0, "%s", err.msg);
	fclose(f);
	return (unsigned char *)buf;
}

/* members trained one per thread: the same model from -j 1 and -j 2 */
static void test_threads_do_not_matter(void)
{
	const char *kv[] = { "members", "ae,vae,kmeans,iforest", NULL };
	nids_model *a = fit("ensemble", kv, 1, 1), *b = fit("ensemble", kv, 1, 2);
	if (!a || !b)
		return;
	size_t la, lb;
	unsigned char *x = file_bytes(a, &la), *y = file_bytes(b, &lb);
	CHECK(la == lb && memcmp(x, y, la) == 0, "-j 1 and -j 2 models differ (%zu, %zu bytes)",
	      la, lb);
	free(x), free(y);
	nids_model_free(a), nids_model_free(b);
}

static char path[] = "/tmp/nids-test-ensXXXXXX";

static int read_bytes(const unsigned char *b, size_t len, nids_model **m, nids_err *err)
{
	FILE *f = fopen(path, "wb");
	fwrite(b, 1, len, f);
	fclose(f);
	return nids_model_read(m, path, err);
}

/* one file: round trip; cut, flipped, and a member damaged under a valid outer checksum */
static void test_file(void)
{
	const char *kv[] = { "members", "kmeans,iforest", "standardize", "rank", NULL };
	nids_model *e = fit("ensemble", kv, 2, 2), *back = NULL;
	if (!e)
		return;
	size_t len;
	unsigned char *b = file_bytes(e, &len);
	nids_err err = { 0 };
	CHECK(read_bytes(b, len, &back, &err) == 0, "%s", err.msg);
	static float s1[N], s2[N];
	if (back) {
		scores(e, s1), scores(back, s2);
		CHECK(memcmp(s1, s2, sizeof s1) == 0, "a read model scores differently");
		size_t l2;
		unsigned char *b2 = file_bytes(back, &l2);
		CHECK(l2 == len && memcmp(b, b2, len) == 0, "read then written differs");
		free(b2);
	}
	nids_model_free(back);
	back = NULL;
	for (size_t cut = 100; cut < len; cut += len / 7) {
		int rc = read_bytes(b, cut, &back, &err);
		CHECK(rc == NIDS_ETRUNCATED && !back, "cut at %zu: %s", cut, err.msg);
	}
	/* the members' texts in the arena: "type=kmeans\n" (the first member) and
	 * "type=iforest\n", each followed by its options, tensor table and arena */
	size_t at = 0, at2 = 0;
	for (size_t i = 64; i + 16 < len && !at2; i++) {
		at = !at && memcmp(b + i, "type=kmeans\nseed=", 17) == 0 ? i : at;
		at2 = memcmp(b + i, "type=iforest\nseed", 17) == 0 ? i : 0;
	}
	CHECK(at > 0 && at2 > at, "no nested members (%zu, %zu)", at, at2);
	unsigned char *c = malloc(len);
	struct { const char *from, *to, *msg; } damage[] = {
		{ "hp.k=8\n", "hp.k=9\n", "centroids" },    /* the type's own shape check */
		{ "hp.k=8\n", "hp.q=8\n", "member 1: -t kmeans has no option 'q'" },
		{ "tensor=centroids 8 6 0\n", "tensor=centroids 8 6 9\n", "member 1: tensor 'centroids' at offset 9, not 0" },
		{ "type=kmeans\n", "type=iforst\n", "member 1: not a -t kmeans member" },
	};
	for (size_t k = 0; k < sizeof damage / sizeof damage[0]; k++) {
		memcpy(c, b, len);
		unsigned char *p = NULL;
		for (size_t i = at; i < at2 && !p; i++)
			p = memcmp(c + i, damage[k].from, strlen(damage[k].from)) ? NULL : c + i;
		CHECK(p != NULL, "no '%s' in the first member", damage[k].from);
		if (!p)
			continue;
		memcpy(p, damage[k].to, strlen(damage[k].to));
		CHECK(read_bytes(c, len, &back, &err) == NIDS_ECHECKSUM && !back, "flipped: %s",
		      err.msg);
		nids_put64(c + len - 8, XXH64(c, len - 8, 0)); /* the outer checksum made valid */
		CHECK(read_bytes(c, len, &back, &err) == NIDS_EFORMAT && !back, "%s", err.msg);
		CHECK(strstr(err.msg, damage[k].msg) != NULL, "%s: %s", damage[k].to, err.msg);
	}
	free(c);
	free(b);
	nids_model_free(e);
}

static void test_bad_options(void)
{
	const char *bad[][2] = { { "members", "ae,ae" }, { "members", "sae" },
		                 { "members", "ensemble" }, { "members", "ae,nope" },
		                 { "combine", "median" }, { "standardize", "minmax" },
		                 { "seeds", "0" } };
	const char *msg[] = { "option '--members': 'ae' twice (use --seeds for replicas)",
		              "option '--members': 'sae' is not an unsupervised model type (ae, vae, dagmm, memae, dsebm, aegmm, kmeans, iforest)",
		              "option '--members': 'ensemble' is not an unsupervised model type (ae, vae, dagmm, memae, dsebm, aegmm, kmeans, iforest)",
		              "option '--members': 'nope' is not an unsupervised model type (ae, vae, dagmm, memae, dsebm, aegmm, kmeans, iforest)",
		              "option '--combine': 'median' is not one of mean, max, aom",
		              "option '--standardize': 'minmax' is not one of zscore, rank",
		              "option '--seeds': '0' is not a whole number from 1 to 8" };
	nids_dataset ds = data(), none = ds;
	none.n = 0;
	nids_fit_opts o = { .epochs = 1, .batch = 64, .lr = 1e-3, .threads = 1, .patience = 5 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		nids_err err = { 0 };
		nids_model *m = NULL;
		nids_model_new(&m, "ensemble", &err);
		nids_model_set(m, bad[i][0], bad[i][1], &err);
		CHECK(nids_model_fit(m, &ds, &none, &o, &err) == NIDS_EUSAGE, "%s", bad[i][1]);
		CHECK(!strcmp(err.msg, msg[i]), "%s", err.msg);
		nids_model_free(m);
	}
}

static int cmp_f(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Column 0 of m's outputs for the n rows of x. */
static void scores_rows(const nids_model *m, const float *x, size_t n, float *out)
{
	nids_err err = { 0 };
	int nout = nids_model_outputs(m, 0, NULL, &err);
	float *o = malloc(sizeof(float) * n * (size_t)nout);
	nids_scorer *s = NULL;
	CHECK(nids_scorer_new(&s, m, 0, 1, 4096, &err) == 0, "%s", err.msg);
	for (size_t r = 0; r < n; r += 4096)
		nids_scorer_run(s, x + r * D, n - r < 4096 ? (int)(n - r) : 4096, r, o + r * nout);
	for (size_t i = 0; i < n; i++)
		out[i] = o[i * (size_t)nout];
	nids_scorer_free(s);
	free(o);
}

/* Tied training scores: a training row whose member score equals several others ranks
 * at the last of them, k / (n - 1) for the last index k of its value among the sorted
 * training scores. Rows come in fours of equal features, so kmeans and iforest both
 * score each four alike. */
static void test_rank_ties(void)
{
	static float x[N * D], se[N], sk[N], sf[N];
	for (int i = 0; i < N; i++)
		memcpy(x + i * D, X + (i / 4) * D, sizeof(float) * D);
	const char *kv[] = { "members", "kmeans,iforest", "standardize", "rank", "combine", "max",
		             NULL };
	nids_model *e = fit_rows("ensemble", kv, 4, x, N);
	nids_model *k = fit_rows("kmeans", NULL, 4, x, N), *f = fit_rows("iforest", NULL, 4, x, N);
	if (!e || !k || !f)
		return;
	scores_rows(e, x, N, se), scores_rows(k, x, N, sk), scores_rows(f, x, N, sf);
	int bad = 0, tied = 0;
	for (int r = 0; r < N; r++) {
		int le_k = 0, le_f = 0, eq = 0;
		for (int j = 0; j < N; j++) {
			le_k += sk[j] <= sk[r], le_f += sf[j] <= sf[r];
			eq += sk[j] == sk[r];
		}
		tied += eq >= 4;
		double rk = (double)(le_k - 1) / (N - 1), rf = (double)(le_f - 1) / (N - 1);
		double want = rk > rf ? rk : rf;
		if (se[r] != (float)want && !bad++)
			CHECK(0, "row %d: ensemble %.9g, want %.9g (the last of equal scores)", r, se[r],
			      want);
	}
	CHECK(tied == N, "only %d of %d rows tied in kmeans", tied, N);
	CHECK(bad == 0, "%d of %d rows differ", bad, N);
	nids_model_free(e), nids_model_free(k), nids_model_free(f);
}

/* Over 10,000 training rows the CDF keeps 10,000 order statistics, evenly spaced by rank:
 * number k is the sorted training score at floor(k (n - 1) / 9999 + 1/2), the nearest
 * rank, not the one below it. */
static void test_rank_cdf_large(void)
{
	enum { NB = 25000 };
	float *x = malloc(sizeof(float) * NB * D), *sk = malloc(sizeof(float) * NB);
	nids_rng rng;
	nids_rng_seed(&rng, 12);
	for (size_t i = 0; i < (size_t)NB * D; i++)
		x[i] = nids_rng_uniform(&rng);
	const char *kv[] = { "members", "kmeans", "standardize", "rank", NULL };
	nids_model *e = fit_rows("ensemble", kv, 6, x, NB), *k = fit_rows("kmeans", NULL, 6, x, NB);
	int t = e ? nids_arena_find(&e->arena, "cdf.0") : -1;
	CHECK(t >= 0 && e->arena.t[t].rows == 1 && e->arena.t[t].cols == 10000, "no cdf.0 of 10000");
	if (k && t >= 0) {
		scores_rows(k, x, NB, sk);
		qsort(sk, NB, sizeof *sk, cmp_f);
		const float *cdf = nids_arena_ptr(&e->arena, e->arena.data, t);
		int bad = 0, differ = 0;
		for (int j = 0; j < 10000; j++) {
			size_t at = (size_t)floor((double)j * (NB - 1) / 9999 + 0.5);
			differ += sk[at] != sk[(size_t)((double)j * (NB - 1) / 9999)];
			if (cdf[j] != sk[at] && !bad++)
				CHECK(0, "cdf[%d] = %.9g, want the sorted score %zu, %.9g", j, cdf[j], at,
				      sk[at]);
		}
		CHECK(bad == 0, "%d of 10000 order statistics differ", bad);
		CHECK(differ > 1000, "only %d of them differ from the rank below", differ);
	}
	nids_model_free(e), nids_model_free(k);
	free(x), free(sk);
}

int main(void)
{
	int fd = mkstemp(path);
	close(fd);
	make_data();
	TEST(test_zscore_mean);
	TEST(test_rank_max_and_aom);
	TEST(test_threads_do_not_matter);
	TEST(test_file);
	TEST(test_bad_options);
	TEST(test_rank_ties);
	TEST(test_rank_cdf_large);
	unlink(path);
	return CHECK_DONE();
}
