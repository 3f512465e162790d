/* cat.c: stream <-> TSV/CSV for nids-cat. */
#include "nids/cat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/csvin.h"

int nids_cat_implied_role(const char *name)
{
	static const int roles[] = { NIDS_ROLE_LABEL, NIDS_ROLE_CLASS, NIDS_ROLE_SCORE,
		                     NIDS_ROLE_ALARM, NIDS_ROLE_SCORE_LOW };
	for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
		if (!strcmp(name, nids_role_name(roles[i])))
			return roles[i];
	return NIDS_ROLE_FEATURE;
}

int nids_format_float(char *buf, float v)
{
	if (isnan(v))
		return (int)(strcpy(buf, "nan"), 3);
	if (isinf(v))
		return v < 0 ? (int)(strcpy(buf, "-inf"), 4) : (int)(strcpy(buf, "inf"), 3);
	/* integers up to 2^24 are exact and by far the most common values */
	if (v == 0 && signbit(v))
		return (int)(strcpy(buf, "-0"), 2);
	if (v == (float)(long)v && fabsf(v) <= 16777216.0f)
		return snprintf(buf, 32, "%ld", (long)v);
	int n = 0;
	for (int prec = 6; prec <= 9; prec++) {
		n = snprintf(buf, 32, "%.*g", prec, (double)v);
		if (strtof(buf, NULL) == v)
			break;
	}
	return n;
}

/* Writes one field, quoting it for CSV when it holds a delimiter, quote or newline. */
static void put_field(FILE *f, const char *s, char delim)
{
	if (delim == ',' && strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

int nids_cat_to_text(nids_reader *r, FILE *f, const nids_cat_opts *o, nids_err *err)
{
	const nids_header *h = nids_reader_header(r);
	int *sel = malloc(sizeof(int) * (size_t)(h->ncols + 1));
	int nsel = 0, rc = 0;
	if (!sel)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (o->cols) {
		char *list = strdup(o->cols), *save = NULL;
		for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
			int c = nids_header_find(h, t);
			if (c < 0) {
				rc = nids_err_set(err, NIDS_EUSAGE, NULL, "no column '%s' in the stream", t);
				break;
			}
			if (nsel == h->ncols) {
				rc = nids_err_set(err, NIDS_EUSAGE, NULL, "too many columns selected");
				break;
			}
			sel[nsel++] = c;
		}
		free(list);
	} else {
		for (int c = 0; c < h->ncols; c++)
			sel[nsel++] = c;
	}
	if (!rc && o->header) {
		for (int i = 0; i < nsel; i++) {
			const nids_column *col = &h->cols[sel[i]];
			if (i)
				fputc(o->delim, f);
			put_field(f, col->name, o->delim);
			if (nids_cat_implied_role(col->name) != col->role)
				fprintf(f, ":%s", nids_role_name(col->role));
		}
		fputc('\n', f);
	}
	long long left = o->head < 0 ? -1 : o->head;
	char num[32];
	while (!rc && left != 0) {
		float *rows;
		long n = nids_reader_next(r, &rows, err);
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		h = nids_reader_header(r); /* its class table may have grown */
		for (long i = 0; i < n && left != 0; i++, left -= left > 0) {
			const float *row = rows + (size_t)i * (size_t)h->ncols;
			for (int k = 0; k < nsel; k++) {
				if (k)
					fputc(o->delim, f);
				float v = row[sel[k]];
				if (h->cols[sel[k]].role == NIDS_ROLE_CLASS)
					put_field(f, h->classes[(int)v], o->delim);
				else
					fwrite(num, 1, (size_t)nids_format_float(num, v), f);
			}
			fputc('\n', f);
		}
		if (ferror(f))
			rc = nids_err_set(err, NIDS_EIO, NULL, "write error");
	}
	free(sel);
	return rc;
}

/* Splits "name:role" when the suffix is a role name; else the implied role. */
static int parse_column(char *field, int *role)
{
	char *colon = strrchr(field, ':');
	if (colon && nids_role_parse(colon + 1) >= 0) {
		*role = nids_role_parse(colon + 1);
		*colon = 0;
		return 0;
	}
	*role = nids_cat_implied_role(field);
	return 0;
}

int nids_cat_from_text(nids_input *in, char delim, FILE *f, const char *out_name, int level,
                       nids_err *err)
{
	nids_csv *c;
	int rc = nids_csv_open(&c, in, delim, err);
	if (rc)
		return rc;
	nids_csv_record rec;
	nids_header *h = nids_header_new();
	nids_writer *w = NULL;
	float *row = NULL;
	if (!h) {
		nids_csv_free(c);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	rc = nids_csv_next(c, &rec, err);
	if (rc == 0)
		rc = nids_err_set(err, NIDS_EFORMAT, nids_input_name(in),
		                  "empty input: expected a header line of column names");
	else if (rc > 0)
		rc = 0;
	for (int i = 0; !rc && i < rec.nfields; i++) {
		int role;
		parse_column(rec.fields[i], &role);
		nids_err e2 = { 0 };
		if (nids_header_add_column(h, rec.fields[i], role, &e2) < 0)
			rc = nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c), "header: %s", e2.msg);
	}
	int ncols = h->ncols;
	if (!rc && !(row = malloc(sizeof(float) * (size_t)ncols)))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = nids_writer_open(&w, f, out_name, h, level, err);
	while (!rc && (rc = nids_csv_next(c, &rec, err)) > 0) {
		rc = 0;
		if (rec.nfields != ncols) {
			rc = nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
			                  "%d fields, the header has %d", rec.nfields, ncols);
			break;
		}
		for (int i = 0; !rc && i < ncols; i++) {
			if (h->cols[i].role == NIDS_ROLE_CLASS) {
				int id = rec.lens[i] ? nids_writer_add_class(w, rec.fields[i], err) : -1;
				if (id == -1)
					rc = nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
					                  "field %d (%s): empty class name", i + 1,
					                  h->cols[i].name);
				else if (id < 0)
					rc = id;
				row[i] = (float)id;
				continue;
			}
			double v;
			if (nids_parse_float(rec.fields[i], rec.lens[i], &v))
				rc = nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
				                  "field %d (%s): '%.40s' is not a number", i + 1,
				                  h->cols[i].name, rec.fields[i]);
			row[i] = (float)v;
		}
		if (!rc)
			rc = nids_writer_write(w, row, 1, err);
	}
	if (!rc)
		rc = nids_writer_close(w, err);
	else
		nids_writer_free(w);
	free(row);
	nids_header_free(h);
	nids_csv_free(c);
	return rc;
}

int nids_cat_describe(const nids_header *h, FILE *f, nids_err *err)
{
	fprintf(f, "columns\t%d\n", h->ncols);
	for (int i = 0; i < h->ncols; i++)
		fprintf(f, "%d\t%s\t%s\n", i + 1, h->cols[i].name, nids_role_name(h->cols[i].role));
	fprintf(f, "classes\t%d\n", h->nclasses);
	for (int i = 0; i < h->nclasses; i++)
		fprintf(f, "%d\t%s\n", i, h->classes[i]);
	if (ferror(f))
		return nids_err_set(err, NIDS_EIO, NULL, "write error");
	return 0;
}
