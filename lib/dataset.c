/* dataset.c: a stream's feature, label and class columns read into memory, with
 * reservoir sampling for inputs larger than --max-rows. */
#include "nids/dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng_impl.h"

struct growing {
	size_t cap;  /* rows allocated */
	int keep_y, keep_c;
};

static int reserve(nids_dataset *ds, struct growing *g, size_t rows, nids_err *err)
{
	if (rows <= g->cap)
		return 0;
	size_t cap = g->cap ? g->cap : 4096;
	while (cap < rows)
		cap *= 2;
	float *x = realloc(ds->x, cap * (size_t)ds->d * sizeof *x);
	if (x)
		ds->x = x;
	int *y = g->keep_y ? realloc(ds->label, cap * sizeof *y) : NULL;
	if (y)
		ds->label = y;
	int *c = g->keep_c ? realloc(ds->cls, cap * sizeof *c) : NULL;
	if (c)
		ds->cls = c;
	if (!x || (g->keep_y && !y) || (g->keep_c && !c))
		return nids_err_set(err, NIDS_ENOMEM, NULL,
		                    "out of memory for %zu rows x %d features (try --max-rows)", rows,
		                    ds->d);
	g->cap = cap;
	return 0;
}

/* Copies one stream row into dataset row slot, checking its values. */
static int take_row(nids_dataset *ds, size_t slot, const float *row, const int *fcol, int ycol,
                    int ccol, const char *name, uint64_t rowno, nids_err *err)
{
	float *dst = ds->x + slot * (size_t)ds->d;
	for (int j = 0; j < ds->d; j++) {
		float v = row[fcol[j]];
		if (!isfinite(v)) {
			char where[300];
			snprintf(where, sizeof where, "%s: row %llu", name, (unsigned long long)rowno);
			return nids_err_set(err, NIDS_EFORMAT, where, "feature '%s' is %s (normalize or "
			                    "drop it first)", ds->features[j], isnan(v) ? "nan" : "inf");
		}
		dst[j] = v;
	}
	if (ycol >= 0) {
		float y = row[ycol];
		if (y != 0 && y != 1) {
			char where[300];
			snprintf(where, sizeof where, "%s: row %llu", name, (unsigned long long)rowno);
			return nids_err_set(err, NIDS_EFORMAT, where, "label %g is not 0 or 1", y);
		}
		ds->label[slot] = (int)y;
	}
	if (ccol >= 0) {
		float c = row[ccol];
		if (!(c >= 0 && c < NIDS_MAX_CLASSES) || c != (float)(int)c) {
			char where[300];
			snprintf(where, sizeof where, "%s: row %llu", name, (unsigned long long)rowno);
			return nids_err_set(err, NIDS_EFORMAT, where, "class id %g is not a class", c);
		}
		ds->cls[slot] = (int)c;
	}
	return 0;
}

/* Where the rows came from: per input file its first row and name; per row its
 * 'record' and 'file' metadata when the stream has them. */
struct nids_dataset_places {
	int rec_off, file_off; /* byte offsets in a row's metadata, or -1 */
	size_t cap;            /* rows allocated in rec and file */
	uint64_t *rec;         /* [n] */
	uint32_t *file;        /* [n] string ids */
	int nfiles;
	size_t *first;         /* [nfiles] the file's first row */
	char **names;          /* [nfiles] */
};

static void places_free(struct nids_dataset_places *p)
{
	for (int f = 0; p && f < p->nfiles; f++)
		free(p->names[f]);
	if (p)
		free(p->rec), free(p->file), free(p->first), free(p->names), free(p);
}

static int places_new(struct nids_dataset_places **pp, const nids_header *h, nids_err *err)
{
	struct nids_dataset_places *p = *pp = calloc(1, sizeof *p);
	if (!p)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int m = nids_header_find_meta(h, "record"), f = nids_header_find_meta(h, "file");
	p->rec_off = m >= 0 && h->meta[m].type == NIDS_TYPE_U64 ? h->meta[m].off : -1;
	p->file_off = f >= 0 && h->meta[f].type == NIDS_TYPE_STR ? h->meta[f].off : -1;
	return 0;
}

/* Notes rows [n0, n0 + got) of the file name, the first of its rows when file_row0 is
 * 0, with their metadata meta [got x width]. */
static int places_add(struct nids_dataset_places *p, const char *name, uint64_t file_row0,
                      size_t n0, long got, const unsigned char *meta, int width, nids_err *err)
{
	if (!p->nfiles || file_row0 == 0) {
		size_t *first = realloc(p->first, (size_t)(p->nfiles + 1) * sizeof *first);
		p->first = first ? first : p->first;
		char **names = first ? realloc(p->names, (size_t)(p->nfiles + 1) * sizeof *names) : NULL;
		p->names = names ? names : p->names;
		if (!names || !(names[p->nfiles] = strdup(name)))
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		first[p->nfiles++] = n0;
	}
	if (p->rec_off < 0 || !meta)
		return 0;
	if (n0 + (size_t)got > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		while (cap < n0 + (size_t)got)
			cap *= 2;
		uint64_t *rec = realloc(p->rec, cap * sizeof *rec);
		p->rec = rec ? rec : p->rec;
		uint32_t *file = rec ? realloc(p->file, cap * sizeof *file) : NULL;
		p->file = file ? file : p->file;
		if (!file)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		p->cap = cap;
	}
	for (long i = 0; i < got; i++) {
		const unsigned char *m = meta + (size_t)i * (size_t)width;
		p->rec[n0 + (size_t)i] = nids_meta_get_u64(m + p->rec_off);
		p->file[n0 + (size_t)i] = p->file_off >= 0 ? nids_meta_get_u32(m + p->file_off)
		                                           : NIDS_STR_NONE;
	}
	return 0;
}

/* nids_dataset_read; with placed, nids_dataset_read_placed (max_rows 0). */
static int read_rows(nids_dataset **out, nids_reader *r, const char *name, size_t max_rows,
                     uint64_t seed, int placed, nids_err *err)
{
	*out = NULL;
	nids_dataset *ds = calloc(1, sizeof *ds);
	int *fcol = NULL;
	if (!ds || !(ds->h = nids_header_copy(nids_reader_header(r)))) {
		free(ds);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	ds->owner = 1;
	const nids_header *h = ds->h;
	int rc = placed ? places_new(&ds->places, h, err) : 0;
	if (rc)
		goto fail;
	ds->d = nids_header_count_role(h, NIDS_ROLE_FEATURE);
	if (ds->d == 0) {
		rc = nids_err_set(err, NIDS_EFORMAT, name, "the stream has no feature columns");
		goto fail;
	}
	if (!(fcol = malloc((size_t)ds->d * sizeof *fcol)) ||
	    !(ds->features = malloc((size_t)ds->d * sizeof *ds->features))) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		goto fail;
	}
	for (int i = 0, j = 0; i < h->ncols; i++)
		if (h->cols[i].role == NIDS_ROLE_FEATURE) {
			ds->features[j] = h->cols[i].name;
			fcol[j++] = i;
		}
	int ycol = nids_header_find_role(h, NIDS_ROLE_LABEL);
	int ccol = nids_header_find_role(h, NIDS_ROLE_CLASS);
	struct growing g = { 0, ycol >= 0, ccol >= 0 };
	nids_rng rng;
	nids_rng_seed2(&rng, seed, 0x5a3b1e);
	float *rows;
	long got;
	while ((got = nids_reader_next(r, &rows, err)) > 0) {
		int ncols = h->ncols;
		uint64_t first = nids_reader_file_rows(r) - (uint64_t)got; /* row numbers per file */
		if (ds->places && (rc = places_add(ds->places, nids_reader_name(r), first,
		                                   (size_t)ds->seen, got, nids_reader_meta(r),
		                                   h->meta_width, err)))
			goto fail;
		for (long i = 0; i < got; i++) {
			uint64_t k = ds->seen++;
			size_t slot = (size_t)k;
			if (max_rows && k >= max_rows) {
				uint64_t j = nids_rng_below(&rng, k + 1);
				if (j >= max_rows)
					continue;
				slot = (size_t)j;
			} else {
				if ((rc = reserve(ds, &g, (size_t)k + 1, err)) < 0)
					goto fail;
				ds->n = (size_t)k + 1;
			}
			if ((rc = take_row(ds, slot, rows + (size_t)i * ncols, fcol, ycol, ccol, name,
			                   first + (uint64_t)i + 1, err)) < 0)
				goto fail;
		}
	}
	if (got < 0) {
		rc = (int)got;
		goto fail;
	}
	/* the class table may have grown while reading */
	ds->nclasses = nids_reader_header(r)->nclasses;
	nids_header *full = nids_header_copy(nids_reader_header(r));
	if (!full) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		goto fail;
	}
	nids_header_free(ds->h);
	ds->h = full;
	for (int i = 0, j = 0; i < full->ncols; i++)
		if (full->cols[i].role == NIDS_ROLE_FEATURE)
			ds->features[j++] = full->cols[i].name;
	ds->classes = full->classes;
	for (size_t i = 0; ds->cls && i < ds->n; i++)
		if (ds->cls[i] >= ds->nclasses) {
			rc = nids_err_set(err, NIDS_EFORMAT, name, "class id %d is not in the class "
			                  "table (%d classes)", ds->cls[i], ds->nclasses);
			goto fail;
		}
	free(fcol);
	*out = ds;
	return 0;
fail:
	free(fcol);
	nids_dataset_free(ds);
	return rc;
}

void nids_dataset_where(const nids_dataset *ds, size_t i, char *where, size_t size)
{
	const struct nids_dataset_places *p = ds->places;
	if (!p || !p->nfiles || i >= ds->n) {
		snprintf(where, size, "row %zu", i + 1);
		return;
	}
	int f = p->nfiles - 1;
	while (f > 0 && p->first[f] > i)
		f--;
	uint32_t file = p->rec ? p->file[i] : NIDS_STR_NONE;
	nids_row_where(where, size, p->names[f], i - p->first[f] + 1,
	               file < (uint32_t)ds->h->nstrings ? ds->h->strings[file] : NULL,
	               p->rec ? p->rec[i] : NIDS_U64_NONE);
}

int nids_dataset_read_placed(nids_dataset **out, nids_reader *r, nids_err *err)
{
	return read_rows(out, r, nids_reader_name(r), 0, 0, 1, err);
}

int nids_dataset_read(nids_dataset **out, nids_reader *r, const char *name, size_t max_rows,
                      uint64_t seed, nids_err *err)
{
	return read_rows(out, r, name, max_rows, seed, 0, err);
}

int nids_dataset_split(nids_dataset *all, double frac, uint64_t seed, nids_dataset *train,
                       nids_dataset *val, nids_err *err)
{
	size_t nval = (size_t)llround((double)all->n * frac);
	if (frac > 0 && (nval == 0 || nval >= all->n))
		return nids_err_set(err, NIDS_EUSAGE, NULL,
		                    "--val %g of %zu rows leaves an empty training or validation set",
		                    frac, all->n);
	if (nval) {
		/* in-place Fisher-Yates over whole rows, so no second copy of the matrix */
		nids_rng rng;
		nids_rng_seed2(&rng, seed, 0x7a1);
		size_t d = (size_t)all->d;
		float *tmp = malloc(d * sizeof *tmp);
		if (!tmp)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		for (size_t i = all->n; i > 1; i--) {
			size_t j = (size_t)nids_rng_below(&rng, i), a = i - 1;
			if (j == a)
				continue;
			memcpy(tmp, all->x + a * d, d * sizeof *tmp);
			memcpy(all->x + a * d, all->x + j * d, d * sizeof *tmp);
			memcpy(all->x + j * d, tmp, d * sizeof *tmp);
			if (all->label) {
				int t = all->label[a];
				all->label[a] = all->label[j], all->label[j] = t;
			}
			if (all->cls) {
				int t = all->cls[a];
				all->cls[a] = all->cls[j], all->cls[j] = t;
			}
		}
		free(tmp);
		places_free(all->places); /* they named the rows in their old order */
		all->places = NULL;
	}
	*train = *all;
	train->owner = 0;
	train->places = NULL;
	train->n = all->n - nval;
	*val = *train;
	val->n = nval;
	val->x = all->x + train->n * (size_t)all->d;
	val->label = all->label ? all->label + train->n : NULL;
	val->cls = all->cls ? all->cls + train->n : NULL;
	return 0;
}

void nids_dataset_free(nids_dataset *ds)
{
	if (!ds || !ds->owner)
		return;
	free(ds->x);
	free(ds->label);
	free(ds->cls);
	free(ds->features);
	places_free(ds->places);
	nids_header_free(ds->h);
	free(ds);
}
