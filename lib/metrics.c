/* metrics.c: AUROC, average precision, best F1 and confusion matrices over rows
 * sorted once from most to least anomalous. */
#include "metrics_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A row in 8 bytes: key orders rows by anomaly (ascending key = most anomalous
 * first), tag = label bit | (class id + 1) << 1. */
typedef struct eval_row {
	uint32_t key;
	uint32_t tag;
} eval_row;

struct nids_eval {
	int dir;
	int labeled; /* -1 until the first row says */
	int sorted;
	size_t n, cap;
	size_t attacks;
	eval_row *rows;
};

nids_eval *nids_eval_new(int direction)
{
	nids_eval *e = calloc(1, sizeof *e);
	if (e) {
		e->dir = direction == NIDS_DIR_LOW ? NIDS_DIR_LOW : NIDS_DIR_HIGH;
		e->labeled = -1;
	}
	return e;
}

void nids_eval_free(nids_eval *e)
{
	if (!e)
		return;
	free(e->rows);
	free(e);
}

int nids_eval_direction(const nids_eval *e) { return e->dir; }

/* Float bits mapped so that unsigned order is numeric order (-0 folded into +0, so
 * equal scores get equal keys), then flipped for "higher is more anomalous". */
static uint32_t score_key(float s, int dir)
{
	if (s == 0.0f)
		s = 0.0f;
	uint32_t u;
	memcpy(&u, &s, 4);
	u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
	return dir == NIDS_DIR_HIGH ? ~u : u;
}

static float key_score(uint32_t k, int dir)
{
	if (dir == NIDS_DIR_HIGH)
		k = ~k;
	k = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
	float s;
	memcpy(&s, &k, 4);
	return s;
}

int nids_eval_add(nids_eval *e, float score, int label, int cls, nids_err *err)
{
	if (e->sorted)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "rows added after sorting");
	if (isnan(score))
		return nids_err_set(err, NIDS_EFORMAT, NULL, "score is nan");
	if (label != 0 && label != 1 && label != NIDS_EVAL_UNLABELED)
		return nids_err_set(err, NIDS_EFORMAT, NULL, "label %d is not 0 or 1", label);
	int has_label = label != NIDS_EVAL_UNLABELED;
	if (e->labeled >= 0 && e->labeled != has_label)
		return nids_err_set(err, NIDS_EUSAGE, NULL, "labeled and unlabeled rows mixed");
	if (cls != NIDS_EVAL_NO_CLASS && (cls < 0 || cls > NIDS_EVAL_MAX_CLASS))
		return nids_err_set(err, NIDS_EFORMAT, NULL, "class id %d out of range", cls);
	e->labeled = has_label;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 4096;
		eval_row *r = realloc(e->rows, cap * sizeof *r);
		if (!r)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory for %zu rows",
			                    cap);
		e->rows = r;
		e->cap = cap;
	}
	uint32_t tag = (uint32_t)(label == 1) | (uint32_t)(cls + 1) << 1;
	e->rows[e->n++] = (eval_row){ score_key(score, e->dir), tag };
	e->attacks += label == 1;
	return 0;
}

/* LSD radix sort on the 32-bit key in three passes of 11, 11 and 10 bits; stable,
 * O(n), and a pass is skipped when every key shares its digit. */
static int radix_sort(eval_row *a, size_t n)
{
	enum { BITS = 11, BUCKETS = 1 << BITS };
	if (n < 2)
		return 0;
	eval_row *tmp = malloc(n * sizeof *tmp);
	if (!tmp)
		return -1;
	size_t *count = calloc(3 * BUCKETS, sizeof *count);
	if (!count) {
		free(tmp);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < 3; p++)
			count[p * BUCKETS + ((a[i].key >> (p * BITS)) & (BUCKETS - 1))]++;
	eval_row *src = a, *dst = tmp;
	for (int p = 0; p < 3; p++) {
		size_t *c = count + p * BUCKETS;
		if (c[(src[0].key >> (p * BITS)) & (BUCKETS - 1)] == n)
			continue;
		size_t sum = 0;
		for (int b = 0; b < BUCKETS; b++) {
			size_t t = c[b];
			c[b] = sum;
			sum += t;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i].key >> (p * BITS)) & (BUCKETS - 1)]++] = src[i];
		eval_row *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
	free(count);
	free(tmp);
	return 0;
}

int nids_eval_sort(nids_eval *e, nids_err *err)
{
	if (e->n && e->n < e->cap) {
		/* give back the growth slack before the sort's buffer is taken */
		eval_row *r = realloc(e->rows, e->n * sizeof *r);
		if (r) {
			e->rows = r;
			e->cap = e->n;
		}
	}
	if (radix_sort(e->rows, e->n))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory sorting %zu rows", e->n);
	e->sorted = 1;
	return 0;
}

size_t nids_eval_rows(const nids_eval *e) { return e->n; }
size_t nids_eval_attacks(const nids_eval *e) { return e->labeled == 1 ? e->attacks : 0; }
size_t nids_eval_benign(const nids_eval *e) { return e->labeled == 1 ? e->n - e->attacks : 0; }
int nids_eval_labeled(const nids_eval *e) { return e->labeled == 1; }

float nids_eval_score_at(const nids_eval *e, size_t i) { return key_score(e->rows[i].key, e->dir); }

int nids_eval_label_at(const nids_eval *e, size_t i)
{
	return e->labeled == 1 ? (int)(e->rows[i].tag & 1) : NIDS_EVAL_UNLABELED;
}

int nids_eval_class_at(const nids_eval *e, size_t i) { return (int)(e->rows[i].tag >> 1) - 1; }

int nids_eval_next_point(const nids_eval *e, size_t *pos, nids_eval_point *pt)
{
	size_t i = *pos;
	if (i == 0)
		pt->tp = pt->fp = 0;
	if (i >= e->n)
		return 0;
	uint32_t k = e->rows[i].key;
	for (; i < e->n && e->rows[i].key == k; i++) {
		uint64_t attack = e->rows[i].tag & 1;
		pt->tp += attack;
		pt->fp += 1 - attack;
	}
	pt->threshold = key_score(k, e->dir);
	*pos = i;
	return 1;
}

double nids_eval_auroc(const nids_eval *e)
{
	uint64_t pos = nids_eval_attacks(e), neg = nids_eval_benign(e);
	if (!pos || !neg)
		return NAN;
	/* twice the Mann-Whitney U: each benign row scores 2 per attack row ranked above it
	 * and 1 per attack row tied with it; exact integers, one rounding at the end */
	unsigned __int128 u2 = 0;
	size_t at = 0;
	nids_eval_point pt = { 0 }, prev = { 0 };
	while (nids_eval_next_point(e, &at, &pt)) {
		uint64_t p = pt.tp - prev.tp, n = pt.fp - prev.fp;
		u2 += (unsigned __int128)n * (2 * prev.tp + p);
		prev = pt;
	}
	return (double)((long double)u2 / (2.0L * (long double)pos * (long double)neg));
}

double nids_eval_auprc(const nids_eval *e)
{
	uint64_t pos = nids_eval_attacks(e);
	if (!pos)
		return NAN;
	long double sum = 0;
	size_t at = 0;
	nids_eval_point pt = { 0 };
	uint64_t prev_tp = 0;
	while (nids_eval_next_point(e, &at, &pt)) {
		if (pt.tp != prev_tp)
			sum += (long double)(pt.tp - prev_tp) * pt.tp /
			       (long double)(pt.tp + pt.fp);
		prev_tp = pt.tp;
	}
	return (double)(sum / pos);
}

void nids_eval_best_f1(const nids_eval *e, double *f1, double *threshold)
{
	uint64_t pos = nids_eval_attacks(e);
	*f1 = *threshold = NAN;
	if (!pos)
		return;
	/* F1 = 2tp / (tp + fp + P); compared as exact fractions */
	uint64_t best_num = 0, best_den = 1;
	size_t at = 0;
	nids_eval_point pt = { 0 };
	while (nids_eval_next_point(e, &at, &pt)) {
		uint64_t num = 2 * pt.tp, den = pt.tp + pt.fp + pos;
		if ((unsigned __int128)num * best_den >= (unsigned __int128)best_num * den) {
			best_num = num;
			best_den = den;
			*threshold = pt.threshold;
		}
	}
	*f1 = (double)best_num / (double)best_den;
}

static double ratio(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : 0.0; }

void nids_eval_confusion(const nids_eval *e, double t, nids_confusion *c, int nclasses,
                         nids_class_count *per_class)
{
	memset(c, 0, sizeof *c);
	if (per_class)
		memset(per_class, 0, (size_t)nclasses * sizeof *per_class);
	for (size_t i = 0; i < e->n; i++) {
		int alarm = nids_is_alarm(key_score(e->rows[i].key, e->dir), t, e->dir);
		int attack = e->rows[i].tag & 1;
		c->tp += alarm && attack;
		c->fp += alarm && !attack;
		c->fn += !alarm && attack;
		c->tn += !alarm && !attack;
		int cls = nids_eval_class_at(e, i);
		if (per_class && cls >= 0 && cls < nclasses) {
			per_class[cls].rows++;
			per_class[cls].attacks += attack;
			per_class[cls].alarms += alarm;
		}
	}
	c->precision = ratio(c->tp, c->tp + c->fp);
	c->recall = ratio(c->tp, c->tp + c->fn);
	c->f1 = ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn);
	c->accuracy = ratio(c->tp + c->tn, e->n);
	c->fpr = ratio(c->fp, c->fp + c->tn);
}
