/* feat_fields.c: what the header-ed formats (cic, ugr16, netflow, csv) share: matching
 * header names, the Infinity/NaN/empty policy, IPv4 and time identifiers, labels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "feat_impl.h"

void feat_name_key(const char *name, char *key, size_t n)
{
	size_t k = 0;
	for (const char *p = name; *p && k + 1 < n; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			key[k++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/')
			key[k++] = c;
	}
	key[k] = 0;
}

int feat_find_field(const nids_csv_record *hdr, const char *const *aliases)
{
	char key[128];
	for (int i = 0; i < hdr->nfields; i++) {
		feat_name_key(hdr->fields[i], key, sizeof key);
		for (const char *const *a = aliases; *a; a++)
			if (!strcmp(key, *a))
				return i;
	}
	return -1;
}

/* Calls fn on each item of a comma-separated list (as written, and its key) until fn
 * returns non-zero; returns that. */
static int each_item(const char *list, int (*fn)(const char *item, const char *key, void *arg),
                     void *arg)
{
	char item[256], key[256];
	while (list && *list) {
		const char *e = strchr(list, ',');
		size_t n = e ? (size_t)(e - list) : strlen(list);
		if (n >= sizeof item)
			n = sizeof item - 1;
		memcpy(item, list, n);
		item[n] = 0;
		feat_name_key(item, key, sizeof key);
		int r = key[0] ? fn(item, key, arg) : 0;
		if (r)
			return r;
		list = e ? e + 1 : NULL;
	}
	return 0;
}

static int key_equals(const char *item, const char *key, void *arg)
{
	(void)item;
	return !strcmp(key, arg);
}

int feat_in_list(const char *list, const char *name)
{
	char key[256];
	feat_name_key(name, key, sizeof key);
	return key[0] && each_item(list, key_equals, key);
}

struct missing {
	const nids_csv_record *hdr;
	char item[256]; /* the first item with no column */
};

static int key_missing(const char *item, const char *key, void *arg)
{
	struct missing *m = arg;
	const char *const one[] = { key, NULL };
	if (feat_find_field(m->hdr, one) >= 0)
		return 0;
	snprintf(m->item, sizeof m->item, "%s", item);
	return 1;
}

int feat_check_list(feat_ctx *fc, const nids_csv_record *hdr, const char *list, const char *flag,
                    nids_err *err)
{
	struct missing m = { hdr, "" };
	if (each_item(list, key_missing, &m))
		return nids_err_set(err, NIDS_EUSAGE, feat_where(fc),
		                    "%s: no column '%s' in the header", flag, m.item);
	return 0;
}

int feat_measure_slow(feat_ctx *fc, const nids_csv_record *rec, int i, const char *what, float *out,
                      int *nonfinite, nids_err *err)
{
	double v;
	if (nids_parse_float(rec->fields[i], rec->lens[i], &v) == 0) {
		if (isfinite(v) && fabs(v) <= 3.4028234663852886e38) {
			*out = (float)v;
			return 0;
		}
		if (isfinite(v)) { /* finite but beyond float32: the largest float32, counted */
			*out = v > 0 ? 3.4028234663852886e38f : -3.4028234663852886e38f;
			fc->st->clamped++;
			return 0;
		}
	} else if (rec->lens[i]) {
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
		                    "field %d (%s): '%.40s' is not a number", i + 1, what,
		                    rec->fields[i]);
	}
	*out = (float)fc->o->nonfinite_value;
	(*nonfinite)++;
	return 0;
}

int feat_nonfinite_done(feat_ctx *fc, int nonfinite)
{
	if (!nonfinite)
		return 0;
	if (fc->o->drop_nonfinite) {
		fc->st->nonfinite_dropped++;
		return FEAT_DROPPED;
	}
	fc->st->nonfinite_replaced += (unsigned long long)nonfinite;
	return 0;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Reads 1 to max digits; returns the number of digits read. */
static int digits(const char **p, int max, long *v)
{
	int n = 0;
	*v = 0;
	for (; n < max && **p >= '0' && **p <= '9'; (*p)++, n++)
		*v = *v * 10 + (**p - '0');
	return n;
}

int feat_parse_time(const char *s, double *out)
{
	const char *p = s;
	long a, b, c, hh, mm, ss = 0;
	long y, mo, d;
	double frac = 0;
	int na = digits(&p, 4, &a);
	if (na == 4 && *p == '-') { /* YYYY-MM-DD */
		p++;
		if (!digits(&p, 2, &b) || *p++ != '-' || !digits(&p, 2, &c))
			return -1;
		y = a, mo = b, d = c;
	} else if (na >= 1 && na <= 2 && *p == '/') { /* D/M/YYYY (CIC) */
		p++;
		if (!digits(&p, 2, &b) || *p++ != '/' || digits(&p, 4, &c) != 4)
			return -1;
		y = c, mo = b, d = a;
	} else {
		return -1;
	}
	if (*p != ' ' && *p != 'T')
		return -1;
	p++;
	if (!digits(&p, 2, &hh) || *p++ != ':' || digits(&p, 2, &mm) != 2)
		return -1;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &ss) != 2)
			return -1;
		if (*p == '.') {
			double scale = 0.1;
			for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
				frac += (*p - '0') * scale;
		}
	}
	if (*p == ' ' && (p[1] == 'A' || p[1] == 'P' || p[1] == 'a' || p[1] == 'p') &&
	    (p[2] == 'M' || p[2] == 'm') && !p[3]) {
		if (hh < 1 || hh > 12)
			return -1;
		hh = hh % 12 + ((p[1] == 'P' || p[1] == 'p') ? 12 : 0);
		p += 3;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return -1;
	*out =
	    (double)days_from_civil(y, mo, d) * 86400.0 + (double)(hh * 3600 + mm * 60 + ss) + frac;
	return 0;
}

int feat_label_text(feat_ctx *fc, const char *label, size_t len, const char *class_text,
                    float *label_out, const char **class_name, nids_err *err)
{
	double v;
	*class_name = label;
	if (!len)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "empty label");
	if (nids_parse_float(label, len, &v) == 0) {
		if (v != 0 && v != 1)
			return nids_err_set(err, NIDS_EFORMAT, feat_where(fc),
			                    "label '%.40s': a numeric label must be 0 or 1", label);
		*label_out = (float)v;
		*class_name = v == 0 ? "benign" : "attack";
	} else {
		*label_out = feat_is_benign(fc, label) ? 0.0f : 1.0f;
	}
	if (class_text) {
		if (!*class_text)
			return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "empty class");
		*class_name = class_text;
	}
	return 0;
}

int feat_label(feat_ctx *fc, const char *label, size_t len, const char *class_text,
               float *label_out, float *class_out, nids_err *err)
{
	const char *cls;
	int rc = feat_label_text(fc, label, len, class_text, label_out, &cls, err);
	if (rc)
		return rc;
	int id = feat_class(fc, cls, err);
	if (id < 0)
		return id;
	*class_out = (float)id;
	return 0;
}

int feat_all_empty(const nids_csv_record *rec)
{
	for (int i = 0; i < rec->nfields; i++)
		if (rec->lens[i])
			return 0;
	return 1;
}

int feat_refuse_csv_options(feat_ctx *fc, const char *format, int drop_ok, nids_err *err)
{
	const nids_feat_opts *o = fc->o;
	const char *flag = o->label_col     ? "--label"
	                   : o->class_col   ? "--class"
	                   : o->onehot_cols ? "--onehot"
	                   : o->vocab_in    ? "--vocab"
	                   : o->vocab_out   ? "--fit-vocab"
	                   : !drop_ok && o->drop_cols ? "--drop"
	                                              : NULL;
	if (!flag)
		return 0;
	return nids_err_set(err, NIDS_EUSAGE, NULL, "%s is for the %s, not %s", flag,
	                    strcmp(flag, "--drop") ? "csv format" : "csv and cic formats", format);
}
