/* feat.c: the featurizer driver: the format table, detection, the inputs one after
 * another, each through the record loop (lib/feat_fields.c) into the output stream. */
#include <stdlib.h>
#include <string.h>

#include "feat_impl.h"

/* The format table: detection tries them in this order. */
static const feat_format *const FORMATS[] = {
	&feat_nslkdd,
	&feat_kdd99,
	&feat_cic,
	&feat_ugr16,
	&feat_nfdump,
	&feat_netflow,
	&feat_csv,
};
#define NFORMATS (sizeof FORMATS / sizeof *FORMATS)

const char *const *nids_feat_format_names(void)
{
	static const char *names[NFORMATS + 1];
	for (size_t i = 0; i < NFORMATS; i++)
		names[i] = FORMATS[i]->name;
	return names;
}

void nids_feat_opts_init(nids_feat_opts *o)
{
	memset(o, 0, sizeof *o);
	o->nonfinite_value = 0;
}

static const feat_format *find_format(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(FORMATS[i]->name, name))
			return FORMATS[i];
	return NULL;
}

static int detect(feat_ctx *fc, const nids_csv_record *first, const feat_format **f,
                  nids_err *err)
{
	int best = 0, ties = 0;
	for (size_t i = 0; i < NFORMATS; i++) {
		int s = FORMATS[i]->detect(first);
		if (s > best) {
			best = s;
			*f = FORMATS[i];
			ties = 0;
		} else if (s == best && s > 0) {
			ties++;
		}
	}
	if (best == 0 || ties)
		return nids_err_set(err, NIDS_EUSAGE, feat_where(fc),
		                    "cannot tell the format from the first line (%d fields); "
		                    "name it with -f",
		                    first->nfields);
	return 0;
}

/* Keeps a copy of the first input's header record, to check the others' against. */
typedef struct header_copy {
	int n;
	char **fields;
} header_copy;

static void header_copy_free(header_copy *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->fields[i]);
	free(c->fields);
}

static int header_copy_set(header_copy *c, const nids_csv_record *rec)
{
	if (!(c->fields = calloc((size_t)rec->nfields + 1, sizeof *c->fields)))
		return NIDS_ENOMEM;
	for (c->n = 0; c->n < rec->nfields; c->n++)
		if (!(c->fields[c->n] = strdup(rec->fields[c->n])))
			return NIDS_ENOMEM;
	return 0;
}

static int header_copy_same(const header_copy *c, const nids_csv_record *rec)
{
	if (c->n != rec->nfields)
		return 0;
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->fields[i], rec->fields[i]))
			return 0;
	return 1;
}

/* Starts input k: its first record is read into *rec; *pending says it is data. For the
 * first input the format is found and its columns built; the others must begin with the
 * same header line when the first did. */
static int start_input(feat_ctx *fc, nids_input *in, int k, const feat_format **f, void **state,
                       header_copy *hdr, nids_csv_record *rec, int *pending, nids_err *err)
{
	fc->in_name = nids_input_name(in);
	int rc = nids_csv_open(&fc->csv, in, ',', err);
	if (rc)
		return rc;
	rc = nids_csv_next(fc->csv, rec, err);
	if (rc == 0 && k == 0)
		return nids_err_set(err, NIDS_EFORMAT, fc->in_name, "empty input: no CSV records");
	if (rc <= 0) { /* a later empty input adds nothing */
		*pending = 0;
		return rc < 0 ? rc : 1;
	}
	/* a stream holds at most NIDS_MAX_COLUMNS columns: a wider first line (header or
	 * data) is refused before any format looks at its fields */
	if (rec->nfields > NIDS_MAX_COLUMNS)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                    "%d fields, more than the %d columns a stream can hold",
		                    rec->nfields, NIDS_MAX_COLUMNS);
	if (k > 0) {
		if (hdr->fields && !header_copy_same(hdr, rec))
			return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
			                    "the header line differs from the first input's");
		*pending = !hdr->fields;
		return 0;
	}
	if (!*f && (rc = detect(fc, rec, f, err)))
		return rc;
	/* copied before init: a format that reads ahead (csv learning its vocabularies)
	 * moves the record's fields */
	if (header_copy_set(hdr, rec))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	rc = (*f)->init(fc, rec, state, err);
	if (rc < 0)
		return rc;
	*pending = rc == 0; /* the first record is data */
	if (rc == 0) { /* no header line: later inputs are not compared */
		header_copy_free(hdr);
		*hdr = (header_copy){ 0 };
	}
	return 0;
}

/* The metadata every row carries: its record number, and its input with several. */
static int add_record_columns(feat_ctx *fc, const char *format, int nin, int *rec_off,
                              int *file_off, nids_err *err)
{
	/* the record a raw featurized stream carries, so a detector knows to normalize it */
	char rec[64];
	snprintf(rec, sizeof rec, "format=%s", format);
	if (nids_header_set_ext(fc->h, "nids.featurize", rec, strlen(rec)))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int c = feat_add_meta_column(fc, "record", NIDS_TYPE_U64, err);
	if (c < 0)
		return c;
	*rec_off = fc->h->meta[c].off;
	*file_off = -1;
	if (nin > 1) {
		if ((c = feat_add_meta_column(fc, "file", NIDS_TYPE_STR, err)) < 0)
			return c;
		*file_off = fc->h->meta[c].off;
	}
	return 0;
}

/* Where the driver's rows carry their record number, and their label column (or -1). */
typedef struct row_at {
	int rec_off, label_col;
} row_at;

/* The record loop's output in the driver: the row, with its record number, to the stream. */
static int emit_row(feat_ctx *fc, void *arg, const float *row, uint64_t recno, nids_err *err)
{
	const row_at *at = arg;
	nids_meta_put_u64(fc->meta + at->rec_off, recno);
	int rc = nids_writer_write_meta(fc->w, row, fc->meta, 1, err);
	fc->st->rows++;
	fc->st->benign += at->label_col >= 0 && row[at->label_col] == 0;
	return rc;
}

/* Where the rows go: a stream on out, or the function sink. */
typedef struct row_dest {
	FILE *out;
	const char *out_name;
	nids_rows_fn sink;
	void *ctx;
} row_dest;

static int featurize(nids_input *const *in, int nin, const row_dest *d, const nids_feat_opts *o,
                     nids_feat_stats *st, nids_err *err)
{
	feat_ctx fc = { .o = o, .st = st };
	const feat_format *f = NULL;
	void *state = NULL;
	float *row = NULL;
	nids_csv_record rec;
	header_copy hdr = { 0 };
	memset(st, 0, sizeof *st);
	if (o->format && !(f = find_format(o->format)))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "unknown format '%s'", o->format);
	int rc = 0, pending = 0, file_off = -1;
	row_at at = { -1, -1 };
	if (!(fc.h = nids_header_new()))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int k = 0; !rc && k < nin; k++) {
		if (fc.csv) {
			st->bytes += nids_csv_bytes(fc.csv);
			st->blank += nids_csv_blank(fc.csv);
		}
		nids_csv_free(fc.csv);
		fc.csv = NULL;
		int more = start_input(&fc, in[k], k, &f, &state, &hdr, &rec, &pending, err);
		if (more < 0) {
			rc = more;
			break;
		}
		if (k == 0) {
			if (!(rc = add_record_columns(&fc, f->features ? f->features : f->name, nin, &at.rec_off, &file_off, err)) &&
			    (!(row = malloc(sizeof(float) * (size_t)fc.h->ncols)) ||
			     !(fc.meta = calloc(1, (size_t)fc.h->meta_width))))
				rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
			if (!rc)
				rc = d->sink ? nids_writer_open_sink(&fc.w, d->out_name, fc.h, d->sink, d->ctx, err)
				             : nids_writer_open(&fc.w, d->out, d->out_name, fc.h, o->zstd_level, err);
			at.label_col = rc ? -1 : nids_header_find_role(fc.h, NIDS_ROLE_LABEL);
			st->labelled = at.label_col >= 0;
		}
		if (!rc && file_off >= 0) {
			int id = nids_writer_add_string(fc.w, fc.in_name, err);
			if (id < 0)
				rc = id;
			else
				nids_meta_put_u32(fc.meta + file_off, (uint32_t)id);
		}
		if (!rc && more == 0)
			rc = feat_records(&fc, pending ? &rec : NULL, f->row, state, row, emit_row, &at,
			                  err);
	}
	if (!rc && f->finish)
		rc = f->finish(&fc, state, err);
	if (fc.csv) {
		st->bytes += nids_csv_bytes(fc.csv);
		st->blank += nids_csv_blank(fc.csv);
	}
	nids_csv_free(fc.csv);
	if (!rc)
		rc = nids_writer_close(fc.w, err);
	else
		nids_writer_free(fc.w);
	if (f && f->free_state)
		f->free_state(state);
	free(row);
	free(fc.meta);
	header_copy_free(&hdr);
	nids_header_free(fc.h);
	return rc;
}

int nids_featurize(nids_input *const *in, int nin, FILE *out, const char *out_name,
                   const nids_feat_opts *o, nids_feat_stats *st, nids_err *err)
{
	row_dest d = { out, out_name, NULL, NULL };
	return featurize(in, nin, &d, o, st, err);
}

int nids_featurize_rows(nids_input *const *in, int nin, const nids_feat_opts *o, nids_rows_fn fn,
                        void *ctx, nids_feat_stats *st, nids_err *err)
{
	row_dest d = { NULL, "rows", fn, ctx };
	return featurize(in, nin, &d, o, st, err);
}
