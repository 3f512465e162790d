/* feat_fields.c: the helpers every format shares (lib/feat_impl.h): where a record is,
 * numbers, classes and labels, output columns and one-hot groups, the record loop; and
 * those of the header-ed formats (cic, ugr16, netflow, csv): matching header names, the
 * Infinity/NaN/empty policy, times. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feat_impl.h"

const char *feat_where(feat_ctx *fc) { return nids_csv_where(fc->csv); }

int feat_number(feat_ctx *fc, const nids_csv_record *rec, int i, const char *what, double *out,
                nids_err *err)
{
	if (nids_parse_float(rec->fields[i], rec->lens[i], out) == 0)
		return 0;
	return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "field %d (%s): '%.40s' is not a number",
	                    i + 1, what, rec->fields[i]);
}

/* Remembers name's answer when it fits the memo (an empty memo matches nothing, as
 * names are never empty here). */
static void memo_set(char memo[64], const char *name)
{
	size_t n = strlen(name);
	if (n < 64)
		memcpy(memo, name, n + 1);
	else
		memo[0] = 0;
}

int feat_class(feat_ctx *fc, const char *name, nids_err *err)
{
	if (fc->class_memo[0] && !strcmp(name, fc->class_memo))
		return fc->class_memo_id;
	int id = nids_writer_add_class(fc->w, name, err);
	if (id == NIDS_EUSAGE)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "bad class name '%.40s'", name);
	if (id >= 0) {
		memo_set(fc->class_memo, name);
		fc->class_memo_id = id;
	}
	return id;
}

static int is_benign(feat_ctx *fc, const char *label)
{
	if (!strcasecmp(label, "normal") || !strcasecmp(label, "benign") ||
	    !strcasecmp(label, "background"))
		return 1;
	const char *b = fc->o->benign;
	size_t n = strlen(label);
	while (b && *b) {
		const char *e = strchr(b, ',');
		size_t len = e ? (size_t)(e - b) : strlen(b);
		if (len == n && !strncmp(b, label, n))
			return 1;
		b = e ? e + 1 : NULL;
	}
	return 0;
}

int feat_is_benign(feat_ctx *fc, const char *label)
{
	if (fc->benign_memo[0] && !strcmp(label, fc->benign_memo))
		return fc->benign_memo_val;
	fc->benign_memo_val = is_benign(fc, label);
	memo_set(fc->benign_memo, label);
	return fc->benign_memo_val;
}


int feat_add_column(feat_ctx *fc, const char *name, int role, nids_err *err)
{
	nids_err e = { 0 };
	int rc = nids_header_add_column(fc->h, name, role, &e);
	if (rc == NIDS_EUSAGE)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "%s", e.msg);
	if (rc < 0)
		return nids_err_set(err, rc, feat_where(fc), "%s", e.msg);
	return rc;
}

int feat_add_meta_column(feat_ctx *fc, const char *name, int type, nids_err *err)
{
	nids_err e = { 0 };
	int rc = nids_header_add_meta(fc->h, name, type, NIDS_ROLE_ID, &e);
	if (rc < 0)
		return nids_err_set(err, rc == NIDS_EUSAGE ? NIDS_EFORMAT : rc, feat_where(fc), "%s",
		                    e.msg);
	return rc;
}

int feat_add_onehot(feat_ctx *fc, const feat_vocab *v, nids_err *err)
{
	char name[NIDS_MAX_NAME + 1];
	for (int i = 0; i <= v->n; i++) {
		snprintf(name, sizeof name, "%s=%s", v->column, i < v->n ? v->values[i] : "_other");
		int rc = feat_add_column(fc, name, NIDS_ROLE_FEATURE, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int feat_onehot(feat_ctx *fc, const feat_vocab *v, const char *value, float *row, int field,
                nids_err *err)
{
	int lo = 0, hi = v->n - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2, c = strcmp(value, v->values[mid]);
		if (c == 0) {
			row[mid] = 1;
			return 0;
		}
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	if (fc->o->strict)
		return nids_err_set(err, NIDS_EFORMAT, feat_where(fc), "field %d '%.40s': unknown %s",
		                    field + 1, value, v->column);
	row[v->n] = 1;
	fc->st->unseen++;
	return 0;
}

static void note_skip(feat_ctx *fc, const nids_err *e)
{
	if (!fc->st->skipped++)
		snprintf(fc->st->first_bad, sizeof fc->st->first_bad, "%s: %s", e->where, e->msg);
}


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

/* Whether v, parsed from field i, is a finite number beyond float32's range: a finite
 * double, or an infinity strtod gave for a numeral beyond a double's (1e400): inf and
 * infinity have no digit, numerals have one. */
static int beyond_f32(const nids_csv_record *rec, int i, double v)
{
	if (isnan(v))
		return 0;
	if (isfinite(v))
		return 1;
	for (size_t k = 0; k < rec->lens[i]; k++)
		if ((unsigned)(rec->fields[i][k] - '0') < 10)
			return 1;
	return 0;
}

/* The largest float32 of v's sign, counted. */
static float clamp_f32(feat_ctx *fc, double v)
{
	fc->st->clamped++;
	return v > 0 ? 3.4028234663852886e38f : -3.4028234663852886e38f;
}

float feat_f32_slow(feat_ctx *fc, const nids_csv_record *rec, int i, double v)
{
	return fabs(v) <= 3.4028234663852886e38 || !beyond_f32(rec, i, v) ? (float)v
	                                                                   : clamp_f32(fc, v);
}

int feat_measure_slow(feat_ctx *fc, const nids_csv_record *rec, int i, const char *what, float *out,
                      int *nonfinite, nids_err *err)
{
	double v;
	if (nids_parse_float(rec->fields[i], rec->lens[i], &v) == 0) {
		if (fabs(v) <= 3.4028234663852886e38) {
			*out = (float)v;
			return 0;
		}
		if (beyond_f32(rec, i, v)) {
			*out = clamp_f32(fc, v);
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
	if (*p || !nids_day_exists(y, mo, d) || hh > 23 || mm > 59 || ss > 60)
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
	if (!class_text && len && len == fc->label_memo_len && !memcmp(label, fc->label_memo, len)) {
		*label_out = fc->label_memo_label;
		*class_out = fc->label_memo_class;
		return 0;
	}
	const char *cls;
	int rc = feat_label_text(fc, label, len, class_text, label_out, &cls, err);
	if (rc)
		return rc;
	int id = feat_class(fc, cls, err);
	if (id < 0)
		return id;
	*class_out = (float)id;
	fc->label_memo_len = 0;
	if (!class_text && len < sizeof fc->label_memo) { /* labels come in runs */
		memcpy(fc->label_memo, label, len);
		fc->label_memo_len = len;
		fc->label_memo_label = *label_out;
		fc->label_memo_class = *class_out;
	}
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

int feat_records(feat_ctx *fc, const nids_csv_record *first, feat_row_fn conv, void *state,
                 float *row, feat_emit_fn emit, void *arg, nids_err *err)
{
	nids_csv_record rec;
	uint64_t recno = 0;
	int rc = 0;
	nids_err e = { 0 }; /* a record's error; emptied per record, not zeroed (772 bytes) */
	if (first)
		rec = *first;
	while (!rc) {
		if (!first) {
			rc = nids_csv_next(fc->csv, &rec, err);
			if (rc <= 0)
				break;
			rc = 0;
		}
		first = NULL;
		fc->st->records++;
		recno++;
		e.code = 0, e.where[0] = e.msg[0] = 0;
		int r;
		if (fc->nfields && rec.nfields != fc->nfields)
			r = nids_err_set(&e, NIDS_EFORMAT, feat_where(fc), "%d fields, expected %d",
			                 rec.nfields, fc->nfields);
		else
			r = conv(fc, state, &rec, row, &e);
		if (r == 0) {
			rc = emit(fc, arg, row, recno, err);
		} else if (r == FEAT_SKIP_HEADER) {
			fc->st->records--;
			recno--;
			fc->st->headers++;
		} else if (r == NIDS_EFORMAT && fc->o->skip_bad) {
			note_skip(fc, &e);
		} else if (r != FEAT_DROPPED) {
			*err = e;
			rc = r;
		}
	}
	return rc;
}
