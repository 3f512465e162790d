/* cat.c: stream <-> TSV/CSV/JSON lines for nids-cat. */
#include "nids/cat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cat_ext_impl.h"
#include "csvin_impl.h"
#include "nids/format.h"
#include "json_impl.h"

int nids_cat_implied_role(const char *name)
{
	static const int roles[] = { NIDS_ROLE_LABEL, NIDS_ROLE_CLASS, NIDS_ROLE_SCORE,
		                     NIDS_ROLE_ALARM, NIDS_ROLE_SCORE_LOW };
	for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
		if (!strcmp(name, nids_role_name(roles[i])))
			return roles[i];
	return NIDS_ROLE_FEATURE;
}

/* The shortest decimal that reads back to the same double. */
static int format_double(char *buf, double v)
{
	if (isnan(v))
		return (int)(strcpy(buf, "nan"), 3);
	if (isinf(v))
		return v < 0 ? (int)(strcpy(buf, "-inf"), 4) : (int)(strcpy(buf, "inf"), 3);
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, 40, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return n;
}

/* The default role of a metadata column of a type: time for times, else id. */
static int meta_default_role(int type) { return type == NIDS_TYPE_TIME ? NIDS_ROLE_TIME : NIDS_ROLE_ID; }

int nids_cat_format_meta(const nids_header *h, int k, const unsigned char *row, int epoch,
                         char *buf, size_t n)
{
	const nids_meta_column *c = &h->meta[k];
	const unsigned char *p = row + c->off;
	switch (c->type) {
	case NIDS_TYPE_TIME:
		return nids_time_format(nids_meta_get_i64(p), epoch, buf);
	case NIDS_TYPE_ADDR:
		return nids_addr_format(p, buf);
	case NIDS_TYPE_PORT:
		return snprintf(buf, n, "%u", nids_meta_get_u16(p));
	case NIDS_TYPE_PROTO:
		return snprintf(buf, n, "%u", p[0]);
	case NIDS_TYPE_U64: {
		uint64_t v = nids_meta_get_u64(p);
		return v == NIDS_U64_NONE ? (int)(buf[0] = 0) : snprintf(buf, n, "%llu", (unsigned long long)v);
	}
	case NIDS_TYPE_STR: {
		uint32_t id = nids_meta_get_u32(p);
		if (id == NIDS_STR_NONE || id >= (uint32_t)h->nstrings)
			return (int)(buf[0] = 0);
		return snprintf(buf, n, "%s", h->strings[id]);
	}
	default:
		return format_double(buf, nids_meta_get_f64(p));
	}
}

void nids_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A selected column: a float column (index >= 0) or a metadata one (-1 - index). */
typedef struct selection {
	int *col;
	int n;
} selection;

static int select_columns(const nids_header *h, const char *cols, selection *s, nids_err *err)
{
	s->n = 0;
	s->col = malloc(sizeof(int) * (size_t)(h->ncols + h->nmeta + 1));
	if (!s->col)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!cols) { /* identifiers first: they say which flow a row is */
		for (int k = 0; k < h->nmeta; k++)
			s->col[s->n++] = -1 - k;
		for (int c = 0; c < h->ncols; c++)
			s->col[s->n++] = c;
		return 0;
	}
	char *list = strdup(cols), *save = NULL;
	int rc = list ? 0 : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (char *t = list ? strtok_r(list, ",", &save) : NULL; t && !rc;
	     t = strtok_r(NULL, ",", &save)) {
		int c = nids_header_find(h, t), k = nids_header_find_meta(h, t);
		if (c < 0 && k < 0)
			rc = nids_err_set(err, NIDS_EUSAGE, NULL, "no column '%s' in the stream", t);
		else if (s->n == h->ncols + h->nmeta)
			rc = nids_err_set(err, NIDS_EUSAGE, NULL, "too many columns selected");
		else
			s->col[s->n++] = c >= 0 ? c : -1 - k;
	}
	free(list);
	return rc;
}

/* The header line; with types, each name carries what -r needs to rebuild it. */
static void put_header(FILE *f, const nids_header *h, const selection *s, const nids_cat_opts *o)
{
	char name[NIDS_MAX_NAME + 64];
	for (int i = 0; i < s->n; i++) {
		int c = s->col[i];
		if (c >= 0) {
			const nids_column *col = &h->cols[c];
			/* a first field "#record" (#class, #string) would read back as such a line */
			if (o->types && (nids_cat_implied_role(col->name) != col->role ||
			                 nids_cat_is_tag(col->name)))
				snprintf(name, sizeof name, "%s:%s", col->name, nids_role_name(col->role));
			else
				snprintf(name, sizeof name, "%s", col->name);
		} else {
			const nids_meta_column *m = &h->meta[-1 - c];
			if (!o->types)
				snprintf(name, sizeof name, "%s", m->name);
			else if (m->role == meta_default_role(m->type))
				snprintf(name, sizeof name, "%s:%s", m->name, nids_type_name(m->type));
			else
				snprintf(name, sizeof name, "%s:%s:%s", m->name, nids_type_name(m->type),
				         nids_role_name(m->role));
		}
		if (i)
			fputc(o->delim, f);
		nids_cat_put_field(f, name, o->delim);
	}
	fputc('\n', f);
}

/* One row as a JSON object: numbers for float columns (null when not finite), text
 * for times, addresses, strings and classes, numbers for ports, protocols, counts. */
static void put_json_row(FILE *f, const nids_header *h, const selection *s, const float *row,
                         const unsigned char *meta, int epoch)
{
	char buf[80];
	fputc('{', f);
	for (int i = 0; i < s->n; i++) {
		int c = s->col[i];
		if (i)
			fputc(',', f);
		if (c >= 0) {
			nids_json_string(f, h->cols[c].name);
			fputc(':', f);
			float v = row[c];
			if (h->cols[c].role == NIDS_ROLE_CLASS)
				nids_json_string(f, h->classes[(int)v]);
			else if (!isfinite(v))
				fputs("null", f);
			else
				fwrite(buf, 1, (size_t)nids_format_float(buf, v), f);
			continue;
		}
		const nids_meta_column *m = &h->meta[-1 - c];
		nids_json_string(f, m->name);
		fputc(':', f);
		int len = nids_cat_format_meta(h, -1 - c, meta, epoch, buf, sizeof buf);
		int text = m->type == NIDS_TYPE_TIME || m->type == NIDS_TYPE_ADDR ||
		           m->type == NIDS_TYPE_STR;
		if (m->type == NIDS_TYPE_TIME && epoch && len)
			text = 0;
		if (len == 0 || (m->type == NIDS_TYPE_F64 && !isfinite(nids_meta_get_f64(meta + m->off))))
			fputs("null", f);
		else if (text && m->type == NIDS_TYPE_STR)
			nids_json_string(f, h->strings[nids_meta_get_u32(meta + m->off)]);
		else if (text)
			nids_json_string(f, buf);
		else
			fwrite(buf, 1, (size_t)len, f);
	}
	fputs("}\n", f);
}

static void put_text_row(FILE *f, const nids_header *h, const selection *s, const float *row,
                         const unsigned char *meta, const nids_cat_opts *o)
{
	char num[80];
	for (int k = 0; k < s->n; k++) {
		int c = s->col[k];
		if (k)
			fputc(o->delim, f);
		if (c >= 0) {
			float v = row[c];
			if (h->cols[c].role == NIDS_ROLE_CLASS)
				nids_cat_put_field(f, h->classes[(int)v], o->delim);
			else
				fwrite(num, 1, (size_t)nids_format_float(num, v), f);
		} else if (h->meta[-1 - c].type == NIDS_TYPE_STR) {
			uint32_t id = nids_meta_get_u32(meta + h->meta[-1 - c].off);
			if (id != NIDS_STR_NONE && id < (uint32_t)h->nstrings)
				nids_cat_put_field(f, h->strings[id], o->delim);
		} else {
			fwrite(num, 1, (size_t)nids_cat_format_meta(h, -1 - c, meta, o->epoch, num, sizeof num),
			       f);
		}
	}
	fputc('\n', f);
}

int nids_cat_to_text(nids_reader *r, FILE *f, const nids_cat_opts *o, nids_err *err)
{
	const nids_header *h = nids_reader_header(r);
	selection s;
	int rc = select_columns(h, o->cols, &s, err);
	/* with types, the header's tables and records first: all -r needs to rebuild it */
	if (!rc && o->header && !o->json && o->types)
		rc = nids_cat_put_preamble(h, f, o->delim, err);
	if (!rc && o->header && !o->json)
		put_header(f, h, &s, o);
	long long left = o->head < 0 ? -1 : o->head;
	while (!rc && left != 0) {
		float *rows;
		long n = nids_reader_next(r, &rows, err);
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		h = nids_reader_header(r); /* its class and string tables may have grown */
		const unsigned char *meta = nids_reader_meta(r);
		size_t M = (size_t)h->meta_width;
		for (long i = 0; i < n && left != 0; i++, left -= left > 0) {
			const float *row = rows + (size_t)i * (size_t)h->ncols;
			const unsigned char *m = meta ? meta + (size_t)i * M : NULL;
			if (o->json)
				put_json_row(f, h, &s, row, m, o->epoch);
			else
				put_text_row(f, h, &s, row, m, o);
		}
		if (ferror(f))
			rc = nids_flush_check(f, NULL, err);
	}
	free(s.col);
	return rc;
}

/* ---- text back to a stream ---- */

/* Splits a header field "name[:type][:role]" (the --types form); a bare name has the
 * role it implies. Returns 1 for a metadata column (type set), 0 for a float column,
 * -1 for a suffix that names neither a type nor a role. */
static int parse_column(char *field, int *type, int *role)
{
	char *colon = strrchr(field, ':');
	*type = 0;
	if (colon && nids_role_parse(colon + 1) >= 0) {
		*role = nids_role_parse(colon + 1);
		*colon = 0;
		char *c2 = strrchr(field, ':');
		if (c2 && nids_type_parse(c2 + 1) > 0) {
			*type = nids_type_parse(c2 + 1);
			*c2 = 0;
			return 1;
		}
		return 0;
	}
	if (colon && nids_type_parse(colon + 1) > 0) {
		*type = nids_type_parse(colon + 1);
		*role = meta_default_role(*type);
		*colon = 0;
		return 1;
	}
	*role = nids_cat_implied_role(field);
	return 0;
}

/* Parses one metadata value of the text into its row bytes. Returns 0 or -1. */
static int parse_meta(nids_writer *w, const nids_meta_column *c, const char *s, size_t len,
                      unsigned char *row, nids_err *err, int *rc)
{
	unsigned char *p = row + c->off;
	double v;
	switch (c->type) {
	case NIDS_TYPE_TIME: {
		int64_t us;
		if (nids_time_parse(s, len, &us))
			return -1;
		nids_meta_put_i64(p, us);
		return 0;
	}
	case NIDS_TYPE_ADDR:
		if (len == 0)
			return memset(p, 0, 16), 0;
		return nids_addr_parse(s, len, p);
	case NIDS_TYPE_U64: {
		if (len == 0)
			return nids_meta_put_u64(p, NIDS_U64_NONE), 0;
		uint64_t u = 0; /* exact: digit by digit, no detour through a double */
		for (size_t i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9' || u > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
				return -1;
			u = u * 10 + (uint64_t)(s[i] - '0');
		}
		if (u == NIDS_U64_NONE)
			return -1;
		nids_meta_put_u64(p, u);
		return 0;
	}
	case NIDS_TYPE_PORT:
	case NIDS_TYPE_PROTO:
		if (nids_parse_float(s, len, &v) || v < 0 || v != floor(v) ||
		    v > (c->type == NIDS_TYPE_PORT ? 65535 : 255))
			return -1;
		if (c->type == NIDS_TYPE_PORT)
			nids_meta_put_u16(p, (unsigned)v);
		else
			p[0] = (unsigned char)v;
		return 0;
	case NIDS_TYPE_STR: {
		if (len == 0)
			return nids_meta_put_u32(p, NIDS_STR_NONE), 0;
		int id = nids_writer_add_string(w, s, err);
		if (id < 0)
			return *rc = id, -1;
		nids_meta_put_u32(p, (uint32_t)id);
		return 0;
	}
	default:
		if (nids_parse_float(s, len, &v))
			return -1;
		nids_meta_put_f64(p, v);
		return 0;
	}
}

typedef struct text_column {
	int meta; /* index among metadata columns, or -1 */
	int col;  /* index among float columns, or -1 */
} text_column;

/* TSV writes a tab or line end inside a field as an escape, not in quotes, so -r
 * refuses a field that brought one in between quotes: what it reads must print back as
 * it was read. Then the escapes are decoded. */
static int tsv_fields_check(char delim, nids_csv_record *rec, const char *where,
                            nids_err *err)
{
	if (delim != '\t')
		return 0;
	for (int i = 0; i < rec->nfields; i++)
		if (memchr(rec->fields[i], '\t', rec->lens[i]) ||
		    memchr(rec->fields[i], '\n', rec->lens[i]) ||
		    memchr(rec->fields[i], '\r', rec->lens[i]))
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "field %d holds a tab or line end in quotes (TSV writes them "
			                    "as \\t, \\n, \\r; or use --csv)",
			                    i + 1);
	return nids_cat_unescape(rec, where, err);
}

/* Reads the #class, #string and #record lines, then the header line: the stream's
 * columns, and where each text field goes. */
static int text_header(nids_csv *c, char delim, nids_input *in, nids_header *h,
                       nids_csv_record *rec, text_column **map, nids_err *err)
{
	nids_cat_records t = { 0 };
	int rc;
	for (;;) { /* the # lines, up to the header line (rc > 0) */
		rc = nids_csv_next(c, rec, err);
		if (rc > 0 && (rc = tsv_fields_check(delim, rec, nids_csv_where(c), err)) == 0)
			rc = 1;
		if (rc <= 0 || !nids_cat_is_preamble(rec) ||
		    (rc = nids_cat_take_preamble(&t, h, rec, nids_csv_where(c), err)))
			break;
	}
	if (rc >= 0) {
		int r2 = nids_cat_preamble_end(&t, h, nids_csv_where(c), err);
		rc = r2 ? r2 : rc;
	}
	nids_cat_records_free(&t);
	if (rc == 0)
		return nids_err_set(err, NIDS_EFORMAT, nids_input_name(in),
		                    "empty input: expected a header line of column names");
	if (rc < 0)
		return rc;
	if (!(*map = malloc(sizeof **map * (size_t)(rec->nfields + 1))))
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0; i < rec->nfields; i++) {
		int type, role;
		int meta = parse_column(rec->fields[i], &type, &role);
		nids_err e2 = { 0 };
		int k = meta ? nids_header_add_meta(h, rec->fields[i], type, role, &e2)
		             : nids_header_add_column(h, rec->fields[i], role, &e2);
		if (k < 0)
			return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c), "header: %s", e2.msg);
		(*map)[i].meta = meta ? k : -1;
		(*map)[i].col = meta ? -1 : k;
	}
	if (h->ncols == 0)
		return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
		                    "header: no numeric column (a stream needs at least one)");
	return 0;
}

/* A class name or string of field i that the writer refused (id NIDS_EUSAGE: too long
 * or one too many) is bad input at the row's line; the writer's own message names the
 * output. Other codes (out of memory, a write error) pass as they are. */
static int name_refused(int id, nids_csv *c, const nids_csv_record *rec, int i,
                        const char *col, int strings, nids_err *err)
{
	if (id != NIDS_EUSAGE)
		return id;
	const char *what = strings ? "string" : "class name";
	size_t max = strings ? NIDS_MAX_STRING : NIDS_MAX_NAME;
	if (rec->lens[i] > max)
		return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
		                    "field %d (%s): %s '%.40s...' is %zu bytes, at most %zu", i + 1,
		                    col, what, rec->fields[i], rec->lens[i], max);
	return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c), "field %d (%s): more than %d %ss",
	                    i + 1, col, strings ? NIDS_MAX_STRINGS : NIDS_MAX_CLASSES, what);
}

/* One text record into row and meta. */
static int text_row(nids_writer *w, nids_csv *c, const nids_header *h, const text_column *map,
                    const nids_csv_record *rec, float *row, unsigned char *meta, nids_err *err)
{
	int rc = 0;
	for (int i = 0; !rc && i < rec->nfields; i++) {
		if (map[i].meta >= 0) {
			const nids_meta_column *m = &h->meta[map[i].meta];
			if (parse_meta(w, m, rec->fields[i], rec->lens[i], meta, err, &rc) && !rc)
				rc = nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
				                  "field %d (%s): '%.40s' is not a %s value", i + 1, m->name,
				                  rec->fields[i], nids_type_name(m->type));
			else if (rc)
				rc = name_refused(rc, c, rec, i, m->name, 1, err);
			continue;
		}
		int k = map[i].col;
		if (h->cols[k].role == NIDS_ROLE_CLASS) {
			if (!rec->lens[i])
				return nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
				                    "field %d (%s): empty class name", i + 1, h->cols[k].name);
			int id = nids_writer_add_class(w, rec->fields[i], err);
			if (id < 0)
				return name_refused(id, c, rec, i, h->cols[k].name, 0, err);
			row[k] = (float)id;
			continue;
		}
		double v;
		if (nids_parse_float(rec->fields[i], rec->lens[i], &v))
			rc = nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
			                  "field %d (%s): '%.40s' is not a number", i + 1, h->cols[k].name,
			                  rec->fields[i]);
		row[k] = (float)v;
	}
	return rc;
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
	text_column *map = NULL;
	float *row = NULL;
	unsigned char *meta = NULL;
	rc = h ? text_header(c, delim, in, h, &rec, &map, err)
	       : nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	int nfields = rc ? 0 : h->ncols + h->nmeta;
	if (!rc && (!(row = malloc(sizeof(float) * (size_t)h->ncols)) ||
	            !(meta = calloc(1, (size_t)h->meta_width + 1))))
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc)
		rc = nids_writer_open(&w, f, out_name, h, level, err);
	while (!rc && (rc = nids_csv_next(c, &rec, err)) > 0) {
		rc = 0;
		if (nids_cat_is_preamble(&rec))
			rc = nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
			                  "%s line after the header line (such lines come first)",
			                  rec.fields[0]);
		else if (rec.nfields != nfields)
			rc = nids_err_set(err, NIDS_EFORMAT, nids_csv_where(c),
			                  "%d fields, the header has %d", rec.nfields, nfields);
		else
			rc = tsv_fields_check(delim, &rec, nids_csv_where(c), err);
		if (!rc)
			rc = text_row(w, c, h, map, &rec, row, meta, err);
		if (!rc)
			rc = nids_writer_write_meta(w, row, meta, 1, err);
	}
	if (!rc)
		rc = nids_writer_close(w, err);
	else
		nids_writer_free(w);
	free(row);
	free(meta);
	free(map);
	nids_header_free(h);
	nids_csv_free(c);
	return rc;
}

/* The --info listing is TSV too: names are written as its rows' fields are. */
int nids_cat_describe(const nids_header *h, FILE *f, nids_err *err)
{
	fprintf(f, "columns\t%d\n", h->ncols);
	for (int i = 0; i < h->ncols; i++) {
		fprintf(f, "%d\t", i + 1);
		nids_cat_put_field(f, h->cols[i].name, '\t');
		fprintf(f, "\t%s\n", nids_role_name(h->cols[i].role));
	}
	fprintf(f, "metadata\t%d\n", h->nmeta);
	for (int i = 0; i < h->nmeta; i++) {
		fprintf(f, "%d\t", i + 1);
		nids_cat_put_field(f, h->meta[i].name, '\t');
		fprintf(f, "\t%s\t%s\n", nids_type_name(h->meta[i].type),
		        nids_role_name(h->meta[i].role));
	}
	fprintf(f, "classes\t%d\n", h->nclasses);
	for (int i = 0; i < h->nclasses; i++) {
		fprintf(f, "%d\t", i);
		nids_cat_put_field(f, h->classes[i], '\t');
		fputc('\n', f);
	}
	fprintf(f, "strings\t%d\n", h->nstrings);
	fprintf(f, "records\t%d\n", h->next);
	for (int i = 0; i < h->next; i++) {
		nids_cat_put_field(f, h->ext[i].key, '\t');
		fprintf(f, "\t%zu bytes\n", h->ext[i].len);
	}
	return ferror(f) ? nids_flush_check(f, NULL, err) : 0;
}
