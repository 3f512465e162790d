/* importance.c: importance files and the correlation filter (importance_impl.h). */
#include "importance_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/format.h"
#include "nids/io.h"

void nids_importance_normalize(double *imp, int d)
{
	double s = 0;
	for (int j = 0; j < d; j++)
		s += imp[j];
	if (s > 0)
		for (int j = 0; j < d; j++)
			imp[j] /= s;
}

static const double *sort_imp; /* qsort has no context argument */

static int by_importance(const void *a, const void *b)
{
	int i = *(const int *)a, j = *(const int *)b;
	if (sort_imp[i] != sort_imp[j])
		return sort_imp[i] > sort_imp[j] ? -1 : 1;
	return (i > j) - (i < j);
}

int *nids_importance_order(const double *imp, int d)
{
	int *order = malloc(sizeof(int) * (size_t)(d + 1));
	if (!order)
		return NULL;
	for (int j = 0; j < d; j++)
		order[j] = j;
	sort_imp = imp;
	qsort(order, (size_t)d, sizeof *order, by_importance);
	return order;
}

int nids_importance_write(const char *path, char *const *names, const double *imp, int d,
                          nids_output **pending, nids_err *err)
{
	int *order = nids_importance_order(imp, d);
	if (!order)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	nids_output *out;
	int rc = nids_output_open(&out, path, 0, err);
	if (!rc) {
		FILE *f = nids_output_file(out);
		char b[32];
		fputs("feature\timportance\n", f);
		for (int k = 0; k < d; k++)
			fprintf(f, "%s\t%s\n", names[order[k]], nids_format_double(b, imp[order[k]]));
		if (pending)
			*pending = out;
		else
			rc = nids_output_commit(out, err);
	}
	free(order);
	return rc;
}

static void free_names(char **v, int n)
{
	for (int i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int listed(char *const *v, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return 1;
	return 0;
}

/* One line of a name file into name (and *val): 1 to keep it, 0 to skip it, or an error. */
static int parse_name_line(char *line, int lineno, const char *where, int ranked, double *val,
                           nids_err *err)
{
	if (!ranked) {
		line[strcspn(line, "\t")] = 0;
		return line[0] && line[0] != '#';
	}
	if (lineno == 1) {
		if (strcmp(line, "feature\timportance"))
			return nids_err_set(err, NIDS_EFORMAT, where, "not an importance file (the first "
			                    "line is not 'feature<TAB>importance')");
		return 0;
	}
	char *tab = strchr(line, '\t'), *end;
	*val = tab ? strtod(tab + 1, &end) : 0;
	if (!tab || tab == line || end == tab + 1 || *end || !isfinite(*val))
		return nids_err_set(err, NIDS_EFORMAT, where, "'%.60s' is not a feature name, a tab "
		                    "and an importance", line);
	*tab = 0;
	return 1;
}

int nids_name_file_read(const char *path, char ***names, double **vals, int *n, nids_err *err)
{
	int ranked = vals != NULL;
	*names = NULL, *n = 0;
	if (ranked)
		*vals = NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return nids_err_set(err, NIDS_EIO, path, "%s", strerror(errno));
	char line[4096], where[300];
	int k = 0, cap = 0, rc = 0, lineno = 0;
	char **v = NULL;
	double *x = NULL, val = 0;
	while (!rc && fgets(line, sizeof line, f)) {
		snprintf(where, sizeof where, "%.250s:%d", path, ++lineno);
		line[strcspn(line, "\r\n")] = 0;
		if ((rc = parse_name_line(line, lineno, where, ranked, &val, err)) <= 0)
			continue;
		rc = 0;
		if (!ranked && listed(v, k, line)) {
			rc = nids_err_set(err, NIDS_EFORMAT, where, "feature '%.80s' listed twice", line);
			break;
		}
		if (k == cap) {
			cap = cap ? 2 * cap : 64;
			char **nv = realloc(v, sizeof(char *) * (size_t)cap);
			double *nx = nv && ranked ? realloc(x, sizeof(double) * (size_t)cap) : NULL;
			v = nv ? nv : v;
			x = nx ? nx : x;
			if (!nv || (ranked && !nx)) {
				rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
				break;
			}
		}
		if (!(v[k] = strdup(line))) {
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
			break;
		}
		if (ranked)
			x[k] = val;
		k++;
	}
	if (!rc && ferror(f))
		rc = nids_err_set(err, NIDS_EIO, path, "read error");
	if (!rc && ranked && lineno == 0)
		rc = nids_err_set(err, NIDS_EFORMAT, path, "empty file");
	if (!rc && !ranked && k == 0)
		rc = nids_err_set(err, NIDS_EFORMAT, path, "no feature names in the list");
	fclose(f);
	if (rc) {
		free_names(v, k);
		free(x);
		return rc;
	}
	*names = v, *n = k;
	if (ranked)
		*vals = x;
	return 0;
}

double nids_corr(const float *x, size_t n, int d, int a, int b)
{
	if (n < 2)
		return NAN;
	double ma = 0, mb = 0;
	for (size_t i = 0; i < n; i++)
		ma += x[i * d + a], mb += x[i * d + b];
	ma /= (double)n, mb /= (double)n;
	double sab = 0, saa = 0, sbb = 0;
	for (size_t i = 0; i < n; i++) {
		double u = x[i * d + a] - ma, v = x[i * d + b] - mb;
		sab += u * v, saa += u * u, sbb += v * v;
	}
	if (saa == 0 || sbb == 0)
		return NAN;
	double r = sab / sqrt(saa * sbb);
	return r > 1 ? 1 : r < -1 ? -1 : r;
}

int nids_corr_filter(const float *x, size_t n, int d, const int *order, int k, double thr,
                     int *keep, nids_err *err)
{
	(void)err;
	for (int j = 0; j < k; j++) {
		keep[j] = 1;
		for (int i = 0; i < j && keep[j]; i++) {
			double r = nids_corr(x, n, d, order[i], order[j]);
			if (!isnan(r) && fabs(r) > thr)
				keep[j] = 0;
		}
	}
	return 0;
}
