/* explain_plot.c: what attributions say in aggregate and for one row. A fingerprint is,
 * per class, the mean and the mean absolute attribution of each feature over that
 * class's explained rows, as a table (TSV or JSON) and an SVG heatmap (classes x the
 * features with the largest mean absolute attributions). A waterfall shows one row: from
 * the base value, each of the largest attributions in turn, the rest summed, to the
 * score, as the waterfall plots of the shap package do. Self-contained SVG: no scripts,
 * no external fonts. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nids/explain.h"

#include "svg_impl.h"
#include "json_impl.h"


struct nids_fingerprint {
	int d, cap;
	char *const *features;
	double *sum, *sumabs; /* [cap x d] */
	uint64_t *n;          /* [cap] */
};

int nids_fingerprint_new(nids_fingerprint **fp, int d, char *const *features, nids_err *err)
{
	nids_fingerprint *p = calloc(1, sizeof *p);
	if (!p)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	p->d = d, p->features = features;
	*fp = p;
	return 0;
}

int nids_fingerprint_add(nids_fingerprint *p, int group, const double *attr, nids_err *err)
{
	if (group < 0)
		group = 0;
	if (group >= p->cap) {
		int cap = group + 8;
		double *s = realloc(p->sum, sizeof(double) * (size_t)cap * p->d);
		if (s)
			p->sum = s;
		double *a = s ? realloc(p->sumabs, sizeof(double) * (size_t)cap * p->d) : NULL;
		if (a)
			p->sumabs = a;
		uint64_t *n = a ? realloc(p->n, sizeof(uint64_t) * (size_t)cap) : NULL;
		if (!n)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		p->n = n;
		size_t old = (size_t)p->cap * p->d, add = (size_t)(cap - p->cap) * p->d;
		memset(p->sum + old, 0, sizeof(double) * add);
		memset(p->sumabs + old, 0, sizeof(double) * add);
		memset(p->n + p->cap, 0, sizeof(uint64_t) * (size_t)(cap - p->cap));
		p->cap = cap;
	}
	double *s = p->sum + (size_t)group * p->d, *a = p->sumabs + (size_t)group * p->d;
	for (int j = 0; j < p->d; j++) {
		s[j] += attr[j];
		a[j] += fabs(attr[j]);
	}
	p->n[group]++;
	return 0;
}

int nids_fingerprint_write(const nids_fingerprint *p, char *const *groups, FILE *f, int json,
                           nids_err *err)
{
	if (!json)
		fputs("class\tfeature\trows\tmean\tmean_abs\n", f);
	for (int g = 0; g < p->cap; g++) {
		if (!p->n[g])
			continue;
		double n = (double)p->n[g];
		for (int j = 0; j < p->d; j++) {
			double m = p->sum[(size_t)g * p->d + j] / n, ma = p->sumabs[(size_t)g * p->d + j] / n;
			if (json) {
				fputs("{\"class\":", f);
				nids_json_string(f, groups[g]);
				fputs(",\"feature\":", f);
				nids_json_string(f, p->features[j]);
				fprintf(f, ",\"rows\":%llu,\"mean\":%.9g,\"mean_abs\":%.9g}\n",
				        (unsigned long long)p->n[g], m, ma);
			} else {
				fprintf(f, "%s\t%s\t%llu\t%.9g\t%.9g\n", groups[g], p->features[j],
				        (unsigned long long)p->n[g], m, ma);
			}
		}
	}
	return nids_flush_check(f, NULL, err); /* (the caller's where names the file) */
}


static void svg_begin(FILE *f, double w, double h, const char *title)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
	           "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
	           "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", w, h, w, h);
	if (title)
		nids_svg_text(f, w / 2, 22, "middle", " font-size=\"15\" font-weight=\"bold\"", title);
}

/* A diverging colour for v in [-1, 1]: blue, white, red. */
static void color(char *buf, double v)
{
	v = v > 1 ? 1 : v < -1 ? -1 : v;
	int a = (int)lround(255 * (1 - fabs(v)));
	if (v >= 0)
		snprintf(buf, 16, "#ff%02x%02x", a, a);
	else
		snprintf(buf, 16, "#%02x%02xff", a, a);
}

/* Sorts idx [n] by key descending, ties by index. */
static void sort_desc(int *idx, int n, const double *key)
{
	for (int i = 1; i < n; i++) {
		int v = idx[i], j = i;
		while (j > 0 && (key[idx[j - 1]] < key[v] || (key[idx[j - 1]] == key[v] && idx[j - 1] > v))) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

int nids_fingerprint_svg(const nids_fingerprint *p, char *const *groups, FILE *f, int top,
                         const char *title, nids_err *err)
{
	int d = p->d, G = 0, *idx = malloc(sizeof(int) * (size_t)(d + p->cap + 1));
	double *all = calloc((size_t)d, sizeof(double));
	if (!idx || !all) {
		free(idx), free(all);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	int *rows = idx + d;
	for (int g = 0; g < p->cap; g++)
		if (p->n[g]) {
			rows[G++] = g;
			for (int j = 0; j < d; j++)
				all[j] += p->sumabs[(size_t)g * d + j] / (double)p->n[g];
		}
	for (int j = 0; j < d; j++)
		idx[j] = j;
	sort_desc(idx, d, all);
	int F = top < d ? top : d;
	double scale = 0;
	for (int r = 0; r < G; r++)
		for (int k = 0; k < F; k++) {
			int g = rows[r], j = idx[k];
			scale = fmax(scale, fabs(p->sum[(size_t)g * d + j] / (double)p->n[g]));
		}
	double cw = 28, ch = 22, left = 170, topm = 190, W = left + F * cw + 40, H = topm + G * ch + 60;
	svg_begin(f, W, H, title);
	char buf[320], col[16];
	for (int k = 0; k < F; k++) { /* feature names, rotated */
		double x = left + k * cw + cw / 2;
		snprintf(buf, sizeof buf, " transform=\"rotate(-60 %.1f %.1f)\"", x, topm - 6);
		nids_svg_text(f, x, topm - 6, "start", buf, p->features[idx[k]]);
	}
	for (int r = 0; r < G; r++) {
		int g = rows[r];
		snprintf(buf, sizeof buf, "%s (%llu)", groups[g], (unsigned long long)p->n[g]);
		nids_svg_text(f, left - 8, topm + r * ch + ch / 2 + 4, "end", "", buf);
		for (int k = 0; k < F; k++) {
			int j = idx[k];
			double m = p->sum[(size_t)g * d + j] / (double)p->n[g];
			color(col, scale > 0 ? m / scale : 0);
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
			           "stroke=\"#ddd\"><title>", left + k * cw, topm + r * ch, cw, ch, col);
			snprintf(buf, sizeof buf, "%s, %s: mean %.4g", groups[g], p->features[j], m);
			nids_svg_escaped(f, buf);
			fputs("</title></rect>\n", f);
		}
	}
	snprintf(buf, sizeof buf, "mean attribution per class: red raises the score, blue lowers "
	         "it (full colour %.3g)", scale);
	nids_svg_text(f, left, topm + G * ch + 30, "start", "", buf);
	fputs("</svg>\n", f);
	free(idx), free(all);
	return nids_flush_check(f, NULL, err); /* (the caller's where names the file) */
}

void nids_fingerprint_free(nids_fingerprint *p)
{
	if (!p)
		return;
	free(p->sum), free(p->sumabs), free(p->n);
	free(p);
}

int nids_waterfall_svg(FILE *f, const char *title, char *const *features, const float *values,
                       const double *attr, int d, double base, int top, nids_err *err)
{
	int *idx = malloc(sizeof(int) * (size_t)(d + 1));
	double *key = malloc(sizeof(double) * (size_t)(d + 1));
	if (!idx || !key) {
		free(idx), free(key);
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	}
	double fx = base;
	for (int j = 0; j < d; j++) {
		idx[j] = j, key[j] = fabs(attr[j]);
		fx += attr[j];
	}
	sort_desc(idx, d, key);
	int K = top < d ? top : d, bars = K + (K < d);
	double rest = 0;
	for (int k = K; k < d; k++)
		rest += attr[idx[k]];
	/* the x range covers every partial sum */
	double lo = fmin(base, fx), hi = fmax(base, fx), c = fx;
	for (int k = 0; k < K; k++) { /* drawn from the score back towards the base */
		c -= attr[idx[k]];
		lo = fmin(lo, c), hi = fmax(hi, c);
	}
	nids_svg_span(&lo, &hi, 0, 1);
	double left = 250, pw = 500, rh = 26, topm = 50, W = left + pw + 110, H = topm + bars * rh + 70;
	svg_begin(f, W, H, title);
	char buf[320];
#define XPOS(v) (left + ((v) - lo) / (hi - lo) * pw)
	/* the largest attribution on top; the bar ends at the sum after it */
	double end = fx;
	for (int k = 0; k < bars; k++) {
		int other = k == K;
		double a = other ? rest : attr[idx[k]], start = end - a;
		double y = topm + k * rh, x0 = XPOS(fmin(start, end)), x1 = XPOS(fmax(start, end));
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
		        x0, y + 3, fmax(x1 - x0, 1), rh - 6, a >= 0 ? "#e8384f" : "#1e88e5");
		if (other)
			snprintf(buf, sizeof buf, "%d other features", d - K);
		else
			snprintf(buf, sizeof buf, "%s = %g", features[idx[k]], (double)values[idx[k]]);
		nids_svg_text(f, left - 8, y + rh / 2 + 4, "end", "", buf);
		snprintf(buf, sizeof buf, "%+.4g", a);
		nids_svg_text(f, x1 + 4, y + rh / 2 + 4, "start", "", buf);
		end = start;
	}
	double yb = topm + bars * rh;
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
	        left, yb + 4, left + pw, yb + 4);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
	           "stroke-dasharray=\"4 3\"/>\n", XPOS(base), topm, XPOS(base), yb + 4);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" "
	           "stroke-dasharray=\"4 3\"/>\n", XPOS(fx), topm - 6, XPOS(fx), yb + 4);
	snprintf(buf, sizeof buf, "base %.4g", base);
	nids_svg_text(f, XPOS(base), yb + 22, "middle", "", buf);
	snprintf(buf, sizeof buf, "f(x) = %.4g", fx);
	nids_svg_text(f, XPOS(fx), topm - 10, "middle", "", buf);
#undef XPOS
	fputs("</svg>\n", f);
	free(idx), free(key);
	return nids_flush_check(f, NULL, err); /* (the caller's where names the file) */
}
