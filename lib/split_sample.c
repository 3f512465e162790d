/* split_sample.c: nids-split's exact-size sampling (a reservoir) and its record-number
 * lists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/split.h"
#include "split_sample_impl.h"

void nids_reservoir_init(nids_reservoir *r, uint64_t cap, size_t C, size_t M)
{
	memset(r, 0, sizeof *r);
	r->cap = cap, r->C = C, r->M = M;
}

static int grow(nids_reservoir *r, nids_err *err)
{
	size_t a = r->alloc ? 2 * r->alloc : 1024;
	if (a > r->cap)
		a = (size_t)r->cap;
	float *x = realloc(r->x, a * r->C * sizeof(float) + 1);
	if (x)
		r->x = x;
	unsigned char *m = x ? realloc(r->meta, a * r->M + 1) : NULL;
	if (m)
		r->meta = m;
	uint64_t *p = m ? realloc(r->pos, a * sizeof *p) : NULL;
	if (!p)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory holding the sample "
		                    "(%zu rows)", r->n);
	r->pos = p;
	r->alloc = a;
	return 0;
}

static void put(nids_reservoir *r, size_t slot, const float *row, const unsigned char *meta,
                uint64_t pos)
{
	memcpy(r->x + slot * r->C, row, r->C * sizeof(float));
	if (r->M)
		memcpy(r->meta + slot * r->M, meta, r->M);
	r->pos[slot] = pos;
}

int nids_reservoir_offer(nids_reservoir *r, const float *row, const unsigned char *meta,
                         uint64_t pos, double u, nids_err *err)
{
	uint64_t i = r->seen++;
	if (i < r->cap) {
		if (r->n == r->alloc) {
			int rc = grow(r, err);
			if (rc)
				return rc;
		}
		put(r, r->n++, row, meta, pos);
		return 0;
	}
	uint64_t j = (uint64_t)(u * ((double)i + 1));
	if (j > i) /* u * (i + 1) rounded up to i + 1 */
		j = i;
	if (j < r->cap)
		put(r, (size_t)j, row, meta, pos);
	return 0;
}

typedef struct slot_pos {
	uint64_t pos;
	size_t slot;
} slot_pos;

static int by_pos(const void *a, const void *b)
{
	uint64_t x = ((const slot_pos *)a)->pos, y = ((const slot_pos *)b)->pos;
	return (x > y) - (x < y);
}

int nids_reservoir_sort(nids_reservoir *r, nids_err *err)
{
	if (r->n < 2)
		return 0;
	slot_pos *o = malloc(r->n * sizeof *o);
	float *x = malloc(r->n * r->C * sizeof(float) + 1);
	unsigned char *m = malloc(r->n * r->M + 1);
	if (!o || !x || !m) {
		free(o), free(x), free(m);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory sorting the sample");
	}
	for (size_t i = 0; i < r->n; i++)
		o[i].pos = r->pos[i], o[i].slot = i;
	qsort(o, r->n, sizeof *o, by_pos);
	for (size_t i = 0; i < r->n; i++) {
		memcpy(x + i * r->C, r->x + o[i].slot * r->C, r->C * sizeof(float));
		memcpy(m + i * r->M, r->meta + o[i].slot * r->M, r->M);
		r->pos[i] = o[i].pos;
	}
	free(r->x), free(r->meta), free(o);
	r->x = x, r->meta = m, r->alloc = r->n;
	return 0;
}

void nids_reservoir_free(nids_reservoir *r)
{
	free(r->x), free(r->meta), free(r->pos);
	memset(r, 0, sizeof *r);
}

/* ---- record-number lists ---- */

static int by_start(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Parses "N" or "A-B" (surrounding blanks allowed) into [lo, hi]. Returns 0 or -1. */
static int parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	char *end;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*lo = *hi = strtoull(s, &end, 10);
	if (errno)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end == '-') {
		s = end + 1;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s < '0' || *s > '9')
			return -1;
		*hi = strtoull(s, &end, 10);
		if (errno || *hi < *lo)
			return -1;
	}
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	return *end && *end != '#' ? -1 : 0;
}

int nids_split_records_read(const char *path, uint64_t **rec, size_t *n, nids_err *err)
{
	*rec = NULL, *n = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return nids_err_set(err, NIDS_EIO, path, "%s", strerror(errno));
	char line[256], where[300];
	size_t cap = 0, k = 0, lineno = 0;
	uint64_t *v = NULL;
	int rc = 0;
	while (!rc && fgets(line, sizeof line, f)) {
		lineno++;
		snprintf(where, sizeof where, "%.250s:%zu", path, lineno);
		size_t len = strlen(line);
		if (len == sizeof line - 1 && line[len - 1] != '\n') {
			rc = nids_err_set(err, NIDS_EFORMAT, where, "line too long");
			break;
		}
		const char *s = line + strspn(line, " \t\r\n");
		if (!*s || *s == '#')
			continue;
		uint64_t lo, hi;
		if (parse_range(s, &lo, &hi)) {
			line[strcspn(line, "\r\n")] = 0;
			rc = nids_err_set(err, NIDS_EFORMAT, where, "'%.60s' is not a record number "
			                  "or a range A-B", line);
			break;
		}
		if (k == cap) {
			cap = cap ? 2 * cap : 64;
			uint64_t *nv = realloc(v, cap * 2 * sizeof *v);
			if (!nv) {
				rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
				break;
			}
			v = nv;
		}
		v[2 * k] = lo, v[2 * k + 1] = hi;
		k++;
	}
	if (!rc && ferror(f))
		rc = nids_err_set(err, NIDS_EIO, path, "read error");
	fclose(f);
	if (rc) {
		free(v);
		return rc;
	}
	if (k) /* (qsort of no elements may still not be given NULL) */
		qsort(v, k, 2 * sizeof *v, by_start);
	size_t m = 0; /* merge overlapping and adjacent ranges */
	for (size_t i = 0; i < k; i++) {
		if (m && (v[2 * m - 1] == UINT64_MAX || v[2 * i] <= v[2 * m - 1] + 1)) {
			if (v[2 * i + 1] > v[2 * m - 1])
				v[2 * m - 1] = v[2 * i + 1];
			continue;
		}
		v[2 * m] = v[2 * i], v[2 * m + 1] = v[2 * i + 1];
		m++;
	}
	if (!v && !(v = malloc(2 * sizeof *v))) /* an empty list keeps no row: not NULL, off */
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	*rec = v, *n = m;
	return 0;
}

int nids_split_records_has(const uint64_t *rec, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v < rec[2 * mid])
			hi = mid;
		else if (v > rec[2 * mid + 1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}
