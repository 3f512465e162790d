/* window_run.c: nids-window's stream glue: flow rows in, one row per (window, address)
 * out, through the aggregator of window.c. */
#include <float.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/feat.h"
#include "nids/window.h"

#define MAX_FLAGS 16

typedef struct wrun {
	const nids_window_opts *o;
	const nids_header *in;
	const char *in_name;
	/* input columns: float indices, metadata byte offsets */
	int dur, pkt[2], byt[2], label, cls;
	double dur_scale; /* to seconds */
	int nflags, flag[MAX_FLAGS];
	int time_off, src_off, dst_off, sport_off, dport_off, proto_off;
	int record_off, file_off; /* featurized CSV: the record number and input name */
	int from_stream;          /* rows read from a stream, not featurized here */
	int classes_seen;         /* input classes looked at for one named "mixed" */
	int mixed;                /* that class, or -1 */
	/* output */
	FILE *out;
	const char *out_name;
	nids_window *nw;
	nids_writer *w;
	int out_label, out_cls, ncols;
	float *row;
	unsigned char meta[8 + 16 + 8];
	char jump_where[sizeof ((nids_window_counts *)0)->jump_where]; /* the flow of the largest step */
} wrun;

static int meta_off(const nids_header *h, const char *name, int type)
{
	int m = nids_header_find_meta(h, name);
	return m >= 0 && h->meta[m].type == type ? h->meta[m].off : -1;
}

/* A measure: the column called name, else the sum of name_to_server and
 * name_to_client (the netflow format's directions), else the sum of CICFlowMeter's
 * forward and backward columns fwd and bwd. */
static int measure(const nids_header *h, const char *name, const char *fwd, const char *bwd,
                   int col[2])
{
	char a[64], b[64];
	col[0] = nids_header_find(h, name);
	col[1] = -1;
	if (col[0] >= 0)
		return 0;
	snprintf(a, sizeof a, "%s_to_server", name);
	snprintf(b, sizeof b, "%s_to_client", name);
	col[0] = nids_header_find(h, a);
	col[1] = nids_header_find(h, b);
	if (col[0] < 0 || col[1] < 0) {
		col[0] = nids_header_find(h, fwd);
		col[1] = nids_header_find(h, bwd);
	}
	return col[0] >= 0 && col[1] >= 0 ? 0 : -1;
}

/* The TCP flag columns: flag_* (ugr16, netflow, nfdump), or CICFlowMeter's counts
 * "FIN Flag Count" ... (a flag is set when its count is not 0). */
static void flag_columns(wrun *z)
{
	const nids_header *h = z->in;
	z->nflags = 0;
	for (int c = 0; c < h->ncols && z->nflags < MAX_FLAGS; c++) {
		const char *n = h->cols[c].name;
		size_t len = strlen(n);
		if (!strncmp(n, "flag_", 5) || (len > 11 && !strcmp(n + len - 11, " Flag Count")))
			z->flag[z->nflags++] = c;
	}
}

static int find_columns(wrun *z, nids_err *err)
{
	const nids_header *h = z->in;
	static const char *const NAMES[6] = { "time", "src_addr", "dst_addr", "sport", "dport",
		                              "proto" };
	static const int TYPES[6] = { NIDS_TYPE_TIME, NIDS_TYPE_ADDR, NIDS_TYPE_ADDR,
		                      NIDS_TYPE_PORT, NIDS_TYPE_PORT, NIDS_TYPE_PROTO };
	int *offs[6] = { &z->time_off, &z->src_off,   &z->dst_off,
		         &z->sport_off, &z->dport_off, &z->proto_off };
	for (int i = 0; i < 6; i++)
		if ((*offs[i] = meta_off(h, NAMES[i], TYPES[i])) < 0)
			return nids_err_set(err, NIDS_EFORMAT, z->in_name,
			                    "no '%s' metadata column of type %s: not a flow stream "
			                    "with identifiers (featurize ugr16, nfdump, netflow or "
			                    "cic records)",
			                    NAMES[i], nids_type_name(TYPES[i]));
	z->dur = nids_header_find(h, "duration");
	z->dur_scale = 1;
	if (z->dur < 0 && (z->dur = nids_header_find(h, "Flow Duration")) >= 0)
		z->dur_scale = 1e-6; /* CICFlowMeter's microseconds */
	const char *missing =
	        z->dur < 0 ? "duration"
	        : measure(h, "packets", "Total Fwd Packets", "Total Backward Packets", z->pkt)
	                ? "packets"
	        : measure(h, "bytes", "Total Length of Fwd Packets", "Total Length of Bwd Packets",
	                  z->byt)
	                ? "bytes"
	                : NULL;
	if (missing)
		return nids_err_set(err, NIDS_EFORMAT, z->in_name,
		                    "no '%s' column: not a flow stream (featurize ugr16, nfdump, "
		                    "netflow or cic records)",
		                    missing);
	flag_columns(z);
	z->label = nids_header_find_role(h, NIDS_ROLE_LABEL);
	z->cls = nids_header_find_role(h, NIDS_ROLE_CLASS);
	return 0;
}

static int out_header(wrun *z, nids_header **out, nids_err *err)
{
	nids_header *h = nids_header_new();
	int rc = h ? 0 : NIDS_ENOMEM;
	for (int i = 0; !rc && i < NIDS_WINDOW_NFEAT; i++) {
		int c = nids_header_add_column(h, nids_window_feature_name(z->o->by, i),
		                               NIDS_ROLE_FEATURE, err);
		rc = c < 0 ? c : 0;
	}
	z->out_label = z->out_cls = -1;
	if (!rc && z->label >= 0)
		rc = (z->out_label = nids_header_add_column(h, "label", NIDS_ROLE_LABEL, err)) < 0
		             ? z->out_label
		             : 0;
	if (!rc && z->cls >= 0)
		rc = (z->out_cls = nids_header_add_column(h, "class", NIDS_ROLE_CLASS, err)) < 0
		             ? z->out_cls
		             : 0;
	if (!rc)
		rc = nids_header_add_meta(h, "time", NIDS_TYPE_TIME, NIDS_ROLE_TIME, err);
	if (rc >= 0)
		rc = nids_header_add_meta(h, z->o->by ? "dst_addr" : "src_addr", NIDS_TYPE_ADDR,
		                          NIDS_ROLE_ID, err);
	if (rc >= 0)
		rc = nids_header_add_meta(h, "flows", NIDS_TYPE_U64, NIDS_ROLE_META, err);
	char rec[160];
	snprintf(rec, sizeof rec,
	         "window_us=%" PRId64 "\nby=%s\nmin_flows=%" PRIu64 "\nlateness_us=%" PRId64
	         "\nmixed=%s\n",
	         z->o->window_us, z->o->by ? "dst" : "src", z->o->min_flows, z->o->lateness_us,
	         z->o->keep_mixed ? "keep" : "drop");
	if (rc >= 0)
		rc = nids_header_set_ext(h, "nids.window", rec, strlen(rec));
	if (rc < 0) {
		nids_header_free(h);
		return err->code ? rc : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	z->ncols = h->ncols;
	*out = h;
	return 0;
}

/* A feature as float32: a finite value beyond its range (a rate over a duration of a
 * few picoseconds) as the largest float32 of its sign, as the featurizer stores one,
 * not as an infinity; NaN (the deviation of values with an infinity) and infinities
 * stay. */
static float feature_f32(double v)
{
	if (v > FLT_MAX && v <= DBL_MAX)
		return FLT_MAX;
	if (v < -FLT_MAX && v >= -DBL_MAX)
		return -FLT_MAX;
	return (float)v;
}

static int emit(void *ctx, const nids_window_row *r, nids_err *err)
{
	wrun *z = ctx;
	for (int i = 0; i < NIDS_WINDOW_NFEAT; i++)
		z->row[i] = feature_f32(r->f[i]);
	if (z->out_label >= 0)
		z->row[z->out_label] = (float)r->attack;
	if (z->out_cls >= 0) {
		const char *name = r->cls == NIDS_WINDOW_MIXED ? "mixed"
		                   : r->cls >= 0 && r->cls < z->in->nclasses ? z->in->classes[r->cls]
		                                                              : "unknown";
		int id = nids_writer_add_class(z->w, name, err);
		if (id < 0)
			return id;
		z->row[z->out_cls] = (float)id;
	}
	nids_meta_put_i64(z->meta, r->start);
	memcpy(z->meta + 8, r->key, 16);
	nids_meta_put_u64(z->meta + 24, r->flows);
	return nids_writer_write_meta(z->w, z->row, z->meta, 1, err);
}

/* Names a flow with metadata m, row rowno of its input: "file: record N" when the rows
 * carry the featurizer's file and record; "input: record N" for CSV featurized here;
 * "input: row N (CSV record R)" for a stream's row that carries its record alone (its
 * CSV's name is not in the stream); else "input: row N". */
static void flow_where(const wrun *z, const unsigned char *m, uint64_t rowno, char *where,
                       size_t size)
{
	uint32_t file = z->file_off >= 0 ? nids_meta_get_u32(m + z->file_off) : NIDS_STR_NONE;
	uint64_t record = z->record_off >= 0 ? nids_meta_get_u64(m + z->record_off) : NIDS_U64_NONE;
	const char *csv = file < (uint32_t)z->in->nstrings ? z->in->strings[file]
	                  : !z->from_stream                ? z->in_name
	                                                   : NULL;
	nids_row_where(where, size, z->in_name, rowno, csv, record);
}

/* Fills f from row i of a block. Returns 0, or NIDS_EFORMAT for a flow without time. */
static int flow_of(const wrun *z, const float *row, const unsigned char *m, uint64_t rowno,
                   nids_window_flow *f, nids_err *err)
{
	f->time = nids_meta_get_i64(m + z->time_off);
	if (f->time == NIDS_TIME_NONE) {
		char where[sizeof z->jump_where];
		flow_where(z, m, rowno, where, sizeof where);
		return nids_err_set(err, NIDS_EFORMAT, where, "the flow has no time");
	}
	const unsigned char *src = m + z->src_off, *dst = m + z->dst_off;
	memcpy(f->key, z->o->by ? dst : src, 16);
	memcpy(f->peer, z->o->by ? src : dst, 16);
	f->sport = nids_meta_get_u16(m + z->sport_off);
	f->dport = nids_meta_get_u16(m + z->dport_off);
	f->proto = m[z->proto_off];
	f->flags = 0;
	for (int k = 0; k < z->nflags && k < MAX_FLAGS; k++) /* (nflags <= MAX_FLAGS; said for -O3) */
		f->flags |= (unsigned)(row[z->flag[k]] != 0) << k;
	f->duration = z->dur_scale == 1 ? (double)row[z->dur] : row[z->dur] * z->dur_scale;
	f->packets = (double)row[z->pkt[0]] + (z->pkt[1] >= 0 ? (double)row[z->pkt[1]] : 0);
	f->bytes = (double)row[z->byt[0]] + (z->byt[1] >= 0 ? (double)row[z->byt[1]] : 0);
	f->attack = z->label >= 0 && row[z->label] != 0;
	f->cls = z->cls >= 0 ? (int)row[z->cls] : z->label >= 0 ? f->attack : -1;
	return 0;
}

/* With keep_mixed, a flow of an input class named "mixed", which the groups without a
 * majority could not be told from, is refused, named. The class is looked for among
 * the names beyond those seen, and the flows of this block rows [n x ncols] (metadata
 * [n x meta_width], from row first + 1) among its. */
static int check_classes(wrun *z, const float *rows, const unsigned char *meta, size_t n,
                         uint64_t first, nids_err *err)
{
	const nids_header *h = z->in;
	if (!z->o->keep_mixed || z->cls < 0)
		return 0;
	for (; z->mixed < 0 && z->classes_seen < h->nclasses; z->classes_seen++)
		if (!strcmp(h->classes[z->classes_seen], "mixed"))
			z->mixed = z->classes_seen;
	for (size_t i = 0; z->mixed >= 0 && i < n; i++)
		if ((int)rows[i * (size_t)h->ncols + (size_t)z->cls] == z->mixed) {
			char where[sizeof z->jump_where];
			flow_where(z, meta + i * (size_t)h->meta_width, first + i + 1, where,
			           sizeof where);
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "class 'mixed' clashes with --mixed, the class of groups "
			                    "without a majority (rename it, or leave out --mixed)");
		}
	return 0;
}

/* Adds the flows of a block rows [n x ncols] with their metadata [n x meta_width]; the
 * block's first row is row first + 1 of its input. */
static int add_block(wrun *z, const float *rows, const unsigned char *meta, size_t n,
                     uint64_t first, nids_err *err)
{
	const nids_header *h = z->in;
	size_t mw = (size_t)h->meta_width;
	int koff = z->o->by ? z->dst_off : z->src_off;
	const nids_window_counts *c = nids_window_get_counts(z->nw);
	nids_window_flow f;
	int rc = check_classes(z, rows, meta, n, first, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (i + NIDS_WINDOW_PREFETCH_AHEAD < n)
			nids_window_prefetch(z->nw, meta + (i + NIDS_WINDOW_PREFETCH_AHEAD) * mw + koff);
		rc = flow_of(z, rows + i * (size_t)h->ncols, meta + i * mw, first + i + 1, &f, err);
		if (!rc && (rc = nids_window_add(z->nw, &f, err)) == NIDS_EFORMAT)
			flow_where(z, meta + i * mw, first + i + 1, err->where, sizeof err->where);
		if (rc < 0)
			return rc;
		if (c->jump_flow == c->flows) /* this flow stepped the time furthest yet */
			flow_where(z, meta + i * mw, first + i + 1, z->jump_where, sizeof z->jump_where);
	}
	return 0;
}

/* Reads the input's columns from h, opens the output and the aggregator. */
static int start(wrun *z, const nids_header *h, nids_err *err)
{
	nids_header *oh = NULL;
	z->in = h;
	/* the featurizer's record number and input name, which name a flow in messages */
	z->record_off = meta_off(h, "record", NIDS_TYPE_U64);
	z->file_off = meta_off(h, "file", NIDS_TYPE_STR);
	int rc = find_columns(z, err);
	if (!rc)
		rc = out_header(z, &oh, err);
	if (!rc && !(z->row = calloc((size_t)z->ncols, sizeof *z->row)))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = nids_writer_open(&z->w, z->out, z->out_name, oh, z->o->level, err);
	if (!rc)
		rc = nids_window_new(&z->nw, z->o, emit, z, err);
	nids_header_free(oh);
	return rc;
}

/* Emits the open windows and ends the output; frees what start made. */
static int finish(wrun *z, int rc, nids_window_counts *c, nids_err *err)
{
	if (!rc && z->nw)
		rc = nids_window_finish(z->nw, err);
	if (z->nw) {
		*c = *nids_window_get_counts(z->nw);
		snprintf(c->jump_where, sizeof c->jump_where, "%s", z->jump_where);
	}
	if (!rc && z->w) {
		rc = nids_writer_close(z->w, err);
		z->w = NULL;
	}
	nids_writer_free(z->w);
	nids_window_free(z->nw);
	free(z->row);
	return rc;
}

int nids_window_run(const nids_window_opts *o, nids_reader *r, const char *in_name, FILE *out,
                    const char *out_name, nids_window_counts *c, nids_err *err)
{
	wrun z = { .o = o, .in_name = in_name, .out = out, .out_name = out_name,
		   .from_stream = 1, .mixed = -1 };
	int rc = start(&z, nids_reader_header(r), err);
	float *rows;
	long n = 0;
	while (!rc && (n = nids_reader_next(r, &rows, err)) > 0)
		rc = add_block(&z, rows, nids_reader_meta(r), (size_t)n,
		               nids_reader_file_rows(r) - (uint64_t)n, err); /* row numbers per file */
	return finish(&z, rc ? rc : n < 0 ? (int)n : 0, c, err);
}

/* The featurizer's rows, as they come: the header first, then blocks. */
static int take_rows(void *ctx, const nids_header *h, const float *rows, const unsigned char *meta,
                     size_t n, nids_err *err)
{
	wrun *z = ctx;
	if (!z->in)
		return start(z, h, err);
	if (!rows) /* the end: emit while the class names are there to read */
		return nids_window_finish(z->nw, err);
	return add_block(z, rows, meta, n, 0, err);
}

int nids_window_run_csv(const nids_window_opts *o, const nids_feat_opts *fo, nids_input *const *in,
                        int nin, const char *in_name, FILE *out, const char *out_name,
                        nids_window_counts *c, nids_feat_stats *st, nids_err *err)
{
	wrun z = { .o = o, .in_name = in_name, .out = out, .out_name = out_name, .mixed = -1 };
	int rc = nids_featurize_rows(in, nin, fo, take_rows, &z, st, err);
	if (!rc && !z.in) /* cannot happen: the featurizer shows the header or fails */
		rc = nids_err_set(err, NIDS_EFORMAT, in_name, "no header");
	return finish(&z, rc, c, err);
}

void nids_window_report(FILE *f, const char *prog, const char *name, const nids_window_counts *c,
                        const nids_window_opts *o, int counts, int warnings)
{
	if (counts)
		fprintf(f,
		        "%s: %s: %" PRIu64 " flows, %" PRIu64 " rows from %" PRIu64 " window%s; %" PRIu64
		        " groups under %" PRIu64 " flows dropped, %" PRIu64 " without a majority class %s\n",
		        prog, name, c->flows, c->rows, c->windows, c->windows == 1 ? "" : "s", c->small,
		        o->min_flows, c->mixed, o->keep_mixed ? "kept as 'mixed'" : "dropped");
	if (c->late && warnings)
		fprintf(f,
		        "%s: %s: %" PRIu64 " late flows dropped (their window had been emitted; "
		        "raise --lateness)\n",
		        prog, name, c->late);
	/* a step past a whole window and its lateness emits every open window at once: the
	   flows after it from before it are all late, which a wrong time far ahead causes */
	uint64_t step = (uint64_t)c->jump_to - (uint64_t)c->jump_from;
	if (c->late && warnings && c->jump_flow &&
	    step > (uint64_t)o->window_us + (uint64_t)o->lateness_us) {
		char from[48], to[48], flow[64];
		nids_time_format(c->jump_from, 0, from);
		nids_time_format(c->jump_to, 0, to);
		snprintf(flow, sizeof flow, "flow %" PRIu64, c->jump_flow);
		fprintf(f,
		        "%s: %s: its time, %s, is %.0f s past the latest flow before it (%s): a "
		        "wrong time there makes the flows after it late\n",
		        prog, c->jump_where[0] ? c->jump_where : flow, to, (double)step / 1e6, from);
	}
}
