/* test_window.c: the window aggregator against hand-computed values and a brute-force
 * computation of the definitions; boundaries, lateness, ordering, bounded groups. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nids/window.h"

#define MAXROWS 4096

typedef struct sink {
	int n;
	nids_window_row rows[MAXROWS];
	int fail_at; /* return an error at this row (1-based), 0 never */
} sink;

static int collect(void *ctx, const nids_window_row *r, nids_err *err)
{
	sink *s = ctx;
	if (s->fail_at && s->n + 1 == s->fail_at)
		return nids_err_set(err, NIDS_EIO, NULL, "sink full");
	if (s->n < MAXROWS)
		s->rows[s->n] = *r;
	s->n++;
	return 0;
}

static nids_window_opts opts(int64_t window_s, int64_t lateness_s, uint64_t min_flows)
{
	return (nids_window_opts){ .window_us = window_s * 1000000,
		                   .lateness_us = lateness_s * 1000000,
		                   .min_flows = min_flows };
}

/* A new aggregator with options o, its rows to s (emptied first). */
static nids_window *agg(sink *s, const nids_window_opts *o)
{
	nids_window *w = NULL;
	nids_err err = { 0 };
	s->n = 0;
	CHECK(nids_window_new(&w, o, collect, s, &err) == 0, "new: %s", err.msg);
	return w;
}

static void v4(unsigned char a[16], unsigned x)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = (unsigned char)(x >> 24);
	a[13] = (unsigned char)(x >> 16);
	a[14] = (unsigned char)(x >> 8);
	a[15] = (unsigned char)x;
}

static nids_window_flow flow(double t_s, unsigned src, unsigned dst, unsigned sport,
                             unsigned dport, unsigned proto, double dur, double pkt,
                             double byt, unsigned flags, int cls)
{
	nids_window_flow f = { 0 };
	f.time = (int64_t)llround(t_s * 1e6);
	v4(f.key, src);
	v4(f.peer, dst);
	f.sport = sport;
	f.dport = dport;
	f.proto = proto;
	f.duration = dur;
	f.packets = pkt;
	f.bytes = byt;
	f.flags = flags;
	f.cls = cls;
	f.attack = cls > 0;
	return f;
}

static void test_names(void)
{
	CHECK(!strcmp(nids_window_feature_name(0, 0), "mean_duration"), "0");
	CHECK(!strcmp(nids_window_feature_name(0, 9), "sd_byte_rate"), "9");
	CHECK(!strcmp(nids_window_feature_name(0, 11), "entropy_dst_addr"), "11");
	CHECK(!strcmp(nids_window_feature_name(1, 11), "entropy_src_addr"), "11 by dst");
	CHECK(!strcmp(nids_window_feature_name(0, 15), "sport_20"), "15");
	CHECK(!strcmp(nids_window_feature_name(0, 40), "sport_3389"), "40");
	CHECK(!strcmp(nids_window_feature_name(0, 41), "sport_other"), "41");
	CHECK(!strcmp(nids_window_feature_name(0, 42), "dport_20"), "42");
	CHECK(!strcmp(nids_window_feature_name(0, 68), "dport_other"), "68");
	CHECK(nids_window_feature_name(0, 69) == NULL && nids_window_feature_name(2, 0) == NULL,
	      "out of range");
}

static void test_hand_computed(void)
{
	static sink s;
	nids_err err = { 0 };
	nids_window_opts o = opts(180, 60, 1);
	nids_window *w = agg(&s, &o);
	nids_window_flow f[3] = { flow(100, 1, 2, 1000, 80, 6, 2, 4, 400, 1, 0),
		                  flow(110, 1, 3, 1001, 80, 6, 0, 1, 60, 1, 1),
		                  flow(120, 1, 2, 53, 53, 17, 4, 2, 200, 0, 0) };
	for (int i = 0; i < 3; i++)
		CHECK(nids_window_add(w, &f[i], &err) == 0, "add %d", i);
	CHECK(nids_window_finish(w, &err) == 0, "finish");
	CHECK(s.n == 1, "rows %d", s.n);
	const double *x = s.rows[0].f;
	double h = -(2.0 / 3) * log2(2.0 / 3) - (1.0 / 3) * log2(1.0 / 3);
	double want[15] = { 2,         7.0 / 3, 220, 1.25, 125, 2, sqrt(7.0 / 3), sqrt(29200),
		            sqrt(1.125), sqrt(11250), h, h, log2(3), h, h };
	for (int i = 0; i < 15; i++)
		CHECK_NEAR(x[i], want[i], 1e-12);
	CHECK_NEAR(x[15 + 7], 1.0 / 3, 1e-15);  /* sport 53 */
	CHECK_NEAR(x[15 + 26], 2.0 / 3, 1e-15); /* sport other */
	CHECK_NEAR(x[42 + 7], 1.0 / 3, 1e-15);  /* dport 53 */
	CHECK_NEAR(x[42 + 11], 2.0 / 3, 1e-15); /* dport 80 */
	CHECK(s.rows[0].cls == 0 && s.rows[0].attack == 0 && s.rows[0].flows == 3, "label");
	CHECK(s.rows[0].start == 0, "start %lld", (long long)s.rows[0].start);
	nids_window_free(w);
}

/* Brute force: every group of every window from the definitions, two-pass. */
typedef struct bf {
	int64_t start;
	unsigned src;
	double f[NIDS_WINDOW_NFEAT];
	uint64_t n;
} bf;

static double bf_entropy(const unsigned *v, int n)
{
	double e = 0;
	for (int i = 0; i < n; i++) {
		int seen = 0, c = 0;
		for (int j = 0; j < i; j++)
			seen |= v[j] == v[i];
		if (seen)
			continue;
		for (int j = 0; j < n; j++)
			c += v[j] == v[i];
		double p = (double)c / n;
		e -= p * log2(p);
	}
	return e;
}

static void bf_group(const nids_window_flow *fl, const unsigned *srcs, int nf, int64_t start,
                     int64_t len, unsigned src, bf *out)
{
	static double val[5][2048];
	static unsigned ent[5][2048];
	int np[5] = { 0 }, n = 0;
	unsigned sp[27] = { 0 }, dp[27] = { 0 };
	static const unsigned PORTS[26] = { 20,  21,  22,  23,  25,  50,  51,  53,  67,
		                            68,  69,  80,  110, 119, 123, 135, 136, 137,
		                            138, 139, 143, 161, 162, 389, 443, 3389 };
	for (int i = 0; i < nf; i++) {
		const nids_window_flow *f = &fl[i];
		int64_t s = f->time - ((f->time % len) + len) % len;
		if (s != start || srcs[i] != src)
			continue;
		val[0][np[0]++] = f->duration;
		val[1][np[1]++] = f->packets;
		val[2][np[2]++] = f->bytes;
		if (f->duration != 0) {
			val[3][np[3]++] = f->packets / f->duration;
			val[4][np[4]++] = f->bytes / f->duration;
		}
		ent[0][n] = f->proto;
		ent[1][n] = f->peer[15];
		ent[2][n] = f->sport;
		ent[3][n] = f->dport;
		ent[4][n] = f->flags;
		int a = 26, b = 26;
		for (int p = 0; p < 26; p++) {
			a = PORTS[p] == f->sport ? p : a;
			b = PORTS[p] == f->dport ? p : b;
		}
		sp[a]++;
		dp[b]++;
		n++;
	}
	out->n = (uint64_t)n;
	for (int k = 0; k < 5; k++) {
		double m = 0, v = 0;
		for (int i = 0; i < np[k]; i++)
			m += val[k][i];
		m = np[k] ? m / np[k] : 0;
		for (int i = 0; i < np[k]; i++)
			v += (val[k][i] - m) * (val[k][i] - m);
		out->f[k] = m;
		out->f[5 + k] = np[k] > 1 ? sqrt(v / (np[k] - 1)) : 0;
		out->f[10 + k] = bf_entropy(ent[k], n);
	}
	for (int p = 0; p < 27; p++) {
		out->f[15 + p] = (double)sp[p] / n;
		out->f[42 + p] = (double)dp[p] / n;
	}
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static void test_brute_force(void)
{
	enum { NF = 3000 };
	static nids_window_flow fl[NF];
	static unsigned srcs[NF];
	static sink s;
	uint64_t r = 7;
	s.n = 0;
	static const unsigned SP[] = { 53, 80, 443, 1024, 3389, 22, 5000 };
	for (int i = 0; i < NF; i++) {
		double t = -400 + i * 0.4 + (double)(lcg(&r) % 100) / 10; /* slightly out of order */
		srcs[i] = 1 + (unsigned)(lcg(&r) % 7);
		double dur = lcg(&r) % 4 ? (double)(lcg(&r) % 100000) / 997 : 0;
		fl[i] = flow(t, srcs[i], 100 + (unsigned)(lcg(&r) % 9), SP[lcg(&r) % 7],
		             SP[lcg(&r) % 7], lcg(&r) % 3 ? 6 : 17, dur,
		             1 + (double)(lcg(&r) % 5000), 40 + (double)(lcg(&r) % 1000000),
		             (unsigned)(lcg(&r) % 4), 0);
	}
	nids_err err = { 0 };
	nids_window_opts o = opts(60, 30, 5);
	nids_window *w = agg(&s, &o);
	for (int i = 0; i < NF; i++)
		CHECK(nids_window_add(w, &fl[i], &err) == 0, "flow %d late", i);
	CHECK(nids_window_finish(w, &err) == 0, "finish");
	const nids_window_counts *c = nids_window_get_counts(w);
	CHECK(c->late == 0 && c->flows == NF && c->rows == (uint64_t)s.n, "counts");
	CHECK(c->peak_sources <= 21, "peak %llu groups open", (unsigned long long)c->peak_sources);
	double worst = 0;
	int64_t prev = INT64_MIN;
	unsigned prev_src = 0;
	for (int i = 0; i < s.n && i < MAXROWS; i++) {
		const nids_window_row *row = &s.rows[i];
		unsigned src = row->key[15];
		CHECK(row->start > prev || (row->start == prev && src > prev_src), "order at %d", i);
		prev = row->start;
		prev_src = src;
		bf b;
		bf_group(fl, srcs, NF, row->start, o.window_us, src, &b);
		CHECK(b.n == row->flows, "flows");
		for (int k = 0; k < NIDS_WINDOW_NFEAT; k++) {
			double d = fabs(b.f[k] - row->f[k]) / fmax(1e-300, fabs(b.f[k]));
			if (b.f[k] == 0)
				d = fabs(row->f[k]);
			worst = fmax(worst, d);
		}
	}
	CHECK(s.n > 100, "only %d rows", s.n);
	CHECK(worst < 1e-10, "largest relative difference %g", worst);
	nids_window_free(w);
}

static void test_lateness_and_errors(void)
{
	static sink s;
	nids_err err = { 0 };
	nids_window_opts o = opts(10, 0, 1);
	nids_window *w = agg(&s, &o);
	nids_window_flow a = flow(-5, 1, 2, 1, 1, 6, 1, 1, 1, 0, 0); /* window -10 */
	nids_window_flow b = flow(10, 1, 2, 1, 1, 6, 1, 1, 1, 0, 0);
	nids_window_flow late = flow(9.999999, 1, 2, 1, 1, 6, 1, 1, 1, 0, 0);
	CHECK(nids_window_add(w, &a, &err) == 0, "a");
	CHECK(nids_window_add(w, &b, &err) == 0, "b");
	CHECK(s.n == 1 && s.rows[0].start == -10000000, "window -10 emitted on time 10");
	CHECK(nids_window_add(w, &late, &err) == 1, "late");
	CHECK(nids_window_get_counts(w)->late == 1, "late count");
	/* the largest step forward of the time, from -5 to 10 s at flow 2: a step back (the
	   late flow, then -20 s) and a smaller step forward (to 12 s) leave it */
	nids_window_flow back = flow(-20, 1, 2, 1, 1, 6, 1, 1, 1, 0, 0);
	nids_window_flow on = flow(12, 1, 2, 1, 1, 6, 1, 1, 1, 0, 0);
	CHECK(nids_window_add(w, &back, &err) == 1 && nids_window_add(w, &on, &err) == 0, "adds");
	const nids_window_counts *c = nids_window_get_counts(w);
	CHECK(c->jump_from == -5000000 && c->jump_to == 10000000 && c->jump_flow == 2,
	      "jump %lld -> %lld at %llu", (long long)c->jump_from, (long long)c->jump_to,
	      (unsigned long long)c->jump_flow);
	CHECK(nids_window_finish(w, &err) == 0 && s.n == 2, "finish: %d rows", s.n);
	nids_window_free(w);

	/* a step from near the least time to near the greatest (more than INT64_MAX) */
	s.n = 0;
	w = agg(&s, &o);
	nids_window_flow lo = flow(0, 1, 2, 1, 1, 6, 1, 1, 1, 0, 0), hi = lo;
	lo.time = INT64_MIN + 100000000, hi.time = INT64_MAX - 100000000;
	CHECK(nids_window_add(w, &lo, &err) == 0 && nids_window_add(w, &hi, &err) == 0, "extremes");
	c = nids_window_get_counts(w);
	CHECK(c->jump_from == lo.time && c->jump_to == hi.time && c->jump_flow == 2 && s.n == 1,
	      "extreme step at %llu, %d rows", (unsigned long long)c->jump_flow, s.n);
	CHECK(nids_window_finish(w, &err) == 0 && s.n == 2, "finish: %d rows", s.n);
	nids_window_free(w);

	/* the sink's error stops the aggregation and comes back */
	s.fail_at = 2;
	o = opts(10, 0, 1);
	w = agg(&s, &o);
	a = flow(1, 1, 2, 1, 1, 6, 1, 1, 1, 0, 0);
	b = flow(2, 2, 2, 1, 1, 6, 1, 1, 1, 0, 0);
	CHECK(nids_window_add(w, &a, &err) == 0 && nids_window_add(w, &b, &err) == 0, "adds");
	CHECK(nids_window_finish(w, &err) == NIDS_EIO && !strcmp(err.msg, "sink full"), "error");
	nids_window_free(w);
	s.fail_at = 0;

	o.window_us = 0;
	CHECK(nids_window_new(&w, &o, collect, &s, &err) == NIDS_EUSAGE && !w, "bad options");
	nids_window_free(NULL);
}

/* Many windows one after another: the groups open at once stay those of two windows. */
static void test_bounded(void)
{
	static sink s;
	nids_err err = { 0 };
	nids_window_opts o = opts(1, 0, 1000000);
	nids_window *w = agg(&s, &o);
	for (int i = 0; i < 200000; i++) {
		nids_window_flow f = flow(i * 0.001, (unsigned)(i % 500), 2, 1, 1, 6, 1, 1, 1, 0, -1);
		CHECK(nids_window_add(w, &f, &err) == 0, "add");
	}
	CHECK(nids_window_finish(w, &err) == 0, "finish");
	const nids_window_counts *c = nids_window_get_counts(w);
	CHECK(c->windows == 200 && c->small == 200 * 500 && s.n == 0, "windows %llu",
	      (unsigned long long)c->windows);
	CHECK(c->peak_sources == 500, "peak %llu", (unsigned long long)c->peak_sources);
	nids_window_free(w);
}


/* Entropies and port proportions are exact: the terms -p log2 p of the runs of equal
 * values, summed in ascending order of the values (IPv4 peers by address, then IPv6
 * peers by first appearance in the window), whatever path a group's size and values
 * take (one value; sorted; counted through the table of distinct values, with equal or
 * unequal counts; more values than that table takes). */
typedef struct xgroup {
	unsigned src;
	int n;
	unsigned kind; /* how its values are drawn */
} xgroup;

static uint64_t draw(unsigned how, int i, uint64_t *r)
{
	switch (how) {
	case 0: return 443;                      /* all equal */
	case 1: return 1000 + (uint64_t)i;       /* all distinct */
	case 2: return (uint64_t)(i % 5) * 1000; /* each value equally often (n a multiple of 5) */
	case 3: return lcg(r) % 7 ? 80 : lcg(r) % 3000; /* unequal counts */
	default: return (uint64_t)(i / 2) * 7919 % 65536; /* pairs */
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double ref_entropy(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_u64);
	double e = 0, log2n = log2((double)n);
	for (int i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[j] == v[i]; j++)
			;
		double p = (double)(j - i) / (double)n;
		if (j - i < n)
			e += p * (log2n - log2((double)(j - i)));
	}
	return e;
}

static void test_entropy_exact(void)
{
	static const xgroup G[] = { { 1, 1, 3 },    { 2, 2, 1 },    { 3, 8, 3 },     { 4, 9, 3 },
		                    { 5, 10, 2 },   { 6, 40, 1 },   { 7, 500, 3 },   { 8, 1024, 3 },
		                    { 9, 1025, 3 }, { 10, 3000, 4 }, { 11, 12, 0 },  { 12, 300, 2 },
		                    { 13, 64, 4 },  { 14, 1000, 2 } };
	enum { NG = sizeof G / sizeof *G, MAXF = 8000 };
	static nids_window_flow fl[MAXF];
	static uint64_t vals[NG][5][3000];
	static sink s;
	uint64_t r = 11;
	int nf = 0, nid6 = 0;
	static unsigned char id6[64][16];
	for (int round = 0, more = 1; more; round++) { /* the groups' flows interleaved */
		more = 0;
		for (int g = 0; g < NG; g++) {
			if (round >= G[g].n)
				continue;
			more = 1;
			unsigned how = G[g].kind;
			nids_window_flow f = flow(5, G[g].src, 0, (unsigned)draw(how, round, &r),
			                          (unsigned)draw(how ? 4 - how % 2 : 0, round, &r),
			                          (unsigned)draw(how, round, &r) % 256, 1, 1, 1,
			                          (unsigned)draw(how, round, &r) % 65536, round % 3);
			uint64_t peer = draw(how, round, &r) % 100000;
			if (peer % 4 == 1 && how) { /* an IPv6 peer: ids by first appearance */
				memset(f.peer, 0, 16);
				f.peer[0] = 0x20, f.peer[1] = 0x01;
				f.peer[15] = (unsigned char)(peer % 40);
				int id = 0;
				while (id < nid6 && memcmp(id6[id], f.peer, 16))
					id++;
				if (id == nid6)
					memcpy(id6[nid6++], f.peer, 16);
				peer = (uint64_t)1 << 32 | (uint64_t)id;
			} else {
				v4(f.peer, (unsigned)peer);
			}
			vals[g][0][round] = f.proto;
			vals[g][1][round] = peer;
			vals[g][2][round] = f.sport;
			vals[g][3][round] = f.dport;
			vals[g][4][round] = f.flags;
			fl[nf++] = f;
		}
	}
	nids_err err = { 0 };
	nids_window_opts o = opts(60, 0, 1);
	o.keep_mixed = 1;
	nids_window *w = agg(&s, &o);
	for (int i = 0; i < nf; i++)
		CHECK(nids_window_add(w, &fl[i], &err) == 0, "add %d", i);
	CHECK(nids_window_finish(w, &err) == 0, "finish");
	CHECK(s.n == NG, "rows %d", s.n);
	for (int g = 0; g < NG && g < s.n; g++) {
		const nids_window_row *row = &s.rows[g]; /* sources 1..NG: rows in that order */
		CHECK(row->key[15] == G[g].src && row->flows == (uint64_t)G[g].n, "group %d", g);
		for (int k = 0; k < 5; k++) {
			double want = ref_entropy(vals[g][k], G[g].n);
			CHECK(row->f[10 + k] == want, "group of %d, entropy %d: %.17g, want %.17g",
			      G[g].n, k, row->f[10 + k], want);
		}
		double sp[27] = { 0 }, dp[27] = { 0 };
		static const unsigned PORTS[26] = { 20,  21,  22,  23,  25,  50,  51,  53,  67,
			                            68,  69,  80,  110, 119, 123, 135, 136, 137,
			                            138, 139, 143, 161, 162, 389, 443, 3389 };
		for (int i = 0; i < G[g].n; i++) {
			int a = 26, b = 26;
			for (int p = 0; p < 26; p++) {
				a = PORTS[p] == vals[g][2][i] ? p : a;
				b = PORTS[p] == vals[g][3][i] ? p : b;
			}
			sp[a]++, dp[b]++;
		}
		for (int p = 0; p < 27; p++)
			CHECK(row->f[15 + p] == sp[p] / G[g].n && row->f[42 + p] == dp[p] / G[g].n,
			      "group %d port slot %d", g, p);
		/* classes round % 3: one has more than half only when n = 1 */
		CHECK(row->cls == (G[g].n == 1 ? 0 : NIDS_WINDOW_MIXED), "group %d class %d", g,
		      row->cls);
	}
	nids_window_free(w);
}

/* The class of more than half the flows, counting unlabelled flows in the whole: exactly
 * half is no majority. */
static void test_majority(void)
{
	static sink s;
	nids_err err = { 0 };
	nids_window_opts o = opts(60, 0, 1);
	o.keep_mixed = 1;
	nids_window *w = agg(&s, &o);
	/* source 1: 3 of 5 class 2; source 2: 2 of 4 class 1, 2 class 3; source 3: 2 of 5
	 * class 4, 3 unlabelled; source 4: 3 of 5 class 4, after two others took the vote;
	 * source 5: unlabelled */
	static const int C[5][5] = { { 2, 1, 2, 3, 2 },  { 1, 3, 1, 3, -9 }, { 4, -1, -1, 4, -1 },
		                     { 5, 6, 4, 4, 4 },  { -1, -1, -1, -9, -9 } };
	for (int src = 0; src < 5; src++)
		for (int i = 0; i < 5; i++) {
			if (C[src][i] == -9)
				continue;
			nids_window_flow f =
			        flow(1, (unsigned)src + 1, 9, 1, 1, 6, 1, 1, 1, 0, C[src][i]);
			CHECK(nids_window_add(w, &f, &err) == 0, "add");
		}
	CHECK(nids_window_finish(w, &err) == 0 && s.n == 5, "rows %d", s.n);
	int want[5] = { 2, NIDS_WINDOW_MIXED, NIDS_WINDOW_MIXED, 4, -1 };
	for (int i = 0; i < 5 && i < s.n; i++)
		CHECK(s.rows[i].cls == want[i], "source %d: class %d, want %d", i + 1, s.rows[i].cls,
		      want[i]);
	CHECK(nids_window_get_counts(w)->mixed == 2, "mixed");
	nids_window_free(w);
}

/* Groups of more than 1024 flows take the other counting path (Boyer and Moore's vote
 * over the blocks): half the flows of one class is no majority there either. Source 1:
 * 1000 flows of class 1 and 1000 of class 2, alternating; source 2: 1001 of class 2 and
 * 999 of class 1; source 3: 1000 of class 3 and 1000 unlabelled. */
static void test_majority_large(void)
{
	static sink s;
	nids_err err = { 0 };
	for (int keep = 0; keep < 2; keep++) {
		nids_window_opts o = opts(60, 0, 1);
		o.keep_mixed = keep;
		nids_window *w = agg(&s, &o);
		for (int i = 0; i < 2000; i++) {
			int cls[3] = { 1 + i % 2, i < 1001 ? 2 : 1, i % 2 ? 3 : -1 };
			for (unsigned src = 1; src <= 3; src++) {
				nids_window_flow f = flow(1, src, 9 + (unsigned)i, 1, 1, 6, 1, 1, 1, 0,
				                          cls[src - 1]);
				CHECK(nids_window_add(w, &f, &err) == 0, "add");
			}
		}
		CHECK(nids_window_finish(w, &err) == 0, "%s", err.msg);
		const nids_window_counts *c = nids_window_get_counts(w);
		CHECK(c->mixed == 2, "keep %d: %llu mixed groups, want 2", keep,
		      (unsigned long long)c->mixed);
		int want[3] = { NIDS_WINDOW_MIXED, 2, NIDS_WINDOW_MIXED };
		CHECK(s.n == (keep ? 3 : 1), "keep %d: rows %d", keep, s.n);
		for (int i = 0; i < s.n && i < 3; i++) {
			int src = keep ? i : 1;
			CHECK(s.rows[i].flows == 2000, "source %d: %llu flows", src + 1,
			      (unsigned long long)s.rows[i].flows);
			CHECK(s.rows[i].cls == want[src], "keep %d, source %d: class %d, want %d", keep,
			      src + 1, s.rows[i].cls, want[src]);
		}
		nids_window_free(w);
	}
}

/* Prefetch hints never change a result: the same flows with no hints, with hints 16
 * flows ahead (as nids_window_run gives them, with gaps), and with hints for other keys
 * at another distance, give the same rows bit for bit. */
static void run_hinted(const nids_window_flow *fl, int nf, int mode, sink *s,
                       nids_window_counts *c)
{
	nids_err err = { 0 };
	nids_window_opts o = opts(20, 15, 3);
	nids_window *w = agg(s, &o);
	uint64_t r = 5;
	for (int i = 0; i < nf; i++) {
		if (mode == 1 && i % 300 < 284 && i + NIDS_WINDOW_PREFETCH_AHEAD < nf)
			nids_window_prefetch(w, fl[i + NIDS_WINDOW_PREFETCH_AHEAD].key);
		if (mode == 2) {
			unsigned char k[16];
			v4(k, (unsigned)(lcg(&r) % 60));
			nids_window_prefetch(w, k);
			if (i + 3 < nf && lcg(&r) % 2)
				nids_window_prefetch(w, fl[i + 3].key);
		}
		CHECK(nids_window_add(w, &fl[i], &err) >= 0, "add %d", i);
	}
	CHECK(nids_window_finish(w, &err) == 0, "finish");
	*c = *nids_window_get_counts(w);
	nids_window_free(w);
}

static void test_prefetch_hints(void)
{
	enum { NF = 20000 };
	static nids_window_flow fl[NF];
	static sink s[3];
	nids_window_counts c[3];
	uint64_t r = 3;
	for (int i = 0; i < NF; i++) /* out of order, some late; sources come and go */
		fl[i] = flow(i * 0.01 + (double)(lcg(&r) % 2000) / 100,
		             (unsigned)(lcg(&r) % (40 + (unsigned)i / 500)), (unsigned)(lcg(&r) % 50),
		             (unsigned)(lcg(&r) % 30), (unsigned)(lcg(&r) % 4) * 1000,
		             lcg(&r) % 2 ? 6 : 17, (double)(lcg(&r) % 7), 1 + (double)(lcg(&r) % 9),
		             (double)(lcg(&r) % 5000), (unsigned)(lcg(&r) % 3), (int)(lcg(&r) % 2));
	for (int m = 0; m < 3; m++)
		run_hinted(fl, NF, m, &s[m], &c[m]);
	CHECK(s[0].n > 500 && s[0].n <= MAXROWS && c[0].late > 0, "rows %d, late %llu", s[0].n,
	      (unsigned long long)c[0].late);
	for (int m = 1; m < 3; m++) {
		CHECK(s[m].n == s[0].n && !memcmp(s[m].rows, s[0].rows, sizeof s[0].rows),
		      "mode %d: rows differ", m);
		CHECK(!memcmp(&c[m], &c[0], sizeof c[0]), "mode %d: counts differ", m);
	}
}

/* NaN measures are not present; infinities are values, apart from Welford's updates. */
static void test_missing_and_infinite(void)
{
	static sink s;
	nids_window_opts o = opts(10, 0, 1);
	nids_window *w = agg(&s, &o);
	nids_err err = { 0 };
	double inf = INFINITY;
	/* source 1: a NaN duration between flows that had every value: durations 1, 2, 4;
	   packets and bytes 1 to 4; rates of 1 in three flows */
	/* source 2: durations inf, 1, 2; packets inf, 2, -inf; bytes 1, 3, 4: packet rates
	   (inf / inf: none), 2, -inf; byte rates 0, 3, 2 */
	nids_window_flow f[] = {
		flow(1, 1, 9, 1, 2, 6, 1, 1, 1, 0, 0),   flow(1, 1, 9, 1, 2, 6, 2, 2, 2, 0, 0),
		flow(1, 1, 9, 1, 2, 6, NAN, 3, 3, 0, 0), flow(1, 1, 9, 1, 2, 6, 4, 4, 4, 0, 0),
		flow(1, 2, 9, 1, 2, 6, inf, inf, 1, 0, 0), flow(1, 2, 9, 1, 2, 6, 1, 2, 3, 0, 0),
		flow(1, 2, 9, 1, 2, 6, 2, -inf, 4, 0, 0),
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		CHECK(nids_window_add(w, &f[i], &err) == 0, "add %zu", i);
	CHECK(nids_window_finish(w, &err) == 0 && s.n == 2, "rows %d", s.n);
	const double *a = s.rows[0].f, *b = s.rows[1].f;
	CHECK_NEAR(a[0], 7.0 / 3, 1e-15);
	CHECK_NEAR(a[1], 2.5, 1e-15);
	CHECK_NEAR(a[3], 1, 1e-15);
	CHECK_NEAR(a[5], sqrt(7.0 / 3), 1e-15); /* (1, 2, 4: squares 16/9 1/9 25/9, over 2) */
	CHECK(a[8] == 0 && a[9] == 0, "rate deviations %g %g", a[8], a[9]);
	CHECK(b[0] == inf && isnan(b[5]), "duration: mean %g, sd %g", b[0], b[5]);
	CHECK(isnan(b[1]) && isnan(b[6]), "packets: +inf and -inf: %g %g", b[1], b[6]);
	CHECK(b[3] == -inf && isnan(b[8]), "packet rate: 2 and -inf: %g %g", b[3], b[8]);
	CHECK_NEAR(b[2], 8.0 / 3, 1e-15);
	CHECK_NEAR(b[4], 5.0 / 3, 1e-15);
	CHECK_NEAR(b[9], sqrt(7.0 / 3), 1e-15);
	CHECK(s.rows[1].flows == 3, "flows %llu", (unsigned long long)s.rows[1].flows);
	nids_window_free(w);
}

/* Runs flows fl [n] with window and lateness in microseconds into s; the late flows. */
static uint64_t run_flows(const nids_window_flow *fl, int n, int64_t window_us,
                          int64_t lateness_us, sink *s)
{
	nids_window_opts o = { .window_us = window_us, .lateness_us = lateness_us, .min_flows = 1 };
	nids_window *w = agg(s, &o);
	nids_err err = { 0 };
	for (int i = 0; i < n; i++)
		CHECK(nids_window_add(w, &fl[i], &err) >= 0, "add %d", i);
	CHECK(nids_window_finish(w, &err) == 0, "finish");
	uint64_t late = nids_window_get_counts(w)->late;
	nids_window_free(w);
	return late;
}

/* Windows opened out of order, a few or hundreds open at once: the rows of flows out of
 * order within the lateness are those of the same flows in order. */
static void test_many_open(void)
{
	enum { NF = 4000 };
	static nids_window_flow fl[NF];
	static sink s[3];
	uint64_t r = 11;
	int64_t t = 0;
	for (int i = 0; i < NF; i++) {
		t += (int64_t)(lcg(&r) % 400); /* microseconds: windows of 1 ms, some empty */
		unsigned src = 1 + (unsigned)(lcg(&r) % 4);
		fl[i] = flow(0, src, 9 + (unsigned)(lcg(&r) % 5), (unsigned)(lcg(&r) % 3), 80, 6, src,
		             2.0 * src, 10.0 * src, 0, 0);
		fl[i].time = t;
	}
	CHECK(run_flows(fl, NF, 1000, 0, &s[0]) == 0, "in order: none late");
	for (int i = 0; i < NF;) { /* runs of up to 64 flows reversed: up to 25.6 ms early */
		int m = 1 + (int)(lcg(&r) % 64);
		m = m < NF - i ? m : NF - i;
		for (int a = i, b = i + m - 1; a < b; a++, b--) {
			nids_window_flow x = fl[a];
			fl[a] = fl[b];
			fl[b] = x;
		}
		i += m;
	}
	CHECK(run_flows(fl, NF, 1000, 30000, &s[1]) == 0, "30 ms: none late");
	CHECK(run_flows(fl, NF, 1000, 1000000000, &s[2]) == 0, "all open: none late");
	CHECK(s[0].n > 1000 && s[0].n <= MAXROWS, "rows %d", s[0].n);
	for (int k = 1; k < 3; k++)
		CHECK(s[k].n == s[0].n && !memcmp(s[k].rows, s[0].rows, sizeof s[0].rows),
		      "lateness %d: rows differ", k);
}

int main(void)
{
	TEST(test_names);
	TEST(test_hand_computed);
	TEST(test_brute_force);
	TEST(test_lateness_and_errors);
	TEST(test_bounded);
	TEST(test_entropy_exact);
	TEST(test_majority);
	TEST(test_majority_large);
	TEST(test_prefetch_hints);
	TEST(test_missing_and_infinite);
	TEST(test_many_open);
	return CHECK_DONE();
}
