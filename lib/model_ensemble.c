/* model_ensemble.c: a score ensemble of unsupervised detectors (-t ensemble).
 *
 * Member detectors of several types (--members, default ae, vae, aegmm, kmeans, iforest:
 * reconstruction, likelihood, mixture density, distance and isolation, chosen for
 * diversity) are trained on the same rows, concurrently over -j threads, each on one
 * thread, so a model does not depend on -j. Neural members may be trained --seeds
 * times from different seeds. Each member's score is standardized on the training rows
 * (--standardize: zscore, (s - mean) / sd as PyOD's standardizer; or rank, the
 * empirical CDF of the training scores), the replicas of one type are averaged, and
 * the types are combined by PyOD's rules (--combine): mean (average), max
 * (maximization) or aom (average of maximum over --buckets buckets, type i in bucket
 * i mod buckets: a fixed assignment instead of PyOD's random one, so a model is
 * reproducible from its file).
 *
 * The model file nests the members: tensor "member.I" holds member I's whole model file
 * (its own header, tensors and checksum), packed four bytes to a float32, so loading
 * checks each member as nids_model_read checks a file; "stand" [members x 2] holds each
 * member's training mean and sd (zscore), or "cdf.I" [1 x n] the sorted training scores
 * (at most CDF_MAX order statistics, evenly spaced by rank) of member I (rank). */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/model.h"
#include "nids/pool.h"

#define MAX_TYPES 8
#define MAX_SEEDS 8
#define MAX_MEMBERS (MAX_TYPES * MAX_SEEDS)
#define CDF_MAX 10000
#define SEED_STEP 100 /* replica k of a neural member trains from seed + 100 k */

static const nids_hparam ENSEMBLE_HPARAMS[] = {
	{ "members", 0, "ae,vae,aegmm,kmeans,iforest",
	  "member types (comma-separated, unsupervised ones), each with its own defaults" },
	{ "standardize", 0, "zscore", "member scores on the training rows: zscore or rank" },
	{ "combine", 0, "mean", "combination rule: mean, max or aom (average of maximum)" },
	{ "buckets", 0, "2", "aom: buckets of types (type i goes to bucket i mod buckets)" },
	{ "seeds", 0, "1", "neural members trained from this many seeds, averaged" },
	{ NULL, 0, NULL, NULL },
};

static const char *const STANDARDIZE[] = { "zscore", "rank", NULL };
static const char *const COMBINE[] = { "mean", "max", "aom", NULL };

/* Types whose training draws from the seed beyond an initialisation; the classic ones
 * (kmeans, iforest) take one seed, since their restarts and trees average already. */
static int is_neural(const char *t)
{
	return strcmp(t, "kmeans") && strcmp(t, "iforest") && strcmp(t, "logreg") &&
	       strcmp(t, "tree") && strcmp(t, "forest");
}

typedef struct ens_state {
	int ntypes, nm;           /* member types; members (types x their replicas) */
	int rank, combine, buckets;
	char types[MAX_TYPES][32];
	int group[MAX_MEMBERS];   /* the type of member i */
	int nrep[MAX_TYPES];      /* replicas of each type */
	nids_model *mem[MAX_MEMBERS];
	int nout[MAX_MEMBERS];    /* member i's output columns (its score is column 0) */
	double mu[MAX_MEMBERS], sd[MAX_MEMBERS];
	const float *cdf[MAX_MEMBERS]; /* into m->arena (rank) */
	int ncdf[MAX_MEMBERS];
} ens_state;

static void ens_free_state(void *p)
{
	ens_state *s = p;
	if (!s)
		return;
	for (int i = 0; i < s->nm; i++)
		nids_model_free(s->mem[i]);
	free(s);
}

/* The hyperparameters into s (types, rules); members are not made here. */
static int parse_hp(const nids_model *m, ens_state *s, nids_err *err)
{
	long buckets, seeds;
	int rc;
	if ((rc = nids_model_get_choice(m, "standardize", STANDARDIZE, err)) < 0)
		return rc;
	s->rank = rc;
	if ((rc = nids_model_get_choice(m, "combine", COMBINE, err)) < 0)
		return rc;
	s->combine = rc;
	if ((rc = nids_model_get_long(m, "buckets", 1, MAX_TYPES, &buckets, err)) < 0 ||
	    (rc = nids_model_get_long(m, "seeds", 1, MAX_SEEDS, &seeds, err)) < 0)
		return rc;
	s->buckets = (int)buckets;
	char buf[512];
	const char *v = nids_model_get(m, "members");
	if (!v || strlen(v) >= sizeof buf)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--members': bad list");
	strcpy(buf, v);
	char *items[MAX_TYPES + 1];
	int n = nids_cli_split_list(buf, items, MAX_TYPES + 1);
	if (n < 1 || n > MAX_TYPES)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--members': '%s' is not a list "
		                    "of 1 to %d model types", v, MAX_TYPES);
	s->ntypes = n;
	s->nm = 0;
	for (int g = 0; g < n; g++) {
		const nids_model_type *t = nids_model_type_find(items[g]);
		if (!t || t->needs_labels || !strcmp(items[g], "ensemble"))
			return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--members': '%s' is not "
			                    "an unsupervised model type", items[g]);
		for (int h = 0; h < g; h++)
			if (!strcmp(s->types[h], items[g]))
				return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--members': '%s' "
				                    "twice (use --seeds for replicas)", items[g]);
		snprintf(s->types[g], sizeof s->types[g], "%s", items[g]);
		s->nrep[g] = is_neural(items[g]) ? (int)seeds : 1;
		for (int k = 0; k < s->nrep[g]; k++)
			s->group[s->nm++] = g;
	}
	return 0;
}

/* ---- training ---- */

typedef struct train_job {
	nids_model *m;           /* the ensemble */
	ens_state *s;
	const nids_dataset *train, *val;
	const nids_fit_opts *o;
	atomic_int next;
	int rc[MAX_MEMBERS];
	nids_err err[MAX_MEMBERS];
	pthread_mutex_t mu;      /* progress lines */
} train_job;

/* Member i's seed: replica k of its type trains from seed + SEED_STEP k. */
static uint64_t member_seed(const ens_state *s, uint64_t seed, int i)
{
	int k = 0;
	for (int j = 0; j < i; j++)
		k += s->group[j] == s->group[i];
	return seed + (uint64_t)SEED_STEP * (uint64_t)k;
}

/* A worker: takes members in order until none is left, each trained on one thread. */
static void train_worker(void *ctx, int t)
{
	(void)t;
	train_job *j = ctx;
	ens_state *s = j->s;
	for (int i; (i = atomic_fetch_add(&j->next, 1)) < s->nm;) {
		nids_fit_opts o = *j->o;
		o.threads = 1;
		o.progress = NULL;
		o.progress_tty = 0;
		o.report = NULL;
		nids_model *mm = NULL;
		int rc = nids_model_new(&mm, s->types[s->group[i]], &j->err[i]);
		if (!rc) {
			mm->seed = member_seed(s, j->m->seed, i);
			rc = nids_model_fit(mm, j->train, j->val, &o, &j->err[i]);
		}
		j->rc[i] = rc;
		s->mem[i] = mm;
		if (!rc && j->o->progress) {
			pthread_mutex_lock(&j->mu);
			fprintf(j->o->progress, "ensemble: member %d of %d trained (-t %s, seed %llu)\n",
			        i + 1, s->nm, s->types[s->group[i]], (unsigned long long)mm->seed);
			pthread_mutex_unlock(&j->mu);
		}
	}
}

/* Scores rows x [n x d] with member mm into sc [n] over threads threads. */
static int member_scores(const nids_model *mm, const float *x, size_t n, int threads, float *sc,
                         nids_err *err)
{
	enum { CHUNK = 16384 };
	int nout = nids_model_outputs(mm, 0, NULL, err);
	if (nout < 0)
		return nout;
	float *out = malloc(sizeof(float) * CHUNK * (size_t)nout);
	nids_scorer *sco = NULL;
	int rc = out ? nids_scorer_new(&sco, mm, 0, threads, CHUNK, err)
	             : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (size_t r = 0; !rc && r < n; r += CHUNK) {
		int B = n - r < CHUNK ? (int)(n - r) : CHUNK;
		nids_scorer_run(sco, x + r * (size_t)mm->d, B, r, out);
		for (int i = 0; i < B; i++)
			sc[r + (size_t)i] = out[(size_t)i * nout];
	}
	nids_scorer_free(sco);
	free(out);
	return rc;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Member i's standardization from its training scores sc [n] (sorted in place for rank):
 * mean and sd into stand [2], or the order statistics into cdf [ncdf]. */
static void standardize_fit(const ens_state *s, float *sc, size_t n, float *stand, float *cdf,
                            int ncdf)
{
	double sum = 0, sq = 0;
	for (size_t r = 0; r < n; r++)
		sum += sc[r];
	double mu = sum / (double)n;
	for (size_t r = 0; r < n; r++)
		sq += ((double)sc[r] - mu) * ((double)sc[r] - mu);
	stand[0] = (float)mu;
	stand[1] = (float)sqrt(sq / (double)n);
	if (!s->rank)
		return;
	qsort(sc, n, sizeof *sc, cmp_float);
	for (int k = 0; k < ncdf; k++)
		cdf[k] = sc[ncdf > 1 ? (size_t)((double)k * (double)(n - 1) / (ncdf - 1) + 0.5) : 0];
}

/* Member mm's model file as bytes (malloc'd). */
static int member_bytes(const nids_model *mm, char **buf, size_t *len, nids_err *err)
{
	*buf = NULL;
	FILE *f = open_memstream(buf, len);
	if (!f)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int rc = nids_model_write(mm, f, err);
	if (fclose(f) && !rc)
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

static int ens_load(nids_model *m, const nids_arena *file, nids_err *err);

/* The arena: every member's file, then its standardization. sc [nm x n] the training
 * scores of each member. */
static int store(nids_model *m, ens_state *s, float *sc, size_t n, nids_err *err)
{
	char *bytes[MAX_MEMBERS] = { 0 };
	size_t len[MAX_MEMBERS];
	int ncdf = n < CDF_MAX ? (int)n : CDF_MAX, rc = 0;
	nids_arena_free(&m->arena);
	for (int i = 0; !rc && i < s->nm; i++)
		rc = member_bytes(s->mem[i], &bytes[i], &len[i], err);
	for (int i = 0; rc >= 0 && i < s->nm; i++) {
		char name[NIDS_TENSOR_NAME];
		snprintf(name, sizeof name, "member.%d", i);
		rc = nids_arena_add(&m->arena, name, 1, (int)((len[i] + 3) / 4), err);
	}
	if (rc >= 0)
		rc = nids_arena_add(&m->arena, "stand", s->nm, 2, err);
	for (int i = 0; rc >= 0 && s->rank && i < s->nm; i++) {
		char name[NIDS_TENSOR_NAME];
		snprintf(name, sizeof name, "cdf.%d", i);
		rc = nids_arena_add(&m->arena, name, 1, ncdf, err);
	}
	if (rc >= 0)
		rc = nids_arena_alloc(&m->arena, err);
	for (int i = 0; rc >= 0 && i < s->nm; i++) {
		memcpy(nids_arena_ptr(&m->arena, m->arena.data, i), bytes[i], len[i]);
		float *stand = nids_arena_ptr(&m->arena, m->arena.data, s->nm) + 2 * i;
		float *cdf = s->rank ? nids_arena_ptr(&m->arena, m->arena.data, s->nm + 1 + i) : NULL;
		standardize_fit(s, sc + (size_t)i * n, n, stand, cdf, ncdf);
	}
	for (int i = 0; i < s->nm; i++)
		free(bytes[i]);
	return rc < 0 ? rc : 0;
}

static int ens_fit(nids_model *m, const nids_dataset *train, const nids_dataset *val,
                   const nids_fit_opts *o, nids_err *err)
{
	ens_state *s = calloc(1, sizeof *s);
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int rc = parse_hp(m, s, err);
	train_job *j = rc ? NULL : calloc(1, sizeof *j);
	nids_pool *pool = NULL;
	if (!rc && !j)
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc) {
		*j = (train_job){ .m = m, .s = s, .train = train, .val = val, .o = o };
		atomic_init(&j->next, 0);
		pthread_mutex_init(&j->mu, NULL);
		int threads = o->threads < s->nm ? o->threads : s->nm;
		rc = nids_pool_new(&pool, threads > 0 ? threads : 1, err);
	}
	if (!rc) {
		nids_pool_run(pool, train_worker, j);
		for (int i = 0; !rc && i < s->nm; i++)
			if ((rc = j->rc[i]) < 0)
				rc = nids_err_set(err, rc, j->err[i].where[0] ? j->err[i].where : NULL,
				                  "member %d (-t %s): %s", i + 1, s->types[s->group[i]],
				                  j->err[i].msg);
	}
	nids_pool_free(pool);
	if (j)
		pthread_mutex_destroy(&j->mu);
	free(j);
	float *sc = rc ? NULL : malloc(sizeof(float) * train->n * (size_t)s->nm);
	if (!rc && !sc)
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for the training scores");
	for (int i = 0; !rc && i < s->nm; i++)
		rc = member_scores(s->mem[i], train->x, train->n, o->threads, sc + (size_t)i * train->n,
		                   err);
	if (!rc)
		rc = store(m, s, sc, train->n, err);
	free(sc);
	ens_free_state(s);
	/* the state from the stored bytes, exactly as a load makes it */
	return rc ? rc : ens_load(m, &m->arena, err);
}

/* ---- loading ---- */

/* Member i from its tensor t: the file's length from its own header, zero padding after
 * it; every check of nids_model_read on the bytes. */
static int load_member(nids_model *m, ens_state *s, const nids_arena *file, int i, nids_err *err)
{
	char name[NIDS_TENSOR_NAME], where[64];
	snprintf(name, sizeof name, "member.%d", i);
	snprintf(where, sizeof where, "member %d", i + 1);
	int t = nids_arena_find(file, name);
	if (t < 0 || file->t[t].rows != 1)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "no tensor %s", name);
	const unsigned char *b = (const unsigned char *)nids_arena_ptr(file, file->data, t);
	size_t cap = (size_t)file->t[t].cols * 4, len = 0;
	for (int k = 7; cap >= 24 && k >= 0; k--) /* the file's length, u64 at offset 16 */
		len = len << 8 | b[16 + k];
	if (cap < 24 || len > cap || len + 4 <= cap)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "%s: a member of %zu bytes does not "
		                    "fill its tensor of %zu", where, len, cap);
	int rc = nids_model_read_mem(&s->mem[i], b, len, where, err);
	if (rc < 0) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
		return nids_err_set(err, rc, NULL, "%s: %s", where, msg);
	}
	nids_model *mm = s->mem[i];
	if (strcmp(mm->type->name, s->types[s->group[i]]))
		return nids_err_set(err, NIDS_EFORMAT, NULL, "%s is -t %s, the ensemble lists %s",
		                    where, mm->type->name, s->types[s->group[i]]);
	if (mm->d != m->d)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "%s has %d features, the ensemble %d",
		                    where, mm->d, m->d);
	for (int j = 0; j < m->d; j++)
		if (strcmp(mm->features[j], m->features[j]))
			return nids_err_set(err, NIDS_EFORMAT, NULL, "%s: feature %d is '%s', the "
			                    "ensemble's '%s'", where, j + 1, mm->features[j],
			                    m->features[j]);
	if ((rc = nids_model_outputs(mm, 0, NULL, err)) < 0)
		return rc;
	s->nout[i] = rc;
	return 0;
}

static int ens_load(nids_model *m, const nids_arena *file, nids_err *err)
{
	ens_state *s = calloc(1, sizeof *s);
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int rc = parse_hp(m, s, err);
	if (!rc && file->n != s->nm + 1 + (s->rank ? s->nm : 0))
		rc = nids_err_set(err, NIDS_EFORMAT, NULL, "%d tensors for %d members", file->n, s->nm);
	for (int i = 0; !rc && i < s->nm; i++)
		rc = load_member(m, s, file, i, err);
	int st = rc ? -1 : nids_arena_find(file, "stand");
	if (!rc && (st < 0 || file->t[st].rows != s->nm || file->t[st].cols != 2))
		rc = nids_err_set(err, NIDS_EFORMAT, NULL, "bad tensor stand");
	if (rc) {
		ens_free_state(s);
		return rc;
	}
	/* the arena becomes the file's (a load) or stays (after a fit) */
	if (file != &m->arena) {
		nids_arena_free(&m->arena);
		m->arena = *file;
		if (!(m->arena.data = nids_floats(file->size))) {
			ens_free_state(s);
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		}
		memcpy(m->arena.data, file->data, sizeof(float) * file->size);
	}
	const float *stand = nids_arena_ptr(&m->arena, m->arena.data, st);
	for (int i = 0; !rc && i < s->nm; i++) {
		s->mu[i] = stand[2 * i];
		s->sd[i] = stand[2 * i + 1] > 0 ? stand[2 * i + 1] : 1;
		if (!isfinite(stand[2 * i]) || !isfinite(stand[2 * i + 1]) || stand[2 * i + 1] < 0)
			rc = nids_err_set(err, NIDS_EFORMAT, NULL, "member %d: bad standardization",
			                  i + 1);
		if (!s->rank)
			continue;
		char name[NIDS_TENSOR_NAME];
		snprintf(name, sizeof name, "cdf.%d", i);
		int t = nids_arena_find(&m->arena, name);
		if (t < 0 || m->arena.t[t].rows != 1 || m->arena.t[t].cols < 1) {
			rc = nids_err_set(err, NIDS_EFORMAT, NULL, "no tensor %s", name);
			break;
		}
		s->cdf[i] = nids_arena_ptr(&m->arena, m->arena.data, t);
		s->ncdf[i] = m->arena.t[t].cols;
		for (int k = 1; !rc && k < s->ncdf[i]; k++)
			if (!(s->cdf[i][k] >= s->cdf[i][k - 1]))
				rc = nids_err_set(err, NIDS_EFORMAT, NULL, "%s is not sorted", name);
	}
	if (rc) {
		ens_free_state(s);
		return rc;
	}
	if (m->state && m->type->free_state)
		m->type->free_state(m->state);
	m->state = s;
	return 0;
}

/* ---- scoring ---- */

/* Per scoring thread: each member's scratch and output block. It keeps the state it
 * was made for, to free the members' scratch through their types. */
typedef struct ens_scratch {
	const ens_state *s;
	void *sub[MAX_MEMBERS];
	float *out[MAX_MEMBERS]; /* [cap x nout[i]] */
} ens_scratch;

static void ens_scratch_free(void *p)
{
	ens_scratch *z = p;
	if (!z)
		return;
	for (int i = 0; i < z->s->nm; i++) {
		if (z->sub[i])
			z->s->mem[i]->type->scratch_free(z->sub[i]);
		free(z->out[i]);
	}
	free(z);
}

static void *ens_scratch_new(const nids_model *m, int cap, unsigned outputs)
{
	(void)outputs;
	const ens_state *s = m->state;
	ens_scratch *z = calloc(1, sizeof *z);
	if (!z)
		return NULL;
	z->s = s;
	for (int i = 0; i < s->nm; i++)
		if (!(z->sub[i] = s->mem[i]->type->scratch_new(s->mem[i], cap, 0)) ||
		    !(z->out[i] = nids_floats((size_t)cap * s->nout[i]))) {
			ens_scratch_free(z);
			return NULL;
		}
	return z;
}

/* Member i's standardized score of raw score v: the z-score, or the empirical CDF of
 * the training scores c [n] (sorted): 0 below them, 1 above, k / (n - 1) at c[k] (the
 * last of equal ones), linear in between. */
static double standardized(const ens_state *s, int i, float v)
{
	if (!s->rank)
		return ((double)v - s->mu[i]) / s->sd[i];
	const float *c = s->cdf[i];
	int n = s->ncdf[i];
	if (!(v >= c[0]))
		return 0;
	if (!(v < c[n - 1]))
		return 1;
	int lo = 0, hi = n - 1; /* c[lo] <= v < c[hi] */
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;
		if (c[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	double frac = c[lo] == v ? 0 : ((double)v - c[lo]) / ((double)c[hi] - c[lo]);
	return (lo + frac) / (n - 1);
}

static void ens_score(const nids_model *m, void *scratch, const float *x, int B, uint64_t row0,
                      unsigned outputs, float *out, int ldo)
{
	(void)outputs;
	const ens_state *s = m->state;
	ens_scratch *z = scratch;
	for (int i = 0; i < s->nm; i++)
		s->mem[i]->type->score(s->mem[i], z->sub[i], x, B, row0, 0, z->out[i], s->nout[i]);
	for (int r = 0; r < B; r++) {
		double g[MAX_TYPES] = { 0 }, bmax[MAX_TYPES];
		for (int i = 0; i < s->nm; i++)
			g[s->group[i]] += standardized(s, i, z->out[i][(size_t)r * s->nout[i]]);
		double acc = s->combine == 1 ? -INFINITY : 0;
		for (int t = 0; t < s->ntypes; t++) {
			g[t] /= s->nrep[t];
			acc = s->combine == 1 ? (g[t] > acc ? g[t] : acc) : acc + g[t];
		}
		if (s->combine == 0)
			acc /= s->ntypes;
		if (s->combine == 2) { /* aom: the mean over buckets of each bucket's maximum */
			int nb = s->buckets < s->ntypes ? s->buckets : s->ntypes;
			for (int b = 0; b < nb; b++)
				bmax[b] = -INFINITY;
			for (int t = 0; t < s->ntypes; t++)
				bmax[t % nb] = g[t] > bmax[t % nb] ? g[t] : bmax[t % nb];
			acc = 0;
			for (int b = 0; b < nb; b++)
				acc += bmax[b];
			acc /= nb;
		}
		out[(size_t)r * ldo] = (float)acc;
	}
}

const nids_model_type nids_model_ensemble = {
	.name = "ensemble",
	.summary = "member detectors' scores standardized on the training rows and combined "
	           "(PyOD's mean, max, aom)",
	.hparams = ENSEMBLE_HPARAMS,
	.outputs = 0,
	.needs_labels = 0,
	.fit = ens_fit,
	.load = ens_load,
	.scratch_new = ens_scratch_new,
	.scratch_free = ens_scratch_free,
	.score = ens_score,
	.free_state = ens_free_state,
	.any_batch = 0, /* members with matrix products see blocks of NIDS_SCORE_ROWS */
};
