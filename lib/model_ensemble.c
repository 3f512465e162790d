/* model_ensemble.c: a score ensemble of unsupervised detectors (-t ensemble).
 *
 * Member detectors of several types (--members: reconstruction, likelihood, mixture
 * density, distance, isolation; the default, ae and kmeans, is what bench/quality.md's
 * rule chose from all their subsets within the training and scoring cost) are trained
 * on the same rows, concurrently over -j threads, each on one thread, so a model does
 * not depend on -j. Neural members may be trained --seeds
 * times from different seeds. Each member's score is standardized on the training rows
 * (--standardize: zscore, (s - mean) / sd as PyOD's standardizer; or rank, the
 * empirical CDF of the training scores), the replicas of one type are averaged, and
 * the types are combined by PyOD's rules (--combine): mean (average), max
 * (maximization) or aom (average of maximum over --buckets buckets, type i in bucket
 * i mod buckets: a fixed assignment instead of PyOD's random one, so a model is
 * reproducible from its file).
 *
 * The model file nests the members: tensor "member.I" holds member I as a small model
 * file of its own, packed four bytes to a float32: a text part ("type=", "seed=",
 * "hp.KEY=" lines for all its hyperparameters, "tensor=NAME ROWS COLS OFFSET" lines,
 * "arena=FLOATS", then NUL bytes to a 64-byte boundary) and its float32 arena; the
 * outer file's checksum covers it, and loading checks every line, every tensor against
 * the arena and the type's own shapes, as a file's loading does. "stand" [members x 2]
 * holds each member's training mean and sd (zscore), or "cdf.I" [1 x n] the sorted
 * training scores (at most CDF_MAX order statistics, evenly spaced by rank) of member I
 * (rank).
 *
 * The members are handled here with their types' own functions (fit, load, score), not
 * through the model table, which lists this type: the library's files refer to each
 * other without a cycle. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "model_impl.h"
#include "pool_impl.h"

/* The types a member may have: the unsupervised ones. */
extern const nids_model_type nids_model_ae, nids_model_vae, nids_model_dagmm, nids_model_memae,
	nids_model_dsebm, nids_model_aegmm, nids_model_kmeans, nids_model_iforest;
static const nids_model_type *const MEMBER_TYPES[] = {
	&nids_model_ae,    &nids_model_vae,    &nids_model_dagmm,  &nids_model_memae,
	&nids_model_dsebm, &nids_model_aegmm,  &nids_model_kmeans, &nids_model_iforest, NULL
};

#define MAX_TYPES 8
#define MAX_SEEDS 8
#define MAX_MEMBERS (MAX_TYPES * MAX_SEEDS)
#define CDF_MAX 10000
#define SEED_STEP 100 /* replica k of a neural member trains from seed + 100 k */

static const nids_hparam ENSEMBLE_HPARAMS[] = {
	{ "members", 0, "ae,kmeans",
	  "member types (comma-separated, unsupervised ones), each with its own defaults" },
	{ "standardize", 0, "rank", "member scores on the training rows: zscore or rank" },
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
	const nids_model_type *types[MAX_TYPES];
	int group[MAX_MEMBERS];   /* the type of member i */
	int nrep[MAX_TYPES];      /* replicas of each type */
	nids_model *mem[MAX_MEMBERS];
	int nout[MAX_MEMBERS];    /* member i's output columns (its score is column 0) */
	double mu[MAX_MEMBERS], sd[MAX_MEMBERS];
	const float *cdf[MAX_MEMBERS]; /* into m->arena (rank) */
	int ncdf[MAX_MEMBERS];
} ens_state;

/* ---- members: made, freed and counted with their types' functions ---- */

/* A member of type t with its default hyperparameters, on the ensemble's features
 * (lent: a member never outlives its ensemble). NULL when out of memory. */
static nids_model *member_new(const nids_model_type *t, const nids_model *ens)
{
	nids_model *mm = calloc(1, sizeof *mm);
	int n = 0;
	while (t->hparams[n].name)
		n++;
	if (!mm || !(mm->hp = calloc((size_t)n + 1, sizeof *mm->hp))) {
		free(mm);
		return NULL;
	}
	mm->type = t;
	mm->d = ens->d;
	mm->features = ens->features;
	for (int i = 0; i < n; i++)
		if (!(mm->hp[i] = strdup(t->hparams[i].defval))) {
			for (int k = 0; k < i; k++)
				free(mm->hp[k]);
			free(mm->hp);
			free(mm);
			return NULL;
		}
	return mm;
}

static void member_free(nids_model *mm)
{
	if (!mm)
		return;
	for (int i = 0; mm->type->hparams[i].name; i++)
		free(mm->hp[i]);
	free(mm->hp);
	nids_arena_free(&mm->arena);
	if (mm->state && mm->type->free_state)
		mm->type->free_state(mm->state);
	free(mm);
}

/* Output columns of a member scoring nothing but its score(s). */
static int member_nout(const nids_model_type *t)
{
	int n = 1;
	while (t->scores && t->scores[n - 1])
		n++;
	return n;
}

static void ens_free_state(void *p)
{
	ens_state *s = p;
	if (!s)
		return;
	for (int i = 0; i < s->nm; i++)
		member_free(s->mem[i]);
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
		const nids_model_type *t = NULL;
		for (int k = 0; MEMBER_TYPES[k] && !t; k++)
			t = strcmp(MEMBER_TYPES[k]->name, items[g]) ? NULL : MEMBER_TYPES[k];
		if (!t)
			return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--members': '%s' is not "
			                    "an unsupervised model type (ae, vae, dagmm, memae, dsebm, "
			                    "aegmm, kmeans, iforest)", items[g]);
		for (int h = 0; h < g; h++)
			if (s->types[h] == t)
				return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--members': '%s' "
				                    "twice (use --seeds for replicas)", items[g]);
		s->types[g] = t;
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
	float *sc;               /* [nm x train->n] each member's training scores */
	atomic_int next;
	int rc[MAX_MEMBERS];
	nids_err err[MAX_MEMBERS];
	pthread_mutex_t mu;      /* progress lines */
} train_job;

/* Scores rows x [n x d] with member mm into sc [n], in blocks of NIDS_SCORE_ROWS (the
 * last one padded with zero rows), as the scorer does, so these are its scores. */
static int member_scores(const nids_model *mm, const float *x, size_t n, float *sc, nids_err *err)
{
	const int B = NIDS_SCORE_ROWS, d = mm->d, nout = member_nout(mm->type);
	void *scratch = mm->type->scratch_new(mm, B, 0);
	float *xb = nids_floats((size_t)B * d), *ob = nids_floats((size_t)B * nout);
	int rc = scratch && xb && ob ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (size_t r = 0; !rc && r < n; r += (size_t)B) {
		size_t rows = n - r < (size_t)B ? n - r : (size_t)B;
		memcpy(xb, x + r * d, sizeof(float) * rows * d);
		memset(xb + rows * d, 0, sizeof(float) * ((size_t)B - rows) * d);
		mm->type->score(mm, scratch, xb, B, r, 0, ob, nout);
		for (size_t i = 0; i < rows; i++)
			sc[r + i] = ob[i * nout];
	}
	if (scratch)
		mm->type->scratch_free(scratch);
	free(xb), free(ob);
	return rc;
}

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
		nids_model *mm = member_new(s->types[s->group[i]], j->m);
		int rc = mm ? 0 : nids_err_set(&j->err[i], NIDS_ENOMEM, NULL, "out of memory");
		if (!rc) {
			mm->seed = member_seed(s, j->m->seed, i);
			mm->train_rows = j->train->n;
			rc = mm->type->fit(mm, j->train, j->val, &o, &j->err[i]);
		}
		if (!rc)
			rc = member_scores(mm, j->train->x, j->train->n, j->sc + (size_t)i * j->train->n,
			                   &j->err[i]);
		j->rc[i] = rc;
		s->mem[i] = mm;
		if (!rc && j->o->progress) {
			pthread_mutex_lock(&j->mu);
			fprintf(j->o->progress, "ensemble: member %d of %d trained (-t %s, seed %llu)\n",
			        i + 1, s->nm, mm->type->name, (unsigned long long)mm->seed);
			pthread_mutex_unlock(&j->mu);
		}
	}
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

/* Member mm as bytes (malloc'd; see the top of this file): the text part, NUL bytes to
 * a 64-byte boundary, the arena. */
static int member_bytes(const nids_model *mm, char **buf, size_t *len, nids_err *err)
{
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	if (!f)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	fprintf(f, "type=%s\nseed=%llu\n", mm->type->name, (unsigned long long)mm->seed);
	for (int i = 0; mm->type->hparams[i].name; i++)
		fprintf(f, "hp.%s=%s\n", mm->type->hparams[i].name, mm->hp[i]);
	for (int i = 0; i < mm->arena.n; i++)
		fprintf(f, "tensor=%s %d %d %zu\n", mm->arena.t[i].name, mm->arena.t[i].rows,
		        mm->arena.t[i].cols, mm->arena.t[i].off);
	fprintf(f, "arena=%zu\n", mm->arena.size);
	if (fclose(f) || !text)
		return free(text), nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	size_t start = (tlen + 1 + 63) / 64 * 64, abytes = mm->arena.size * sizeof(float);
	*buf = calloc(1, start + abytes);
	if (!*buf)
		return free(text), nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	memcpy(*buf, text, tlen);
	memcpy(*buf + start, mm->arena.data, abytes);
	*len = start + abytes;
	free(text);
	return 0;
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
	float *sc = rc ? NULL : malloc(sizeof(float) * train->n * (size_t)s->nm);
	nids_pool *pool = NULL;
	if (!rc && (!j || !sc))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for the training scores");
	if (!rc) {
		*j = (train_job){ .m = m, .s = s, .train = train, .val = val, .o = o, .sc = sc };
		atomic_init(&j->next, 0);
		pthread_mutex_init(&j->mu, NULL);
		int threads = o->threads < s->nm ? o->threads : s->nm;
		threads = threads > 0 ? threads : 1;
		/* members train side by side, each calling OpenBLAS */
		if ((rc = nids_blas_threads(1, threads, err)) == 0)
			rc = nids_pool_new(&pool, threads, err);
	}
	if (!rc) {
		nids_pool_run(pool, train_worker, j);
		for (int i = 0; !rc && i < s->nm; i++)
			if ((rc = j->rc[i]) < 0)
				rc = nids_err_set(err, rc, j->err[i].where[0] ? j->err[i].where : NULL,
				                  "member %d (-t %s): %s", i + 1, s->types[s->group[i]]->name,
				                  j->err[i].msg);
	}
	nids_pool_free(pool);
	if (j)
		pthread_mutex_destroy(&j->mu);
	free(j);
	if (!rc)
		rc = store(m, s, sc, train->n, err);
	free(sc);
	ens_free_state(s);
	/* the state from the stored bytes, exactly as a load makes it */
	return rc ? rc : ens_load(m, &m->arena, err);
}

/* ---- loading ---- */

/* One "key=value" line of a member's text into mm and its file layout fa. */
static int member_line(nids_model *mm, nids_arena *fa, char *line, const char *where,
                       nids_err *err)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "%s: bad line '%.40s'", where, line);
	*eq = 0;
	const char *k = line, *v = eq + 1;
	if (!strcmp(k, "seed"))
		return mm->seed = strtoull(v, NULL, 10), 0;
	if (!strncmp(k, "hp.", 3)) {
		if (!nids_model_get(mm, k + 3))
			return nids_err_set(err, NIDS_EFORMAT, NULL, "%s: -t %s has no option '%s'",
			                    where, mm->type->name, k + 3);
		return nids_model_set(mm, k + 3, v, err);
	}
	int rc = !strcmp(k, "arena")    ? nids_arena_read_size(fa, v, NULL, err)
	         : !strcmp(k, "tensor") ? nids_arena_read_tensor(fa, v, NULL, err)
	                                : nids_err_set(err, NIDS_EFORMAT, NULL, "bad line '%.40s'", k);
	if (rc < 0) {
		char before[80];
		snprintf(before, sizeof before, "%s: ", where);
		rc = nids_err_wrap(err, rc, before, "");
	}
	return rc;
}

/* Member i from tensor "member.I" of file: its text, then its arena, every tensor inside
 * it and its type's own checks of the shapes (the type's load). */
static int load_member(nids_model *m, ens_state *s, const nids_arena *file, int i, nids_err *err)
{
	char name[NIDS_TENSOR_NAME], where[64];
	snprintf(name, sizeof name, "member.%d", i);
	snprintf(where, sizeof where, "member %d", i + 1);
	int t = nids_arena_find(file, name);
	if (t < 0 || file->t[t].rows != 1)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "no tensor %s", name);
	const char *b = (const char *)nids_arena_ptr(file, file->data, t);
	size_t cap = (size_t)file->t[t].cols * 4;
	const char *nul = memchr(b, 0, cap);
	const nids_model_type *ty = s->types[s->group[i]];
	char head[64];
	snprintf(head, sizeof head, "type=%s\n", ty->name);
	if (!nul || strncmp(b, head, strlen(head)))
		return nids_err_set(err, NIDS_EFORMAT, NULL, "%s: not a -t %s member", where, ty->name);
	nids_model *mm = s->mem[i] = member_new(ty, m);
	char *text = strndup(b + strlen(head), (size_t)(nul - b) - strlen(head));
	nids_arena fa = { 0 };
	int rc = mm && text ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (char *line = text, *nl; !rc && line && *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n'))) {
			rc = nids_err_set(err, NIDS_EFORMAT, NULL, "%s: unterminated line", where);
			break;
		}
		*nl = 0;
		rc = member_line(mm, &fa, line, where, err);
	}
	free(text);
	size_t start = ((size_t)(nul - b) + 1 + 63) / 64 * 64;
	if (!rc && (start > cap || fa.size > (cap - start) / sizeof(float) ||
	            cap - start - fa.size * sizeof(float) >= 4))
		rc = nids_err_set(err, NIDS_EFORMAT, NULL, "%s: an arena of %zu floats does not fill "
		                  "its %zu bytes", where, fa.size, cap - (start < cap ? start : cap));
	/* (its tensors lie inside its arena: nids_model_tensor_line placed them) */
	if (!rc && !(fa.data = nids_floats(fa.size ? fa.size : 1)))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc) {
		memcpy(fa.data, b + start, fa.size * sizeof(float));
		if ((rc = ty->load(mm, &fa, err)) < 0) {
			char msg[sizeof err->msg];
			snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
			rc = nids_err_set(err, rc == NIDS_ENOMEM ? rc : NIDS_EFORMAT, NULL, "%s: %s",
			                  where, msg);
		}
	}
	nids_arena_free(&fa);
	if (!rc)
		s->nout[i] = member_nout(ty);
	return rc < 0 ? rc : 0;
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
