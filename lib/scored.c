/* scored.c: score/label/class columns of a scored stream, and loading it for metrics. */
#include "scored_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int is_score_role(int role)
{
	return role == NIDS_ROLE_SCORE || role == NIDS_ROLE_SCORE_LOW;
}

static int pick_score(const nids_header *h, const char *score_name, const char *where,
                      nids_err *err)
{
	if (score_name) {
		int i = nids_header_find(h, score_name);
		if (i < 0)
			return nids_err_set(err, NIDS_EFORMAT, where, "no column '%s'", score_name);
		int role = h->cols[i].role;
		if (role == NIDS_ROLE_LABEL || role == NIDS_ROLE_CLASS)
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "column '%s' is a %s, not a score", score_name,
			                    nids_role_name(role));
		return i;
	}
	int found = -1, n = 0;
	char names[400] = "";
	for (int i = 0; i < h->ncols; i++) {
		if (!is_score_role(h->cols[i].role))
			continue;
		if (found < 0)
			found = i;
		size_t len = strlen(names);
		if (len < sizeof names - 64)
			snprintf(names + len, sizeof names - len, "%s'%.48s'", n ? ", " : "",
			         h->cols[i].name);
		n++;
	}
	if (n == 0)
		return nids_err_set(
		        err, NIDS_EFORMAT, where,
		        "no score column (role score or score-low); name one with --score");
	if (n > 1)
		return nids_err_set(err, NIDS_EFORMAT, where,
		                    "several score columns (%s); choose one with --score", names);
	return found;
}

int nids_scored_find(const nids_header *h, const char *score_name, int direction,
                     nids_scored_cols *c, const char *where, nids_err *err)
{
	int s = pick_score(h, score_name, where, err);
	if (s < 0)
		return s;
	c->score = s;
	c->label = nids_header_find_role(h, NIDS_ROLE_LABEL);
	c->cls = nids_header_find_role(h, NIDS_ROLE_CLASS);
	if (direction == NIDS_DIR_HIGH || direction == NIDS_DIR_LOW)
		c->direction = direction;
	else
		c->direction =
		        h->cols[s].role == NIDS_ROLE_SCORE_LOW ? NIDS_DIR_LOW : NIDS_DIR_HIGH;
	return 0;
}

int nids_scored_row(const nids_header *h, const nids_scored_cols *c, const float *row,
                    int *label, int *cls, const char *where, nids_err *err)
{
	if (isnan(row[c->score]))
		return nids_err_set(err, NIDS_EFORMAT, where, "score '%s' is nan",
		                    h->cols[c->score].name);
	*label = NIDS_EVAL_UNLABELED;
	*cls = NIDS_EVAL_NO_CLASS;
	if (c->label >= 0) {
		float v = row[c->label];
		if (v != 0.0f && v != 1.0f)
			return nids_err_set(err, NIDS_EFORMAT, where, "label %g is not 0 or 1", v);
		*label = v == 1.0f;
	}
	if (c->cls >= 0) {
		float v = row[c->cls];
		if (!(v >= 0 && v < (float)h->nclasses) || v != floorf(v))
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "class id %g is not in the class table (%d classes)", v,
			                    h->nclasses);
		*cls = (int)v;
	}
	return 0;
}

int nids_scored_load(nids_reader *r, const nids_scored_cols *c, nids_eval *e, const char *name,
                     nids_err *err)
{
	float *rows;
	long n;
	while ((n = nids_reader_next(r, &rows, err)) > 0) {
		const nids_header *h = nids_reader_header(r);
		uint64_t first = nids_reader_file_rows(r) - (uint64_t)n;
		int ncols = h->ncols;
		for (long i = 0; i < n; i++) {
			const float *row = rows + (size_t)i * (size_t)ncols;
			int label, cls, rc;
			char where[256];
			/* the common case takes no snprintf: the row is checked first */
			rc = nids_scored_row(h, c, row, &label, &cls, NULL, NULL);
			if (rc == 0)
				rc = nids_eval_add(e, row[c->score], label, cls, err);
			if (rc < 0) {
				snprintf(where, sizeof where, "%.200s: row %llu", name,
				         (unsigned long long)(first + (uint64_t)i + 1));
				if (rc == NIDS_EFORMAT)
					nids_scored_row(h, c, row, &label, &cls, where, err);
				else if (err)
					snprintf(err->where, sizeof err->where, "%s", where);
				return rc;
			}
		}
	}
	if (n < 0)
		return (int)n;
	return nids_eval_sort(e, err);
}
