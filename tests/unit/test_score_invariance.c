/* test_score_invariance.c: a row's score depends only on the row and the model. For
 * every model type, with every extra output the type offers, the scores of a set of rows
 * are byte-identical whether the rows are scored in one batch, in batches of odd sizes,
 * one at a time, on one thread or two, with a different stream position, or with the
 * rows permuted. Parallel runs over chunks of a stream merge into exactly one process's
 * result only if this holds. */
#include <stdlib.h>

#include "check.h"
#include "nids/model.h"
#include "nids/score.h"

#define N 701 /* not a multiple of any block size */
#define D 37

static float X[N * D];
static int LABEL[N], CLS[N];
static char *FEAT[D];
static char *CLASSES[3] = { "normal", "dos", "probe" };

static void make_data(void)
{
	static char names[D][16];
	nids_rng rng;
	nids_rng_seed(&rng, 3);
	for (int j = 0; j < D; j++) {
		snprintf(names[j], sizeof names[j], "f%d", j);
		FEAT[j] = names[j];
	}
	for (int i = 0; i < N; i++) {
		CLS[i] = i % 5 == 4 ? 1 + (i / 5) % 2 : 0;
		LABEL[i] = CLS[i] != 0;
		for (int j = 0; j < D; j++)
			X[i * D + j] = 0.2f * nids_rng_uniform(&rng) +
			               (CLS[i] == 0 ? 0.3f + 0.01f * j : CLS[i] == 1 ? (j % 2) * 0.8f
			                                                             : (j % 3) * 0.4f);
	}
}

static nids_model *fit(const char *type)
{
	nids_err err = { 0 };
	nids_model *m = NULL;
	nids_dataset ds = { .n = N, .d = D, .x = X, .label = LABEL, .cls = CLS, .nclasses = 3,
	                    .classes = CLASSES, .features = FEAT }, none = ds;
	none.n = 0;
	nids_fit_opts o = { .epochs = 2, .batch = 64, .lr = 3e-3, .threads = 2, .patience = 5 };
	CHECK(nids_model_new(&m, type, &err) == 0, "%s", err.msg);
	if (!m)
		return NULL;
	m->seed = 7;
	int rc = nids_model_fit(m, &ds, &none, &o, &err);
	CHECK(rc == 0, "fit %s: %s", type, err.msg);
	if (rc) {
		nids_model_free(m);
		return NULL;
	}
	return m;
}

/* Scores the rows x [N x D] in batches of the sizes in sizes (cycled; 0-terminated)
 * on threads threads, the first row at stream index row0; out [N x nout]. */
static void score(const nids_model *m, unsigned outputs, const float *x, const int *sizes,
                  int threads, uint64_t row0, float *out, int nout)
{
	nids_err err = { 0 };
	nids_scorer *s = NULL;
	int cap = 0;
	for (int i = 0; sizes[i]; i++)
		cap = sizes[i] > cap ? sizes[i] : cap;
	CHECK(nids_scorer_new(&s, m, outputs, threads, cap, &err) == 0, "%s", err.msg);
	if (!s)
		return;
	for (int at = 0, i = 0; at < N; i = sizes[i + 1] ? i + 1 : 0) {
		int B = N - at < sizes[i] ? N - at : sizes[i];
		nids_scorer_run(s, x + (size_t)at * D, B, row0 + (uint64_t)at, out + (size_t)at * nout);
		at += B;
	}
	nids_scorer_free(s);
}

static void check_type(const char *type)
{
	nids_model *m = fit(type);
	if (!m)
		return;
	nids_err err = { 0 };
	unsigned outputs = m->type->outputs;
	int nout = nids_model_outputs(m, outputs, NULL, &err);
	CHECK(nout > 0, "%s: %s", type, err.msg);
	size_t n = (size_t)N * nout;
	float *want = calloc(n, sizeof *want), *got = calloc(n, sizeof *got);
	float *xp = malloc(sizeof X), *gotp = calloc(n, sizeof *gotp);
	int *perm = malloc(N * sizeof *perm);
	if (!want || !got || !xp || !gotp || !perm)
		abort();
	static const int whole[] = { N, 0 }, odd[] = { 1, 7, 61, 333, 3, 0 }, ones[] = { 1, 0 },
	                 big[] = { 1024, 0 }, mixed[] = { 100, 17, 250, 0 };
	score(m, outputs, X, whole, 1, 0, want, nout);
	struct { const int *sizes; int threads; uint64_t row0; const char *what; } runs[] = {
		{ odd, 1, 0, "batches of 1, 7, 61, 333, 3 rows" },
		{ ones, 1, 0, "one row at a time" },
		{ whole, 2, 0, "whole, 2 threads" },
		{ mixed, 2, 0, "batches of 100, 17, 250, 2 threads" },
		{ big, 2, 12345, "at stream row 12345, 2 threads" },
	};
	for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
		memset(got, 0xff, n * sizeof *got);
		score(m, outputs, X, runs[k].sizes, runs[k].threads, runs[k].row0, got, nout);
		int diff = -1;
		for (size_t i = 0; i < n && diff < 0; i++)
			if (memcmp(&got[i], &want[i], sizeof *got))
				diff = (int)i;
		CHECK(diff < 0, "%s, %s: row %d column %d: %.9g, whole %.9g", type, runs[k].what,
		      diff / nout, diff % nout, got[diff], want[diff]);
	}
	/* permuted rows: row i of the permuted input is row perm[i] */
	nids_rng rng;
	nids_rng_seed(&rng, 9);
	for (int i = 0; i < N; i++)
		perm[i] = i;
	for (int i = N - 1; i > 0; i--) {
		int j = (int)(nids_rng_next(&rng) % (uint64_t)(i + 1)), t = perm[i];
		perm[i] = perm[j], perm[j] = t;
	}
	for (int i = 0; i < N; i++)
		memcpy(xp + (size_t)i * D, X + (size_t)perm[i] * D, D * sizeof *xp);
	score(m, outputs, xp, odd, 2, 0, gotp, nout);
	int bad = 0;
	for (int i = 0; i < N; i++)
		bad += memcmp(gotp + (size_t)i * nout, want + (size_t)perm[i] * nout,
		              (size_t)nout * sizeof *got) != 0;
	CHECK(bad == 0, "%s, rows permuted: %d of %d rows differ", type, bad, N);
	free(want), free(got), free(xp), free(gotp), free(perm);
	nids_model_free(m);
}

static void test_ae(void) { check_type("ae"); }
static void test_vae(void) { check_type("vae"); }
static void test_sae(void) { check_type("sae"); }
static void test_dagmm(void) { check_type("dagmm"); }
static void test_memae(void) { check_type("memae"); }
static void test_dsebm(void) { check_type("dsebm"); }
static void test_aegmm(void) { check_type("aegmm"); }
static void test_kmeans(void) { check_type("kmeans"); }
static void test_logreg(void) { check_type("logreg"); }
static void test_tree(void) { check_type("tree"); }
static void test_forest(void) { check_type("forest"); }
static void test_iforest(void) { check_type("iforest"); }
static void test_ensemble(void) { check_type("ensemble"); }

/* every type in the model table is covered above */
static void test_all_types_listed(void)
{
	static const char *listed[] = { "ae", "vae", "sae", "dagmm", "memae", "dsebm", "aegmm",
	                                "kmeans", "logreg", "tree", "forest", "iforest", "ensemble",
	                                NULL };
	for (int i = 0; nids_model_type_at(i); i++) {
		int found = 0;
		for (int k = 0; listed[k]; k++)
			found |= strcmp(listed[k], nids_model_type_at(i)->name) == 0;
		CHECK(found, "model type '%s' has no invariance test", nids_model_type_at(i)->name);
	}
}

int main(void)
{
	make_data();
	TEST(test_ae);
	TEST(test_vae);
	TEST(test_sae);
	TEST(test_dagmm);
	TEST(test_memae);
	TEST(test_dsebm);
	TEST(test_aegmm);
	TEST(test_kmeans);
	TEST(test_logreg);
	TEST(test_tree);
	TEST(test_forest);
	TEST(test_iforest);
	TEST(test_ensemble);
	TEST(test_all_types_listed);
	return CHECK_DONE();
}
