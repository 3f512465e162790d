/* threshold.c: threshold fitting rules and the versioned, checksummed threshold file. */
#include "nids/threshold.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define MAX_FILE 65536

char *nids_format_double(char *buf, double v)
{
	if (isnan(v))
		return strcpy(buf, "nan");
	if (isinf(v))
		return strcpy(buf, v > 0 ? "inf" : "-inf");
	/* at least the integer digits, so that 50 prints as 50 and not 5e+01 */
	int prec = 1;
	if (fabs(v) >= 1 && fabs(v) < 1e17)
		prec = (int)floor(log10(fabs(v))) + 1;
	for (; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

double nids_percentile(const double *x, size_t n, double p)
{
	/* numpy 1.24 _quantile with method 'linear': q = p / 100, virtual index
	 * (n - 1) q, and _lerp, which interpolates from the upper end when the weight
	 * is at least one half */
	double q = p / 100.0;
	double h = (double)(n - 1) * q;
	if (h >= (double)(n - 1))
		return x[n - 1];
	if (h < 0)
		return x[0];
	double lo = floor(h);
	double g = h - lo;
	double a = x[(size_t)lo], b = x[(size_t)lo + 1];
	double d = b - a;
	return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

/* The reference scores (benign rows, or all rows when unlabeled or all is set) in
 * ascending order, as doubles; *n receives their count. NULL when out of memory. */
static double *reference_scores(const nids_eval *e, int all, size_t *n)
{
	size_t rows = nids_eval_rows(e);
	int benign_only = !all && nids_eval_labeled(e);
	size_t m = benign_only ? nids_eval_benign(e) : rows;
	double *x = malloc((m ? m : 1) * sizeof *x);
	if (!x)
		return NULL;
	int high = nids_eval_direction(e) == NIDS_DIR_HIGH;
	size_t k = 0;
	for (size_t j = 0; j < rows; j++) {
		/* rows run from most to least anomalous: descending scores when high */
		size_t i = high ? rows - 1 - j : j;
		if (!benign_only || nids_eval_label_at(e, i) == 0)
			x[k++] = nids_eval_score_at(e, i);
	}
	*n = k;
	return x;
}

static int fit_moments(const double *x, size_t n, double k, int dir, double *out)
{
	long double sum = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	double mean = (double)(sum / n);
	for (size_t i = 0; i < n; i++)
		ss += ((long double)x[i] - mean) * ((long double)x[i] - mean);
	double sd = sqrt((double)(ss / n));
	*out = dir == NIDS_DIR_LOW ? mean - k * sd : mean + k * sd;
	return 0;
}

int nids_threshold_fit(const nids_eval *e, int rule, double param, nids_threshold *t,
                       nids_err *err)
{
	char num[32];
	t->direction = nids_eval_direction(e);
	t->rows = nids_eval_rows(e);
	nids_format_double(num, param);
	if (rule == NIDS_FIT_VALUE) {
		t->value = param;
		snprintf(t->method, sizeof t->method, "value %s", num);
		return 0;
	}
	if (rule == NIDS_FIT_BEST_F1) {
		if (!nids_eval_labeled(e) || !nids_eval_attacks(e))
			return nids_err_set(err, NIDS_EFORMAT, NULL, "--best-f1 needs %s",
			                    nids_eval_labeled(e) ? "attack rows" : "a label column");
		double f1;
		nids_eval_best_f1(e, &f1, &t->value);
		snprintf(t->method, sizeof t->method, "best-f1 %s", nids_format_double(num, f1));
		return 0;
	}
	int all = rule == NIDS_FIT_RATE;
	size_t n;
	double *x = reference_scores(e, all, &n);
	if (!x)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (n == 0) {
		free(x);
		return nids_err_set(err, NIDS_EFORMAT, NULL, "no %s rows to fit a threshold on",
		                    all || !nids_eval_labeled(e) ? "scored" : "benign");
	}
	if (rule == NIDS_FIT_PERCENTILE) {
		t->value = nids_percentile(x, n, param);
		snprintf(t->method, sizeof t->method, "percentile %s", num);
	} else if (rule == NIDS_FIT_RATE) {
		double p = t->direction == NIDS_DIR_LOW ? 100.0 * param : 100.0 - 100.0 * param;
		t->value = nids_percentile(x, n, p);
		snprintf(t->method, sizeof t->method, "rate %s", num);
	} else {
		fit_moments(x, n, param, t->direction, &t->value);
		snprintf(t->method, sizeof t->method, "sigma %s", num);
	}
	free(x);
	return 0;
}

int nids_threshold_write(FILE *f, const char *name, const nids_threshold *t, nids_err *err)
{
	char buf[2048], num[32];
	int len = snprintf(buf, sizeof buf,
	                   "nids-threshold %d\nthreshold %s\ndirection %s\nscore %s\n"
	                   "method %s\nrows %llu\n",
	                   NIDS_THRESHOLD_VERSION, nids_format_double(num, t->value),
	                   t->direction == NIDS_DIR_LOW ? "low" : "high", t->score, t->method,
	                   (unsigned long long)t->rows);
	if (len < 0 || (size_t)len >= sizeof buf)
		return nids_err_set(err, NIDS_EUSAGE, name, "threshold file fields too long");
	unsigned sum = XXH32(buf, (size_t)len, 0);
	if (fputs(buf, f) == EOF || fprintf(f, "xxh32 %08x\n", sum) < 0)
		return nids_err_set(err, NIDS_EIO, name, "write error: %s", strerror(errno));
	return 0;
}

static int parse_line(char *key, char *val, nids_threshold *t, int *seen, const char *where,
                      nids_err *err)
{
	char *end;
	if (strcmp(key, "threshold") == 0) {
		errno = 0;
		t->value = strtod(val, &end);
		if (errno || *end || end == val || isnan(t->value))
			return nids_err_set(err, NIDS_EFORMAT, where, "threshold '%s' is not a number",
			                    val);
		seen[0] = 1;
	} else if (strcmp(key, "direction") == 0) {
		if (strcmp(val, "high") != 0 && strcmp(val, "low") != 0)
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "direction '%s' is not 'high' or 'low'", val);
		t->direction = strcmp(val, "low") == 0 ? NIDS_DIR_LOW : NIDS_DIR_HIGH;
		seen[1] = 1;
	} else if (strcmp(key, "score") == 0) {
		if (!*val || strlen(val) >= sizeof t->score)
			return nids_err_set(err, NIDS_EFORMAT, where, "bad score column name");
		strcpy(t->score, val);
		seen[2] = 1;
	} else if (strcmp(key, "method") == 0) {
		snprintf(t->method, sizeof t->method, "%s", val);
	} else if (strcmp(key, "rows") == 0) {
		t->rows = strtoull(val, NULL, 10);
	}
	return 0;
}

/* Checks the version line and the checksum line of the file text buf[0..len). */
static int check_envelope(const char *path, char *buf, size_t len, size_t *body,
                          nids_err *err)
{
	char where[256];
	snprintf(where, sizeof where, "%.240s:1", path);
	int major;
	char c;
	if (sscanf(buf, "nids-threshold %d%c", &major, &c) != 2 || c != '\n')
		return nids_err_set(err, NIDS_EFORMAT, where,
		                    "not a threshold file (no 'nids-threshold 1' line)");
	if (major != NIDS_THRESHOLD_VERSION)
		return nids_err_set(err, NIDS_EVERSION, where,
		                    "threshold file version %d is not supported (this reads %d)",
		                    major, NIDS_THRESHOLD_VERSION);
	if (len == 0 || buf[len - 1] != '\n')
		return nids_err_set(err, NIDS_ETRUNCATED, path, "truncated threshold file");
	buf[len - 1] = 0;
	char *last = strrchr(buf, '\n');
	unsigned want;
	if (!last || sscanf(last + 1, "xxh32 %8x%c", &want, &c) != 1 || strlen(last + 1) != 14)
		return nids_err_set(err, NIDS_ETRUNCATED, path,
		                    "truncated threshold file (no checksum line)");
	*body = (size_t)(last + 1 - buf);
	if (XXH32(buf, *body, 0) != want)
		return nids_err_set(err, NIDS_ECHECKSUM, path,
		                    "threshold file checksum mismatch (damaged or edited? "
		                    "write a new one with nids-threshold --value)");
	return 0;
}

int nids_threshold_read(const char *path, nids_threshold *t, nids_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return nids_err_set(err, NIDS_EIO, path, "cannot open: %s", strerror(errno));
	char *buf = malloc(MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return nids_err_set(err, NIDS_ENOMEM, path, "out of memory");
	}
	size_t len = fread(buf, 1, MAX_FILE + 1, f);
	int rerr = ferror(f);
	fclose(f);
	int rc = 0;
	size_t body = 0;
	if (rerr)
		rc = nids_err_set(err, NIDS_EIO, path, "read error");
	else if (len > MAX_FILE || memchr(buf, 0, len))
		rc = nids_err_set(err, NIDS_EFORMAT, path, "not a threshold file");
	else {
		buf[len] = 0;
		rc = check_envelope(path, buf, len, &body, err);
	}
	memset(t, 0, sizeof *t);
	int seen[3] = { 0, 0, 0 };
	char *line = rc ? NULL : strchr(buf, '\n') + 1;
	for (int no = 2; !rc && line < buf + body; no++) {
		char *nl = strchr(line, '\n'), where[256];
		*nl = 0;
		snprintf(where, sizeof where, "%.240s:%d", path, no);
		char *sp = strchr(line, ' ');
		if (!sp)
			rc = nids_err_set(err, NIDS_EFORMAT, where, "line '%s' is not 'key value'",
			                  line);
		else {
			*sp = 0;
			rc = parse_line(line, sp + 1, t, seen, where, err);
		}
		line = nl + 1;
	}
	static const char *required[3] = { "threshold", "direction", "score" };
	for (int i = 0; !rc && i < 3; i++)
		if (!seen[i])
			rc = nids_err_set(err, NIDS_EFORMAT, path, "no '%s' line", required[i]);
	free(buf);
	return rc;
}
