/* window.c: GEE's per-source tumbling-window features (Nguyen et al. 2019), streaming.
 *
 * Each open window holds two open-addressing hash tables and an array of groups:
 *   groups: the grouping address -> index into the group array (count, Welford means
 *           and M2s, port counters);
 *   values: (group, kind, value) -> count, for the entropies (protocol, peer, ports,
 *           flags) and the class vote.
 * Closing a window walks the value table once: p = count / n gives -p log2 p for an
 * entropy kind, and a class with count > n / 2 is the group's majority. The tables and
 * arrays of a closed window are cleared and reused, so memory stays at what the largest
 * window needed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/window.h"

static const unsigned COMMON_PORTS[NIDS_WINDOW_NPORTS] = { 20,  21,  22,  23,  25,  50,  51,
	                                                   53,  67,  68,  69,  80,  110, 119,
	                                                   123, 135, 136, 137, 138, 139, 143,
	                                                   161, 162, 389, 443, 3389 };

enum { K_PROTO, K_PEER, K_SPORT, K_DPORT, K_FLAGS, K_NENT, K_CLASS = K_NENT };
enum { S_DUR, S_PKT, S_BYT, S_PRATE, S_BRATE, NSTAT };

typedef struct group {
	unsigned char key[16];
	uint64_t n, attacks, voted; /* flows, attack flows, labelled flows */
	uint64_t present[NSTAT];
	double mean[NSTAT], m2[NSTAT];
	double ent[K_NENT];
	int major; /* class with more than half, or -1 */
	uint32_t sport[NIDS_WINDOW_NPORTS + 1], dport[NIDS_WINDOW_NPORTS + 1];
} group;

typedef struct gslot { /* groups table */
	uint64_t a, b;
	uint32_t idx, used;
} gslot;

typedef struct vslot { /* values table */
	uint64_t a, b;
	uint32_t g;
	uint16_t kind, used;
	uint32_t count;
} vslot;

typedef struct win {
	int64_t start;
	gslot *gt;
	size_t gcap;
	vslot *vt;
	size_t vcap, vn;
	group *groups;
	size_t ng, gmax;
} win;

struct nids_window {
	nids_window_opts o;
	nids_window_emit_fn emit;
	void *ctx;
	win *open; /* [nopen], by start time */
	int nopen, maxopen;
	win *spare; /* [nspare] cleared windows for reuse */
	int nspare, maxspare;
	int64_t tmax;        /* latest flow time seen */
	int64_t closed_upto; /* windows starting before this have been emitted */
	int started;
	nids_window_counts c;
	uint32_t *order; /* scratch: group indices to sort */
	size_t order_cap;
};

static const char *const STAT_NAMES[NSTAT] = { "duration", "packets", "bytes", "packet_rate",
	                                       "byte_rate" };

const char *nids_window_feature_name(int by, int i)
{
	static char names[2][NIDS_WINDOW_NFEAT][32];
	static int made;
	if (i < 0 || i >= NIDS_WINDOW_NFEAT || (by != 0 && by != 1))
		return NULL;
	if (!made) { /* the first call happens before any thread could race on it */
		for (int b = 0; b < 2; b++) {
			char(*n)[32] = names[b];
			int k = 0;
			for (int s = 0; s < NSTAT; s++)
				snprintf(n[k++], 32, "mean_%s", STAT_NAMES[s]);
			for (int s = 0; s < NSTAT; s++)
				snprintf(n[k++], 32, "sd_%s", STAT_NAMES[s]);
			snprintf(n[k++], 32, "entropy_proto");
			snprintf(n[k++], 32, b ? "entropy_src_addr" : "entropy_dst_addr");
			snprintf(n[k++], 32, "entropy_sport");
			snprintf(n[k++], 32, "entropy_dport");
			snprintf(n[k++], 32, "entropy_flags");
			for (int d = 0; d < 2; d++) {
				for (int p = 0; p < NIDS_WINDOW_NPORTS; p++)
					snprintf(n[k++], 32, "%s_%u", d ? "dport" : "sport",
					         COMMON_PORTS[p]);
				snprintf(n[k++], 32, "%s_other", d ? "dport" : "sport");
			}
		}
		made = 1;
	}
	return names[by][i];
}

static int port_slot(unsigned port)
{
	/* the list is sorted: a binary search */
	int lo = 0, hi = NIDS_WINDOW_NPORTS - 1;
	if (port > 3389)
		return NIDS_WINDOW_NPORTS;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (COMMON_PORTS[mid] == port)
			return mid;
		if (COMMON_PORTS[mid] < port)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NIDS_WINDOW_NPORTS;
}

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static inline uint64_t hash3(uint64_t a, uint64_t b, uint64_t c)
{
	return mix(a ^ mix(b ^ mix(c)));
}

static void key_words(const unsigned char k[16], uint64_t *a, uint64_t *b)
{
	memcpy(a, k, 8);
	memcpy(b, k + 8, 8);
}

/* ---- the groups table ---- */

static int grow_groups_table(win *w)
{
	size_t cap = w->gcap ? w->gcap * 2 : 1024;
	gslot *t = calloc(cap, sizeof *t);
	if (!t)
		return NIDS_ENOMEM;
	for (size_t i = 0; i < w->gcap; i++) {
		if (!w->gt[i].used)
			continue;
		size_t j = hash3(w->gt[i].a, w->gt[i].b, 0) & (cap - 1);
		while (t[j].used)
			j = (j + 1) & (cap - 1);
		t[j] = w->gt[i];
	}
	free(w->gt);
	w->gt = t;
	w->gcap = cap;
	return 0;
}

/* The group of key k in w, created when new; NULL when out of memory. */
static group *group_of(win *w, const unsigned char k[16])
{
	uint64_t a, b;
	key_words(k, &a, &b);
	if (2 * (w->ng + 1) > w->gcap && grow_groups_table(w))
		return NULL;
	size_t j = hash3(a, b, 0) & (w->gcap - 1);
	while (w->gt[j].used) {
		if (w->gt[j].a == a && w->gt[j].b == b)
			return &w->groups[w->gt[j].idx];
		j = (j + 1) & (w->gcap - 1);
	}
	if (w->ng == w->gmax) {
		size_t m = w->gmax ? w->gmax * 2 : 256;
		group *g = realloc(w->groups, m * sizeof *g);
		if (!g)
			return NULL;
		w->groups = g;
		w->gmax = m;
	}
	group *g = &w->groups[w->ng];
	memset(g, 0, sizeof *g);
	memcpy(g->key, k, 16);
	g->major = -1;
	w->gt[j] = (gslot){ a, b, (uint32_t)w->ng, 1 };
	w->ng++;
	return g;
}

/* ---- the values table ---- */

static int grow_values_table(win *w)
{
	size_t cap = w->vcap ? w->vcap * 2 : 4096;
	vslot *t = calloc(cap, sizeof *t);
	if (!t)
		return NIDS_ENOMEM;
	for (size_t i = 0; i < w->vcap; i++) {
		vslot *s = &w->vt[i];
		if (!s->used)
			continue;
		size_t j = hash3(s->a, s->b, (uint64_t)s->g << 8 | s->kind) & (cap - 1);
		while (t[j].used)
			j = (j + 1) & (cap - 1);
		t[j] = *s;
	}
	free(w->vt);
	w->vt = t;
	w->vcap = cap;
	return 0;
}

static int count_value(win *w, uint32_t g, unsigned kind, uint64_t a, uint64_t b)
{
	if (2 * (w->vn + 1) > w->vcap && grow_values_table(w))
		return NIDS_ENOMEM;
	size_t j = hash3(a, b, (uint64_t)g << 8 | kind) & (w->vcap - 1);
	for (;;) {
		vslot *s = &w->vt[j];
		if (!s->used) {
			*s = (vslot){ a, b, g, (uint16_t)kind, 1, 1 };
			w->vn++;
			return 0;
		}
		if (s->a == a && s->b == b && s->g == g && s->kind == kind) {
			s->count++;
			return 0;
		}
		j = (j + 1) & (w->vcap - 1);
	}
}

/* ---- windows ---- */

static void win_clear(win *w)
{
	if (w->gt)
		memset(w->gt, 0, w->gcap * sizeof *w->gt);
	if (w->vt)
		memset(w->vt, 0, w->vcap * sizeof *w->vt);
	w->ng = w->vn = 0;
}

static void win_release(win *w)
{
	free(w->gt);
	free(w->vt);
	free(w->groups);
}

/* A cleared window for start, taken from the spares when one is there, placed in the
 * open list in start order. NULL when out of memory. */
static win *open_window(nids_window *nw, int64_t start)
{
	if (nw->nopen == nw->maxopen) {
		int m = nw->maxopen ? nw->maxopen * 2 : 4;
		win *o = realloc(nw->open, (size_t)m * sizeof *o);
		if (!o)
			return NULL;
		nw->open = o;
		nw->maxopen = m;
	}
	win fresh = { 0 };
	if (nw->nspare)
		fresh = nw->spare[--nw->nspare];
	fresh.start = start;
	int i = nw->nopen;
	while (i > 0 && nw->open[i - 1].start > start) {
		nw->open[i] = nw->open[i - 1];
		i--;
	}
	nw->open[i] = fresh;
	nw->nopen++;
	return &nw->open[i];
}

static int to_spare(nids_window *nw, win *w)
{
	win_clear(w);
	if (nw->nspare == nw->maxspare) {
		int m = nw->maxspare ? nw->maxspare * 2 : 4;
		win *s = realloc(nw->spare, (size_t)m * sizeof *s);
		if (!s) {
			win_release(w);
			return NIDS_ENOMEM;
		}
		nw->spare = s;
		nw->maxspare = m;
	}
	nw->spare[nw->nspare++] = *w;
	return 0;
}

static void add_stat(group *g, int s, double x)
{
	uint64_t k = ++g->present[s];
	double d = x - g->mean[s];
	g->mean[s] += d / (double)k;
	g->m2[s] += d * (x - g->mean[s]);
}

static int add_to(win *w, const nids_window_flow *f)
{
	group *g = group_of(w, f->key);
	if (!g)
		return NIDS_ENOMEM;
	uint32_t gi = (uint32_t)(g - w->groups);
	g->n++;
	g->attacks += f->attack != 0;
	add_stat(g, S_DUR, f->duration);
	add_stat(g, S_PKT, f->packets);
	add_stat(g, S_BYT, f->bytes);
	if (f->duration != 0) {
		add_stat(g, S_PRATE, f->packets / f->duration);
		add_stat(g, S_BRATE, f->bytes / f->duration);
	}
	g->sport[port_slot(f->sport)]++;
	g->dport[port_slot(f->dport)]++;
	uint64_t pa, pb;
	key_words(f->peer, &pa, &pb);
	int rc = count_value(w, gi, K_PROTO, f->proto, 0);
	if (!rc)
		rc = count_value(w, gi, K_PEER, pa, pb);
	if (!rc)
		rc = count_value(w, gi, K_SPORT, f->sport, 0);
	if (!rc)
		rc = count_value(w, gi, K_DPORT, f->dport, 0);
	if (!rc)
		rc = count_value(w, gi, K_FLAGS, f->flags, 0);
	if (!rc && f->cls >= 0) {
		g->voted++;
		rc = count_value(w, gi, K_CLASS, (uint64_t)f->cls, 0);
	}
	return rc;
}

static int cmp_key(const void *x, const void *y, void *groups)
{
	const group *g = groups;
	return memcmp(g[*(const uint32_t *)x].key, g[*(const uint32_t *)y].key, 16);
}

/* qsort has no context argument in C17: sort indices with a small merge sort. */
static void sort_groups(uint32_t *v, uint32_t *tmp, size_t n, const group *g)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_groups(v, tmp, h, g);
	sort_groups(v + h, tmp, n - h, g);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp_key(&v[j], &v[i], (void *)g) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

static void features(const group *g, double f[NIDS_WINDOW_NFEAT])
{
	int k = 0;
	for (int s = 0; s < NSTAT; s++)
		f[k++] = g->present[s] ? g->mean[s] : 0;
	for (int s = 0; s < NSTAT; s++)
		f[k++] = g->present[s] > 1 ? sqrt(g->m2[s] / (double)(g->present[s] - 1)) : 0;
	for (int e = 0; e < K_NENT; e++)
		f[k++] = g->ent[e];
	for (int p = 0; p <= NIDS_WINDOW_NPORTS; p++)
		f[k++] = (double)g->sport[p] / (double)g->n;
	for (int p = 0; p <= NIDS_WINDOW_NPORTS; p++)
		f[k++] = (double)g->dport[p] / (double)g->n;
}

/* Emits w's groups (those big enough and with a class, as the options say). */
static int close_window(nids_window *nw, win *w, nids_err *err)
{
	group *gs = w->groups;
	for (size_t i = 0; i < w->vcap; i++) {
		const vslot *s = &w->vt[i];
		if (!s->used)
			continue;
		group *g = &gs[s->g];
		if (g->n < nw->o.min_flows)
			continue;
		if (s->kind == K_CLASS) {
			if (2 * (uint64_t)s->count > g->n)
				g->major = (int)s->a;
		} else if (s->count < g->n) {
			double p = (double)s->count / (double)g->n;
			g->ent[s->kind] -= p * log2(p);
		}
	}
	if (w->ng > nw->order_cap) {
		uint32_t *o = realloc(nw->order, 2 * w->ng * sizeof *o);
		if (!o)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		nw->order = o;
		nw->order_cap = w->ng;
	}
	size_t n = 0;
	for (size_t i = 0; i < w->ng; i++) {
		group *g = &gs[i];
		if (g->n < nw->o.min_flows) {
			nw->c.small++;
			continue;
		}
		nw->order[n++] = (uint32_t)i;
	}
	sort_groups(nw->order, nw->order + nw->order_cap, n, gs);
	nids_window_row row;
	for (size_t i = 0; i < n; i++) {
		const group *g = &gs[nw->order[i]];
		row.start = w->start;
		memcpy(row.key, g->key, 16);
		row.flows = g->n;
		row.attack = 2 * g->attacks >= g->n;
		row.cls = g->voted ? g->major : -1;
		if (g->voted && g->major < 0) {
			nw->c.mixed++;
			if (!nw->o.keep_mixed)
				continue;
			row.cls = NIDS_WINDOW_MIXED;
		}
		features(g, row.f);
		int rc = nw->emit(nw->ctx, &row, err);
		if (rc)
			return rc;
		nw->c.rows++;
	}
	nw->c.windows++;
	return 0;
}

int nids_window_new(nids_window **w, const nids_window_opts *o, nids_window_emit_fn emit,
                    void *ctx, nids_err *err)
{
	*w = NULL;
	if (o->window_us <= 0 || o->lateness_us < 0 || (o->by != 0 && o->by != 1))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "bad window options");
	nids_window *nw = calloc(1, sizeof *nw);
	if (!nw)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	nw->o = *o;
	nw->emit = emit;
	nw->ctx = ctx;
	nw->closed_upto = INT64_MIN;
	nids_window_feature_name(0, 0);
	*w = nw;
	return 0;
}

static int64_t floor_start(int64_t t, int64_t len)
{
	int64_t r = t % len;
	return r < 0 ? t - r - len : t - r;
}

/* Emits the open windows ending at or before limit (all of them for INT64_MAX). */
static int close_upto(nids_window *nw, int64_t limit, nids_err *err)
{
	if (limit < INT64_MIN + nw->o.window_us)
		return 0;
	while (nw->nopen && (limit == INT64_MAX || nw->open[0].start <= limit - nw->o.window_us)) {
		win w = nw->open[0];
		memmove(nw->open, nw->open + 1, (size_t)(nw->nopen - 1) * sizeof *nw->open);
		nw->nopen--;
		int rc = close_window(nw, &w, err);
		if (w.start + nw->o.window_us > nw->closed_upto)
			nw->closed_upto = w.start + nw->o.window_us;
		int rs = to_spare(nw, &w);
		if (rc)
			return rc;
		if (rs)
			return nids_err_set(err, rs, NULL, "out of memory");
	}
	return 0;
}

int nids_window_add(nids_window *nw, const nids_window_flow *f, nids_err *err)
{
	int64_t len = nw->o.window_us;
	nw->c.flows++;
	if (!nw->started || f->time > nw->tmax) {
		nw->tmax = f->time;
		nw->started = 1;
		int64_t mark = nw->tmax < INT64_MIN + nw->o.lateness_us
		                       ? INT64_MIN
		                       : nw->tmax - nw->o.lateness_us;
		int rc = close_upto(nw, mark, err);
		if (rc)
			return rc;
		/* every window ending at or before the mark is closed, open or not */
		if (mark != INT64_MIN) {
			int64_t upto = floor_start(mark, len);
			if (upto > nw->closed_upto)
				nw->closed_upto = upto;
		}
	}
	int64_t start = floor_start(f->time, len);
	if (start < nw->closed_upto) {
		nw->c.late++;
		return 1;
	}
	win *w = NULL;
	for (int i = nw->nopen - 1; i >= 0; i--)
		if (nw->open[i].start == start) {
			w = &nw->open[i];
			break;
		}
	if (!w && !(w = open_window(nw, start)))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (add_to(w, f))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	size_t open = 0;
	for (int i = 0; i < nw->nopen; i++)
		open += nw->open[i].ng;
	if (open > nw->c.peak_sources)
		nw->c.peak_sources = open;
	return 0;
}

int nids_window_finish(nids_window *nw, nids_err *err)
{
	return close_upto(nw, INT64_MAX, err);
}

const nids_window_counts *nids_window_get_counts(const nids_window *w) { return &w->c; }

void nids_window_free(nids_window *nw)
{
	if (!nw)
		return;
	for (int i = 0; i < nw->nopen; i++)
		win_release(&nw->open[i]);
	for (int i = 0; i < nw->nspare; i++)
		win_release(&nw->spare[i]);
	free(nw->open);
	free(nw->spare);
	free(nw->order);
	free(nw);
}
