/* feat_csv.c: any CSV with a header (csv).
 *
 * Every column is a numeric feature, except the label (--label, else a column named
 * "label", else the last), an optional class column (--class), dropped columns (--drop)
 * and categorical columns (--onehot), which become one column per value plus "_other".
 *
 * The one-hot columns must be in the stream header, written before the first row, so
 * a vocabulary is either read from a file (--vocab: the test-time path, streaming) or
 * learned from the (first) input: then that input is read whole first, rows spooled in
 * a compact form to a temporary file, and written out once it is read, before any later
 * input's rows (--fit-vocab also saves the vocabulary). Memory stays bounded by the
 * vocabularies either way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feat_impl.h"
#include "spool_impl.h"

#define MAX_VALUES 65536 /* distinct values of one categorical column */

enum { C_NUM, C_ONEHOT, C_LABEL, C_CLASS, C_DROP };

/* Strings in first-seen order with a hash index. */
typedef struct strset {
	char **items;
	int n, cap;
	int *slots; /* item index + 1, 0 = empty */
	int nslots;
} strset;

typedef struct csv_group {
	feat_vocab v; /* the column and its sorted values (owned by vf or by this group) */
	int field;
	strset seen; /* learning: values in first-seen order */
	int *rank;   /* learning: first-seen index -> sorted index */
} csv_group;

typedef struct csv_state {
	int nfields;
	int *kind, *group, *col; /* per input field; col: its first output column */
	csv_group *groups;
	int ngroups;
	int label_field, class_field, label_col, class_col;
	char **names; /* the header's fields (trimmed): column names */
	int learn, replayed;
	char *first_in; /* learning: the input the vocabularies come from */
	nids_spool *spool;
	strset classes; /* learning: class names in first-seen order */
	feat_vocab_file vf;
} csv_state;

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Index of s in set, adding it when new; -1 when out of memory. */
static int intern(strset *set, const char *s)
{
	if (set->n * 2 >= set->nslots) {
		int ns = set->nslots ? set->nslots * 2 : 64;
		int *slots = calloc((size_t)ns, sizeof *slots);
		if (!slots)
			return -1;
		for (int i = 0; i < set->n; i++) {
			uint32_t h = hash(set->items[i]) & (uint32_t)(ns - 1);
			while (slots[h])
				h = (h + 1) & (uint32_t)(ns - 1);
			slots[h] = i + 1;
		}
		free(set->slots);
		set->slots = slots;
		set->nslots = ns;
	}
	uint32_t h = hash(s) & (uint32_t)(set->nslots - 1);
	for (; set->slots[h]; h = (h + 1) & (uint32_t)(set->nslots - 1))
		if (!strcmp(set->items[set->slots[h] - 1], s))
			return set->slots[h] - 1;
	if (set->n == set->cap) {
		int cap = set->cap ? set->cap * 2 : 64;
		char **items = realloc(set->items, (size_t)cap * sizeof *items);
		if (!items)
			return -1;
		set->items = items;
		set->cap = cap;
	}
	if (!(set->items[set->n] = strdup(s)))
		return -1;
	set->slots[h] = set->n + 1;
	return set->n++;
}

static void strset_free(strset *set)
{
	for (int i = 0; i < set->n; i++)
		free(set->items[i]);
	free(set->items);
	free(set->slots);
}

static void free_state(void *p)
{
	csv_state *s = p;
	if (!s)
		return;
	for (int g = 0; g < s->ngroups; g++) {
		csv_group *gr = &s->groups[g];
		strset_free(&gr->seen);
		free(gr->rank);
		if (s->learn)
			free((void *)gr->v.values); /* the strings belong to seen */
	}
	free(s->groups);
	feat_vocab_file_free(&s->vf);
	strset_free(&s->classes);
	nids_spool_free(s->spool);
	free(s->first_in);
	free(s->kind);
	free(s->group);
	free(s->col);
	for (int f = 0; s->names && f < s->nfields; f++)
		free(s->names[f]);
	free(s->names);
	free(s);
}

/* A header line: at least two fields, none empty, none a number. */
static int detect(const nids_csv_record *r)
{
	double v;
	if (r->nfields < 2)
		return 0;
	for (int i = 0; i < r->nfields; i++)
		if (!r->lens[i] || nids_parse_float(r->fields[i], r->lens[i], &v) == 0)
			return 0;
	return 1;
}

static int find_named(feat_ctx *fc, const nids_csv_record *hdr, const char *name, const char *flag,
                      nids_err *err)
{
	char key[256];
	feat_name_key(name, key, sizeof key);
	const char *const one[] = { key, NULL };
	int f = key[0] ? feat_find_field(hdr, one) : -1;
	if (f < 0)
		return nids_err_set(err, NIDS_EUSAGE, feat_where(fc),
		                    "%s: no column '%s' in the header", flag, name);
	return f;
}

static int add_group(csv_state *s, int field, const char *column)
{
	csv_group *g = &s->groups[s->ngroups];
	memset(g, 0, sizeof *g);
	g->field = field;
	g->v.column = column;
	s->kind[field] = C_ONEHOT;
	s->group[field] = s->ngroups++;
	return 0;
}

/* --vocab: the groups come from the file, and every one of them must be a column here. */
static int load_vocab(feat_ctx *fc, csv_state *s, const nids_csv_record *hdr, nids_err *err)
{
	int rc = feat_vocab_read(fc->o->vocab_in, &s->vf, err);
	if (rc)
		return rc;
	for (int f = 0; f < hdr->nfields; f++)
		if (s->kind[f] == C_ONEHOT)
			s->kind[f] = C_NUM; /* only those the file has, checked below */
	for (int f = 0; f < hdr->nfields; f++) {
		if (!feat_in_list(fc->o->onehot_cols, hdr->fields[f]))
			continue;
		int found = 0;
		for (int g = 0; g < s->vf.n; g++)
			found |= feat_in_list(s->vf.groups[g].column, hdr->fields[f]);
		if (!found)
			return nids_err_set(err, NIDS_EUSAGE, feat_where(fc),
			                    "--onehot: column '%s' has no vocabulary in %s",
			                    hdr->fields[f], fc->o->vocab_in);
	}
	for (int f = 0; f < hdr->nfields; f++)
		for (int g = 0; g < s->vf.n; g++) {
			if (!feat_in_list(s->vf.groups[g].column, hdr->fields[f]))
				continue;
			if (s->kind[f] != C_NUM)
				return nids_err_set(err, NIDS_EUSAGE, feat_where(fc),
				                    "column '%s' is one-hot in %s but is the "
				                    "label, class or dropped here",
				                    hdr->fields[f], fc->o->vocab_in);
			add_group(s, f, hdr->fields[f]);
			s->groups[s->ngroups - 1].v = s->vf.groups[g];
		}
	for (int g = 0; g < s->vf.n; g++) {
		int found = 0;
		for (int i = 0; i < s->ngroups; i++)
			found |= s->groups[i].v.values == s->vf.groups[g].values;
		if (!found)
			return nids_err_set(err, NIDS_EMISMATCH, feat_where(fc),
			                    "column '%s' of the vocabulary %s is not in this file",
			                    s->vf.groups[g].column, fc->o->vocab_in);
	}
	return 0;
}

static int classify(feat_ctx *fc, csv_state *s, const nids_csv_record *hdr, nids_err *err)
{
	const nids_feat_opts *o = fc->o;
	const char *const lab[] = { "label", NULL };
	int rc;
	if (o->label_col &&
	    (s->label_field = find_named(fc, hdr, o->label_col, "--label", err)) < 0)
		return s->label_field;
	if (!o->label_col && (s->label_field = feat_find_field(hdr, lab)) < 0)
		s->label_field = hdr->nfields - 1;
	s->class_field = -1;
	if (o->class_col &&
	    (s->class_field = find_named(fc, hdr, o->class_col, "--class", err)) < 0)
		return s->class_field;
	if (s->class_field == s->label_field)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "--class names the label column");
	if ((rc = feat_check_list(fc, hdr, o->drop_cols, "--drop", err)) ||
	    (rc = feat_check_list(fc, hdr, o->onehot_cols, "--onehot", err)))
		return rc;
	for (int f = 0; f < hdr->nfields; f++) {
		if (!hdr->lens[f])
			return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
			                    "field %d: empty column name", f + 1);
		s->kind[f] = f == s->label_field                            ? C_LABEL
		             : f == s->class_field                          ? C_CLASS
		             : feat_in_list(o->drop_cols, hdr->fields[f])   ? C_DROP
		             : feat_in_list(o->onehot_cols, hdr->fields[f]) ? C_ONEHOT
		                                                            : C_NUM;
		if (s->kind[f] == C_ONEHOT && !o->vocab_in)
			add_group(s, f, NULL);
	}
	if (o->vocab_in)
		return load_vocab(fc, s, hdr, err);
	return 0;
}

/* The output columns: the fields in input order, one-hot groups in place; label, class. */
static int columns(feat_ctx *fc, csv_state *s, const char *const *names, nids_err *err)
{
	for (int f = 0; f < s->nfields; f++) {
		int c = fc->h->ncols, rc = 0;
		if (s->kind[f] == C_NUM)
			rc = feat_add_column(fc, names[f], NIDS_ROLE_FEATURE, err);
		else if (s->kind[f] == C_ONEHOT)
			rc = feat_add_onehot(fc, &s->groups[s->group[f]].v, err);
		if (rc < 0)
			return rc;
		s->col[f] = c;
	}
	if ((s->label_col = feat_add_column(fc, "label", NIDS_ROLE_LABEL, err)) < 0)
		return s->label_col;
	if ((s->class_col = feat_add_column(fc, "class", NIDS_ROLE_CLASS, err)) < 0)
		return s->class_col;
	return 0;
}

static int number(feat_ctx *fc, csv_state *s, const nids_csv_record *rec, int f, float *out,
                  int *nf, nids_err *err)
{
	int rc = feat_measure(fc, rec, f, s->names[f], out, nf, err);
	if (rc == NIDS_EFORMAT && err) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof err->msg - len,
		         " (categorical? name it in --onehot)");
	}
	return rc;
}

static int categorical(feat_ctx *fc, csv_state *s, const nids_csv_record *rec, int f, float *out,
                       int compact, nids_err *err)
{
	csv_group *g = &s->groups[s->group[f]];
	if (compact) {
		int id = intern(&g->seen, rec->fields[f]);
		if (id < 0)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		if (id >= MAX_VALUES)
			return nids_err_set(
			    err, NIDS_EFORMAT, feat_where(fc),
			    "column '%s': more than %d distinct values (is it categorical?)",
			    g->v.column, MAX_VALUES);
		out[f] = (float)id;
		return 0;
	}
	float *o = out + s->col[f];
	memset(o, 0, sizeof(float) * (size_t)(g->v.n + 1));
	return feat_onehot(fc, &g->v, rec->fields[f], o, f, err);
}

/* One record: compact (learning: per field its number or first-seen value index, then
 * label and first-seen class index) or the output row. */
static int convert(feat_ctx *fc, csv_state *s, const nids_csv_record *rec, float *out, int compact,
                   nids_err *err)
{
	if (!strcasecmp(rec->fields[s->label_field], s->names[s->label_field]) &&
	    !strcasecmp(rec->fields[0], s->names[0]))
		return FEAT_SKIP_HEADER;
	int nf = 0, rc = 0;
	for (int f = 0; !rc && f < s->nfields; f++) {
		if (s->kind[f] == C_NUM)
			rc = number(fc, s, rec, f, compact ? &out[f] : &out[s->col[f]], &nf, err);
		else if (s->kind[f] == C_ONEHOT)
			rc = categorical(fc, s, rec, f, out, compact, err);
	}
	if (rc || (rc = feat_nonfinite_done(fc, nf)))
		return rc;
	const char *cls;
	float y;
	rc = feat_label_text(fc, rec->fields[s->label_field], rec->lens[s->label_field],
	                     s->class_field >= 0 ? rec->fields[s->class_field] : NULL, &y, &cls,
	                     err);
	if (rc)
		return rc;
	int id = compact ? intern(&s->classes, cls) : feat_class(fc, cls, err);
	if (id < 0)
		return compact ? nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory") : id;
	out[compact ? s->nfields : s->label_col] = y;
	out[compact ? s->nfields + 1 : s->class_col] = (float)id;
	return 0;
}

static int compact_row(feat_ctx *fc, void *state, const nids_csv_record *rec, float *out,
                       nids_err *err)
{
	return convert(fc, state, rec, out, 1, err);
}

static int spool_row(feat_ctx *fc, void *arg, const float *row, uint64_t recno, nids_err *err)
{
	(void)fc;
	return nids_spool_put(arg, row, &recno, err);
}

/* Learning: reads every record, spooling compact rows and their record numbers. */
static int spool_all(feat_ctx *fc, csv_state *s, nids_err *err)
{
	float *buf = calloc((size_t)s->nfields + 2, sizeof *buf);
	if (!buf)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int rc = nids_spool_open(&s->spool, (size_t)s->nfields + 2, sizeof(uint64_t), err);
	if (!rc)
		rc = feat_records(fc, NULL, compact_row, s, buf, spool_row, s->spool, err);
	free(buf);
	return rc;
}

static const char *const *sort_base;
static int by_value(const void *a, const void *b)
{
	return strcmp(sort_base[*(const int *)a], sort_base[*(const int *)b]);
}

/* Learning: each group's values sorted, and the rank of each first-seen index. */
static int sort_groups(csv_state *s, nids_err *err)
{
	for (int g = 0; g < s->ngroups; g++) {
		csv_group *gr = &s->groups[g];
		int n = gr->seen.n;
		int *order = malloc(sizeof(int) * (size_t)(n ? n : 1));
		const char **vals = malloc(sizeof(char *) * (size_t)(n ? n : 1));
		gr->rank = malloc(sizeof(int) * (size_t)(n ? n : 1));
		if (!order || !vals || !gr->rank) {
			free(order);
			free(vals);
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		}
		for (int i = 0; i < n; i++)
			order[i] = i;
		sort_base = (const char *const *)gr->seen.items;
		qsort(order, (size_t)n, sizeof *order, by_value);
		for (int i = 0; i < n; i++) {
			vals[i] = gr->seen.items[order[i]];
			gr->rank[order[i]] = i;
		}
		gr->v.values = vals;
		gr->v.n = n;
		free(order);
	}
	return 0;
}

static int init(feat_ctx *fc, const nids_csv_record *hdr, void **state, nids_err *err)
{
	csv_state *s = calloc(1, sizeof *s);
	size_t n = (size_t)hdr->nfields;
	if (s) {
		s->kind = calloc(n, sizeof *s->kind);
		s->group = calloc(n, sizeof *s->group);
		s->col = calloc(n, sizeof *s->col);
		s->groups = calloc(n, sizeof *s->groups);
		s->names = calloc(n, sizeof *s->names);
	}
	*state = s;
	if (!s || !s->kind || !s->group || !s->col || !s->groups || !s->names)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	s->nfields = hdr->nfields;
	for (int f = 0; f < s->nfields; f++) /* the header record is lent: keep copies */
		if (!(s->names[f] = strdup(hdr->fields[f])))
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int rc = classify(fc, s, hdr, err);
	for (int g = 0; !rc && g < s->ngroups; g++)
		if (!fc->o->vocab_in)
			s->groups[g].v.column = s->names[s->groups[g].field];
	s->learn = !fc->o->vocab_in && s->ngroups > 0;
	fc->nfields = s->nfields;
	if (!rc && s->learn && !(s->first_in = strdup(fc->in_name)))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc && s->learn && !(rc = spool_all(fc, s, err)))
		rc = sort_groups(s, err);
	if (!rc)
		rc = columns(fc, s, (const char *const *)s->names, err);
	return rc ? rc : 1;
}

/* Learning: the spooled rows, expanded. */
static int replay(feat_ctx *fc, csv_state *s, nids_err *err)
{
	float *out = malloc(sizeof(float) * (size_t)fc->h->ncols), *in;
	int *cls = malloc(sizeof(int) * (size_t)(s->classes.n ? s->classes.n : 1));
	int rc = out && cls ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0; !rc && i < s->classes.n; i++)
		if ((cls[i] = feat_class(fc, s->classes.items[i], err)) < 0)
			rc = cls[i];
	int rec_meta = nids_header_find_meta(fc->h, "record");
	int rec_off = rec_meta >= 0 ? fc->h->meta[rec_meta].off : 0;
	unsigned char *recnos;
	long k;
	while (!rc && (k = nids_spool_next(s->spool, &in, &recnos, err)) != 0) {
		if (k < 0) {
			rc = (int)k;
			break;
		}
		for (long r = 0; !rc && r < k; r++, in += s->nfields + 2) {
			for (int f = 0; f < s->nfields; f++) {
				if (s->kind[f] == C_NUM) {
					out[s->col[f]] = in[f];
				} else if (s->kind[f] == C_ONEHOT) {
					csv_group *g = &s->groups[s->group[f]];
					memset(out + s->col[f], 0, sizeof(float) * (size_t)(g->v.n + 1));
					out[s->col[f] + g->rank[(int)in[f]]] = 1;
				}
			}
			out[s->label_col] = in[s->nfields];
			out[s->class_col] = (float)cls[(int)in[s->nfields + 1]];
			if (rec_meta >= 0)
				memcpy(fc->meta + rec_off, recnos + (size_t)r * sizeof(uint64_t),
				       sizeof(uint64_t));
			rc = nids_writer_write_meta(fc->w, out, fc->meta, 1, err);
			fc->st->rows++;
			fc->st->benign += in[s->nfields] == 0;
		}
	}
	free(out);
	free(cls);
	return rc;
}

/* Learning: the first input's rows, before any later input's (which stream with the
 * vocabularies learned from the first): at the first record of the second input, or
 * at the end. */
static int replay_first(feat_ctx *fc, csv_state *s, nids_err *err)
{
	if (!s->learn || s->replayed)
		return 0;
	s->replayed = 1;
	/* with several inputs, the rows name the first as their file */
	int fm = nids_header_find_meta(fc->h, "file"), rc;
	unsigned char keep[4];
	unsigned char *file = fm >= 0 ? fc->meta + fc->h->meta[fm].off : NULL;
	if (file) {
		int id = nids_writer_add_string(fc->w, s->first_in, err);
		if (id < 0)
			return id;
		memcpy(keep, file, sizeof keep);
		nids_meta_put_u32(file, (uint32_t)id);
	}
	rc = replay(fc, s, err);
	if (file)
		memcpy(file, keep, sizeof keep);
	return rc;
}

static int finish(feat_ctx *fc, void *state, nids_err *err)
{
	csv_state *s = state;
	int rc = replay_first(fc, s, err);
	if (!rc && fc->o->vocab_out) {
		feat_vocab_file vf = { s->ngroups, NULL };
		if (!(vf.groups =
		          malloc(sizeof *vf.groups * (size_t)(s->ngroups ? s->ngroups : 1))))
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		for (int g = 0; g < s->ngroups; g++)
			vf.groups[g] = s->groups[g].v;
		rc = feat_vocab_write(fc->o->vocab_out, &vf, fc->o->vocab_pending, err);
		free(vf.groups);
	}
	return rc;
}

static int row(feat_ctx *fc, void *state, const nids_csv_record *rec, float *out, nids_err *err)
{
	int rc = replay_first(fc, state, err);
	return rc ? rc : convert(fc, state, rec, out, 0, err);
}

const feat_format feat_csv = { "csv", detect, init, row, finish, free_state, NULL };
