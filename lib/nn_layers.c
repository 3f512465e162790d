/* nn_layers.c: parameter arena, the sgemm wrapper, dense layers, initialisation,
 * activations, dropout, softmax and the VAE's reparameterisation. */
/* The Makefile builds this file at -O3 -fno-math-errno: these elementwise loops run over
 * every activation of every step, and only vectorize with -O3 and without errno on
 * sqrtf/expf. */

#include "nn_impl.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* cblas.h may pull in complex.h, whose I would shadow the shape name used below */
#undef I

/* OpenBLAS exports this but its cblas.h does not always declare it. */
void openblas_set_num_threads(int);

/* Each thread that calls OpenBLAS takes a working buffer of its BUFFER_SIZE (128 MiB on
 * x86-64) and a page, kept for the next caller; so does each of OpenBLAS's own threads,
 * one per core from when the library loads. Refused one under an address-space limit
 * (ulimit -v, RLIMIT_AS), it retries forever and the program hangs (OpenBLAS issue
 * 5289). Under any such limit OpenBLAS therefore loads with no threads of its own, and
 * a job makes sure the buffers it will need fit before it starts (nids_blas_threads):
 * the -j it was given, and so its results, stay what they are without a limit. */
#define BLAS_BUFFER_BYTES (((size_t)128 << 20) + 4096)

static int address_space_limit(rlim_t *bytes)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	*bytes = rl.rlim_cur;
	return 1;
}

/* Before main, under such a limit, the program starts again with
 * OPENBLAS_NUM_THREADS=1: OpenBLAS reads it only as it loads, which is over by now,
 * threads started. A thread count the user set is kept. glibc passes a constructor the
 * program's arguments. The program's own path, not /proc/self/exe, keeps its name in
 * ps. */
__attribute__((constructor)) static void blas_one_thread_when_limited(int argc, char **argv)
{
	(void)argc;
	rlim_t limit;
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (!address_space_limit(&limit) || getenv("OPENBLAS_NUM_THREADS") || len <= 0 ||
	    (size_t)len == sizeof self - 1 || setenv("OPENBLAS_NUM_THREADS", "1", 1))
		return;
	self[len] = '\0';
	execv(self, argv); /* (failing, the program runs on as it is) */
}

/* OpenBLAS's buffers so far shown to fit: its callers' (slots it hands from caller to
 * caller) and its own threads' (each holds one for its life). */
static pthread_mutex_t room_lock = PTHREAD_MUTEX_INITIALIZER;
static int room_callers, room_workers;

/* Shows, by taking them for a moment, that the limit holds the buffers of `callers`
 * threads calling OpenBLAS at once while it runs `workers` threads of its own. */
static int room(int callers, int workers, nids_err *err)
{
	rlim_t limit;
	if (!address_space_limit(&limit))
		return 0;
	pthread_mutex_lock(&room_lock);
	int c = callers > room_callers ? callers : room_callers;
	int w = workers > room_workers ? workers : room_workers;
	int more = c + w - room_callers - room_workers, got = 0;
	void *held[2 * NIDS_THREADS_MAX];
	if (more > 2 * NIDS_THREADS_MAX)
		more = 2 * NIDS_THREADS_MAX;
	while (got < more && (held[got] = malloc(BLAS_BUFFER_BYTES)))
		got++;
	for (int i = 0; i < got; i++)
		free(held[i]);
	if (got == more)
		room_callers = c, room_workers = w;
	pthread_mutex_unlock(&room_lock);
	if (got < more)
		return nids_err_set(err, NIDS_ENOMEM, NULL,
		                    "the address-space limit (ulimit -v %llu) cannot hold OpenBLAS's "
		                    "128 MiB working buffer for %d thread%s: raise it%s",
		                    (unsigned long long)(limit >> 10), callers + workers,
		                    callers + workers > 1 ? "s" : "",
		                    callers + workers > 1 ? ", or lower -j" : "");
	return 0;
}

int nids_blas_room(int callers, nids_err *err) { return room(callers, 0, err); }

int nids_blas_threads(int n, int callers, nids_err *err)
{
	n = n < 1 ? 1 : n;
	/* its own threads beyond the caller, started by the call below when OpenBLAS
	 * loaded with fewer */
	int rc = room(callers, n - 1, err);
	if (rc == 0)
		openblas_set_num_threads(n);
	return rc;
}

const char *nids_blas_core(void) { return openblas_get_corename(); }

/* ---- arena ---- */

int nids_arena_add(nids_arena *a, const char *name, int rows, int cols, nids_err *err)
{
	if (a->n >= NIDS_ARENA_MAX)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "more than %d tensors", NIDS_ARENA_MAX);
	if (!*name || strlen(name) >= NIDS_TENSOR_NAME || nids_arena_find(a, name) >= 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "bad or duplicate tensor name '%s'", name);
	if (rows < 1 || cols < 1 || (size_t)rows * (size_t)cols > ((size_t)1 << 34))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "tensor '%s': bad shape %d x %d", name,
		                    rows, cols);
	nids_tensor *t = &a->t[a->n];
	snprintf(t->name, sizeof t->name, "%s", name);
	t->rows = rows;
	t->cols = cols;
	t->off = a->size;
	a->size += ((size_t)rows * (size_t)cols + 15) / 16 * 16;
	return a->n++;
}

int nids_arena_read_tensor(nids_arena *fa, const char *v, const char *path, nids_err *err)
{
	char name[NIDS_TENSOR_NAME];
	int rows, cols;
	size_t off;
	if (sscanf(v, "%47s %d %d %zu", name, &rows, &cols, &off) != 4)
		return nids_err_set(err, NIDS_EFORMAT, path, "bad tensor line '%.60s'", v);
	int i = nids_arena_add(fa, name, rows, cols, err);
	if (i < 0)
		return nids_err_set(err, NIDS_EFORMAT, path, "bad tensor '%s'", name);
	if (off != fa->t[i].off)
		return nids_err_set(err, NIDS_EFORMAT, path,
		                    "tensor '%s' at offset %zu, not %zu (where the tensors before it "
		                    "end)",
		                    name, off, fa->t[i].off);
	return 0;
}

int nids_arena_read_size(const nids_arena *fa, const char *v, const char *path, nids_err *err)
{
	char *end;
	errno = 0;
	unsigned long long a = strtoull(v, &end, 10);
	if (end == v || *end || errno || a != fa->size)
		return nids_err_set(err, NIDS_EFORMAT, path,
		                    "arena=%.40s, not %zu (the end of the tensors before it)", v,
		                    fa->size);
	return 0;
}

float *nids_floats(size_t n)
{
	size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
	float *p = aligned_alloc(64, bytes ? bytes : 64);
	if (p)
		memset(p, 0, bytes ? bytes : 64);
	return p;
}

/* ---- scratch ---- */

static void scratch_entry(nids_scratch *s, float **p, double **dp, size_t n, float **same)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 32;
		nids_scratch_entry *t = realloc(s->t, (size_t)cap * sizeof *t);
		if (!t) {
			s->nomem = 1;
			return;
		}
		s->t = t, s->cap = cap;
	}
	s->t[s->n++] = (nids_scratch_entry){ p, dp, n, same };
}

void nids_scratch_add(nids_scratch *s, float **p, size_t n) { scratch_entry(s, p, NULL, n, NULL); }

void nids_scratch_add_doubles(nids_scratch *s, double **p, size_t n)
{
	scratch_entry(s, NULL, p, 2 * n, NULL);
}

void nids_scratch_alias(nids_scratch *s, float **p, float **same)
{
	scratch_entry(s, p, NULL, 0, same);
}

int nids_scratch_alloc(nids_scratch *s, nids_err *err)
{
	/* each buffer rounded up to 64 bytes (an empty one takes 64), as nids_floats does */
	size_t size = 0;
	for (int i = 0; !s->nomem && i < s->n; i++)
		if (!s->t[i].same)
			size += s->t[i].n ? (s->t[i].n + 15) / 16 * 16 : 16;
	if (s->nomem || !(s->mem = nids_floats(size))) {
		nids_scratch_free(s);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for activations");
	}
	s->size = size;
	size_t at = 0;
	for (int i = 0; i < s->n; i++) {
		nids_scratch_entry *e = &s->t[i];
		if (e->same) {
			*e->p = *e->same;
			continue;
		}
		if (e->dp)
			*e->dp = (double *)(void *)(s->mem + at);
		else
			*e->p = s->mem + at;
		at += e->n ? (e->n + 15) / 16 * 16 : 16;
	}
	free(s->t);
	s->t = NULL;
	s->n = s->cap = 0;
	return 0;
}

void nids_scratch_free(nids_scratch *s)
{
	if (!s)
		return;
	free(s->t);
	free(s->mem);
	memset(s, 0, sizeof *s);
}

void *nids_scratch_ready(nids_scratch *s)
{
	if (nids_scratch_alloc(s, NULL) == 0)
		return s;
	free(s);
	return NULL;
}

void nids_scratch_release(void *s)
{
	nids_scratch_free(s);
	free(s);
}

int nids_arena_alloc(nids_arena *a, nids_err *err)
{
	free(a->data);
	if (!(a->data = nids_floats(a->size)))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for %zu parameters",
		                    a->size);
	return 0;
}

int nids_arena_find(const nids_arena *a, const char *name)
{
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->t[i].name, name) == 0)
			return i;
	return -1;
}

int nids_arena_check_from(const nids_arena *want, const nids_arena *src, nids_err *err)
{
	for (int i = 0; i < want->n; i++) {
		const nids_tensor *w = &want->t[i];
		int j = nids_arena_find(src, w->name);
		if (j < 0)
			return nids_err_set(err, NIDS_EFORMAT, NULL, "tensor '%s' is missing", w->name);
		const nids_tensor *s = &src->t[j];
		if (s->rows != w->rows || s->cols != w->cols)
			return nids_err_set(err, NIDS_EFORMAT, NULL,
			                    "tensor '%s' is %d x %d, the model needs %d x %d", w->name,
			                    s->rows, s->cols, w->rows, w->cols);
	}
	return 0;
}

int nids_arena_fill_from(nids_arena *want, const nids_arena *src, nids_err *err)
{
	int rc = nids_arena_check_from(want, src, err);
	if (rc < 0)
		return rc;
	for (int i = 0; i < want->n; i++) {
		const nids_tensor *w = &want->t[i];
		const nids_tensor *s = &src->t[nids_arena_find(src, w->name)];
		memcpy(want->data + w->off, src->data + s->off,
		       (size_t)w->rows * (size_t)w->cols * sizeof(float));
	}
	return 0;
}

void nids_arena_free(nids_arena *a)
{
	if (!a)
		return;
	free(a->data);
	memset(a, 0, sizeof *a);
}

/* ---- dense ---- */

void nids_dense_forward(float *out, const float *in, const float *w, const float *b, int B,
                        int I, int O)
{
	/* broadcast the bias, then out += in W^T in one product */
	for (int r = 0; r < B; r++)
		memcpy(out + (size_t)r * O, b, (size_t)O * sizeof *b);
	nids_sgemm_rm(0, 1, B, O, I, 1.0f, in, I, w, I, 1.0f, out, O);
}

void nids_dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                         const float *w, int B, int I, int O)
{
	if (din)
		nids_sgemm_rm(0, 0, B, I, O, 1.0f, dout, O, w, I, 1.0f, din, I);
	if (!dw) /* the input gradient alone (explanations) */
		return;
	nids_sgemm_rm(1, 0, O, I, B, 1.0f, dout, O, in, I, 1.0f, dw, I);
	for (int r = 0; r < B; r++) {
		const float *d = dout + (size_t)r * O;
		for (int o = 0; o < O; o++)
			db[o] += d[o];
	}
}

void nids_init_xavier(float *w, int O, int I, nids_rng *rng)
{
	float a = sqrtf(6.0f / (float)(I + O));
	for (size_t i = 0; i < (size_t)O * (size_t)I; i++)
		w[i] = a * (2.0f * nids_rng_uniform(rng) - 1.0f);
}

void nids_init_he(float *w, int O, int I, nids_rng *rng)
{
	float sd = sqrtf(2.0f / (float)I);
	for (size_t i = 0; i < (size_t)O * (size_t)I; i++)
		w[i] = sd * nids_rng_normal(rng);
}

/* ---- activations ---- */

static const char *ACT_NAMES[NIDS_ACT_COUNT] = { "none", "relu", "leaky", "tanh", "sigmoid",
	                                         "softplus" };

const char *nids_act_name(int act)
{
	return act >= 0 && act < NIDS_ACT_COUNT ? ACT_NAMES[act] : NULL;
}

int nids_act_parse(const char *name)
{
	for (int i = 0; i < NIDS_ACT_COUNT; i++)
		if (strcmp(name, ACT_NAMES[i]) == 0)
			return i;
	return -1;
}

/* tanh is most of a tanh network's elementwise time (a third of dagmm's training step
 * with libm's scalar tanhf). Declaring it SIMD lets GCC call glibc's libmvec vector
 * tanhf (4 lanes with SSE, 8 with the AVX2 clone); libm.so pulls libmvec in as needed.
 * out may be in (a forward-only pass works in place). libmvec has tanhf from glibc 2.35;
 * elsewhere the loop calls libm's scalar tanhf. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__GLIBC__) && __GLIBC_PREREQ(2, 35)
float tanhf(float) __attribute__((simd("notinbranch")));
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void tanh_rows(float *out, const float *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tanhf(in[i]);
}

static inline float sigmoidf(float x)
{
	return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
}

/* log(1 + e^x) without overflow */
static inline float softplusf(float x) { return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x)); }

void nids_act_forward(float *out, const float *in, size_t n, int act)
{
	switch (act) {
	case NIDS_ACT_NONE:
		if (out != in)
			memmove(out, in, n * sizeof *in);
		break;
	case NIDS_ACT_RELU:
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] > 0 ? in[i] : 0;
		break;
	case NIDS_ACT_LEAKY:
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] > 0 ? in[i] : NIDS_LEAKY_SLOPE * in[i];
		break;
	case NIDS_ACT_TANH:
		tanh_rows(out, in, n);
		break;
	case NIDS_ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			out[i] = sigmoidf(in[i]);
		break;
	case NIDS_ACT_SOFTPLUS:
		for (size_t i = 0; i < n; i++)
			out[i] = softplusf(in[i]);
		break;
	}
}

void nids_act_backward(float *din, const float *dout, const float *in, const float *out,
                       size_t n, int act)
{
	switch (act) {
	case NIDS_ACT_NONE:
		for (size_t i = 0; i < n; i++)
			din[i] += dout[i];
		break;
	case NIDS_ACT_RELU:
		for (size_t i = 0; i < n; i++) {
			float d = dout[i]; /* loaded unconditionally, so the select vectorizes */
			din[i] += in[i] > 0 ? d : 0.0f;
		}
		break;
	case NIDS_ACT_LEAKY:
		for (size_t i = 0; i < n; i++)
			din[i] += dout[i] * (in[i] > 0 ? 1.0f : NIDS_LEAKY_SLOPE);
		break;
	case NIDS_ACT_TANH:
		for (size_t i = 0; i < n; i++)
			din[i] += dout[i] * (1.0f - out[i] * out[i]);
		break;
	case NIDS_ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			din[i] += dout[i] * out[i] * (1.0f - out[i]);
		break;
	case NIDS_ACT_SOFTPLUS:
		for (size_t i = 0; i < n; i++)
			din[i] += dout[i] * sigmoidf(in[i]);
		break;
	}
}

void nids_dropout_forward(float *out, float *mask, const float *in, size_t n, float p,
                          nids_rng *rng)
{
	float keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
	for (size_t i = 0; i < n; i++) {
		mask[i] = nids_rng_uniform(rng) < p ? 0.0f : keep;
		out[i] = in[i] * mask[i];
	}
}

void nids_dropout_backward(float *din, const float *dout, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		din[i] += dout[i] * mask[i];
}

void nids_softmax_forward(float *p, const float *logits, int B, int K)
{
	for (int r = 0; r < B; r++) {
		const float *l = logits + (size_t)r * K;
		float *q = p + (size_t)r * K;
		float mx = l[0];
		for (int k = 1; k < K; k++)
			mx = l[k] > mx ? l[k] : mx;
		float s = 0;
		for (int k = 0; k < K; k++)
			s += (q[k] = expf(l[k] - mx));
		for (int k = 0; k < K; k++)
			q[k] /= s;
	}
}

void nids_softmax_backward(float *dlogit, const float *dp, const float *p, int B, int K)
{
	for (int r = 0; r < B; r++) {
		const float *pr = p + (size_t)r * K, *gr = dp + (size_t)r * K;
		double s = 0;
		for (int k = 0; k < K; k++)
			s += (double)pr[k] * gr[k];
		for (int k = 0; k < K; k++)
			dlogit[(size_t)r * K + k] += (float)(pr[k] * (gr[k] - s));
	}
}

/* The standard deviation exp(logvar / 2), its exponent capped at 44 (sd 1.3e19): a row
 * far outside the training range can drive the encoder's logvar past 176, where the sd
 * overflows float32 and the decoder turns z = +-inf into nan (inf - inf). Capped, such a
 * row scores huge or inf, an alarm, instead of nan; below the cap nothing changes. The
 * gradient through a capped sd is 0. */
#define REPARAM_MAX_HALF_LOGVAR 44.0f

void nids_reparam_forward(float *z, const float *mu, const float *logvar, const float *eps,
                          size_t n)
{
	for (size_t i = 0; i < n; i++)
		z[i] = mu[i] + eps[i] * expf(fminf(0.5f * logvar[i], REPARAM_MAX_HALF_LOGVAR));
}

void nids_reparam_backward(float *dmu, float *dlogvar, const float *dz, const float *logvar,
                           const float *eps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dmu[i] += dz[i];
		float h = 0.5f * logvar[i];
		dlogvar[i] += h < REPARAM_MAX_HALF_LOGVAR ? dz[i] * eps[i] * 0.5f * expf(h) : 0.0f;
	}
}
