/* cat_ext.c: what a stream's header holds beyond its columns, as text lines before the
 * header line of nids-cat's text form, and back: the class and string tables the header
 * starts with, and the header records (nids_ext).
 *
 *     #class <TAB> NAME        one per class, in id order
 *     #string <TAB> TEXT       one per string, in id order
 *
 * -r adds them to the header before any row, so the ids, and the header's bytes, are the
 * original's (classes met only in rows would be added as the rows name them, in their
 * own class blocks). A record is written as one or more lines:
 *
 *     #record <TAB> KEY <TAB> HEX
 *
 * (commas with --csv). HEX is the record's bytes as lowercase hexadecimal, at most
 * CHUNK bytes (2 * CHUNK digits) per line; a longer record continues on the following
 * lines with the same key, and -r joins consecutive lines of one key. Hexadecimal
 * rather than base64: the model file prints its preprocessing records the same way
 * (nids-model(5) "prep" lines), the textual records (nids.featurize) stay legible to
 * `xxd -r -p`, and its digits hold no tab, comma or quote, so no field needs quoting.
 * It costs twice the bytes (base64: 4/3), which only matters for quantile tables. */
#include "cat_ext_impl.h"

#include <stdlib.h>
#include <string.h>

#include "nids/format.h"

#define CHUNK 2048 /* bytes of a record per line: 4096 hex digits */

/* A key -r cannot read back as written: empty, or with a quote or surrounding spaces
 * (the text reader trims fields). A delimiter or line end is quoted (CSV) or escaped
 * (TSV) as in any field. */
static int key_unwritable(const char *key)
{
	size_t n = strlen(key);
	return n == 0 || strchr(key, '"') || key[0] == ' ' || key[n - 1] == ' ';
}

void nids_cat_put_escaped(FILE *f, const char *s, const char *quote)
{
	for (; *s; s++) {
		const char *e = *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : *s == '\r' ? "\\r"
		                : *s == '\\' ? "\\\\" : *s == '"' ? quote : NULL;
		if (e)
			fputs(e, f);
		else
			fputc(*s, f);
	}
}

void nids_cat_put_field(FILE *f, const char *s, char delim)
{
	/* awk, cut and head take a tab or line end in a TSV field for the next field or
	   row: TSV escapes them as \t, \n, \r, and a backslash as \\, so that the escapes
	   read back unambiguously (nids_cat_unescape). A quote, or a space or tab at either
	   end (which the reader trims), puts the field in quotes as CSV has them. */
	size_t n = strlen(s);
	int edge = n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
	if (delim == '\t' && (edge || strpbrk(s, "\t\n\r\\\""))) {
		int quote = edge || strchr(s, '"');
		if (quote)
			fputc('"', f);
		nids_cat_put_escaped(f, s, "\"\"");
		if (quote)
			fputc('"', f);
	} else if (delim == ',' && (edge || strpbrk(s, ",\"\r\n"))) {
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

int nids_cat_unescape(nids_csv_record *rec, const char *where, nids_err *err)
{
	for (int i = 0; i < rec->nfields; i++) {
		char *p = rec->fields[i], *end = p + rec->lens[i], *q;
		if (!(q = memchr(p, '\\', rec->lens[i])))
			continue;
		for (p = q; p < end; p++) {
			if (*p != '\\') {
				*q++ = *p;
				continue;
			}
			char c = p + 1 < end ? p[1] : 0;
			if (c != 't' && c != 'n' && c != 'r' && c != '\\')
				return nids_err_set(err, NIDS_EFORMAT, where,
				                    "field %d: '\\%.1s' is not an escape (TSV has \\t, \\n, "
				                    "\\r and \\\\ for a backslash)",
				                    i + 1, p + 1);
			*q++ = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : '\\';
			p++;
		}
		*q = 0;
		rec->lens[i] = (size_t)(q - rec->fields[i]);
	}
	return 0;
}

/* Writes a class or string line; the name is quoted for CSV, escaped for TSV, as row
 * fields are. */
static void put_name(FILE *f, const char *tag, const char *name, char delim)
{
	fprintf(f, "%s%c", tag, delim);
	nids_cat_put_field(f, name, delim);
	fputc('\n', f);
}

int nids_cat_put_preamble(const nids_header *h, FILE *f, char delim, nids_err *err)
{
	static const char digits[] = "0123456789abcdef";
	char line[2 * CHUNK];
	for (int i = 0; i < h->nclasses; i++)
		put_name(f, NIDS_CAT_CLASS, h->classes[i], delim);
	for (int i = 0; i < h->nstrings; i++)
		put_name(f, NIDS_CAT_STRING, h->strings[i], delim);
	for (int i = 0; i < h->next; i++) {
		const nids_ext *e = &h->ext[i];
		if (key_unwritable(e->key))
			return nids_err_set(err, NIDS_EUSAGE, NULL,
			                    "header record key '%.80s' cannot be written as text", e->key);
		size_t at = 0;
		do {
			size_t n = e->len - at < CHUNK ? e->len - at : CHUNK;
			for (size_t j = 0; j < n; j++) {
				line[2 * j] = digits[e->data[at + j] >> 4];
				line[2 * j + 1] = digits[e->data[at + j] & 15];
			}
			fprintf(f, "%s%c", NIDS_CAT_RECORD, delim);
			nids_cat_put_field(f, e->key, delim);
			fputc(delim, f);
			fwrite(line, 1, 2 * n, f);
			fputc('\n', f);
			at += n;
		} while (at < e->len);
	}
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Stores the record being gathered into h. */
static int flush(nids_cat_records *t, nids_header *h, const char *where, nids_err *err)
{
	if (!t->key)
		return 0;
	int rc = nids_header_set_ext(h, t->key, t->data ? t->data : (unsigned char *)"", t->len);
	if (rc == NIDS_ENOMEM)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (rc)
		return nids_err_set(err, NIDS_EFORMAT, where,
		                    "header record '%.80s': too many records or too long", t->key);
	free(t->key);
	t->key = NULL;
	t->len = 0;
	return 0;
}

int nids_cat_is_tag(const char *s)
{
	return !strcmp(s, NIDS_CAT_RECORD) || !strcmp(s, NIDS_CAT_CLASS) ||
	       !strcmp(s, NIDS_CAT_STRING);
}

int nids_cat_is_preamble(const nids_csv_record *rec)
{
	return rec->nfields >= 1 && nids_cat_is_tag(rec->fields[0]);
}

/* A #class or #string line: the name joins its table, in order. */
static int take_name(nids_header *h, const nids_csv_record *rec, const char *where,
                     nids_err *err)
{
	int strings = !strcmp(rec->fields[0], NIDS_CAT_STRING);
	if (rec->nfields != 2 || !rec->lens[1])
		return nids_err_set(err, NIDS_EFORMAT, where, "%s line: expected one non-empty %s",
		                    rec->fields[0], strings ? "string" : "class name");
	size_t max = strings ? NIDS_MAX_STRING : NIDS_MAX_NAME;
	if (rec->lens[1] > max)
		return nids_err_set(err, NIDS_EFORMAT, where, "%s '%.40s...': %zu bytes, at most %zu",
		                    rec->fields[0], rec->fields[1], rec->lens[1], max);
	int before = strings ? h->nstrings : h->nclasses;
	int id = strings ? nids_header_add_string(h, rec->fields[1])
	                 : nids_header_add_class(h, rec->fields[1]);
	if (id == NIDS_ENOMEM)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (id < 0)
		return nids_err_set(err, NIDS_EFORMAT, where, "%s '%.80s': more than %d", rec->fields[0],
		                    rec->fields[1], strings ? NIDS_MAX_STRINGS : NIDS_MAX_CLASSES);
	if (id < before)
		return nids_err_set(err, NIDS_EFORMAT, where, "%s '%.80s': given twice", rec->fields[0],
		                    rec->fields[1]);
	return 0;
}

int nids_cat_take_preamble(nids_cat_records *t, nids_header *h, const nids_csv_record *rec,
                           const char *where, nids_err *err)
{
	if (strcmp(rec->fields[0], NIDS_CAT_RECORD)) {
		int rc = flush(t, h, where, err);
		return rc ? rc : take_name(h, rec, where, err);
	}
	if (rec->nfields != 3)
		return nids_err_set(err, NIDS_EFORMAT, where,
		                    "%s line: %d fields, expected 3 (%s, key, hexadecimal data)",
		                    NIDS_CAT_RECORD, rec->nfields, NIDS_CAT_RECORD);
	const char *key = rec->fields[1], *hex = rec->fields[2];
	size_t hl = rec->lens[2];
	if (!*key || rec->lens[1] > NIDS_MAX_NAME)
		return nids_err_set(err, NIDS_EFORMAT, where, "%s line: empty or too long key",
		                    NIDS_CAT_RECORD);
	if (key_unwritable(key)) /* what is read must print back */
		return nids_err_set(err, NIDS_EFORMAT, where, "%s line: key '%.80s' has a quote or "
		                    "surrounding spaces", NIDS_CAT_RECORD, key);
	if (hl % 2)
		return nids_err_set(err, NIDS_EFORMAT, where,
		                    "header record '%.80s': odd number of hexadecimal digits", key);
	if (!t->key || strcmp(t->key, key)) { /* a new record: the last one is complete */
		int rc = flush(t, h, where, err);
		if (rc)
			return rc;
		if (nids_header_get_ext(h, key, NULL))
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "header record '%.80s' given twice (the lines of a record "
			                    "are consecutive)",
			                    key);
		if (!(t->key = strdup(key)))
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	if (t->len + hl / 2 > NIDS_CAT_RECORD_MAX)
		return nids_err_set(err, NIDS_EFORMAT, where, "header record '%.80s' is over %d MiB",
		                    key, NIDS_CAT_RECORD_MAX >> 20);
	if (t->len + hl / 2 > t->cap) {
		size_t cap = 2 * t->cap + hl / 2 + 64;
		unsigned char *d = realloc(t->data, cap);
		if (!d)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		t->data = d, t->cap = cap;
	}
	for (size_t i = 0; i < hl; i += 2) {
		int a = hexval(hex[i]), b = hexval(hex[i + 1]);
		if (a < 0 || b < 0)
			return nids_err_set(err, NIDS_EFORMAT, where,
			                    "header record '%.80s': '%c%c' at digit %zu is not hexadecimal",
			                    key, hex[i], hex[i + 1], i + 1);
		t->data[t->len++] = (unsigned char)(a << 4 | b);
	}
	return 0;
}

int nids_cat_preamble_end(nids_cat_records *t, nids_header *h, const char *where, nids_err *err)
{
	return flush(t, h, where, err);
}

void nids_cat_records_free(nids_cat_records *t)
{
	free(t->key);
	free(t->data);
	memset(t, 0, sizeof *t);
}
