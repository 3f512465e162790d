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
 *   - for CSV (nids_window_run_csv): the text, read as ugr16, nfdump or detected, whose
 *     output must be that of nids_featurize's stream through nids_window_run.
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

/* A flow as the aggregator should see it. */
typedef struct ref_flow {
	int64_t t;
	unsigned char src[16], dst[16];
	unsigned sport, dport, proto, flags;
	double dur, pkt, byt;
	int cls, attack;
} ref_flow;

/* What the harness knows about the flows it wrote. */
typedef struct known {
	uint64_t flows, max;
	int finite;       /* every duration, packet and byte count finite */
	ref_flow *f;      /* [flows] */
	int label, cls;   /* the stream has a label, a class column */
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
	for (unsigned i = 0; i < copies && k->flows < k->max; i++) {
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
		ref_flow *r = &k->f[k->flows];
		r->t = ti;
		memcpy(r->src, m + b->src_off, 16);
		memcpy(r->dst, m + b->dst_off, 16);
		r->sport = nids_meta_get_u16(m + b->sport_off);
		r->dport = nids_meta_get_u16(m + b->dport_off);
		r->proto = d[6];
		r->flags = 0;
		for (int f = 0; f < b->s.nflag && f < 16; f++) /* (the run reads 16 flag columns) */
			r->flags |= (unsigned)(row[b->flag0 + f] != 0) << f;
		r->dur = b->s.cic_dur ? dur * 1e-6 : (double)dur;
		r->pkt = pkt;
		r->byt = byt;
		r->attack = b->label >= 0 && row[b->label] != 0;
		r->cls = b->cls >= 0 ? (int)row[b->cls] : b->label >= 0 ? r->attack : -1;
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
	static ref_flow flows[MAX_FLOWS];
	k->f = flows;
	k->label = s->label;
	k->cls = s->cls;
	k->flows = 0;
	k->finite = 1;
	k->max = MAX_FLOWS;
	for (size_t p = 0; p + REC <= n && k->flows < k->max; p += REC)
		write_flows(&b, d + p, &t, len, late, k);
	if (nids_writer_close(b.w, &err) || fclose(f))
		abort();
	nids_header_free(b.h);
}

/* ---- a reference: the rows and counts from the definitions, two-pass ---- */

typedef struct exp_row {
	int64_t start;
	unsigned char key[16];
	uint64_t flows;
	int attack;
	const char *cls; /* class name, "mixed", or NULL without a class column */
	double f[NIDS_WINDOW_NFEAT];
	double scale[10]; /* the largest magnitude among each mean's values */
} exp_row;

typedef struct expect {
	exp_row *row; /* [rows] */
	nids_window_counts c;
} expect;

static const ref_flow *g_flows;
static int g_by;

static const unsigned char *key_of(const ref_flow *f) { return g_by ? f->dst : f->src; }
static const unsigned char *peer_of(const ref_flow *f) { return g_by ? f->src : f->dst; }

static int64_t floor_start(int64_t t, int64_t len)
{
	int64_t r = t % len;
	return r < 0 ? t - r - len : t - r;
}

static int64_t g_len;

static int cmp_group(const void *a, const void *b)
{
	const ref_flow *x = &g_flows[*(const uint32_t *)a], *y = &g_flows[*(const uint32_t *)b];
	int64_t sx = floor_start(x->t, g_len), sy = floor_start(y->t, g_len);
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return memcmp(key_of(x), key_of(y), 16);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_peer(const void *a, const void *b)
{
	return memcmp(peer_of(&g_flows[*(const uint32_t *)a]), peer_of(&g_flows[*(const uint32_t *)b]),
	              16);
}

static int slot_of(unsigned port)
{
	for (int p = 0; p < 26; p++)
		if (COMMON[p] == port)
			return p;
	return 26;
}

/* Entropy in bits of the runs of equal values among v [n] (sorted). */
static double runs_entropy(const uint64_t *v, size_t n)
{
	double e = 0;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[j] == v[i]; j++)
			;
		double p = (double)(j - i) / (double)n;
		e -= p * log2(p);
	}
	return e;
}

/* Mean, sample deviation and largest magnitude of v [m]. */
static void two_pass(const double *v, size_t m, double *mean, double *sd, double *scale)
{
	double s = 0, q = 0, big = 0;
	for (size_t i = 0; i < m; i++)
		s += v[i], big = fmax(big, fabs(v[i]));
	*mean = m ? s / (double)m : 0;
	for (size_t i = 0; i < m; i++)
		q += (v[i] - *mean) * (v[i] - *mean);
	*sd = m > 1 ? sqrt(q / (double)(m - 1)) : 0;
	*scale = big;
}

/* The features of the group of flows idx [n]. */
static void group_features(uint32_t *idx, size_t n, exp_row *e)
{
	static double v[5][MAX_FLOWS];
	static uint64_t u[MAX_FLOWS];
	size_t m[5] = { 0 };
	double sp[27] = { 0 }, dp[27] = { 0 };
	for (size_t i = 0; i < n; i++) {
		const ref_flow *f = &g_flows[idx[i]];
		v[0][m[0]++] = f->dur, v[1][m[1]++] = f->pkt, v[2][m[2]++] = f->byt;
		if (f->dur != 0)
			v[3][m[3]++] = f->pkt / f->dur, v[4][m[4]++] = f->byt / f->dur;
		sp[slot_of(f->sport)]++, dp[slot_of(f->dport)]++;
	}
	for (int s = 0; s < 5; s++)
		two_pass(v[s], m[s], &e->f[s], &e->f[5 + s], &e->scale[s]);
	for (int s = 0; s < 5; s++)
		e->scale[5 + s] = e->scale[s];
	for (int kind = 0; kind < 5; kind++) {
		if (kind == 1) { /* peers: 16 bytes, sorted as such */
			qsort(idx, n, sizeof *idx, cmp_peer);
			for (size_t i = 0; i < n; i++)
				u[i] = i && !memcmp(peer_of(&g_flows[idx[i]]), peer_of(&g_flows[idx[i - 1]]), 16)
				               ? u[i - 1]
				               : i;
		} else {
			for (size_t i = 0; i < n; i++) {
				const ref_flow *f = &g_flows[idx[i]];
				u[i] = kind == 0 ? f->proto : kind == 2 ? f->sport : kind == 3 ? f->dport : f->flags;
			}
			qsort(u, n, sizeof *u, cmp_u64);
		}
		e->f[10 + kind] = runs_entropy(u, n);
	}
	for (int p = 0; p < 27; p++) {
		e->f[15 + p] = sp[p] / (double)n;
		e->f[42 + p] = dp[p] / (double)n;
	}
}

/* The rows and counts the flows k->f [k->flows] give with options o, into e. */
static void reference(const nids_window_opts *o, const known *k, expect *e)
{
	static uint32_t idx[MAX_FLOWS];
	static exp_row rows[MAX_FLOWS];
	size_t n = 0;
	g_flows = k->f, g_by = o->by, g_len = o->window_us;
	memset(&e->c, 0, sizeof e->c);
	e->row = rows;
	e->c.flows = k->flows;
	/* late: its window ended at or before the latest earlier time less the lateness */
	int64_t tmax = 0;
	for (uint64_t i = 0; i < k->flows; i++) {
		int64_t t = k->f[i].t, start = floor_start(t, o->window_us);
		if (i && (__int128)start + o->window_us <= (__int128)tmax - o->lateness_us) {
			e->c.late++;
			continue;
		}
		if (i && t > tmax && (uint64_t)t - (uint64_t)tmax >
		                             (uint64_t)e->c.jump_to - (uint64_t)e->c.jump_from)
			e->c.jump_from = tmax, e->c.jump_to = t, e->c.jump_flow = i + 1;
		tmax = !i || t > tmax ? t : tmax;
		idx[n++] = (uint32_t)i;
	}
	qsort(idx, n, sizeof *idx, cmp_group);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && !cmp_group(&idx[a], &idx[b]); b++)
			;
		if (!a || floor_start(k->f[idx[a]].t, o->window_us) !=
		                  floor_start(k->f[idx[a - 1]].t, o->window_us))
			e->c.windows++;
		uint64_t gn = b - a, voted = 0, attacks = 0, count[4] = { 0 };
		if (gn < o->min_flows) {
			e->c.small++;
			continue;
		}
		for (size_t i = a; i < b; i++) {
			const ref_flow *f = &k->f[idx[i]];
			attacks += (uint64_t)f->attack;
			if (f->cls >= 0)
				voted++, count[f->cls]++;
		}
		int major = -1;
		for (int c = 0; c < 4; c++)
			major = 2 * count[c] > gn ? c : major;
		if (voted && major < 0) {
			e->c.mixed++;
			if (!o->keep_mixed)
				continue;
		}
		exp_row *r = &rows[e->c.rows++];
		r->start = floor_start(k->f[idx[a]].t, o->window_us);
		memcpy(r->key, key_of(&k->f[idx[a]]), 16);
		r->flows = gn;
		r->attack = 2 * attacks >= gn;
		r->cls = !k->cls ? NULL : major < 0 ? "mixed" : CLASSES[major];
		group_features(idx + a, gn, r);
	}
}

/* Whether feature i of a row, v, is the reference's e within rounding. */
static int near(const exp_row *e, int i, float v)
{
	double want = e->f[i];
	want = want > FLT_MAX ? FLT_MAX : want < -FLT_MAX ? -FLT_MAX : want;
	/* (float32 flushes what is under its least denormal to 0) */
	double tol = i < 10 ? 1e-5 * e->scale[i] + FLT_TRUE_MIN : 1e-6 * (1 + fabs(want));
	return fabs((double)v - want) <= tol || (i >= 15 && v == (float)want);
}

/* Row x (metadata start, key, flows nf) against the reference's e; lc and cc its label
 * and class columns in h, or -1. */
static void compare_row(const exp_row *e, const nids_header *h, const float *x, int64_t start,
                        const unsigned char *key, uint64_t nf, int lc, int cc, int finite)
{
	fuzz_check(start == e->start && !memcmp(key, e->key, 16) && nf == e->flows);
	fuzz_check(lc < 0 || x[lc] == (float)e->attack);
	fuzz_check((cc >= 0) == (e->cls != NULL));
	fuzz_check(cc < 0 || !strcmp(h->classes[(int)x[cc]], e->cls));
	for (int f = finite ? 0 : 10; f < NIDS_WINDOW_NFEAT; f++)
		if (!near(e, f, x[f])) {
			fprintf(stderr, "fuzz_window: group of %llu flows: feature %d '%s' is %.9g, want %.17g\n",
			        (unsigned long long)nf, f, h->cols[f].name, (double)x[f], e->f[f]);
			abort();
		}
}

/* Checks the aggregator's output stream out [n] against the options and counts, and
 * against the reference's rows and counts e unless NULL. */
static void check_output(const char *out, size_t n, const nids_window_opts *o,
                         const nids_window_counts *c, uint64_t flows, int finite, const expect *e)
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
			if (e) {
				fuzz_check(rows < e->c.rows);
				compare_row(&e->row[rows], h, x, start, m + aoff, nf, lc, cc, finite);
			}
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
	if (e) {
		fuzz_check(c->late == e->c.late && c->small == e->c.small && c->mixed == e->c.mixed);
		fuzz_check(c->rows == e->c.rows && c->windows == e->c.windows);
		fuzz_check(c->jump_from == e->c.jump_from && c->jump_to == e->c.jump_to &&
		           c->jump_flow == e->c.jump_flow);
	}
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
	if (rc == 0) {
		static expect e;
		reference(o, &k, &e);
		check_output(out, out_len, o, &c, k.flows, k.finite, &e);
	}
	else
		fuzz_check(rc == NIDS_EFORMAT); /* a time out of range or none */
	free(out);
}

/* What nids-featurize | nids-window makes of the CSV at path (given nin times) with fo
 * and o: the output stream into *out [*len] (malloc'd), the counts into *c. Returns the
 * code of the first failing step. */
static int piped(const char *path, int nin, const nids_feat_opts *fo, const nids_window_opts *o,
                 char **out, size_t *len, nids_window_counts *c)
{
	nids_input *in[2] = { NULL, NULL };
	nids_err err = { 0 };
	nids_feat_stats st;
	memset(&st, 0, sizeof st);
	char *rec = NULL;
	size_t rec_len = 0;
	FILE *f = open_memstream(&rec, &rec_len);
	if (!f)
		abort();
	int rc = 0;
	for (int i = 0; i < nin && !rc; i++)
		rc = nids_input_open(&in[i], path, &err);
	if (!rc)
		rc = nids_featurize(in, nin, f, "featurized", fo, &st, &err);
	for (int i = 0; i < nin; i++)
		nids_input_free(in[i]);
	if (fclose(f))
		abort();
	nids_input *rin = NULL;
	nids_reader *r = NULL;
	if (!rc && (nids_input_open(&rin, fuzz_file(2, (const uint8_t *)rec, rec_len), &err) ||
	            nids_reader_open(&r, rin, &err)))
		abort();
	free(rec);
	if (!rc) {
		if (!(f = open_memstream(out, len)))
			abort();
		rc = nids_window_run(o, r, "-", f, "out", c, &err);
		if (fclose(f))
			abort();
	}
	nids_reader_free(r);
	nids_input_free(rin);
	return rc;
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
		check_output(out, out_len, o, &c, st.rows, 1, NULL);
	/* byte for byte the output of the featurizer's stream through nids_window_run,
	   with the same counts (the flow named by the largest step aside) */
	char *pout = NULL;
	size_t pout_len = 0;
	nids_window_counts pc;
	memset(&pc, 0, sizeof pc);
	int prc = piped(path, nin, &fo, o, &pout, &pout_len, &pc);
	fuzz_check((rc == 0) == (prc == 0));
	if (rc == 0) {
		fuzz_check(pout_len == out_len && !memcmp(pout, out, out_len));
		memset(c.jump_where, 0, sizeof c.jump_where);
		memset(pc.jump_where, 0, sizeof pc.jump_where);
		fuzz_check(!memcmp(&c, &pc, sizeof c));
	}
	free(pout);
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
