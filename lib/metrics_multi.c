/* metrics_multi.c: the multi-class confusion matrix and scikit-learn's
 * classification_report figures of predicted classes (metrics_multi_impl.h). */
#include "metrics_multi_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/format.h"
#include "svg_impl.h"

void nids_mc_report_free(nids_mc_report *r)
{
	if (!r)
		return;
	for (int i = 0; r->cls && i < r->L; i++)
		free((char *)r->cls[i].name);
	free(r->cls);
	free(r->cm);
	free(r);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The label index of every name of a table that occurs (-1 for the others). */
static void index_names(char *const *names, int n, const unsigned char *used, char **labels,
                        int L, int *idx)
{
	for (int i = 0; i < n; i++) {
		idx[i] = -1;
		if (!used[i])
			continue;
		char *const *p = bsearch(&names[i], labels, (size_t)L, sizeof *labels, by_name);
		idx[i] = (int)(p - labels);
	}
}

/* The sorted, distinct names that occur in either table. */
static int collect_labels(char *const *tn, int nt, const unsigned char *tu, char *const *pn,
                          int np, const unsigned char *pu, char ***out)
{
	char **v = malloc(sizeof(char *) * (size_t)(nt + np + 1));
	if (!v)
		return -1;
	int L = 0;
	for (int i = 0; i < nt; i++)
		if (tu[i])
			v[L++] = tn[i];
	for (int i = 0; i < np; i++)
		if (pu[i])
			v[L++] = pn[i];
	qsort(v, (size_t)L, sizeof *v, by_name);
	int u = 0;
	for (int i = 0; i < L; i++)
		if (!u || strcmp(v[u - 1], v[i]))
			v[u++] = v[i];
	*out = v;
	return u;
}

/* Per-class figures, the averages and the accuracy from the confusion matrix. */
static void figures(nids_mc_report *r)
{
	int L = r->L;
	uint64_t trace = 0;
	for (int i = 0; i < L; i++) {
		nids_mc_class *c = &r->cls[i];
		c->correct = r->cm[(size_t)i * L + i];
		for (int j = 0; j < L; j++) {
			c->support += r->cm[(size_t)i * L + j];
			c->predicted += r->cm[(size_t)j * L + i];
		}
		c->precision = c->predicted ? (double)c->correct / (double)c->predicted : 0;
		c->recall = c->support ? (double)c->correct / (double)c->support : 0;
		double s = c->precision + c->recall;
		c->f1 = s > 0 ? 2 * c->precision * c->recall / s : 0;
		trace += c->correct;
	}
	nids_mc_avg m = { 0, 0, 0 }, w = { 0, 0, 0 };
	for (int i = 0; i < L; i++) {
		const nids_mc_class *c = &r->cls[i];
		m.precision += c->precision, m.recall += c->recall, m.f1 += c->f1;
		double s = (double)c->support;
		w.precision += c->precision * s, w.recall += c->recall * s, w.f1 += c->f1 * s;
	}
	double n = (double)r->rows;
	if (L)
		m.precision /= L, m.recall /= L, m.f1 /= L;
	if (n > 0)
		w.precision /= n, w.recall /= n, w.f1 /= n;
	r->macro = m, r->weighted = w;
	r->accuracy = n > 0 ? (double)trace / n : NAN;
}

int nids_mc_report_new(nids_mc_report **out, const int *truth, const int *pred, size_t n,
                       char *const *tnames, int nt, char *const *pnames, int np, nids_err *err)
{
	*out = NULL;
	unsigned char *tu = calloc((size_t)nt + 1, 1), *pu = calloc((size_t)np + 1, 1);
	int *ti = malloc(sizeof(int) * ((size_t)nt + 1)), *pi = malloc(sizeof(int) * ((size_t)np + 1));
	nids_mc_report *r = calloc(1, sizeof *r);
	char **labels = NULL;
	int rc = !tu || !pu || !ti || !pi || !r ? nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory")
	                                        : 0;
	for (size_t i = 0; !rc && i < n; i++) {
		if (truth[i] < 0 || truth[i] >= nt || pred[i] < 0 || pred[i] >= np)
			rc = nids_err_set(err, NIDS_EFORMAT, NULL, "row %zu: class id %d out of the "
			                  "class table", i + 1, truth[i] < 0 || truth[i] >= nt ? truth[i]
			                                                                       : pred[i]);
		else
			tu[truth[i]] = pu[pred[i]] = 1;
	}
	if (!rc && (r->L = collect_labels(tnames, nt, tu, pnames, np, pu, &labels)) < 0)
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc && r->L > NIDS_MC_MAX_CLASSES)
		rc = nids_err_set(err, NIDS_EFORMAT, NULL, "%d classes: more than %d", r->L,
		                  NIDS_MC_MAX_CLASSES);
	if (!rc) {
		r->cls = calloc((size_t)r->L + 1, sizeof *r->cls);
		r->cm = calloc((size_t)r->L * (size_t)r->L + 1, sizeof *r->cm);
		if (!r->cls || !r->cm)
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	for (int i = 0; !rc && i < r->L; i++)
		if (!(r->cls[i].name = strdup(labels[i])))
			rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!rc) {
		index_names(tnames, nt, tu, labels, r->L, ti);
		index_names(pnames, np, pu, labels, r->L, pi);
		for (size_t i = 0; i < n; i++)
			r->cm[(size_t)ti[truth[i]] * r->L + pi[pred[i]]]++;
		r->rows = n;
		figures(r);
	}
	free(tu), free(pu), free(ti), free(pi), free(labels);
	if (rc) {
		nids_mc_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void nids_mc_print_text(FILE *f, const nids_mc_report *r, const char *input)
{
	int w = 12;
	for (int i = 0; i < r->L; i++)
		if ((int)strlen(r->cls[i].name) > w)
			w = (int)strlen(r->cls[i].name);
	fprintf(f, "input %s\nrows  %llu\n\n", input, (unsigned long long)r->rows);
	fprintf(f, "%*s %10s %10s %10s %10s\n\n", w, "", "precision", "recall", "f1-score",
	        "support");
	for (int i = 0; i < r->L; i++) {
		const nids_mc_class *c = &r->cls[i];
		fprintf(f, "%*s %10.6f %10.6f %10.6f %10llu\n", w, c->name, c->precision, c->recall,
		        c->f1, (unsigned long long)c->support);
	}
	fprintf(f, "\n%*s %10s %10s %10.6f %10llu\n", w, "accuracy", "", "", r->accuracy,
	        (unsigned long long)r->rows);
	fprintf(f, "%*s %10.6f %10.6f %10.6f %10llu\n", w, "macro avg", r->macro.precision,
	        r->macro.recall, r->macro.f1, (unsigned long long)r->rows);
	fprintf(f, "%*s %10.6f %10.6f %10.6f %10llu\n", w, "weighted avg", r->weighted.precision,
	        r->weighted.recall, r->weighted.f1, (unsigned long long)r->rows);
	fprintf(f, "\nconfusion matrix (rows: true class, columns: predicted, in the order above)\n");
	int cw = 6;
	for (size_t i = 0; i < (size_t)r->L * r->L; i++) {
		char b[24];
		int len = snprintf(b, sizeof b, "%llu", (unsigned long long)r->cm[i]);
		if (len + 1 > cw)
			cw = len + 1;
	}
	fprintf(f, "%*s", w, "");
	for (int j = 0; j < r->L; j++)
		fprintf(f, " %*d", cw, j + 1);
	fputc('\n', f);
	for (int i = 0; i < r->L; i++) {
		fprintf(f, "%*s", w, r->cls[i].name);
		for (int j = 0; j < r->L; j++)
			fprintf(f, " %*llu", cw, (unsigned long long)r->cm[(size_t)i * r->L + j]);
		fprintf(f, "   %d\n", i + 1);
	}
}

static void jnum(FILE *f, const char *key, double v, const char *after)
{
	char b[32];
	fprintf(f, "\"%s\": %s%s", key, isfinite(v) ? nids_format_double(b, v) : "null", after);
}

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void javg(FILE *f, const char *key, const nids_mc_avg *a, uint64_t rows)
{
	fprintf(f, "\"%s\": {", key);
	jnum(f, "precision", a->precision, ", ");
	jnum(f, "recall", a->recall, ", ");
	jnum(f, "f1", a->f1, ", ");
	fprintf(f, "\"support\": %llu}", (unsigned long long)rows);
}

void nids_mc_print_json(FILE *f, const nids_mc_report *r)
{
	fprintf(f, "{\"rows\": %llu,\n \"labels\": [", (unsigned long long)r->rows);
	for (int i = 0; i < r->L; i++) {
		fputs(i ? ", " : "", f);
		jstr(f, r->cls[i].name);
	}
	fprintf(f, "],\n \"confusion\": [");
	for (int i = 0; i < r->L; i++) {
		fprintf(f, "%s[", i ? ",\n  " : "");
		for (int j = 0; j < r->L; j++)
			fprintf(f, "%s%llu", j ? ", " : "", (unsigned long long)r->cm[(size_t)i * r->L + j]);
		fputc(']', f);
	}
	fprintf(f, "],\n \"classes\": [");
	for (int i = 0; i < r->L; i++) {
		const nids_mc_class *c = &r->cls[i];
		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		jstr(f, c->name);
		fputs(", ", f);
		jnum(f, "precision", c->precision, ", ");
		jnum(f, "recall", c->recall, ", ");
		jnum(f, "f1", c->f1, ", ");
		fprintf(f, "\"support\": %llu}", (unsigned long long)c->support);
	}
	fprintf(f, "],\n ");
	jnum(f, "accuracy", r->accuracy, ",\n ");
	javg(f, "macro_avg", &r->macro, r->rows);
	fprintf(f, ",\n ");
	javg(f, "weighted_avg", &r->weighted, r->rows);
	fprintf(f, "}\n");
}

int nids_mc_svg(FILE *f, const char *name, const nids_mc_report *r, const char *title,
                nids_err *err)
{
	int L = r->L, cell = L > 30 ? 18 : L > 12 ? 28 : 44, left = 170, top = 90;
	int W = left + L * cell + 40, H = top + L * cell + 150;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"%d\">\n",
	        W, H, W, H, cell < 28 ? 9 : 11);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
	if (title)
		nids_svg_text(f, 10, 20, "start", " font-size=\"13\"", title);
	char b[200];
	snprintf(b, sizeof b, "accuracy %.6f, macro F1 %.6f, weighted F1 %.6f (%llu rows)",
	         r->accuracy, r->macro.f1, r->weighted.f1, (unsigned long long)r->rows);
	nids_svg_text(f, 10, 38, "start", "", b);
	nids_svg_text(f, left + L * cell / 2.0, top - 30, "middle", "", "predicted class");
	fprintf(f, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">"
	        "true class</text>\n", top + L * cell / 2, top + L * cell / 2);
	for (int i = 0; i < L; i++) {
		const nids_mc_class *c = &r->cls[i];
		nids_svg_text(f, left - 6, top + i * cell + cell / 2.0 + 4, "end", "", c->name);
		fprintf(f, "<g transform=\"translate(%.1f %d) rotate(45)\">", left + i * cell + cell / 2.0,
		        top + L * cell + 8);
		nids_svg_text(f, 0, 0, "start", "", c->name);
		fputs("</g>\n", f);
		for (int j = 0; j < L; j++) {
			uint64_t v = r->cm[(size_t)i * L + j];
			double share = c->support ? (double)v / (double)c->support : 0;
			int shade = (int)lround(255 * (1 - share));
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\" "
			        "stroke=\"#ccc\"><title>", left + j * cell, top + i * cell, cell, cell,
			        shade, shade);
			snprintf(b, sizeof b, "true %.30s, predicted %.30s: %llu (%.4f of the row)", c->name,
			         r->cls[j].name, (unsigned long long)v, share);
			nids_svg_escaped(f, b);
			fputs("</title></rect>\n", f);
			if (v && cell >= 28) {
				snprintf(b, sizeof b, "%llu", (unsigned long long)v);
				nids_svg_text(f, left + j * cell + cell / 2.0, top + i * cell + cell / 2.0 + 4,
				              "middle", share > 0.5 ? " fill=\"white\"" : "", b);
			}
		}
	}
	fputs("</svg>\n", f);
	if (fflush(f) || ferror(f))
		return nids_err_set(err, NIDS_EIO, name, "write error: %s", strerror(errno));
	return 0;
}

int nids_mc_read(nids_reader *rd, int truth, int pred, const char *name, nids_mc_report **out,
                 nids_err *err)
{
	static char *const LABELS[2] = { "benign", "attack" };
	const nids_header *h = nids_reader_header(rd);
	int is_label = h->cols[truth].role == NIDS_ROLE_LABEL, C = h->ncols;
	size_t n = 0, cap = 0;
	int *t = NULL, *p = NULL, rc = 0;
	float *rows;
	long got = 0;
	while (!rc && (got = nids_reader_next(rd, &rows, err)) > 0) {
		uint64_t first = nids_reader_file_rows(rd) - (uint64_t)got; /* row numbers per file */
		if (n + (size_t)got > cap) {
			cap = 2 * (n + (size_t)got);
			int *a = realloc(t, sizeof(int) * cap), *b = a ? realloc(p, sizeof(int) * cap) : NULL;
			if (a)
				t = a;
			if (b)
				p = b;
			if (!a || !b) {
				rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
				break;
			}
		}
		for (long i = 0; i < got; i++, n++) {
			float tv = rows[(size_t)i * C + truth], pv = rows[(size_t)i * C + pred];
			if (is_label && tv != 0 && tv != 1) {
				char where[300];
				snprintf(where, sizeof where, "%.200s: row %llu", nids_reader_name(rd),
				         (unsigned long long)(first + (uint64_t)i + 1));
				rc = nids_err_set(err, NIDS_EFORMAT, where, "label %g is not 0 or 1", (double)tv);
				break;
			}
			t[n] = (int)tv, p[n] = (int)pv;
		}
	}
	if (!rc && got < 0)
		rc = (int)got;
	if (!rc)
		rc = nids_mc_report_new(out, t, p, n, is_label ? LABELS : h->classes,
		                        is_label ? 2 : h->nclasses, h->classes, h->nclasses, err);
	if (rc && !err->where[0])
		snprintf(err->where, sizeof err->where, "%s", name);
	free(t), free(p);
	return rc;
}
