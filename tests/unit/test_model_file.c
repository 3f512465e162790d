/* test_model_file.c: models fitted on a small synthetic set survive a save/load round
 * trip with identical scores; damaged, cut, future-version and foreign files fail with
 * the right error; fitting is deterministic for a seed and thread count. */
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>

#include "check.h"
#include "model_impl.h"
#include "nids/score.h"

#define N 300
#define D 6

static float X[N * D];
static int LABEL[N], CLS[N];
static char *FEAT[D] = { "a", "b", "c", "d", "e", "f" };
static char *CLASSES[3] = { "normal", "dos", "probe" };

static nids_dataset make_data(void)
{
	nids_rng rng;
	nids_rng_seed(&rng, 7);
	for (int i = 0; i < N; i++) {
		CLS[i] = i % 3;
		LABEL[i] = CLS[i] != 0;
		for (int j = 0; j < D; j++)
			X[i * D + j] = 0.2f * nids_rng_uniform(&rng) + (LABEL[i] && j < 3 ? 0.7f : 0.1f);
	}
	nids_dataset ds = { .n = N, .d = D, .x = X, .label = LABEL, .cls = CLS, .nclasses = 3,
		            .classes = CLASSES, .features = FEAT };
	return ds;
}

static const char *tmp_path(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s/nids-test-model-%d-%s", getenv("TMPDIR") ? getenv("TMPDIR")
	         : "/tmp", (int)getpid(), name);
	return buf;
}

static nids_model *fit(const char *type, const char *key, const char *val, int threads)
{
	nids_dataset ds = make_data(), none = ds;
	none.n = 0;
	nids_model *m = NULL;
	nids_err err = { 0 };
	nids_fit_opts o = { .epochs = 3, .batch = 32, .lr = 1e-2, .threads = threads, .patience = 5 };
	CHECK(nids_model_new(&m, type, &err) == 0, "%s", err.msg);
	if (key)
		CHECK(nids_model_set(m, key, val, &err) == 0, "%s", err.msg);
	m->seed = 3;
	CHECK(nids_model_fit(m, &ds, &none, &o, &err) == 0, "fit %s: %s", type, err.msg);
	return m;
}

/* Scores all rows with every output the type offers; malloc'd [N x nout]. */
static float *score_all(const nids_model *m, int *nout)
{
	nids_err err = { 0 };
	unsigned outs = m->type->outputs;
	*nout = nids_model_outputs(m, outs, NULL, &err);
	float *out = calloc((size_t)N * *nout, sizeof *out);
	nids_scorer *s;
	CHECK(nids_scorer_new(&s, m, outs, 2, 64, &err) == 0, "%s", err.msg);
	for (int at = 0; at < N; at += 64) {
		int B = N - at < 64 ? N - at : 64;
		nids_scorer_run(s, X + at * D, B, (uint64_t)at, out + (size_t)at * *nout);
	}
	nids_scorer_free(s);
	return out;
}

static int save(const nids_model *m, const char *path)
{
	FILE *f = fopen(path, "wb");
	nids_err err = { 0 };
	int rc = nids_model_write(m, f, &err);
	fclose(f);
	return rc;
}

static void round_trip(const char *type, const char *key, const char *val)
{
	nids_model *m = fit(type, key, val, 1), *back = NULL;
	const char *path = tmp_path(type);
	CHECK(save(m, path) == 0, "save %s", type);
	nids_err err = { 0 };
	CHECK(nids_model_read(&back, path, &err) == 0, "read %s: %s", type, err.msg);
	if (back) {
		int n1, n2;
		float *a = score_all(m, &n1), *b = score_all(back, &n2);
		CHECK(n1 == n2 && n1 > 1, "outputs %d %d", n1, n2);
		CHECK(memcmp(a, b, (size_t)N * n1 * sizeof *a) == 0, "%s scores differ after a round trip",
		      type);
		int finite = 1;
		for (int i = 0; i < N * n1; i++)
			finite &= isfinite(a[i]);
		CHECK(finite, "%s: finite scores", type);
		CHECK(strcmp(nids_model_get(back, key ? key : m->type->hparams[0].name),
		             nids_model_get(m, key ? key : m->type->hparams[0].name)) == 0, "hparam kept");
		CHECK(back->seed == 3 && back->train_rows == N && back->d == D, "header fields");
		CHECK(strcmp(back->features[5], "f") == 0, "feature names");
		free(a), free(b);
	}
	nids_model_free(back);
	nids_model_free(m);
	unlink(path);
}

static void test_round_trips(void)
{
	round_trip("ae", "l1", "0.001");
	round_trip("ae", "loss", "mae");
	round_trip("vae", NULL, NULL);
	round_trip("vae", "decoder", "bernoulli");
	round_trip("vae", "score", "elbo");
	round_trip("sae", NULL, NULL);
	round_trip("sae", "target", "class");
}

static void test_scores_make_sense(void)
{
	/* attacks sit far from the benign rows: an ae trained on benign rows scores them higher */
	nids_dataset ds = make_data(), benign = ds, none = ds;
	benign.n = N / 3;
	float *xb = malloc(sizeof(float) * (N / 3) * D);
	for (int i = 0, k = 0; i < N; i += 3, k++)
		memcpy(xb + k * D, X + i * D, sizeof(float) * D);
	benign.x = xb;
	none.n = 0;
	nids_model *m;
	nids_err err = { 0 };
	nids_model_new(&m, "ae", &err);
	nids_fit_opts o = { .epochs = 30, .batch = 16, .lr = 1e-2, .threads = 1, .patience = 5 };
	CHECK(nids_model_fit(m, &benign, &none, &o, &err) == 0, "%s", err.msg);
	int nout;
	float *s = score_all(m, &nout);
	double ben = 0, att = 0;
	for (int i = 0; i < N; i++)
		*(LABEL[i] ? &att : &ben) += s[i * nout];
	CHECK(att / (2 * N / 3) > 3 * ben / (N / 3), "attack mean %g, benign mean %g",
	      att / (2 * N / 3), ben / (N / 3));
	free(s), free(xb);
	nids_model_free(m);
}

static void test_deterministic(void)
{
	for (int threads = 1; threads <= 2; threads++) {
		nids_model *a = fit("vae", NULL, NULL, threads), *b = fit("vae", NULL, NULL, threads);
		CHECK(a->arena.size == b->arena.size &&
		      memcmp(a->arena.data, b->arena.data, a->arena.size * sizeof(float)) == 0,
		      "same seed and %d threads, same weights", threads);
		nids_model_free(a);
		nids_model_free(b);
	}
}

/* --explain's columns are the gradient of the score: check them by central differences */
/* h: the step; small enough not to cross a ReLU kink often, large enough to stay above
 * float rounding of the score */
static void explain_case(const char *type, const char *key, const char *val, float h)
{
	nids_model *m = fit(type, key, val, 1);
	nids_err err = { 0 };
	unsigned outs = NIDS_OUT_EXPLAIN;
	int nout = nids_model_outputs(m, outs, NULL, &err);
	CHECK(nout == 1 + D, "explain columns %d", nout);
	void *s = m->type->scratch_new(m, 1, outs);
	float out[1 + D], up[1 + D], down[1 + D], x[D];
	double worst = 0;
	for (int row = 0; row < 12; row += 5) {
		memcpy(x, X + row * D, sizeof x);
		m->type->score(m, s, x, 1, (uint64_t)row, outs, out, nout);
		for (int j = 0; j < D; j++) {
			float keep = x[j];
			x[j] = keep + h;
			m->type->score(m, s, x, 1, (uint64_t)row, outs, up, nout);
			x[j] = keep - h;
			m->type->score(m, s, x, 1, (uint64_t)row, outs, down, nout);
			x[j] = keep;
			double num = ((double)up[0] - down[0]) / (2.0 * h);
			double rel = fabs(num - out[1 + j]) / fmax(fabs(num) + fabs(out[1 + j]), 1e-2);
			worst = rel > worst ? rel : worst;
		}
	}
	CHECK(worst < 2e-2, "%s %s=%s: explain vs finite differences, worst rel error %g", type,
	      key ? key : "", val ? val : "", worst);
	m->type->scratch_free(s);
	nids_model_free(m);
}

static void test_explain_gradients(void)
{
	explain_case("ae", NULL, NULL, 1e-4f);
	explain_case("ae", "act", "tanh", 1e-4f);
	explain_case("ae", "loss", "mae", 1e-4f);
	/* the vae's noise is the same for every row: at 1e-3 one checked point's step
	 * reaches a ReLU kink (its error grows with the step, 3e-3 is worse), at 3e-4
	 * none does */
	explain_case("vae", NULL, NULL, 3e-4f);
	explain_case("vae", "score", "mse", 3e-4f);
	explain_case("vae", "score", "elbo", 3e-4f);
	explain_case("vae", "decoder", "bernoulli", 3e-4f);
}

/* The vae scores with a vectorized exp unless --explain asks for gradients, when it
 * uses the training loss: both must agree. */
static void test_vae_fast_score(void)
{
	nids_model *m = fit("vae", NULL, NULL, 1);
	void *fast = m->type->scratch_new(m, N, 0), *slow = m->type->scratch_new(m, N, NIDS_OUT_EXPLAIN);
	float *a = calloc(N, sizeof *a), *b = calloc((size_t)N * (1 + D), sizeof *b);
	m->type->score(m, fast, X, N, 0, 0, a, 1);
	m->type->score(m, slow, X, N, 0, NIDS_OUT_EXPLAIN, b, 1 + D);
	double worst = 0;
	for (int i = 0; i < N; i++)
		worst = fmax(worst, fabs(a[i] - b[i * (1 + D)]) / fmax(fabs(b[i * (1 + D)]), 1));
	CHECK(worst < 1e-5, "fast and exact nll differ by %g", worst);
	m->type->scratch_free(fast);
	m->type->scratch_free(slow);
	free(a), free(b);
	nids_model_free(m);
}

/* Reads path back and returns the error code and message. */
static int load_err(const char *path, nids_err *err)
{
	nids_model *m = NULL;
	memset(err, 0, sizeof *err);
	int rc = nids_model_read(&m, path, err);
	nids_model_free(m);
	return rc;
}

static void write_bytes(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(p, 1, n, f);
	fclose(f);
}

/* A model file's bytes c [n] given the checksum of what they now hold: an edit the
 * checksum cannot catch, which the reader's own checks must. */
static void reseal(unsigned char *c, size_t n)
{
	uint64_t h = XXH64(c, n - 8, 0);
	for (int i = 0; i < 8; i++)
		c[n - 8 + i] = (h >> (8 * i)) & 0xff;
}

static void test_damage(void)
{
	nids_model *m = fit("ae", NULL, NULL, 1);
	const char *good = tmp_path("good");
	char path[300];
	snprintf(path, sizeof path, "%s", good);
	save(m, path);
	FILE *f = fopen(path, "rb");
	unsigned char buf[1 << 17];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	nids_model_free(m);
	const char *bad = tmp_path("bad");
	nids_err err;

	unsigned char c[1 << 17];
	memcpy(c, buf, n);
	c[n / 2] ^= 0x10;
	write_bytes(bad, c, n);
	CHECK(load_err(bad, &err) == NIDS_ECHECKSUM, "flipped byte: %s", err.msg);
	CHECK(strstr(err.msg, "checksum mismatch") && strcmp(err.where, bad) == 0, "%s: %s",
	      err.where, err.msg);

	write_bytes(bad, buf, n - 100);
	CHECK(load_err(bad, &err) == NIDS_ETRUNCATED, "cut file: %s", err.msg);
	CHECK(strstr(err.msg, "truncated model file") != NULL, "%s", err.msg);
	write_bytes(bad, buf, 12);
	CHECK(load_err(bad, &err) == NIDS_ETRUNCATED, "cut header: %s", err.msg);
	write_bytes(bad, buf, 0);
	CHECK(load_err(bad, &err) == NIDS_EFORMAT, "empty file: %s", err.msg);

	memcpy(c, buf, n);
	c[8] = 3; /* major version 3 */
	write_bytes(bad, c, n);
	CHECK(load_err(bad, &err) == NIDS_EVERSION, "future version: %s", err.msg);
	CHECK(strstr(err.msg, "version 3.0 is not supported") != NULL, "%s", err.msg);

	memcpy(c, buf, n);
	c[12] = 1; /* an unknown must-understand flag */
	write_bytes(bad, c, n);
	CHECK(load_err(bad, &err) == NIDS_EVERSION, "flag: %s", err.msg);

	memcpy(c, buf, n);
	c[10] = 9; /* a newer minor version is accepted (then the checksum decides) */
	reseal(c, n);
	write_bytes(bad, c, n);
	CHECK(load_err(bad, &err) == 0, "newer minor: %s", err.msg);

	memcpy(c, buf, n);
	c[3] = 'X';
	write_bytes(bad, c, n);
	CHECK(load_err(bad, &err) == NIDS_EFORMAT, "magic: %s", err.msg);
	CHECK(strstr(err.msg, "not a nids model file (bad magic)") != NULL, "%s", err.msg);
	memcpy(c, buf, n);
	c[4] = 'S'; /* a record stream's magic */
	write_bytes(bad, c, n);
	load_err(bad, &err);
	CHECK(strstr(err.msg, "a record stream, not a model file") != NULL, "%s", err.msg);

	/* a valid container whose text names an unknown type */
	memcpy(c, buf, n);
	memcpy(c + 28, "type=zz", 7);
	reseal(c, n);
	write_bytes(bad, c, n);
	CHECK(load_err(bad, &err) == NIDS_EFORMAT, "unknown type: %s", err.msg);
	CHECK(strstr(err.msg, "unknown model type 'zz'") != NULL, "%s", err.msg);

	/* a valid container whose tensor table overlaps or misplaces a tensor: the offset of
	   the second tensor, written as zeros (on top of the first) or one float on */
	memcpy(c, buf, n);
	char *second = strstr(strstr((char *)c + 28, "\ntensor=") + 1, "\ntensor=");
	CHECK(second != NULL, "no second tensor line");
	char *eol = strchr(second + 1, '\n'), *off = eol;
	while (off[-1] != ' ')
		off--;
	memset(off, '0', (size_t)(eol - off));
	reseal(c, n);
	write_bytes(bad, c, n);
	CHECK(load_err(bad, &err) == NIDS_EFORMAT, "overlapping tensor: %s", err.msg);
	CHECK(strstr(err.msg, "at offset 0, not ") && strstr(err.msg, "where the tensors before it end"),
	      "%s", err.msg);
	memcpy(c, buf, n); /* (eol still points into c) */
	eol[-1] = eol[-1] == '9' ? '0' : (char)(eol[-1] + 1); /* the offset's last digit */
	reseal(c, n);
	write_bytes(bad, c, n);
	CHECK(load_err(bad, &err) == NIDS_EFORMAT, "misplaced tensor: %s", err.msg);
	CHECK(strstr(err.msg, "where the tensors before it end") != NULL, "%s", err.msg);

	CHECK(load_err(tmp_path("missing"), &err) == NIDS_EIO, "missing file: %s", err.msg);
	unlink(bad);
	unlink(path);
}

/* A model file whose tensor tensor has extra rows (or roots 2 trees in a tree model):
 * laid out as a writer lays it out, checksum and all; the loader must refuse it. */
static void shape_case(const char *type, const char *tensor, int add_rows, int add_cols,
                       const char *want)
{
	nids_model *m = fit(type, NULL, NULL, 1);
	nids_arena a = { 0 };
	nids_err err = { 0 };
	for (int i = 0; i < m->arena.n; i++) {
		int grow = !strcmp(m->arena.t[i].name, tensor);
		CHECK(nids_arena_add(&a, m->arena.t[i].name, m->arena.t[i].rows + grow * add_rows,
		                     m->arena.t[i].cols + grow * add_cols, &err) >= 0, "%s", err.msg);
	}
	CHECK(nids_arena_alloc(&a, &err) == 0, "%s", err.msg);
	for (int i = 0; i < m->arena.n; i++) /* the old values first; the added ones 0 */
		memcpy(nids_arena_ptr(&a, a.data, i), nids_arena_ptr(&m->arena, m->arena.data, i),
		       sizeof(float) * (size_t)m->arena.t[i].rows * (size_t)m->arena.t[i].cols);
	nids_arena_free(&m->arena);
	m->arena = a;
	const char *path = tmp_path("shape");
	CHECK(save(m, path) == 0, "save %s", type);
	nids_model_free(m);
	CHECK(load_err(path, &err) == NIDS_EFORMAT, "%s %s: %s", type, tensor, err.msg);
	CHECK(strstr(err.msg, want) != NULL, "%s %s: '%s', want '%s'", type, tensor, err.msg, want);
	unlink(path);
}

static void test_shapes(void)
{
	shape_case("tree", "value", 1, 0, "needs ");
	shape_case("tree", "benign", 1, 0, "tensor 'benign' is 2 x 2, the model needs 1 rows of 2");
	shape_case("tree", "roots", 0, 1, "a tree model with 2 roots");
	shape_case("forest", "roots", 1, 0, "tensor 'roots' is 2 x ");
	shape_case("iforest", "norm", 1, 0, "tensor 'norm' is 2 x 1, the model needs 1 rows of 1");
	shape_case("logreg", "benign", 1, 0, "tensor 'benign' is 2 x ");
}

static void test_table(void)
{
	nids_model *m;
	nids_err err = { 0 };
	CHECK(nids_model_new(&m, "nope", &err) == NIDS_EUSAGE, "unknown type");
	CHECK(strstr(err.msg, "known: ae, vae, sae") != NULL, "%s", err.msg);
	CHECK(nids_model_new(&m, "vae", &err) == 0, "vae");
	CHECK(strcmp(nids_model_get(m, "latent"), "8") == 0, "default latent");
	CHECK(nids_model_set(m, "layers", "1", &err) == NIDS_EUSAGE, "ae option on vae");
	CHECK(strcmp(err.msg, "option '--layers' does not apply to -t vae") == 0, "%s", err.msg);
	long v;
	nids_model_set(m, "latent", "x", &err);
	CHECK(nids_model_get_long(m, "latent", 1, 10, &v, &err) == NIDS_EUSAGE, "bad number");
	nids_model_free(m);
	/* the model needs the training features, in order */
	nids_model *a = fit("ae", NULL, NULL, 1);
	nids_header *h = nids_header_new();
	for (int j = 0; j < D; j++)
		nids_header_add_column(h, j == 2 ? "x" : FEAT[j], NIDS_ROLE_FEATURE, &err);
	CHECK(nids_model_check_features(a, h, &err) == NIDS_EMISMATCH, "renamed feature");
	CHECK(strcmp(err.msg, "feature 3: the stream has 'x', the model 'c'") == 0, "%s", err.msg);
	CHECK(nids_model_outputs(a, NIDS_OUT_CLASSES, NULL, &err) == NIDS_EUSAGE, "no classes");
	CHECK(strcmp(err.msg, "--classes is not available for -t ae") == 0, "%s", err.msg);
	nids_header_free(h);
	nids_model_free(a);
}

int main(void)
{
	TEST(test_round_trips);
	TEST(test_scores_make_sense);
	TEST(test_deterministic);
	TEST(test_explain_gradients);
	TEST(test_vae_fast_score);
	TEST(test_damage);
	TEST(test_shapes);
	TEST(test_table);
	return CHECK_DONE();
}
