/* window.c: GEE's per-source tumbling-window features (Nguyen et al. 2019), streaming.
 *
 * Each open window holds a table from the grouping address to a group (8-byte slots:
 * the address's hash and the group's index; the address itself is kept in the group)
 * and its groups, in pages of 64. Adding a flow runs Welford's updates of its group's
 * count, means and M2s, in arrival order, and appends a 16-byte record (peer, ports,
 * protocol, flags, class, attack) to the group's chain of 128-byte blocks of seven.
 * The prefetch hint fetches, over a ring of the keys it was given, a coming flow's
 * table slot, then its group, then the place in its tail block; the flow's add takes
 * the group found there, checked against its key.
 * Closing a window sorts the groups of at least min_flows flows by address (a radix
 * sort over the bytes in which the addresses differ) and, for each, reads one kind of
 * value at a time out of its blocks and counts its runs of equal values: a run of c equal
 * values in a group of n flows adds -p log2 p (p = c / n) to the entropy of that kind,
 * in ascending order of the values, and c to the port's proportion. Values all equal
 * are one run; in groups of 9 to 1024 flows the distinct values are counted (protocols,
 * ports and flags, 16 bits each, in a table of every value without a branch on them;
 * peers in a hash table) and only they are sorted, and not even they when all occur
 * equally often (equal terms sum to the same bits in any order); smaller groups sort
 * their values; larger ones count their protocols, ports and flags in the table of
 * every value, read in ascending order, and sort their peers in place.
 * The majority class is the one candidate of Boyer and Moore's vote, counted. The log2
 * table is static. Peers are their IPv4 address, or an id from a per-window table of
 * IPv6 addresses.
 * The open windows are a binary heap by start, whose oldest closes first, and a table
 * from start to window, so that adding a flow and closing a window cost the same with
 * tens of thousands open (a lateness of many tiny windows) as with one.
 * Memory: blocks and group pages come from per-window chunks that double from one block
 * to 2 MiB, given back to the system when the window closes; a window's table and its
 * first page of groups double from a few slots and one group: about 18 bytes per flow
 * (16-byte records, seven to a 128-byte block) and 210 per group (its 128 bytes, its
 * table slot, the unused part of its last block) of the open windows, within twice that
 * while a window's arrays are small, and about 400 bytes per window (its record, its
 * place in the heap and the table, the allocations' headers), plus the closing window's scratch
 * (24 bytes per group, and as much again per emitted group to sort them, in the room
 * the next scratch reuses: 8 per flow of its largest group, at most 56 KiB when it has
 * 1024 flows or fewer; a 256 KiB table of counts). Arrays of 2 MiB or more are aligned
 * and marked for transparent huge pages: 512 times fewer page faults, fewer TLB
 * misses. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "nids/window.h"

static const unsigned COMMON_PORTS[NIDS_WINDOW_NPORTS] = { 20,  21,  22,  23,  25,  50,  51,
	                                                   53,  67,  68,  69,  80,  110, 119,
	                                                   123, 135, 136, 137, 138, 139, 143,
	                                                   161, 162, 389, 443, 3389 };

enum { K_PROTO, K_PEER, K_SPORT, K_DPORT, K_FLAGS, K_NENT };
enum { S_DUR, S_PKT, S_BYT, S_PRATE, S_BRATE, NSTAT };

/* One flow of a window, for its group's entropies, port counts and labels. */
typedef struct frec {
	uint32_t peer, cls;
	uint16_t sport, dport, flags;
	uint8_t proto, peer6; /* peer6: bit 0 an IPv6 peer id, bit 1 an attack flow */
} frec;

#define BLOCK_FLOWS 7

/* A group's flows in arrival order: a chain of blocks of two cache lines each. */
typedef struct block {
	_Alignas(64) frec f[BLOCK_FLOWS];
	struct block *next;
} block;

/* A group's running statistics, updated as its flows arrive (Welford's updates). Adding
 * a flow touches its two cache lines and the tail block's. */
typedef struct group {
	_Alignas(64) uint64_t n; /* flows */
	uint32_t nrate;          /* flows with a rate (a duration other than 0) */
	/* 0 while each flow's five values were finite (the rates when the duration is not
	   0), so that n and nrate count every statistic's; then 1 + the index of the group's
	   counts in its window's present counts */
	uint32_t present;
	double mean[NSTAT], m2[NSTAT];
	block *head, *tail; /* its flows */
	unsigned char key[16];
} group;

/* What closing a window finds in a group's flows: entropies, port counts, labels. */
typedef struct summary {
	uint64_t attacks, voted; /* attack flows, labelled flows */
	double ent[K_NENT];
	double log2n; /* log2 of n */
	int major;    /* class with more than half, or -1 */
	uint32_t sport[NIDS_WINDOW_NPORTS + 1], dport[NIDS_WINDOW_NPORTS + 1];
} summary;

#define GPAGE 64 /* groups in a page of them, in GPAGE blocks' room */
_Static_assert(sizeof(group) == sizeof(block), "a group takes a block's room");

typedef struct gkey { /* a group's address as two big-endian words, for sorting */
	uint64_t hi, lo;
	uint32_t idx;
} gkey;
_Static_assert(sizeof(gkey) % sizeof(uint64_t) == 0, "the sort's scratch is whole words");

#define DMAX 1024 /* the most values counted through a table of distinct ones */
#define UNPACKED (K_NENT + 2) /* a small group's unpacked arrays: kinds, classes, scratch */

typedef struct dslot {
	uint64_t v;
	uint32_t c, stamp; /* count; the slot is taken when stamp is the table's */
} dslot;

typedef struct dtable { /* distinct values of one kind in a group, and their counts */
	dslot s[2 * DMAX];
	uint16_t used[DMAX]; /* the slots taken, in the order they were */
	uint32_t stamp;
} dtable;

typedef struct gslot { /* address tables */
	uint64_t a, b;
	uint32_t idx, used;
} gslot;

typedef struct addr_table {
	gslot *t;
	size_t cap, n;
} addr_table;

typedef struct tslot { /* the groups' table: 8 slots a cache line */
	uint32_t h;  /* the address's hash, its low bits the slot's place */
	uint32_t id; /* the group's index + 1; 0 for a free slot */
} tslot;

typedef struct gtable {
	tslot *t;
	size_t cap, n;
} gtable;

/* The ring of the keys of the last PF_RING prefetches: a key's table slot is fetched
 * first, its group PF_GROUP prefetches later (which finds the group's index), its tail
 * block PF_BLOCK later. Adding a flow takes the group's index from the oldest entry not
 * yet used when its key is the flow's, and checks it against the group's key. */
#define PF_RING 32
#define PF_GROUP 6
#define PF_BLOCK 10
_Static_assert(PF_BLOCK < NIDS_WINDOW_PREFETCH_AHEAD && NIDS_WINDOW_PREFETCH_AHEAD < PF_RING,
               "a key's three steps happen before its add, and its ring entry is still there");

typedef struct pfring {
	uint64_t a[PF_RING], b[PF_RING], h[PF_RING];
	uint32_t g[PF_RING]; /* the group's index, UINT32_MAX when unknown */
	unsigned pos;        /* entries written */
	unsigned used;       /* entries looked at by adds */
} pfring;

/* Each statistic's count of finite values, of +inf and of -inf in a group with a value
 * missing (NaN) or infinite: the mean and M2 run over the finite ones. */
typedef struct stat_counts {
	uint64_t finite[NSTAT], pinf[NSTAT], ninf[NSTAT];
} stat_counts;

/* The present counts of a window's groups with such a value, in the order they had one. */
typedef struct present_counts {
	size_t n, cap;
	stat_counts c[];
} present_counts;

typedef struct win {
	int64_t start;
	gtable gt;     /* grouping address -> group (its hash, checked against its key) */
	addr_table pt; /* IPv6 peer -> id */
	/* group i is gpage[i / GPAGE][i % GPAGE]; page 0 doubles from one group (gcap0 of
	   them), so that a window of few groups is small */
	group **gpage; /* [maxgpage]: gpage_in, then allocated */
	size_t ng, maxgpage, gcap0;
	block **chunk; /* the blocks [maxchunk]: chunk_in, then allocated; chunk k holds chunk_cap(k) */
	size_t nchunk, maxchunk;
	block *free;   /* the next free block, in the last chunk */
	size_t left;   /* free blocks left there */
	present_counts *present; /* NULL until a flow lacks a measure */
	group *gpage_in[1];
	block *chunk_in[4];
} win;

/* An open window by its start: an entry of the heap of open windows, or of the table
 * from start to window (w NULL for a free slot). */
typedef struct wref {
	int64_t start;
	win *w;
} wref;

struct nids_window {
	nids_window_opts o;
	nids_window_emit_fn emit;
	void *ctx;
	/* the open windows: a binary min-heap by start [nopen], the oldest first to close,
	   and a table from start to window [bycap] (open addressing, at most half full), so
	   that neither adding a flow nor closing a window walks the open ones */
	wref *heap;
	size_t nopen, maxheap;
	wref *by;
	size_t bycap;
	win *recent; /* the window the last flow went to */
	win *newest; /* the open window of the latest start, which prefetches look in */
	int64_t tmax;        /* latest flow time seen */
	int64_t closed_upto; /* windows starting before this have been emitted */
	int started;
	nids_window_counts c;
	gkey *order;     /* scratch: the groups to emit [order_cap] */
	size_t order_cap;
	uint64_t *keys;  /* scratch [maxkeys]: the groups' sort, then a group's values and sort scratch */
	size_t maxkeys;
	uint32_t *count; /* [65536] zeros: a group's counts of a kind of value of 16 bits */
	pfring *pf; /* written by nids_window_prefetch, which is given a const aggregator */
	size_t gopen; /* groups in the open windows */
	dtable dt;
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

/* ---- memory ---- */

#define HUGE_SZ ((size_t)2 << 20) /* a transparent huge page */

#define MAP_MIN ((size_t)64 << 10) /* arrays from this size on are mapped on their own */

/* n bytes aligned to 64. From n = 64 KiB on mapped for the purpose, so that big_free(p,
 * n) gives them back to the system at once: through malloc, a closed window's arrays
 * would stay in the heap, which then grows with the windows it has seen (malloc's
 * threshold for mapping rises to the largest block freed). From n = 2 MiB on whole 2 MiB
 * pages, aligned and marked for transparent huge pages, which cuts the page faults of
 * fresh memory 512-fold (smaller arrays stay in small pages: a huge one would be
 * touched whole). NULL when out of memory. */
static void *big_alloc(size_t n)
{
	if (n < MAP_MIN)
		return aligned_alloc(64, (n + 63) / 64 * 64);
	if (n < HUGE_SZ) {
		void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return m == MAP_FAILED ? NULL : m;
	}
	size_t sz = (n + HUGE_SZ - 1) / HUGE_SZ * HUGE_SZ;
	unsigned char *m = mmap(NULL, sz + HUGE_SZ, PROT_READ | PROT_WRITE,
	                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	size_t head = (HUGE_SZ - (uintptr_t)m % HUGE_SZ) % HUGE_SZ; /* to the next 2 MiB */
	if (head)
		munmap(m, head);
	munmap(m + head + sz, HUGE_SZ - head);
#ifdef MADV_HUGEPAGE
	madvise(m + head, sz, MADV_HUGEPAGE); /* a hint: no huge pages is no error */
#endif
	return m + head;
}

static void big_free(void *p, size_t n)
{
	if (n < MAP_MIN)
		free(p);
	else if (p)
		munmap(p, n < HUGE_SZ ? n : (n + HUGE_SZ - 1) / HUGE_SZ * HUGE_SZ);
}

/* The scratch array p of *cap elements of size sz, or a new one for at least n elements
 * (the old contents dropped); NULL when out of memory (*cap then 0). */
static void *reserve(void *p, size_t *cap, size_t n, size_t sz)
{
	if (n <= *cap && p)
		return p;
	big_free(p, *cap * sz);
	n = n ? n : 1;
	p = big_alloc(n * sz);
	*cap = p ? n : 0;
	return p;
}

/* ---- address tables ---- */

static int grow_table(addr_table *at)
{
	size_t cap = at->cap ? at->cap * 2 : 8;
	gslot *t = big_alloc(cap * sizeof *t);
	if (!t)
		return NIDS_ENOMEM;
	memset(t, 0, cap * sizeof *t);
	for (size_t i = 0; i < at->cap; i++) {
		if (!at->t[i].used)
			continue;
		size_t j = hash3(at->t[i].a, at->t[i].b, 0) & (cap - 1);
		while (t[j].used)
			j = (j + 1) & (cap - 1);
		t[j] = at->t[i];
	}
	big_free(at->t, at->cap * sizeof *at->t);
	at->t = t;
	at->cap = cap;
	return 0;
}

/* The id of address k: its index when present (*fresh = 0), else at->n, which is
 * then taken (*fresh = 1). -1 when out of memory. */
static long addr_id(addr_table *at, const unsigned char k[16], int *fresh)
{
	uint64_t a, b;
	key_words(k, &a, &b);
	if (4 * (at->n + 1) > 3 * at->cap && grow_table(at))
		return -1;
	size_t j = hash3(a, b, 0) & (at->cap - 1);
	while (at->t[j].used) {
		if (at->t[j].a == a && at->t[j].b == b) {
			*fresh = 0;
			return at->t[j].idx;
		}
		j = (j + 1) & (at->cap - 1);
	}
	at->t[j] = (gslot){ a, b, (uint32_t)at->n, 1 };
	*fresh = 1;
	return (long)at->n++;
}

/* Group i of w. */
static inline group *grp(const win *w, size_t i) { return &w->gpage[i / GPAGE][i % GPAGE]; }

/* Prefetch, in three steps over the ring of recent keys: the table slot where k would
 * be; the group of the key given PF_GROUP calls before (its slot fetched by then); the
 * place in the tail block of the key given PF_BLOCK calls before (its group fetched by
 * then). A hint only: what it changes is the ring, nothing the results depend on. */
void nids_window_prefetch(const nids_window *nw, const unsigned char k[16])
{
	const win *w = nw->newest;
	if (!w || !w->gt.cap)
		return;
	uint64_t a, b, mask = w->gt.cap - 1;
	key_words(k, &a, &b);
	uint64_t h = hash3(a, b, 0);
	__builtin_prefetch(&w->gt.t[h & mask]);
	pfring *r = nw->pf;
	unsigned pos = r->pos++, i = pos % PF_RING;
	r->a[i] = a, r->b[i] = b, r->h[i] = h, r->g[i] = UINT32_MAX;
	i = (pos - PF_GROUP) % PF_RING;
	uint64_t j = r->h[i] & mask;
	for (int probe = 0; probe < 4 && w->gt.t[j].id; probe++, j = (j + 1) & mask)
		if (w->gt.t[j].h == (uint32_t)r->h[i]) { /* likely the key's group */
			const char *g = (const char *)grp(w, w->gt.t[j].id - 1);
			__builtin_prefetch(g);
			__builtin_prefetch(g + 64);
			r->g[i] = w->gt.t[j].id - 1;
			break;
		}
	uint32_t gi = r->g[(pos - PF_BLOCK) % PF_RING];
	if (gi < w->ng && grp(w, gi)->tail) {
		const group *g = grp(w, gi);
		size_t s = g->n % BLOCK_FLOWS;
		__builtin_prefetch(s ? (const void *)&g->tail->f[s] : (const void *)&g->tail->next);
	}
}

/* The blocks chunk k of a window holds: one in the first, doubling up to a huge page,
 * so that a window's blocks grow with its flows (a window of one flow takes one). */
static size_t chunk_cap(size_t k)
{
	size_t most = HUGE_SZ / sizeof(block);
	return k < 30 && (size_t)1 << k < most ? (size_t)1 << k : most;
}

/* n <= GPAGE free blocks of w in a row, taken from its chunks (going on to the next,
 * allocated, when the one in use has fewer left: a page of groups, taken when the
 * window has GPAGE groups and so as many blocks, skips the rest of one chunk at most);
 * NULL when out of memory. */
static block *take_blocks(win *w, size_t n)
{
	while (w->left < n) {
		size_t k = w->nchunk;
		if (k == w->maxchunk) { /* (the first few pointers are in the window) */
			block **c = malloc(2 * k * sizeof *c);
			if (!c)
				return NULL;
			memcpy(c, w->chunk, k * sizeof *c);
			if (w->chunk != w->chunk_in)
				free(w->chunk);
			w->chunk = c;
			w->maxchunk = 2 * k;
		}
		if (!(w->chunk[k] = big_alloc(chunk_cap(k) * sizeof(block))))
			return NULL;
		w->nchunk++;
		w->free = w->chunk[k];
		w->left = chunk_cap(k);
	}
	w->left -= n;
	block *b = w->free;
	w->free += n;
	return b;
}

/* An empty block of w; NULL when out of memory. */
static block *new_block(win *w)
{
	block *b = take_blocks(w, 1);
	if (b)
		b->next = NULL;
	return b;
}

static int grow_groups_table(gtable *gt)
{
	size_t cap = gt->cap ? gt->cap * 2 : 8;
	tslot *t = big_alloc(cap * sizeof *t);
	if (!t)
		return NIDS_ENOMEM;
	memset(t, 0, cap * sizeof *t);
	for (size_t i = 0; i < gt->cap; i++) {
		if (!gt->t[i].id)
			continue;
		size_t j = gt->t[i].h & (cap - 1);
		while (t[j].id)
			j = (j + 1) & (cap - 1);
		t[j] = gt->t[i];
	}
	big_free(gt->t, gt->cap * sizeof *gt->t);
	gt->t = t;
	gt->cap = cap;
	return 0;
}

/* Room for group w->ng: page 0 doubled while it has fewer than GPAGE, then a page of
 * blocks at each multiple of GPAGE. Returns 0 or NIDS_ENOMEM. */
static int room_for_group(win *w)
{
	size_t ng = w->ng, p = ng / GPAGE;
	if (ng % GPAGE == 0 && p == w->maxgpage) { /* (page 0's pointer is in the window) */
		group **gp = malloc(2 * p * sizeof *gp);
		if (!gp)
			return NIDS_ENOMEM;
		memcpy(gp, w->gpage, p * sizeof *gp);
		if (w->gpage != w->gpage_in)
			free(w->gpage);
		w->gpage = gp;
		w->maxgpage = 2 * p;
	}
	if (ng < GPAGE) {
		if (ng < w->gcap0)
			return 0;
		size_t cap = ng ? 2 * ng : 1;
		group *pg = aligned_alloc(_Alignof(group), cap * sizeof *pg);
		if (!pg)
			return NIDS_ENOMEM;
		if (ng)
			memcpy(pg, w->gpage[0], ng * sizeof *pg);
		free(ng ? w->gpage[0] : NULL);
		w->gpage[0] = pg;
		w->gcap0 = cap;
		return 0;
	}
	if (ng % GPAGE == 0) {
		block *pg = take_blocks(w, GPAGE);
		if (!pg)
			return NIDS_ENOMEM;
		w->gpage[p] = (group *)pg;
	}
	return 0;
}

/* The group of key k in w, created when new; NULL when out of memory. */
static group *group_of(win *w, const unsigned char k[16])
{
	uint64_t a, b, ga, gb;
	key_words(k, &a, &b);
	uint32_t h = (uint32_t)hash3(a, b, 0);
	gtable *gt = &w->gt;
	if (4 * (gt->n + 1) > 3 * gt->cap && grow_groups_table(gt))
		return NULL;
	size_t j = h & (gt->cap - 1);
	for (; gt->t[j].id; j = (j + 1) & (gt->cap - 1)) {
		if (gt->t[j].h != h)
			continue;
		group *g = grp(w, gt->t[j].id - 1);
		key_words(g->key, &ga, &gb);
		if (ga == a && gb == b)
			return g;
	}
	if (w->ng >= ((size_t)1 << 30))
		return NULL;
	if (room_for_group(w))
		return NULL;
	gt->t[j] = (tslot){ h, (uint32_t)(w->ng + 1) };
	gt->n++;
	group *g = grp(w, w->ng++);
	memset(g, 0, sizeof *g);
	memcpy(g->key, k, 16);
	return g;
}

/* ---- windows ---- */

static void win_release(win *w)
{
	big_free(w->gt.t, w->gt.cap * sizeof *w->gt.t);
	big_free(w->pt.t, w->pt.cap * sizeof *w->pt.t);
	if (w->ng)
		free(w->gpage[0]);
	if (w->gpage != w->gpage_in)
		free(w->gpage);
	for (size_t k = 0; k < w->nchunk; k++)
		big_free(w->chunk[k], chunk_cap(k) * sizeof(block));
	if (w->chunk != w->chunk_in)
		free(w->chunk);
	free(w->present);
}

/* ---- the open windows ---- */

static size_t by_home(int64_t start, size_t cap) { return mix((uint64_t)start) & (cap - 1); }

/* The open window of start; NULL when there is none. */
static win *find_open(const nids_window *nw, int64_t start)
{
	if (!nw->bycap)
		return NULL;
	size_t mask = nw->bycap - 1;
	for (size_t j = by_home(start, nw->bycap); nw->by[j].w; j = (j + 1) & mask)
		if (nw->by[j].start == start)
			return nw->by[j].w;
	return NULL;
}

/* Puts r in the table by start (which has room). */
static void by_put(wref *by, size_t cap, wref r)
{
	size_t j = by_home(r.start, cap);
	while (by[j].w)
		j = (j + 1) & (cap - 1);
	by[j] = r;
}

/* Takes w's entry out of the table, moving back the entries after it that probed past
 * its slot (linear probing's deletion, which leaves no tombstones). */
static void by_remove(nids_window *nw, const win *w)
{
	size_t mask = nw->bycap - 1, i = by_home(w->start, nw->bycap);
	while (nw->by[i].w != w)
		i = (i + 1) & mask;
	for (size_t k = i;;) {
		nw->by[i].w = NULL;
		for (;;) {
			k = (k + 1) & mask;
			if (!nw->by[k].w)
				return;
			size_t h = by_home(nw->by[k].start, nw->bycap);
			/* it stays when its home is cyclically in (i, k] */
			if (i <= k ? h <= i || h > k : h <= i && h > k)
				break;
		}
		nw->by[i] = nw->by[k];
		i = k;
	}
}

/* Room for one more open window in the heap and the table. Returns 0 or NIDS_ENOMEM. */
static int open_room(nids_window *nw)
{
	if (nw->nopen == nw->maxheap) {
		size_t m = nw->maxheap ? 2 * nw->maxheap : 4;
		wref *h = realloc(nw->heap, m * sizeof *h);
		if (!h)
			return NIDS_ENOMEM;
		nw->heap = h;
		nw->maxheap = m;
	}
	if (2 * (nw->nopen + 1) <= nw->bycap)
		return 0;
	size_t cap = nw->bycap ? 2 * nw->bycap : 8;
	wref *by = calloc(cap, sizeof *by);
	if (!by)
		return NIDS_ENOMEM;
	for (size_t j = 0; j < nw->bycap; j++)
		if (nw->by[j].w)
			by_put(by, cap, nw->by[j]);
	free(nw->by);
	nw->by = by;
	nw->bycap = cap;
	return 0;
}

/* A new open window for start; NULL when out of memory. */
static win *open_window(nids_window *nw, int64_t start)
{
	win *w;
	if (open_room(nw) || !(w = calloc(1, sizeof *w)))
		return NULL;
	w->start = start;
	w->gpage = w->gpage_in;
	w->maxgpage = sizeof w->gpage_in / sizeof *w->gpage_in;
	w->chunk = w->chunk_in;
	w->maxchunk = sizeof w->chunk_in / sizeof *w->chunk_in;
	by_put(nw->by, nw->bycap, (wref){ start, w });
	size_t i = nw->nopen++; /* sifted up (in time order a new window is the latest: not at all) */
	for (; i > 0 && nw->heap[(i - 1) / 2].start > start; i = (i - 1) / 2)
		nw->heap[i] = nw->heap[(i - 1) / 2];
	nw->heap[i] = (wref){ start, w };
	if (!nw->newest || start > nw->newest->start)
		nw->newest = w;
	return w;
}

/* Takes the oldest open window out of the heap and the table. */
static win *pop_oldest(nids_window *nw)
{
	win *w = nw->heap[0].w;
	wref last = nw->heap[--nw->nopen];
	size_t i = 0, n = nw->nopen;
	for (size_t c; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && nw->heap[c + 1].start < nw->heap[c].start)
			c++;
		if (nw->heap[c].start >= last.start)
			break;
		nw->heap[i] = nw->heap[c];
	}
	if (n)
		nw->heap[i] = last;
	by_remove(nw, w);
	if (nw->recent == w)
		nw->recent = NULL;
	if (nw->newest == w) /* (the latest closes last: none is left) */
		nw->newest = NULL;
	return w;
}

/* Welford's update of statistic s with x, the new count's reciprocal given. */
static inline void add_stat(group *g, int s, double x, double inv)
{
	double d = x - g->mean[s];
	g->mean[s] += d * inv;
	g->m2[s] += d * (x - g->mean[s]);
}

static double recip_small[4096]; /* 1 / n for n of 1..4095, filled once */

static inline double recip(uint64_t n) { return n < 4096 ? recip_small[n] : 1.0 / (double)n; }

/* Group g's count and statistics with flow f, all five present (the rates when the
 * duration is not 0). */
static inline void stats_add_all(group *g, const nids_window_flow *f)
{
	double inv = recip(++g->n);
	add_stat(g, S_DUR, f->duration, inv);
	add_stat(g, S_PKT, f->packets, inv);
	add_stat(g, S_BYT, f->bytes, inv);
	if (f->duration != 0) {
		inv = recip(++g->nrate);
		add_stat(g, S_PRATE, f->packets / f->duration, inv);
		add_stat(g, S_BRATE, f->bytes / f->duration, inv);
	}
}

/* Counts of each statistic's values for group g in w's present counts, from its n and
 * nrate. Returns 0 or NIDS_ENOMEM. */
static int take_counts(win *w, group *g)
{
	present_counts *p = w->present;
	if (!p || p->n == p->cap) {
		size_t cap = p ? 2 * p->cap : 4;
		present_counts *q = realloc(p, sizeof *q + cap * sizeof q->c[0]);
		if (!q)
			return NIDS_ENOMEM;
		q->n = p ? q->n : 0;
		q->cap = cap;
		w->present = p = q;
	}
	stat_counts *c = &p->c[p->n++];
	memset(c, 0, sizeof *c);
	c->finite[S_DUR] = c->finite[S_PKT] = c->finite[S_BYT] = g->n;
	c->finite[S_PRATE] = c->finite[S_BRATE] = g->nrate;
	g->present = (uint32_t)p->n;
	return 0;
}

/* As stats_add, for any flow: a NaN measure is not present, nor is a rate made from
 * one, over a duration of 0 or of inf / inf; each statistic runs over the flows where
 * its value is present (pandas' skipna). Infinities are values, counted apart from Welford's
 * updates, which they would turn to NaN. Once a flow's values are not what n and nrate
 * count, or not finite, the group's counts move to w's present counts. Returns 0 or
 * NIDS_ENOMEM. */
static int stats_add_sparse(win *w, group *g, const nids_window_flow *f)
{
	double d = f->duration, x[NSTAT] = { d, f->packets, f->bytes, NAN, NAN };
	if (d != 0 && !isnan(d)) {
		x[S_PRATE] = f->packets / d;
		x[S_BRATE] = f->bytes / d;
	}
	int counted = 1; /* the values n and nrate would count, all finite */
	for (int s = 0; s < NSTAT; s++)
		counted &= (s < S_PRATE || d != 0) ? isfinite(x[s]) : isnan(x[s]);
	if (!g->present && counted) {
		stats_add_all(g, f);
		return 0;
	}
	if (!g->present && take_counts(w, g))
		return NIDS_ENOMEM;
	stat_counts *c = &w->present->c[g->present - 1];
	g->n++;
	for (int s = 0; s < NSTAT; s++) {
		if (isfinite(x[s]))
			add_stat(g, s, x[s], recip(++c->finite[s]));
		else if (!isnan(x[s]))
			++*(x[s] > 0 ? &c->pinf[s] : &c->ninf[s]);
	}
	return 0;
}

/* Group g's count and statistics with flow f: at once while its flows' values have all
 * been finite, else through stats_add_sparse. Returns 0 or NIDS_ENOMEM. */
static inline int stats_add(win *w, group *g, const nids_window_flow *f)
{
	double d = f->duration, rates = 0;
	if (d != 0)
		rates = f->packets / d + f->bytes / d;
	/* (a sum too large for a double goes the long way, to the same result) */
	if (g->present || !isfinite(d + f->packets + f->bytes + rates))
		return stats_add_sparse(w, g, f);
	stats_add_all(g, f);
	return 0;
}

/* The group of key k in w when the prefetch ring r found it: NULL when the ring's
 * next entry is another key, or its index is not that key's group in w. */
static group *ring_group(pfring *r, const win *w, const unsigned char k[16])
{
	if (r->pos == r->used)
		return NULL;
	if (r->pos - r->used > PF_RING) /* overwritten */
		r->used = r->pos - PF_RING;
	unsigned i = r->used % PF_RING;
	uint64_t a, b;
	key_words(k, &a, &b);
	if (r->a[i] != a || r->b[i] != b)
		return NULL;
	r->used++;
	if (r->g[i] >= w->ng)
		return NULL;
	group *g = grp(w, r->g[i]);
	uint64_t ga, gb;
	key_words(g->key, &ga, &gb);
	return ga == a && gb == b ? g : NULL;
}

static int add_to(win *w, pfring *ring, const nids_window_flow *f)
{
	group *g = ring_group(ring, w, f->key);
	if (!g && !(g = group_of(w, f->key)))
		return NIDS_ENOMEM;
	frec r;
	static const unsigned char V4[4] = { 0, 0, 0xff, 0xff }; /* bytes 8..11 of ::ffff:a.b.c.d */
	uint64_t lo;
	uint32_t mid, v4;
	memcpy(&lo, f->peer, 8);
	memcpy(&mid, f->peer + 8, 4);
	memcpy(&v4, V4, 4);
	if (lo == 0 && mid == v4) {
		r.peer = (uint32_t)f->peer[12] << 24 | (uint32_t)f->peer[13] << 16 |
		         (uint32_t)f->peer[14] << 8 | f->peer[15];
		r.peer6 = 0;
	} else {
		int fresh;
		long id = addr_id(&w->pt, f->peer, &fresh);
		if (id < 0)
			return NIDS_ENOMEM;
		r.peer = (uint32_t)id;
		r.peer6 = 1;
	}
	r.sport = (uint16_t)f->sport;
	r.dport = (uint16_t)f->dport;
	r.proto = (uint8_t)f->proto;
	r.flags = (uint16_t)f->flags;
	r.cls = f->cls >= 0 ? (uint32_t)f->cls : UINT32_MAX;
	r.peer6 |= (uint8_t)((f->attack != 0) << 1);
	size_t s = g->n % BLOCK_FLOWS;
	if (!s) {
		block *b = new_block(w);
		if (!b)
			return NIDS_ENOMEM;
		if (g->tail)
			g->tail->next = b;
		else
			g->head = b;
		g->tail = b;
	}
	g->tail->f[s] = r;
	return stats_add(w, g, f);
}

static double log2_small[4096];      /* log2 of 0..4095, filled once */
static unsigned char PORT_SLOT[65536]; /* port -> its slot, filled once */

static double log2c(uint64_t c) { return c < 4096 ? log2_small[c] : log2((double)c); }

/* Sorts v [n] ascending: insertion for the few values most groups have, else a radix
 * sort by bytes (tmp [n] scratch), over only the bytes in which the values differ (a
 * pass over a byte they share would keep their order). */
static void sort_values(uint64_t *v, uint64_t *tmp, size_t n)
{
	if (n > 32) {
		uint64_t any = 0, all = ~(uint64_t)0;
		for (size_t i = 0; i < n; i++)
			any |= v[i], all &= v[i];
		for (int shift = 0; shift < 64 && (any ^ all) >> shift; shift += 8) {
			if (!((any ^ all) >> shift & 255))
				continue;
			size_t count[257] = { 0 };
			for (size_t i = 0; i < n; i++)
				count[(v[i] >> shift & 255) + 1]++;
			for (int b = 0; b < 256; b++)
				count[b + 1] += count[b];
			for (size_t i = 0; i < n; i++)
				tmp[count[v[i] >> shift & 255]++] = v[i];
			memcpy(v, tmp, n * sizeof *v);
		}
		return;
	}
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Sorts v [n] ascending in place (American flag sort: Bentley, McIlroy and Bostic,
 * "Engineering radix sort", 1993), by the byte at shift and, within each of its
 * buckets, the lower bytes in which the values differ (mask): a large group's values
 * need no second array. */
static void sort_in_place(uint64_t *v, size_t n, int shift, uint64_t mask)
{
	while (shift >= 0 && !(mask >> shift & 255))
		shift -= 8;
	if (n <= 32 || shift < 0) {
		if (shift >= 0)
			sort_values(v, NULL, n); /* (insertion: no scratch for 32 or fewer) */
		return;
	}
	size_t count[256] = { 0 }, next[256], end[256];
	for (size_t i = 0; i < n; i++)
		count[v[i] >> shift & 255]++;
	for (size_t b = 0, at = 0; b < 256; b++) {
		next[b] = at;
		at += count[b];
		end[b] = at;
	}
	for (size_t b = 0; b < 256; b++) /* each value swapped straight into its bucket */
		while (next[b] < end[b]) {
			uint64_t x = v[next[b]];
			size_t d;
			while ((d = x >> shift & 255) != b) {
				uint64_t y = v[next[d]];
				v[next[d]++] = x;
				x = y;
			}
			v[next[b]++] = x;
		}
	for (size_t b = 0, at = 0; b < 256; at += count[b++])
		if (count[b] > 1)
			sort_in_place(v + at, count[b], shift - 8, mask);
}

/* A run of c flows with value x of one kind in a group of n: its share of the entropy
 * and its port's count, into s. */
static inline void add_run(summary *s, uint64_t n, int kind, uint64_t x, uint64_t c)
{
	if (kind == K_SPORT)
		s->sport[PORT_SLOT[x]] += (uint32_t)c;
	if (kind == K_DPORT)
		s->dport[PORT_SLOT[x]] += (uint32_t)c;
	/* -p log2 p with p = c / n; 0 for a single value */
	double p = (double)c / (double)n;
	if (c < n)
		s->ent[kind] += p * (s->log2n - log2c(c));
}

/* d runs of c flows each, values x [d] (<< 11, as distinct() leaves them), in a group
 * of n: add_run's sums, the equal term computed once. */
static void add_equal_runs(summary *s, uint64_t n, int kind, const uint64_t *x, size_t d,
                           uint64_t c)
{
	if (kind == K_SPORT)
		for (size_t j = 0; j < d; j++)
			s->sport[PORT_SLOT[x[j] >> 11]] += (uint32_t)c;
	if (kind == K_DPORT)
		for (size_t j = 0; j < d; j++)
			s->dport[PORT_SLOT[x[j] >> 11]] += (uint32_t)c;
	if (c >= n)
		return;
	double term = (double)c / (double)n * (s->log2n - log2c(c)), e = s->ent[kind];
	for (size_t j = 0; j < d; j++) /* (added one at a time, as add_run adds them) */
		e += term;
	s->ent[kind] = e;
}

/* The runs of equal values v [m] (sorted) of one kind in a group of n flows: entropy
 * and port counts, into s. */
static void count_runs(summary *s, uint64_t n, int kind, const uint64_t *v, size_t m)
{
	for (size_t i = 0, j; i < m; i = j) {
		for (j = i + 1; j < m && v[j] == v[i]; j++)
			;
		add_run(s, n, kind, v[i], j - i);
	}
}

/* The distinct values of v [n] and their counts, in the order of their first
 * occurrence, into v [0 .. d) as value << 11 | count (counts of up to 11 bits); returns d.
 * Values of 16 bits or fewer (protocols, ports, flags) are counted in count [65536]
 * (zeros before and after) without a branch on them: a value's count is read once at
 * its first occurrence and cleared; wider ones (peers) through the table t. */
static size_t distinct(dtable *t, uint32_t *count, int kind, uint64_t *v, size_t n)
{
	size_t d = 0;
	if (kind != K_PEER) {
		for (size_t i = 0; i < n; i++)
			count[v[i]]++;
		for (size_t i = 0; i < n; i++) { /* (v[d] is written after v[i] is read: d <= i) */
			uint64_t x = v[i], c = count[x];
			v[d] = x << 11 | c;
			d += c != 0;
			count[x] = 0;
		}
		return d;
	}
	int bits = 4;
	while (((size_t)1 << bits) < 2 * n)
		bits++;
	size_t mask = ((size_t)1 << bits) - 1;
	uint32_t st = ++t->stamp;
	if (!st) { /* wrapped: every slot could look taken */
		for (size_t i = 0; i < 2 * DMAX; i++)
			t->s[i].stamp = 0;
		st = t->stamp = 1;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t x = v[i];
		size_t h = (size_t)((x * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
		for (;; h = (h + 1) & mask) {
			dslot *e = &t->s[h];
			if (e->stamp != st) {
				*e = (dslot){ x, 1, st };
				t->used[d++] = (uint16_t)h;
				break;
			}
			if (e->v == x) {
				e->c++;
				break;
			}
		}
	}
	for (size_t j = 0; j < d; j++) /* values of up to 33 bits */
		v[j] = t->s[t->used[j]].v << 11 | t->s[t->used[j]].c;
	return d;
}

/* Like sorting v [n] and counting its runs (tmp [n] scratch; v is overwritten), for
 * 2 <= n <= DMAX, through the distinct values: when they all occur equally often, the
 * entropy's terms are equal and their order does not matter, so nothing is sorted;
 * otherwise the distinct values alone are, with their counts. */
static void count_distinct(dtable *t, uint32_t *count, summary *s, int kind, uint64_t *v,
                           uint64_t *tmp, size_t n)
{
	size_t d = distinct(t, count, kind, v, n);
	uint64_t c0 = v[0] & 2047, same = 1;
	for (size_t j = 1; j < d; j++)
		same &= (v[j] & 2047) == c0;
	if (same) {
		add_equal_runs(s, n, kind, v, d, c0);
		return;
	}
	sort_values(v, tmp, d);
	for (size_t j = 0; j < d; j++)
		add_run(s, n, kind, v[j] >> 11, v[j] & 2047);
}

/* The entropy and port counts of one kind of value v [n] (tmp [n] scratch) in a group
 * of n flows, into s: one run when the values are all equal, else the runs of the
 * sorted values (through count_distinct for DMAX values or fewer, and more than 8). */
static void summarize_kind(dtable *t, uint32_t *count, summary *s, int kind, uint64_t *v,
                           uint64_t *tmp, size_t n)
{
	uint64_t differ = 0;
	for (size_t i = 1; i < n; i++)
		differ |= v[i] ^ v[0];
	if (differ && n > 8 && n <= DMAX) {
		count_distinct(t, count, s, kind, v, tmp, n);
		return;
	}
	if (differ)
		sort_values(v, tmp, n);
	count_runs(s, n, kind, v, n);
}

/* A walk over a group's flows, block by block. */
typedef struct chain {
	const block *b;
	uint64_t left; /* flows not yet walked */
} chain;

static chain chain_of(const group *g) { return (chain){ g->head, g->n }; }

/* The next block's flows (*m of them, the tail's may be fewer than BLOCK_FLOWS), the one
 * after it fetched ahead; NULL at the end. */
static inline const frec *chain_next(chain *c, size_t *m)
{
	if (!c->left)
		return NULL;
	const block *b = c->b;
	if (b->next) {
		__builtin_prefetch(b->next);
		__builtin_prefetch((const char *)b->next + 64);
	}
	*m = c->left < BLOCK_FLOWS ? (size_t)c->left : BLOCK_FLOWS;
	c->left -= *m;
	c->b = b->next;
	return b->f;
}

/* Flow f's value of one kind: the peer is its IPv4 address or IPv6 id, with bit 32 set
 * for an id. */
static inline uint64_t value_of(const frec *f, int kind)
{
	return kind == K_PROTO   ? f->proto
	       : kind == K_PEER  ? (uint64_t)(f->peer6 & 1) << 32 | f->peer
	       : kind == K_SPORT ? f->sport
	       : kind == K_DPORT ? f->dport
	                         : f->flags;
}

/* The peers of group g's flows into v [g->n], from its blocks. */
static void peers_of(const group *g, uint64_t *v)
{
	chain c = chain_of(g);
	const frec *f;
	size_t m;
	while ((f = chain_next(&c, &m))) {
		for (size_t i = 0; i < m; i++)
			v[i] = value_of(&f[i], K_PEER);
		v += m;
	}
}

/* Flow f's part in s's attack and labelled flows and in Boyer and Moore's vote for the
 * class of more than half the flows (candidate *cand, its lead *votes). */
static inline void vote_step(summary *s, const frec *f, uint32_t *cand, uint64_t *votes)
{
	s->attacks += f->peer6 >> 1;
	if (f->cls == UINT32_MAX)
		return;
	s->voted++;
	if (!*votes)
		*cand = f->cls;
	*votes = *cand == f->cls ? *votes + 1 : *votes - 1;
}

/* Group g's attack flows, labelled flows and the class of more than half its flows:
 * the one candidate Boyer and Moore's vote leaves, counted. Two walks over its blocks. */
static void vote(summary *s, const group *g)
{
	chain c = chain_of(g);
	const frec *f;
	size_t m;
	uint64_t votes = 0;
	uint32_t cand = UINT32_MAX;
	while ((f = chain_next(&c, &m)))
		for (size_t i = 0; i < m; i++)
			vote_step(s, &f[i], &cand, &votes);
	if (!s->voted)
		return;
	uint64_t n = 0;
	for (c = chain_of(g); (f = chain_next(&c, &m));)
		for (size_t i = 0; i < m; i++)
			n += f[i].cls == cand;
	if (2 * n > g->n)
		s->major = (int)cand;
}

/* The entropy and port counts of one kind of value of 16 bits or fewer (protocol,
 * ports, flags) in a large group g, counted straight from its blocks into count [65536]
 * (zero before and after): the runs of its sorted values, in the same ascending order,
 * with no copy of them. */
static void count_kind(uint32_t *count, summary *s, const group *g, int kind)
{
	chain c = chain_of(g);
	const frec *f;
	size_t m;
	unsigned lo = 65535, hi = 0;
	while ((f = chain_next(&c, &m)))
		for (size_t i = 0; i < m; i++) {
			unsigned x = (unsigned)value_of(&f[i], kind);
			count[x]++;
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
	for (unsigned x = lo; x <= hi; x++)
		if (count[x]) {
			add_run(s, g->n, kind, x, count[x]);
			count[x] = 0;
		}
}

/* Group g's flows (n <= DMAX) in one walk over its blocks: each kind's values into
 * v [kind * n ...], the classes into v [K_NENT * n ...]; its labels into s: attack and
 * labelled flows, and the one candidate of Boyer and Moore's vote, then counted. */
static void unpack(summary *s, const group *g, uint64_t *v)
{
	size_t n = g->n, k = 0;
	uint64_t *cls = v + K_NENT * n, votes = 0;
	uint32_t cand = UINT32_MAX;
	chain c = chain_of(g);
	const frec *f;
	size_t m;
	while ((f = chain_next(&c, &m)))
		for (size_t i = 0; i < m; i++, k++) {
			for (int kind = K_PROTO; kind < K_NENT; kind++)
				v[kind * n + k] = value_of(&f[i], kind);
			cls[k] = f[i].cls;
			vote_step(s, &f[i], &cand, &votes);
		}
	if (!s->voted)
		return;
	uint64_t same = 0;
	for (k = 0; k < n; k++)
		same += cls[k] == cand;
	if (2 * same > n)
		s->major = (int)cand;
}

/* The summary of group g: each kind's entropy and port counts, its labels. A group of
 * up to DMAX flows is unpacked into v [UNPACKED n] (the values of each kind, the classes,
 * sort scratch); a larger one (an attacker's, often) is read from its blocks again for
 * each kind: its protocols, ports and flags counted in count [65536], its peers copied
 * into v [n] and sorted in place: 8 bytes a flow of scratch for a window's largest
 * group. */
static void summarize(dtable *t, uint32_t *count, summary *s, const group *g, uint64_t *v)
{
	size_t n = g->n;
	memset(s, 0, sizeof *s);
	s->major = -1;
	s->log2n = log2c(n);
	if (n <= DMAX) {
		unpack(s, g, v);
		for (int kind = K_PROTO; kind < K_NENT; kind++)
			summarize_kind(t, count, s, kind, v + kind * n, v + (K_NENT + 1) * n, n);
		return;
	}
	vote(s, g);
	for (int kind = K_PROTO; kind < K_NENT; kind++)
		if (kind != K_PEER)
			count_kind(count, s, g, kind);
	peers_of(g, v);
	uint64_t any = 0, all = ~(uint64_t)0;
	for (size_t i = 0; i < n; i++)
		any |= v[i], all &= v[i];
	sort_in_place(v, n, 56, any ^ all);
	count_runs(s, n, K_PEER, v, n);
}

/* Sorts a [n] by address (hi, then lo, ascending; addresses are distinct), a radix
 * sort by bytes from the least significant, over only the bytes in which the addresses
 * differ (IPv4 groups differ in four); tmp [n] scratch. */
static void sort_gkeys(gkey *a, gkey *tmp, size_t n)
{
	uint64_t any[2] = { 0, 0 }, all[2] = { ~(uint64_t)0, ~(uint64_t)0 };
	for (size_t i = 0; i < n; i++) {
		any[0] |= a[i].lo, all[0] &= a[i].lo;
		any[1] |= a[i].hi, all[1] &= a[i].hi;
	}
	gkey *src = a, *dst = tmp;
	for (int w = 0; w < 2; w++)
		for (int shift = 0; shift < 64; shift += 8) {
			if (!((any[w] ^ all[w]) >> shift & 255))
				continue;
			size_t count[257] = { 0 };
			for (size_t i = 0; i < n; i++)
				count[((w ? src[i].hi : src[i].lo) >> shift & 255) + 1]++;
			for (int b = 0; b < 256; b++)
				count[b + 1] += count[b];
			for (size_t i = 0; i < n; i++)
				dst[count[(w ? src[i].hi : src[i].lo) >> shift & 255]++] = src[i];
			gkey *t = src;
			src = dst, dst = t;
		}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

/* Group i's address as words that compare as its bytes do. */
static gkey key_of(const group *g, size_t i)
{
	gkey k = { 0, 0, (uint32_t)i };
	for (int j = 0; j < 8; j++) {
		k.hi = k.hi << 8 | g->key[j];
		k.lo = k.lo << 8 | g->key[8 + j];
	}
	return k;
}

/* Group g's 69 features, its values in w, its summary s. */
static void features(const win *w, const group *g, const summary *s,
                     double f[NIDS_WINDOW_NFEAT])
{
	int k = 0;
	static const stat_counts none;
	const stat_counts *c = g->present ? &w->present->c[g->present - 1] : &none;
	uint64_t m[NSTAT]; /* each statistic's values */
	for (int i = 0; i < NSTAT; i++)
		m[i] = (g->present ? c->finite[i] : i < S_PRATE ? g->n : g->nrate) + c->pinf[i] +
		       c->ninf[i];
	/* with infinities, pandas' inf, -inf or NaN (inf - inf), and a deviation of NaN */
	for (int i = 0; i < NSTAT; i++)
		f[k++] = !m[i]                       ? 0
		         : c->pinf[i] && c->ninf[i] ? NAN
		         : c->pinf[i]               ? INFINITY
		         : c->ninf[i]               ? -INFINITY
		                                    : g->mean[i];
	for (int i = 0; i < NSTAT; i++)
		f[k++] = m[i] < 2                    ? 0
		         : c->pinf[i] || c->ninf[i] ? NAN
		                                    : sqrt(g->m2[i] / (double)(m[i] - 1));
	for (int e = 0; e < K_NENT; e++)
		f[k++] = s->ent[e];
	for (int p = 0; p <= NIDS_WINDOW_NPORTS; p++)
		f[k++] = (double)s->sport[p] / (double)g->n;
	for (int p = 0; p <= NIDS_WINDOW_NPORTS; p++)
		f[k++] = (double)s->dport[p] / (double)g->n;
}

#define TOUCH_GROUPS 8   /* groups whose chains are walked side by side */
#define TOUCH_BLOCKS 64  /* the most blocks of one group walked so (8 KiB) */

/* Brings the blocks of groups order [m] (up to TOUCH_BLOCKS each) into the cache,
 * walking their chains side by side: a chain is a run of dependent loads, and walking m
 * at once keeps m misses in flight where one chain at a time keeps one. */
static void touch_chains(const win *w, const gkey *order, size_t m)
{
	const block *b[TOUCH_GROUPS];
	size_t left[TOUCH_GROUPS], busy = 0;
	for (size_t p = 0; p < m; p++) {
		const group *g = grp(w, order[p].idx);
		size_t nb = (g->n + BLOCK_FLOWS - 1) / BLOCK_FLOWS;
		b[p] = g->head;
		left[p] = nb < TOUCH_BLOCKS ? nb : TOUCH_BLOCKS;
		busy += left[p] > 0;
	}
	while (busy)
		for (size_t p = 0; p < m; p++) {
			if (!left[p])
				continue;
			__builtin_prefetch(b[p]);
			b[p] = --left[p] ? b[p]->next : NULL; /* (the block's second line) */
			busy -= !left[p];
		}
}

/* Emits w's groups (those big enough and with a class, as the options say), in order
 * of their addresses. */
static int close_window(nids_window *nw, win *w, nids_err *err)
{
	size_t n = 0, maxn = 0;
	if (!(nw->order = reserve(nw->order, &nw->order_cap, w->ng, sizeof *nw->order)))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < w->ng; i++) {
		uint64_t gn = grp(w, i)->n;
		if (gn < nw->o.min_flows) {
			nw->c.small++;
			continue;
		}
		nw->order[n++] = key_of(grp(w, i), i);
		maxn = gn > maxn ? gn : maxn;
	}
	/* values, classes and scratch for groups of up to DMAX flows, the peers of larger
	   ones; first the sort's scratch of the groups to emit */
	size_t nkeys = maxn <= DMAX ? UNPACKED * maxn : maxn > UNPACKED * DMAX ? maxn : UNPACKED * DMAX;
	size_t nsort = n * sizeof(gkey) / sizeof *nw->keys;
	if (!(nw->keys = reserve(nw->keys, &nw->maxkeys, nkeys > nsort ? nkeys : nsort,
	                         sizeof *nw->keys)) ||
	    (maxn > 8 && !nw->count && !(nw->count = calloc(65536, sizeof *nw->count))))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	const gkey *order = nw->order;
	sort_gkeys(nw->order, (gkey *)nw->keys, n);
	nids_window_row row;
	summary s;
	for (size_t i = 0; i < n; i++) {
		if (i % TOUCH_GROUPS == 0) { /* the groups of the batch after next, and this one's blocks */
			for (size_t j = i + 2 * TOUCH_GROUPS; j < i + 3 * TOUCH_GROUPS && j < n; j++) {
				__builtin_prefetch(grp(w, order[j].idx));
				__builtin_prefetch((const char *)grp(w, order[j].idx) + 64);
			}
			touch_chains(w, order + i, n - i < TOUCH_GROUPS ? n - i : TOUCH_GROUPS);
		}
		const group *g = grp(w, order[i].idx);
		summarize(&nw->dt, nw->count, &s, g, nw->keys);
		row.start = w->start;
		memcpy(row.key, g->key, 16);
		row.flows = g->n;
		row.attack = 2 * s.attacks >= g->n;
		row.cls = s.voted ? s.major : -1;
		if (s.voted && s.major < 0) {
			nw->c.mixed++;
			if (!nw->o.keep_mixed)
				continue;
			row.cls = NIDS_WINDOW_MIXED;
		}
		features(w, g, &s, row.f);
		int rc = nw->emit(nw->ctx, &row, err);
		if (rc)
			return rc;
		nw->c.rows++;
	}
	nw->c.windows++;
	return 0;
}

/* The static tables, once: feature names, port slots, log2 and 1/n of small counts. */
static void fill_tables(void)
{
	nids_window_feature_name(0, 0);
	for (int i = 0; i < 65536; i++)
		PORT_SLOT[i] = (unsigned char)port_slot((unsigned)i);
	for (int i = 1; i < 4096; i++) {
		log2_small[i] = log2((double)i);
		recip_small[i] = 1.0 / (double)i;
	}
}

int nids_window_new(nids_window **w, const nids_window_opts *o, nids_window_emit_fn emit,
                    void *ctx, nids_err *err)
{
	*w = NULL;
	if (o->window_us <= 0 || o->lateness_us < 0 || (o->by != 0 && o->by != 1))
		return nids_err_set(err, NIDS_EUSAGE, NULL, "bad window options");
	nids_window *nw = calloc(1, sizeof *nw);
	if (nw && !(nw->pf = calloc(1, sizeof *nw->pf))) {
		free(nw);
		nw = NULL;
	}
	if (!nw)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	nw->o = *o;
	nw->emit = emit;
	nw->ctx = ctx;
	nw->closed_upto = INT64_MIN;
	static pthread_once_t tables_once = PTHREAD_ONCE_INIT; /* aggregators may start in threads */
	pthread_once(&tables_once, fill_tables);
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
	while (nw->nopen && (limit == INT64_MAX || nw->heap[0].start <= limit - nw->o.window_us)) {
		win *w = pop_oldest(nw);
		nw->gopen -= w->ng;
		int rc = close_window(nw, w, err);
		if (w->start + nw->o.window_us > nw->closed_upto)
			nw->closed_upto = w->start + nw->o.window_us;
		win_release(w); /* (its memory back to the system: the next window's is fresh) */
		free(w);
		if (rc)
			return rc;
	}
	return 0;
}

int nids_window_add(nids_window *nw, const nids_window_flow *f, nids_err *err)
{
	int64_t len = nw->o.window_us;
	/* a window's start (below the time by up to len) and end (above it by up to len)
	   must be int64 microseconds too: times within 2 len of the ends have no window */
	if (f->time < INT64_MIN + 2 * len || f->time > INT64_MAX - 2 * len) {
		char t[48];
		nids_time_format(f->time, 0, t);
		return nids_err_set(err, NIDS_EFORMAT, NULL,
		                    "its time, %s, is too near the end of the time range for a "
		                    "window to hold it",
		                    t);
	}
	nw->c.flows++;
	if (!nw->started || f->time > nw->tmax) {
		/* (unsigned: the difference of two int64 times fits in 64 bits unsigned) */
		if (nw->started && (uint64_t)f->time - (uint64_t)nw->tmax >
		                       (uint64_t)nw->c.jump_to - (uint64_t)nw->c.jump_from) {
			nw->c.jump_from = nw->tmax, nw->c.jump_to = f->time;
			nw->c.jump_flow = nw->c.flows;
		}
		nw->tmax = f->time;
		nw->started = 1;
		int64_t mark = nw->tmax < INT64_MIN + nw->o.lateness_us
		                       ? INT64_MIN
		                       : nw->tmax - nw->o.lateness_us;
		int rc = close_upto(nw, mark, err);
		if (rc)
			return rc;
		/* every window ending at or before the mark is closed, open or not */
		if (mark >= INT64_MIN + 2 * len) { /* (else no window ends by it) */
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
	win *w = nw->recent;
	if (!w || w->start != start) {
		if (!(w = find_open(nw, start)) && !(w = open_window(nw, start)))
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		nw->recent = w;
	}
	size_t ng = w->ng;
	if (add_to(w, nw->pf, f))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	nw->gopen += w->ng - ng;
	if (nw->gopen > nw->c.peak_sources)
		nw->c.peak_sources = nw->gopen;
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
	for (size_t i = 0; i < nw->nopen; i++) {
		win_release(nw->heap[i].w);
		free(nw->heap[i].w);
	}
	free(nw->heap);
	free(nw->by);
	big_free(nw->order, nw->order_cap * sizeof *nw->order);
	big_free(nw->keys, nw->maxkeys * sizeof *nw->keys);
	free(nw->count);
	free(nw->pf);
	free(nw);
}
