/* fuzz_window.c: GEE's window aggregator through nids-window's two entry points.
 *
 * Input: byte 0 picks the entry point and the options (--by, --mixed, --window,
 * --min-flows), byte 1 the lateness (and for a stream its measures' columns and -z),
 * byte 2 the input's shape; then
 *   - for a stream (nids_window_run): records of 12 bytes, each a flow (its time as a
 *     step from the last or an absolute value among the int64 extremes, addresses from
 *     a few IPv4 and IPv6 ones, ports, protocol, flags, measures from a table of
 *     awkward values, class and label) and a repeat count, so that groups grow past 8,
 *     1024 and 1025 flows; the harness writes them as a flow stream with the library's
 *     writer;
 *   - for CSV (nids_window_run_csv): the text, read as ugr16, nfdump or detected.
 * Besides crashes, it reads the output stream back and aborts when a row breaks what
 * man/nids-window.1 and include/nids/window.h promise: features finite (the means and
 * deviations when the measures were), proportions in [0, 1] summing to 1 on each side,
 * entropies in [0, log2 flows], deviations >= 0, a window start on the grid, rows in
 * order of (start, address), and counts that agree with the rows. */
#include "fuzz_common.h"

#include <float.h>
#include <math.h>

#include "nids/feat.h"
#include "nids/io.h"
#include "nids/stream.h"
#include "nids/window.h"

#define MAX_FLOWS 10000 /* flows of one input, repeats included: keeps an exec short */
#define REC 12

static const int64_t WINDOWS[8] = { 1, 7, 1000, 1000000, 60000000, 180000000, 3600000000,
	                            1000000000000000 };
static const int64_t LATENESS[8] = { 0, 1, 999, 1000000, 60000000, 180000000, 1000000000000,
	                             1000000000000000 };
static const uint64_t MIN_FLOWS[4] = { 1, 2, 10, 1025 };
static const unsigned COMMON[26] = { 20, 21, 22, 23, 25, 50, 51, 53, 67, 68, 69, 80, 110,
	                             119, 123, 135, 136, 137, 138, 139, 143, 161, 162, 389, 443, 3389 };
static const unsigned REPEATS[8] = { 8, 9, 10, 100, 1023, 1024, 1025, 3000 };
static const unsigned SPANS[4] = { 1, 2, 5, 3000 };
static const char *const CLASSES[4] = { "background", "dos", "scan", "blacklist" };

#define fuzz_check(cond)                                                                    \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "fuzz_window: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* A duration, packet or byte count: 32 awkward values (signed zeros, NaN, infinities,
 * float32's extremes, denormals), else a plain multiple of 0.5. */
static float measure(unsigned b)
{
	static const float V[32] = { 0,       -0.0f,     1,      0.001f,   48.38f, -1,
		                     NAN,     INFINITY,  -INFINITY, FLT_MAX, -FLT_MAX, FLT_TRUE_MIN,
		                     1e-30f,  1e30f,     2,      100,      1e6f,   0.5f,
		                     3,       7,         40,     1500,     65535,  1e9f,
		                     -1e9f,   1e-40f,    0.1f,   10,       60,     FLT_MIN,
		                     3e38f,   16777216 };
	return b < 32 ? V[b] : (float)(b - 32) * 0.5f;
}

/* A common port, a low one, or one spread over 0..65535. */
static unsigned port(unsigned b) { return b < 26 ? COMMON[b] : b < 64 ? b : b * 257u; }

static void v4(unsigned char a[16], unsigned x)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = (unsigned char)(x >> 24), a[13] = (unsigned char)(x >> 16);
	a[14] = (unsigned char)(x >> 8), a[15] = (unsigned char)x;
}

static void v6(unsigned char a[16], unsigned x)
{
	memset(a, 0, 16);
	a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
	a[14] = (unsigned char)(x >> 8), a[15] = (unsigned char)x;
}

/* A grouping address: few of them, IPv4 and IPv6, the zero address among them. */
static void src_addr(unsigned char a[16], unsigned b)
{
	switch (b < 8 ? b : 8) {
	case 0: v4(a, 0x0a000001); break;
	case 1: v4(a, 0x0a000002); break;
	case 2: v4(a, 0xc0a80101); break;
	case 3: v4(a, 0xffffffff); break;
	case 4: v6(a, 1); break;
	case 5: v6(a, 0xffff); break;
	case 6: memset(a, 0, 16); break;
	case 7: v4(a, 0); break;
	default: v4(a, 0x0a010000 + b); break;
	}
}

static void dst_addr(unsigned char a[16], unsigned x)
{
	if (x == 0)
		memset(a, 0, 16);
	else if (x & 0x80)
		v6(a, x & 0x7fff);
	else
		v4(a, 0xac100000 + x);
}

/* The input stream's shape: which columns it has and their names. */
enum { M_PLAIN, M_CIC, M_NO_BYTES }; /* the measures' columns */
typedef struct shape {
	int label, cls, split, cic_dur, nflag, record, file, measures;
} shape;

/* What the harness knows about the flows it wrote. */
typedef struct known {
	uint64_t flows;
	int finite; /* every duration, packet and byte count finite */
} known;

typedef struct builder {
	nids_header *h;
	nids_writer *w;
	shape s;
	int dur, pkt, byt, flag0, label, cls;
	int time_off, src_off, dst_off, sport_off, dport_off, proto_off, record_off, file_off;
	float row[32];
	unsigned char meta[128];
} builder;

static int add_meta(builder *b, const char *name, int type, int role)
{
	int m = nids_header_add_meta(b->h, name, type, role, NULL);
	if (m < 0)
		abort();
	return b->h->meta[m].off;
}

static int add_col(builder *b, const char *name, int role)
{
	int c = nids_header_add_column(b->h, name, role, NULL);
	if (c < 0)
		abort();
	return c;
}

static void build_header(builder *b)
{
	static const char *const FLAGS[17] = { "flag_urg", "flag_ack", "flag_psh", "flag_rst",
		                               "flag_syn", "flag_fin", "flag_6",   "flag_7",
		                               "flag_8",   "flag_9",   "flag_10",  "flag_11",
		                               "flag_12",  "flag_13",  "flag_14",  "flag_15",
		                               "flag_16" };
	if (!(b->h = nids_header_new()))
		abort();
	b->dur = add_col(b, b->s.cic_dur ? "Flow Duration" : "duration", NIDS_ROLE_FEATURE);
	if (b->s.measures == M_CIC) { /* CICFlowMeter's forward and backward columns */
		b->pkt = add_col(b, "Total Fwd Packets", NIDS_ROLE_FEATURE);
		add_col(b, "Total Backward Packets", NIDS_ROLE_FEATURE);
		b->byt = add_col(b, "Total Length of Fwd Packets", NIDS_ROLE_FEATURE);
		add_col(b, "Total Length of Bwd Packets", NIDS_ROLE_FEATURE);
	} else {
		int bytes = b->s.measures == M_PLAIN; /* else octets, or bytes_to_server alone */
		b->pkt = add_col(b, b->s.split ? "packets_to_server" : "packets", NIDS_ROLE_FEATURE);
		if (b->s.split)
			add_col(b, "packets_to_client", NIDS_ROLE_FEATURE);
		b->byt = add_col(b, b->s.split ? "bytes_to_server" : bytes ? "bytes" : "octets",
		                 NIDS_ROLE_FEATURE);
		if (b->s.split && bytes)
			add_col(b, "bytes_to_client", NIDS_ROLE_FEATURE);
	}
	b->flag0 = b->h->ncols;
	for (int k = 0; k < b->s.nflag; k++)
		add_col(b, FLAGS[k], NIDS_ROLE_FEATURE);
	b->label = b->s.label ? add_col(b, "label", NIDS_ROLE_LABEL) : -1;
	b->cls = b->s.cls ? add_col(b, "class", NIDS_ROLE_CLASS) : -1;
	for (int k = 0; b->s.cls && k < 4; k++)
		if (nids_header_add_class(b->h, CLASSES[k]) != k)
			abort();
	b->time_off = add_meta(b, "time", NIDS_TYPE_TIME, NIDS_ROLE_TIME);
	b->src_off = add_meta(b, "src_addr", NIDS_TYPE_ADDR, NIDS_ROLE_ID);
	b->sport_off = add_meta(b, "sport", NIDS_TYPE_PORT, NIDS_ROLE_ID);
	b->dst_off = add_meta(b, "dst_addr", NIDS_TYPE_ADDR, NIDS_ROLE_ID);
	b->dport_off = add_meta(b, "dport", NIDS_TYPE_PORT, NIDS_ROLE_ID);
	b->proto_off = add_meta(b, "proto", NIDS_TYPE_PROTO, NIDS_ROLE_ID);
	b->record_off = b->s.record ? add_meta(b, "record", NIDS_TYPE_U64, NIDS_ROLE_META) : -1;
	b->file_off = b->s.file ? add_meta(b, "file", NIDS_TYPE_STR, NIDS_ROLE_META) : -1;
	if (b->s.file && nids_header_add_string(b->h, "day.csv") != 0)
		abort();
	if ((size_t)b->h->ncols > sizeof b->row / sizeof *b->row ||
	    (size_t)b->h->meta_width > sizeof b->meta)
		abort();
}

/* The time of the next flow from selector sel and argument a, after t. */
static int64_t next_time(int64_t t, unsigned sel, unsigned a, int64_t len, int64_t late)
{
	const int64_t EXTREMES[16] = { NIDS_TIME_NONE,
		                       INT64_MAX,
		                       INT64_MIN + 1,
		                       INT64_MAX - 1,
		                       INT64_MIN + 2 * len,
		                       INT64_MIN + 2 * len - 1,
		                       INT64_MAX - 2 * len,
		                       INT64_MAX - 2 * len + 1,
		                       0,
		                       -1,
		                       1469626999000000,
		                       -len,
		                       INT64_MIN + 2 * len + late,
		                       INT64_MAX / 2,
		                       INT64_MIN / 2,
		                       INT64_MAX - 2 * len - late };
	uint64_t u = (uint64_t)t; /* (steps wrap around: an extreme is as good as any) */
	switch (sel & 7) {
	case 0: return (int64_t)(u + a);
	case 1: return (int64_t)(u + (uint64_t)a * 1000000);
	case 2: return (int64_t)(u + (uint64_t)a * 60000000);
	case 3: return (int64_t)(u - (uint64_t)a * 1000000);
	case 4: return (int64_t)(u + ((uint64_t)a << 40));
	case 5: return EXTREMES[a % 16];
	case 6: return (int64_t)((uint64_t)((int64_t)a - 128) * (uint64_t)len + (sel >> 3));
	default: return t;
	}
}

/* Writes flow d [REC] (and its repeats) to b; counts it in k. */
static void write_flows(builder *b, const uint8_t *d, int64_t *t, int64_t len, int64_t late,
                        known *k)
{
	unsigned rep = d[11] >> 3, copies = 1 + (rep < 24 ? 0 : REPEATS[rep - 24]);
	unsigned span = SPANS[d[3] >> 6], pspan = SPANS[d[4] >> 6];
	*t = next_time(*t, d[0], d[1], len, late);
	for (unsigned i = 0; i < copies && k->flows < MAX_FLOWS; i++) {
		float *row = b->row;
		unsigned char *m = b->meta;
		memset(row, 0, sizeof b->row);
		memset(m, 0, sizeof b->meta);
		int64_t ti = (int64_t)((uint64_t)*t + (d[0] & 8 ? i : 0));
		nids_meta_put_i64(m + b->time_off, ti);
		src_addr(m + b->src_off, d[2]);
		dst_addr(m + b->dst_off, (d[3] & 0x3f) + (d[3] & 0x20 ? 0x80 : 0) + i % span);
		nids_meta_put_u16(m + b->sport_off, port(d[4] & 0x3f) + (d[4] & 0x80 ? i % 3 : 0));
		nids_meta_put_u16(m + b->dport_off, (port(d[5]) + i % pspan) & 0xffff);
		m[b->proto_off] = d[6];
		for (int f = 0; f < b->s.nflag; f++)
			row[b->flag0 + f] = (float)(d[7] >> (f % 8) & 1);
		float dur = measure(d[8]), pkt = measure(d[9]), byt = measure(d[10]);
		row[b->dur] = dur;
		row[b->pkt] = pkt;
		row[b->byt] = byt;
		k->finite &= isfinite(dur) && isfinite(pkt) && isfinite(byt);
		if (b->label >= 0)
			row[b->label] = (float)(d[11] >> 2 & 1);
		if (b->cls >= 0)
			row[b->cls] = (float)((d[11] + (d[7] >> 7 ? i : 0)) & 3);
		if (b->record_off >= 0)
			nids_meta_put_u64(m + b->record_off, k->flows + 1);
		if (b->file_off >= 0)
			nids_meta_put_u32(m + b->file_off, 0);
		nids_err err = { 0 };
		if (nids_writer_write_meta(b->w, row, m, 1, &err))
			abort();
		k->flows++;
	}
}

/* The stream of the flows in d [n] into *out [*len] (malloc'd). */
static void make_stream(const shape *s, const uint8_t *d, size_t n, int64_t len, int64_t late,
                        char **out, size_t *outlen, known *k)
{
	builder b = { .s = *s };
	build_header(&b);
	FILE *f = open_memstream(out, outlen);
	nids_err err = { 0 };
	if (!f || nids_writer_open(&b.w, f, "fuzz", b.h, 0, &err))
		abort();
	int64_t t = 1469626999000000; /* 2016-07-27 */
	k->flows = 0;
	k->finite = 1;
	for (size_t p = 0; p + REC <= n && k->flows < MAX_FLOWS; p += REC)
		write_flows(&b, d + p, &t, len, late, k);
	if (nids_writer_close(b.w, &err) || fclose(f))
		abort();
	nids_header_free(b.h);
}

/* Checks the aggregator's output stream out [n] against the options and counts. */
static void check_output(const char *out, size_t n, const nids_window_opts *o,
                         const nids_window_counts *c, uint64_t flows, int finite)
{
	nids_err err = { 0 };
	nids_input *in;
	nids_reader *r;
	if (nids_input_open(&in, fuzz_file(1, (const uint8_t *)out, n), &err) || nids_reader_open(&r, in, &err))
		abort();
	const nids_header *h = nids_reader_header(r);
	int tm = nids_header_find_meta(h, "time");
	int am = nids_header_find_meta(h, o->by ? "dst_addr" : "src_addr");
	int fm = nids_header_find_meta(h, "flows");
	int lc = nids_header_find(h, "label"), cc = nids_header_find(h, "class");
	fuzz_check(h->ncols >= NIDS_WINDOW_NFEAT && tm >= 0 && am >= 0 && fm >= 0);
	int toff = h->meta[tm].off, aoff = h->meta[am].off, foff = h->meta[fm].off;
	uint64_t rows = 0, sum = 0, mixed = 0, in_window = 0;
	int64_t prev = 0;
	unsigned char prev_key[16] = { 0 };
	float *x;
	long got;
	while ((got = nids_reader_next(r, &x, &err)) > 0) {
		const unsigned char *m = nids_reader_meta(r);
		for (long i = 0; i < got; i++, x += h->ncols, m += h->meta_width) {
			int64_t start = nids_meta_get_i64(m + toff);
			uint64_t nf = nids_meta_get_u64(m + foff);
			fuzz_check(start % o->window_us == 0 && nf >= o->min_flows && nf >= 1);
			int cmp = rows ? (start > prev) - (start < prev) : 1;
			if (!cmp)
				cmp = memcmp(m + aoff, prev_key, 16);
			fuzz_check(cmp > 0); /* by start, then address; no group twice */
			in_window = rows && start == prev ? in_window + 1 : 1;
			fuzz_check(in_window <= c->peak_sources);
			prev = start;
			memcpy(prev_key, m + aoff, 16);
			for (int f = 0; f < NIDS_WINDOW_NFEAT; f++)
				if (!(isfinite(x[f]) || (!finite && f < 10))) {
					fprintf(stderr, "fuzz_window: row %llu (%llu flows): feature %d '%s' is %g\n",
					        (unsigned long long)rows + 1, (unsigned long long)nf, f,
					        h->cols[f].name, (double)x[f]);
					abort();
				}
			for (int f = 5; f < 10; f++)
				fuzz_check(!(x[f] < 0));
			double log2n = log2((double)nf);
			for (int f = 10; f < 15; f++)
				fuzz_check(x[f] >= 0 && x[f] <= log2n + 1e-6 * (1 + log2n));
			for (int side = 0; side < 2; side++) {
				double s = 0;
				for (int p = 0; p <= NIDS_WINDOW_NPORTS; p++) {
					float v = x[15 + side * 27 + p];
					fuzz_check(v >= 0 && v <= 1);
					s += v;
				}
				fuzz_check(fabs(s - 1) <= 1e-6);
			}
			if (lc >= 0)
				fuzz_check(x[lc] == 0 || x[lc] == 1);
			if (cc >= 0)
				mixed += !strcmp(h->classes[(int)x[cc]], "mixed");
			rows++;
			sum += nf;
		}
	}
	fuzz_check(got == 0);
	nids_reader_free(r);
	nids_input_free(in);
	/* every flow is late, in a row, or in a dropped group: one too small (of 1 to
	   min_flows - 1 flows) or without a majority class (dropped unless kept) */
	uint64_t dropped_mixed = o->keep_mixed ? 0 : c->mixed;
	fuzz_check(c->flows == flows && c->rows == rows && c->late <= flows);
	fuzz_check(sum + c->late + c->small + dropped_mixed * o->min_flows <= flows);
	if (o->keep_mixed)
		fuzz_check(flows - sum - c->late <= c->small * (o->min_flows - 1));
	if (cc >= 0) /* (the class column holds "mixed" for kept groups without a majority) */
		fuzz_check(mixed == (o->keep_mixed ? c->mixed : 0));
	fuzz_check(c->jump_flow <= flows && (c->jump_flow || !c->jump_from));
	fuzz_check(c->windows <= flows && (rows == 0 || c->windows > 0));
}

static void options(const uint8_t *d, nids_window_opts *o)
{
	*o = (nids_window_opts){ .window_us = WINDOWS[d[0] >> 3 & 7],
		                 .lateness_us = LATENESS[d[1] & 7],
		                 .by = d[0] >> 1 & 1,
		                 .min_flows = MIN_FLOWS[d[0] >> 6],
		                 .keep_mixed = d[0] >> 2 & 1 };
}

static void run_stream(nids_window_opts *o, unsigned ob, unsigned sb, const uint8_t *d, size_t n)
{
	static const int NFLAGS[4] = { 0, 1, 6, 17 }, MEASURES[4] = { M_PLAIN, M_CIC, M_NO_BYTES,
		                                                      M_PLAIN };
	o->level = ob >> 5 & 1;
	shape s = { .measures = MEASURES[ob >> 3 & 3],
		    .label = sb & 1,
		    .cls = sb >> 1 & 1,
		    .split = sb >> 2 & 1,
		    .nflag = NFLAGS[sb >> 3 & 3],
		    .record = sb >> 5 & 1,
		    .file = sb >> 6 & 1,
		    .cic_dur = sb >> 7 & 1 };
	char *in_bytes = NULL, *out = NULL;
	size_t in_len = 0, out_len = 0;
	known k;
	make_stream(&s, d, n, o->window_us, o->lateness_us, &in_bytes, &in_len, &k);
	nids_err err = { 0 };
	nids_input *in;
	nids_reader *r;
	if (nids_input_open(&in, fuzz_file(0, (const uint8_t *)in_bytes, in_len), &err) ||
	    nids_reader_open(&r, in, &err))
		abort();
	free(in_bytes);
	FILE *f = open_memstream(&out, &out_len);
	if (!f)
		abort();
	nids_window_counts c;
	memset(&c, 0, sizeof c);
	int rc = nids_window_run(o, r, "-", f, "out", &c, &err);
	if (fclose(f))
		abort();
	nids_reader_free(r);
	nids_input_free(in);
	nids_window_report(fuzz_null(), "nids-window", "-", &c, o, 1, 1);
	if (rc == 0)
		check_output(out, out_len, o, &c, k.flows, k.finite);
	else
		fuzz_check(rc == NIDS_EFORMAT); /* a time out of range or none */
	free(out);
}

static void run_csv(const nids_window_opts *o, unsigned sb, const uint8_t *d, size_t n)
{
	static const char *const FORMATS[4] = { "ugr16", "nfdump", NULL, "ugr16" };
	nids_feat_opts fo;
	nids_feat_opts_init(&fo);
	fo.format = FORMATS[sb & 3];
	fo.skip_bad = sb >> 2 & 1;
	int nin = 1 + (sb >> 3 & 1);
	const char *path = fuzz_file(0, d, n);
	nids_input *in[2] = { NULL, NULL };
	nids_err err = { 0 };
	for (int i = 0; i < nin; i++)
		if (nids_input_open(&in[i], path, &err))
			abort();
	char *out = NULL;
	size_t out_len = 0;
	FILE *f = open_memstream(&out, &out_len);
	if (!f)
		abort();
	nids_window_counts c;
	nids_feat_stats st;
	memset(&c, 0, sizeof c);
	memset(&st, 0, sizeof st);
	int rc = nids_window_run_csv(o, &fo, in, nin, "fuzz.csv", f, "out", &c, &st, &err);
	if (fclose(f))
		abort();
	for (int i = 0; i < nin; i++)
		nids_input_free(in[i]);
	nids_window_report(fuzz_null(), "nids-window", "fuzz.csv", &c, o, 1, 1);
	/* the featurizer stores finite values, clamped to float32's range */
	if (rc == 0)
		check_output(out, out_len, o, &c, st.rows, 1);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	nids_window_opts o;
	options(data, &o);
	if (data[0] & 1)
		run_csv(&o, data[2], data + 3, size - 3);
	else
		run_stream(&o, data[1], data[2], data + 3, size - 3);
	return 0;
}
