/* split.c: row selection, sampling, balancing and train/validation routing. */
#include "nids/split.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "nids/cli.h"
#include "nids/io.h"
#include "le_impl.h"
#include "split_sample_impl.h"
#include "spool_impl.h"

/* Independent random streams per purpose, so that adding one option does not reshuffle
 * the draws of another. */
enum { DRAW_FRACTION = 1, DRAW_VAL = 2, DRAW_BALANCE = 3, DRAW_SAMPLE = 4 /* and 5 */ };

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1) for draw i of stream purpose under seed (splitmix64). */
static double unit(uint64_t seed, uint64_t purpose, uint64_t i)
{
	uint64_t key = mix64(seed + purpose * 0x9e3779b97f4a7c15ull);
	return (double)(mix64(key + i * 0x9e3779b97f4a7c15ull) >> 11) * 0x1.0p-53;
}

typedef struct split {
	const nids_split_opts *o;
	const nids_header *h;
	const char *in_name;
	int label_col, class_col;
	unsigned char *sel; /* [nsel] class id selected by --class */
	int nsel;
	nids_writer *w[2];
	int nout;
	nids_split_counts *c;
	size_t C;
	size_t M; /* metadata bytes per row */
	int key_col, key_meta; /* --partition's key: a float column, or a metadata column */
	int time_meta, rec_meta; /* --since/--until's and --records' metadata columns */
	nids_reservoir res[2];   /* exact-size sampling: any label in res[0], or per label */
} split;

/* Which part of part_n the row's key falls in, 0-based: XXH3 of the key's value. */
static int part_of(const split *s, const float *row, const unsigned char *meta)
{
	uint64_t h;
	if (s->key_meta >= 0) {
		const nids_meta_column *mc = &s->h->meta[s->key_meta];
		const unsigned char *v = meta + mc->off;
		if (mc->type == NIDS_TYPE_STR) { /* the text: ids differ from stream to stream */
			uint32_t id = nids_get32(v);
			const char *t = id < (uint32_t)s->h->nstrings ? s->h->strings[id] : "";
			h = XXH3_64bits(t, strlen(t));
		} else {
			h = XXH3_64bits(v, (size_t)nids_type_width(mc->type));
		}
	} else {
		float x = row[s->key_col] == 0 ? 0.0f : row[s->key_col]; /* -0 is 0 */
		h = XXH3_64bits(&x, sizeof x);
	}
	return (int)(h % (uint64_t)s->o->part_n);
}

static int group_of(const split *s, const float *row)
{
	if (s->class_col >= 0)
		return (int)row[s->class_col];
	if (s->label_col >= 0)
		return row[s->label_col] != 0;
	return -1;
}

/* Grows the --class selection and the per-group counts to the header's class table. */
static int follow_classes(split *s, nids_err *err)
{
	const nids_header *h = s->h;
	int want = s->class_col >= 0 ? h->nclasses : s->label_col >= 0 ? 2 : 0;
	if (s->c->ngroups < want) {
		for (int k = 0; k < 2; k++) {
			uint64_t *g = realloc(s->c->by_group[k], (size_t)want * sizeof *g);
			if (!g)
				return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
			memset(g + s->c->ngroups, 0, (size_t)(want - s->c->ngroups) * sizeof *g);
			s->c->by_group[k] = g;
		}
		s->c->ngroups = want;
	}
	if (s->o->nclasses && s->nsel < h->nclasses) {
		unsigned char *sel = realloc(s->sel, (size_t)h->nclasses);
		if (!sel)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		for (int id = s->nsel; id < h->nclasses; id++) {
			sel[id] = 0;
			for (int k = 0; k < s->o->nclasses; k++)
				sel[id] |= strcmp(h->classes[id], s->o->classes[k]) == 0;
		}
		s->sel = sel;
		s->nsel = h->nclasses;
	}
	for (int k = 0; k < s->nout; k++) {
		int rc = nids_writer_sync_classes(s->w[k], h, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Whether the row at input position i passes --benign/--attacks, --class, --partition,
 * --fraction. */
static int selected(const split *s, const float *row, const unsigned char *meta, uint64_t i)
{
	const nids_split_opts *o = s->o;
	if (o->part_n && part_of(s, row, meta) != o->part_k - 1)
		return 0;
	if (o->keep == NIDS_SPLIT_BENIGN && row[s->label_col] != 0)
		return 0;
	if (o->keep == NIDS_SPLIT_ATTACKS && row[s->label_col] == 0)
		return 0;
	if (o->nclasses && !s->sel[(int)row[s->class_col]])
		return 0;
	if (o->has_time) {
		int64_t t = nids_meta_get_i64(meta + s->h->meta[s->time_meta].off);
		if (t == INT64_MIN || t < o->time_from || t >= o->time_to)
			return 0;
	}
	if (o->rec && !nids_split_records_has(o->rec, o->nrec,
	                                      nids_meta_get_u64(meta + s->h->meta[s->rec_meta].off)))
		return 0;
	return o->fraction >= 1 || unit(o->seed, DRAW_FRACTION, i) < o->fraction;
}

/* Sends a kept row to train or validation and counts it. */
static int emit(split *s, const float *row, const unsigned char *meta, nids_err *err)
{
	nids_split_counts *c = s->c;
	int out = s->nout == 2 && unit(s->o->seed, DRAW_VAL, c->out[0] + c->out[1]) < s->o->val;
	int g = group_of(s, row);
	c->out[out]++;
	if (g >= 0)
		c->by_group[out][g]++;
	return nids_writer_write_meta(s->w[out], row, meta, 1, err);
}

/* Every requested class name must have appeared in the class table by the end. */
static int check_class_names(const split *s, nids_err *err)
{
	for (int k = 0; k < s->o->nclasses; k++) {
		int found = 0;
		for (int id = 0; id < s->h->nclasses && !found; id++)
			found = strcmp(s->h->classes[id], s->o->classes[k]) == 0;
		if (found)
			continue;
		char known[400] = "";
		size_t len = 0;
		for (int id = 0; id < s->h->nclasses && len < sizeof known - 1; id++)
			len += (size_t)snprintf(known + len, sizeof known - len, "%s%s",
			                        id ? ", " : "", s->h->classes[id]);
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "unknown class '%s' (the stream has: %s)", s->o->classes[k],
		                    s->h->nclasses ? known : "no class names");
	}
	return 0;
}

/* --balance, second half: all minority rows, and exactly as many majority rows chosen
 * by selection sampling (Knuth's algorithm S), in their original order. */
static int replay_balanced(split *s, nids_spool *spool, const uint64_t n[2], nids_err *err)
{
	uint64_t minority = n[0] < n[1] ? n[0] : n[1], seen = 0, chosen = 0;
	int major = n[0] == n[1] ? -1 : n[0] > n[1] ? 0 : 1;
	uint64_t total_major = major < 0 ? 0 : n[major];
	float *rows;
	unsigned char *meta;
	long k;
	int rc = 0;
	while (!rc && (k = nids_spool_next(spool, &rows, &meta, err)) != 0) {
		if (k < 0)
			return (int)k;
		for (long i = 0; i < k && !rc; i++) {
			const float *row = rows + (size_t)i * s->C;
			if ((row[s->label_col] != 0) == major) {
				double u = unit(s->o->seed, DRAW_BALANCE, seen);
				int take = u * (double)(total_major - seen) <
				           (double)(minority - chosen);
				seen++;
				if (!take)
					continue;
				chosen++;
			}
			rc = emit(s, row, meta + (size_t)i * s->M, err);
		}
	}
	return rc;
}

/* The streaming pass: select, then emit or (with --balance) spool. */
static int pass(split *s, nids_reader *r, nids_spool *spool, uint64_t n[2], nids_err *err)
{
	float *rows;
	long k;
	while ((k = nids_reader_next(r, &rows, err)) != 0) {
		if (k < 0)
			return (int)k;
		int rc = follow_classes(s, err);
		const unsigned char *meta = nids_reader_meta(r);
		/* a row's draws and its place in a sample go by its position in all the input,
		   read as one stream; messages name its row in its own file */
		uint64_t first = nids_reader_file_rows(r) - (uint64_t)k;
		uint64_t pos = nids_reader_rows(r) - (uint64_t)k;
		for (long i = 0; i < k && !rc; i++) {
			const float *row = rows + (size_t)i * s->C;
			s->c->in++;
			/* as in nids-fit, nids-roc and nids-threshold: a label is 0 or 1, and
			 * anything else (0.5, 1e20, nan) is an error, not an attack */
			if (s->label_col >= 0 && row[s->label_col] != 0 && row[s->label_col] != 1) {
				char where[300];
				snprintf(where, sizeof where, "%s: row %llu", s->in_name,
				         (unsigned long long)(first + (uint64_t)i + 1));
				rc = nids_err_set(err, NIDS_EFORMAT, where, "label %g is not 0 or 1",
				                  (double)row[s->label_col]);
				break;
			}
			const unsigned char *m = meta ? meta + (size_t)i * s->M : NULL;
			if (!selected(s, row, m, pos + (uint64_t)i))
				continue;
			if (s->o->sampling) {
				int g = s->o->sample_by_label && row[s->label_col] != 0;
				nids_reservoir *res = &s->res[g];
				rc = nids_reservoir_offer(res, row, m, pos + (uint64_t)i,
				                          unit(s->o->seed, DRAW_SAMPLE + (uint64_t)g,
				                               res->seen), err);
			} else if (!spool) {
				rc = emit(s, row, m, err);
			} else if (!(rc = nids_spool_put(spool, row, m, err))) {
				n[row[s->label_col] != 0]++;
			}
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Exact-size sampling, second half: every reservoir must be full; their rows go out
 * in input order. */
static int emit_sample(split *s, nids_err *err)
{
	static const char *what[2][2] = { { "--rows", "" }, { "--benign-rows", "--attack-rows" } };
	int ng = s->o->sample_by_label ? 2 : 1, rc = 0;
	for (int g = 0; g < ng && !rc; g++) {
		nids_reservoir *r = &s->res[g];
		if (r->cap != UINT64_MAX && r->seen < r->cap && s->o->by_ratio)
			return nids_err_set(err, NIDS_EFORMAT, s->in_name, "--rows %llu with --attack-"
			                    "ratio takes %llu %s rows: only %llu were selected",
			                    (unsigned long long)(s->res[0].cap + s->res[1].cap),
			                    (unsigned long long)r->cap, g ? "attack" : "benign",
			                    (unsigned long long)r->seen);
		if (r->cap != UINT64_MAX && r->seen < r->cap)
			return nids_err_set(err, NIDS_EFORMAT, s->in_name, "%s %llu: only %llu %srows "
			                    "were selected", what[s->o->sample_by_label][g],
			                    (unsigned long long)r->cap, (unsigned long long)r->seen,
			                    ng == 1 ? "" : g ? "attack " : "benign ");
		rc = nids_reservoir_sort(r, err);
	}
	size_t at[2] = { 0, 0 };
	while (!rc && (at[0] < s->res[0].n || at[1] < s->res[1].n)) {
		int g = at[1] < s->res[1].n &&
		        (at[0] == s->res[0].n || s->res[1].pos[at[1]] < s->res[0].pos[at[0]]);
		nids_reservoir *r = &s->res[g];
		rc = emit(s, r->x + at[g] * r->C, r->meta + at[g] * r->M, err);
		at[g]++;
	}
	return rc;
}

/* The metadata columns --since/--until and --records read: the first timestamp; the
 * column 'record', else the first u64. */
static void find_meta(split *s)
{
	s->time_meta = s->rec_meta = -1;
	for (int i = 0; i < s->h->nmeta; i++) {
		const nids_meta_column *m = &s->h->meta[i];
		if (m->type == NIDS_TYPE_TIME && s->time_meta < 0)
			s->time_meta = i;
		if (m->type == NIDS_TYPE_U64 && (s->rec_meta < 0 || !strcmp(m->name, "record")) &&
		    (s->rec_meta < 0 || strcmp(s->h->meta[s->rec_meta].name, "record")))
			s->rec_meta = i;
	}
}

static int needs(const split *s, nids_err *err)
{
	const nids_split_opts *o = s->o;
	const char *need_label = o->keep == NIDS_SPLIT_BENIGN    ? "--benign"
	                         : o->keep == NIDS_SPLIT_ATTACKS ? "--attacks"
	                         : o->balance                    ? "--balance"
	                         : o->sampling && o->sample_by_label
	                                 ? "--benign-rows, --attack-rows and --attack-ratio"
	                                 : NULL;
	if (o->has_time && s->time_meta < 0)
		return nids_err_set(err, NIDS_EFORMAT, s->in_name,
		                    "--since and --until need a timestamp column; the stream has none");
	if (o->rec && s->rec_meta < 0)
		return nids_err_set(err, NIDS_EFORMAT, s->in_name,
		                    "--records needs a record-number column (u64); the stream has none");
	if (need_label && s->label_col < 0)
		return nids_err_set(err, NIDS_EFORMAT, s->in_name,
		                    "%s needs a label column; the stream has none", need_label);
	if (o->nclasses && s->class_col < 0)
		return nids_err_set(err, NIDS_EFORMAT, s->in_name,
		                    "--class needs a class column; the stream has none");
	if (o->part_n && s->key_col < 0 && s->key_meta < 0) {
		if (o->key)
			return nids_err_set(err, NIDS_EFORMAT, s->in_name,
			                    "--key: the stream has no column '%s'", o->key);
		return nids_err_set(err, NIDS_EFORMAT, s->in_name,
		                    "--partition needs an address column (or name one with --key)");
	}
	return 0;
}

int nids_split_run(const nids_split_opts *o, nids_reader *r, const char *in_name,
                   FILE *const out[2], const char *const out_names[2], nids_split_counts *c,
                   nids_err *err)
{
	memset(c, 0, sizeof *c);
	split s = { .o = o, .h = nids_reader_header(r), .in_name = in_name, .c = c };
	s.label_col = nids_header_find_role(s.h, NIDS_ROLE_LABEL);
	s.class_col = nids_header_find_role(s.h, NIDS_ROLE_CLASS);
	s.C = (size_t)s.h->ncols;
	s.M = (size_t)s.h->meta_width;
	s.nout = o->val > 0 ? 2 : 1;
	s.key_col = s.key_meta = -1;
	if (o->part_n && o->key) {
		s.key_meta = nids_header_find_meta(s.h, o->key);
		s.key_col = s.key_meta < 0 ? nids_header_find(s.h, o->key) : -1;
	}
	for (int i = 0; o->part_n && !o->key && i < s.h->nmeta && s.key_meta < 0; i++)
		if (s.h->meta[i].type == NIDS_TYPE_ADDR)
			s.key_meta = i;
	find_meta(&s);
	for (int g = 0; g < 2; g++)
		nids_reservoir_init(&s.res[g], o->sample[g], s.C, s.M);
	int rc = needs(&s, err);
	for (int k = 0; k < s.nout && !rc; k++)
		rc = nids_writer_open(&s.w[k], out[k], out_names[k], s.h, o->level, err);
	nids_spool *spool = NULL;
	if (!rc && o->balance)
		rc = nids_spool_open(&spool, s.C, s.M, err);
	uint64_t n[2] = { 0, 0 };
	if (!rc)
		rc = follow_classes(&s, err);
	if (!rc)
		rc = pass(&s, r, spool, n, err);
	if (!rc)
		rc = check_class_names(&s, err);
	if (!rc && spool)
		rc = replay_balanced(&s, spool, n, err);
	if (!rc && o->sampling)
		rc = emit_sample(&s, err);
	nids_reservoir_free(&s.res[0]);
	nids_reservoir_free(&s.res[1]);
	nids_spool_free(spool);
	free(s.sel);
	for (int k = 0; k < s.nout; k++) {
		if (rc)
			nids_writer_free(s.w[k]);
		else
			rc = nids_writer_close(s.w[k], err);
		s.w[k] = NULL;
	}
	/* names last: the class table is complete only at the end */
	if (c->ngroups && (c->groups = calloc((size_t)c->ngroups, sizeof *c->groups)))
		for (int g = 0; g < c->ngroups; g++)
			c->groups[g] = strdup(s.class_col >= 0 ? s.h->classes[g]
			                      : g              ? "attack"
			                                       : "benign");
	return rc;
}

void nids_split_counts_free(nids_split_counts *c)
{
	for (int g = 0; c->groups && g < c->ngroups; g++)
		free(c->groups[g]);
	free(c->groups);
	free(c->by_group[0]);
	free(c->by_group[1]);
	memset(c, 0, sizeof *c);
}

/* ---- nids-split's options and counts ---- */

static int is_stdout(const char *path) { return !path || strcmp(path, "-") == 0; }

/* --partition K/N, 1 <= K <= N <= 65536 */
static int parse_partition(nids_split_opts *o, const char *arg, nids_err *err)
{
	char buf[64];
	const char *slash = strchr(arg, '/');
	long k, n;
	if (!slash || (size_t)(slash - arg) >= sizeof buf)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--partition': '%s' is not K/N",
		                    arg);
	memcpy(buf, arg, (size_t)(slash - arg));
	buf[slash - arg] = 0;
	if (nids_cli_parse_long(slash + 1, 1, 65536, &n) || nids_cli_parse_long(buf, 1, n, &k))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--partition': '%s' is not K/N "
		                    "with 1 <= K <= N <= 65536", arg);
	o->part_k = (int)k, o->part_n = (int)n;
	return 0;
}

/* --since/--until T: ISO 8601 (what nids-cat prints) or seconds since the epoch. */
static int parse_time(const char *opt, const char *arg, int64_t *us, nids_err *err)
{
	if (nids_time_parse(arg, strlen(arg), us))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '%s': '%s' is not a time (ISO "
		                    "8601 such as 2016-07-27T13:43:21Z, or seconds since the epoch)",
		                    opt, arg);
	return 0;
}

/* The exact-size sampling's quotas from --rows, --attack-ratio, --benign-rows and
 * --attack-rows. */
static int set_quotas(nids_split_opts *o, const nids_split_args *a, nids_err *err)
{
	static const char *name[2] = { "--benign-rows", "--attack-rows" };
	long rows = 0, q[2] = { 0, 0 };
	double ratio = NAN;
	if (a->rows && nids_cli_parse_long(a->rows, 1, LONG_MAX, &rows))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--rows': '%s' is not a whole "
		                    "number from 1 to %ld", a->rows, LONG_MAX);
	if (a->ratio && nids_cli_parse_double(a->ratio, 0, 1, &ratio))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--attack-ratio': '%s' is not a "
		                    "number from 0 to 1", a->ratio);
	for (int g = 0; g < 2; g++)
		if (a->quota[g] && nids_cli_parse_long(a->quota[g], 0, LONG_MAX, &q[g]))
			return nids_err_set(err, NIDS_EUSAGE, NULL, "option '%s': '%s' is not a whole "
			                    "number from 0 to %ld", name[g], a->quota[g], LONG_MAX);
	if (rows && a->ratio) {
		double k = nearbyint((double)rows * ratio);
		/* (double)rows rounds up past rows from 2^53 on; the attacks are at most rows */
		uint64_t attacks = k >= (double)rows ? (uint64_t)rows : (uint64_t)k;
		o->sampling = o->sample_by_label = o->by_ratio = 1;
		o->sample[1] = attacks, o->sample[0] = (uint64_t)rows - attacks;
	} else if (rows) {
		o->sampling = 1, o->sample[0] = (uint64_t)rows;
	} else if (a->quota[0] || a->quota[1]) {
		o->sampling = o->sample_by_label = 1;
		o->sample[0] = a->quota[0] ? (uint64_t)q[0] : UINT64_MAX;
		o->sample[1] = a->quota[1] ? (uint64_t)q[1] : UINT64_MAX;
	}
	return 0;
}

/* The combinations getopt cannot check. */
static int check(const nids_split_opts *o, const nids_split_args *a, nids_err *err)
{
	const char *t = a->out[0], *v = a->out[1], *one = o->keep == NIDS_SPLIT_BENIGN ? "benign" : "attacks";
	if (o->fraction <= 0)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--fraction must be above 0");
	if ((o->val > 0) != (v != NULL))
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "--val F and --val-output file go together (F above 0)");
	if (o->balance && o->keep)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--balance needs both labels; drop --%s", one);
	for (int k = 0; k < o->nclasses; k++)
		if (!o->classes[k][0])
			return nids_err_set(err, NIDS_EUSAGE, NULL, "option '--class': empty class name");
	if (v && (is_stdout(v) ? is_stdout(t) : t && strcmp(t, v) == 0))
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "the train and validation outputs must differ");
	if (o->key && !o->part_n)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--key goes with --partition");
	if (o->has_time && o->time_from >= o->time_to)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--since must be before --until");
	if (o->sampling && o->balance)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--balance and exact-size sampling "
		                    "(--rows, --benign-rows, --attack-rows) exclude each other");
	if (a->rows && (a->quota[0] || a->quota[1]))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "give --rows [--attack-ratio] or "
		                    "--benign-rows and --attack-rows");
	if (a->ratio && !a->rows)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--attack-ratio goes with --rows");
	if (o->sampling && o->sample_by_label && o->keep)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--%s keeps one label; use --rows", one);
	return 0;
}

int nids_split_args_apply(nids_split_opts *o, const nids_split_args *a, uint64_t **rec,
                          nids_err *err)
{
	int rc = 0;
	*rec = NULL;
	o->time_from = INT64_MIN, o->time_to = INT64_MAX;
	if (a->since && !(rc = parse_time("--since", a->since, &o->time_from, err)))
		o->has_time = 1;
	if (!rc && a->until && !(rc = parse_time("--until", a->until, &o->time_to, err)))
		o->has_time = 1;
	if (!rc && a->partition)
		rc = parse_partition(o, a->partition, err);
	if (!rc)
		rc = set_quotas(o, a, err);
	if (rc || (rc = check(o, a, err)))
		return rc;
	if (a->records && !(rc = nids_split_records_read(a->records, rec, &o->nrec, err)))
		o->rec = *rec;
	return rc;
}

int nids_split_to_files(const nids_split_opts *o, nids_reader *r, const char *in_name,
                        const char *const paths[2], nids_split_counts *c, nids_err *err)
{
	int nout = paths[1] ? 2 : 1, rc = 0;
	nids_output *out[2] = { NULL, NULL };
	const char *names[2] = { NULL, NULL };
	FILE *files[2] = { NULL, NULL };
	for (int k = 0; k < nout && !rc; k++)
		if (!(rc = nids_output_open(&out[k], paths[k], 1, err))) {
			files[k] = nids_output_file(out[k]);
			names[k] = nids_output_name(out[k]);
		}
	if (!rc)
		rc = nids_split_run(o, r, in_name, files, names, c, err);
	/* both written through before either is renamed: a failed write leaves neither */
	if (!rc)
		rc = nids_outputs_commit(out, nout, err);
	if (!rc && (is_stdout(paths[0]) || (paths[1] && is_stdout(paths[1]))))
		rc = nids_stdout_close(err);
	nids_output_abort(out[0]);
	nids_output_abort(out[1]);
	return rc;
}

void nids_split_report(FILE *f, const char *prog, const nids_split_counts *c, const char *in_name,
                       const char *const paths[2], int nout)
{
	uint64_t kept = c->out[0] + c->out[1];
	fprintf(f, "%s: %s: %" PRIu64 " rows read, %" PRIu64 " kept\n", prog, in_name, c->in, kept);
	for (int k = 0; k < nout; k++) {
		fprintf(f, "%s: %s: %" PRIu64 " rows", prog, is_stdout(paths[k]) ? "-" : paths[k],
		        c->out[k]);
		const char *sep = " (";
		for (int g = 0; g < c->ngroups; g++) {
			if (!c->by_group[k][g])
				continue;
			fprintf(f, "%s%s %" PRIu64, sep, c->groups ? c->groups[g] : "?", c->by_group[k][g]);
			sep = ", ";
		}
		fputs(sep[0] == ',' ? ")\n" : "\n", f);
	}
}
