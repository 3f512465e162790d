/* svg_plot.c: ROC, precision-recall and score-histogram panels in one SVG file.
 *
 * Geometry is fixed (960 x 900 user units): two square curve panels side by side,
 * the histogram panel across the bottom. Curves are thinned to the points that move
 * at least half a unit on the page, so a 10^7-row stream still gives a small file. */
#include "svg_plot_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svg_impl.h"

#define W 960
#define H 900
#define MAX_ATTACK_SERIES 8

static const char *PALETTE[MAX_ATTACK_SERIES + 1] = { "#ee6677", "#228833", "#ccbb44",
	                                              "#66ccee", "#aa3377", "#ee8866",
	                                              "#555555", "#99ddff", "#bbbbbb" };
#define BENIGN_COLOR "#4477aa"

typedef struct panel {
	double x, y, w, h; /* plot area on the page */
} panel;

typedef struct series {
	const char *name;
	const char *color;
	uint64_t rows;
	uint64_t *count; /* [bins] */
} series;

void nids_svg_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*s, f);
		}
	}
}

void nids_svg_span(double *lo, double *hi, double below, double above)
{
	if (!(*hi <= *lo))
		return;
	*lo -= below;
	*hi += above;
	if (*hi <= *lo) {
		*lo -= below > 0 ? fabs(*lo) * 0x1p-20 : 0;
		*hi += above > 0 ? fabs(*hi) * 0x1p-20 : 0;
	}
}

void nids_svg_text(FILE *f, double x, double y, const char *anchor, const char *extra,
                   const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y, anchor, extra);
	nids_svg_escaped(f, s);
	fputs("</text>\n", f);
}

/* Frame, ticks and labels of a panel whose axes run over [x0,x1] x [y0,y1]. */
static void axes(FILE *f, const panel *p, double x0, double x1, const char *xlabel,
                 const char *ylabel, const char *title)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" "
	           "stroke=\"#333\"/>\n", p->x, p->y, p->w, p->h);
	double span = x1 - x0, step = pow(10, floor(log10(span / 5)));
	if (span / step > 10)
		step *= span / step > 25 ? 5 : 2;
	char buf[64];
	for (double v = ceil(x0 / step) * step; v <= x1 + step * 1e-9; v += step) {
		double x = p->x + (v - x0) / span * p->w;
		fprintf(f,
		        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
		        x, p->y + p->h, x, p->y + p->h + 5);
		snprintf(buf, sizeof buf, "%g", fabs(v) < step * 1e-9 ? 0.0 : v);
		nids_svg_text(f, x, p->y + p->h + 18, "middle", "", buf);
		/* a step below the resolution of v (a range of 1 around 2^52) would never
		   advance it */
		if (v + step == v)
			break;
	}
	nids_svg_text(f, p->x + p->w / 2, p->y + p->h + 36, "middle", "", xlabel);
	fprintf(f, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">",
	        p->x - 42, p->y + p->h / 2);
	nids_svg_escaped(f, ylabel);
	fputs("</text>\n", f);
	nids_svg_text(f, p->x + p->w / 2, p->y - 10, "middle", " font-weight=\"bold\" font-size=\"15\"",
	     title);
}

static void unit_yticks(FILE *f, const panel *p)
{
	for (int i = 0; i <= 5; i++) {
		double y = p->y + p->h - i * p->h / 5;
		char buf[16];
		snprintf(buf, sizeof buf, "%g", i / 5.0);
		fprintf(f,
		        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
		        p->x - 5, y, p->x, y);
		nids_svg_text(f, p->x - 8, y + 4, "end", "", buf);
	}
}

/* A polyline through page points, dropping points closer than half a unit to the
 * last one kept. */
typedef struct polyline {
	FILE *f;
	double lx, ly;
	int n;
} polyline;

static void poly_begin(polyline *pl, FILE *f, const char *color, double width)
{
	pl->f = f;
	pl->n = 0;
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" points=\"", color,
	        width);
}

static void poly_point(polyline *pl, double x, double y, int force)
{
	if (!force && pl->n && fabs(x - pl->lx) < 0.5 && fabs(y - pl->ly) < 0.5)
		return;
	fprintf(pl->f, "%s%.1f,%.1f", pl->n ? " " : "", x, y);
	pl->lx = x;
	pl->ly = y;
	pl->n++;
}

static void poly_end(polyline *pl) { fputs("\"/>\n", pl->f); }

static void legend_box(FILE *f, double x, double y, const char *color, const char *label)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\"/>\n", x,
	        y - 9, color);
	nids_svg_text(f, x + 20, y, "start", "", label);
}

static void roc_panel(FILE *f, const nids_eval *e, const panel *p, const nids_svg_opts *o)
{
	double P = (double)nids_eval_attacks(e), N = (double)nids_eval_benign(e);
	char buf[96];
	axes(f, p, 0, 1, "false positive rate", "true positive rate (detection rate)", "ROC");
	unit_yticks(f, p);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
	           "stroke-dasharray=\"4 4\"/>\n", p->x, p->y + p->h, p->x + p->w, p->y);
	polyline pl;
	poly_begin(&pl, f, "#cc3311", 2);
	poly_point(&pl, p->x, p->y + p->h, 1);
	size_t at = 0;
	nids_eval_point pt;
	double mx = NAN, my = NAN;
	while (P > 0 && N > 0 && nids_eval_next_point(e, &at, &pt)) {
		double x = p->x + pt.fp / N * p->w, y = p->y + p->h - pt.tp / P * p->h;
		poly_point(&pl, x, y, at == nids_eval_rows(e));
		if (nids_is_alarm(pt.threshold, o->threshold, nids_eval_direction(e)))
			mx = x, my = y;
	}
	poly_end(&pl);
	if (!isnan(mx))
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"black\" "
		           "stroke-width=\"2\"/>\n", mx, my);
	if (P == 0 || N == 0)
		nids_svg_text(f, p->x + p->w / 2, p->y + p->h / 2, "middle", " fill=\"#555\"",
		     P == 0 ? "undefined: no attack rows" : "undefined: no benign rows");
	snprintf(buf, sizeof buf, "AUC = %.4f", nids_eval_auroc(e));
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"150\" height=\"%d\" fill=\"white\" "
	           "stroke=\"#999\"/>\n", p->x + p->w - 160, p->y + p->h - (isnan(mx) ? 32 : 52),
	        isnan(mx) ? 24 : 44);
	legend_box(f, p->x + p->w - 152, p->y + p->h - (isnan(mx) ? 15 : 35), "#cc3311", buf);
	if (!isnan(mx)) {
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"none\" stroke=\"black\" "
		           "stroke-width=\"2\"/>\n", p->x + p->w - 145, p->y + p->h - 19);
		nids_svg_text(f, p->x + p->w - 132, p->y + p->h - 15, "start", "", "at the threshold");
	}
}

static void pr_panel(FILE *f, const nids_eval *e, const panel *p, const nids_svg_opts *o)
{
	double P = (double)nids_eval_attacks(e), n = (double)nids_eval_rows(e);
	char buf[96];
	axes(f, p, 0, 1, "recall (detection rate)", "precision", "Precision-recall");
	unit_yticks(f, p);
	if (P > 0) {
		double base = p->y + p->h - P / n * p->h;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
		           "stroke-dasharray=\"4 4\"/>\n", p->x, base, p->x + p->w, base);
	}
	polyline pl;
	poly_begin(&pl, f, "#0077bb", 2);
	size_t at = 0;
	nids_eval_point pt;
	double lx = p->x, mx = NAN, my = NAN;
	int first = 1;
	/* the step curve whose area is the average precision: at each recall step the
	 * precision reached there holds back to the previous recall */
	while (P > 0 && nids_eval_next_point(e, &at, &pt)) {
		double x = p->x + pt.tp / P * p->w;
		double y = p->y + p->h - (double)pt.tp / (double)(pt.tp + pt.fp) * p->h;
		if (x != lx || first) {
			poly_point(&pl, lx, y, first);
			poly_point(&pl, x, y, 0);
			lx = x;
			first = 0;
		}
		if (nids_is_alarm(pt.threshold, o->threshold, nids_eval_direction(e)))
			mx = x, my = y;
	}
	if (!first)
		poly_point(&pl, pl.lx, pl.ly, 1);
	poly_end(&pl);
	if (!isnan(mx))
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"black\" "
		           "stroke-width=\"2\"/>\n", mx, my);
	if (P == 0)
		nids_svg_text(f, p->x + p->w / 2, p->y + p->h / 2, "middle", " fill=\"#555\"",
		     "undefined: no attack rows");
	snprintf(buf, sizeof buf, "AP = %.4f", nids_eval_auprc(e));
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"150\" height=\"24\" fill=\"white\" "
	           "stroke=\"#999\"/>\n", p->x + 10, p->y + p->h - 32);
	legend_box(f, p->x + 18, p->y + p->h - 15, "#0077bb", buf);
}

/* Groups rows into the benign series and up to MAX_ATTACK_SERIES attack series (the
 * largest classes; the rest, and attacks without a class, as "other attacks").
 * slot_of[c] receives the series of class c; *other the series for the rest (or 1).
 * Returns the series count. */
static int make_series(const nids_eval *e, const nids_svg_opts *o, series *s, int *slot_of,
                       int *other, uint64_t *per_class)
{
	int labeled = nids_eval_labeled(e), ns = 0;
	size_t n = nids_eval_rows(e);
	uint64_t unclassified = 0;
	s[ns++] = (series){ labeled ? "benign" : "all rows", BENIGN_COLOR, 0, NULL };
	for (size_t i = 0; i < n; i++) {
		int c = nids_eval_class_at(e, i);
		if (nids_eval_label_at(e, i) != 1)
			continue;
		if (c >= 0 && c < o->nclasses)
			per_class[c]++;
		else
			unclassified++;
	}
	int with_class = 0;
	for (int c = 0; c < o->nclasses; c++)
		with_class |= per_class[c] > 0;
	*other = 1;
	if (!with_class) {
		if (unclassified)
			s[ns++] = (series){ "attacks", PALETTE[0], 0, NULL };
		return ns;
	}
	for (int k = 0; k < MAX_ATTACK_SERIES; k++) {
		int best = -1;
		for (int c = 0; c < o->nclasses; c++)
			if (per_class[c] && slot_of[c] < 0 &&
			    (best < 0 || per_class[c] > per_class[best]))
				best = c;
		if (best < 0)
			break;
		slot_of[best] = ns;
		s[ns++] = (series){ o->classes[best], PALETTE[k], 0, NULL };
	}
	int rest = unclassified > 0;
	for (int c = 0; c < o->nclasses; c++)
		rest |= per_class[c] && slot_of[c] < 0;
	if (rest) {
		*other = ns;
		s[ns++] = (series){ "other attacks", PALETTE[MAX_ATTACK_SERIES], 0, NULL };
		for (int c = 0; c < o->nclasses; c++)
			if (per_class[c] && slot_of[c] < 0)
				slot_of[c] = *other;
	}
	return ns;
}

/* The finite score range [*lo, *hi] of the rows; 0 when there is none. */
static int score_range(const nids_eval *e, double *lo, double *hi)
{
	size_t n = nids_eval_rows(e), a = 0, b = n;
	while (a < n && !isfinite(nids_eval_score_at(e, a)))
		a++;
	while (b > a && !isfinite(nids_eval_score_at(e, b - 1)))
		b--;
	if (a >= b)
		return 0;
	double x = nids_eval_score_at(e, a), y = nids_eval_score_at(e, b - 1);
	*lo = fmin(x, y);
	*hi = fmax(x, y);
	nids_svg_span(lo, hi, 0.5, 0.5);
	return 1;
}

/* Counts rows per series and bin; returns the largest count. */
static uint64_t fill_bins(const nids_eval *e, const nids_svg_opts *o, series *s,
                          const int *slot_of, int other, double lo, double hi)
{
	uint64_t max = 1;
	int bins = o->bins;
	for (size_t i = 0, n = nids_eval_rows(e); i < n; i++) {
		double v = nids_eval_score_at(e, i);
		int b = v <= lo ? 0 : v >= hi ? bins - 1 : (int)((v - lo) / (hi - lo) * bins);
		if (b >= bins)
			b = bins - 1;
		int k = 0, c = nids_eval_class_at(e, i);
		if (nids_eval_label_at(e, i) == 1)
			k = c >= 0 && c < o->nclasses && slot_of[c] >= 0 ? slot_of[c] : other;
		s[k].rows++;
		if (++s[k].count[b] > max)
			max = s[k].count[b];
	}
	return max;
}

static void histogram_curves(FILE *f, const panel *p, const series *s, int ns, int bins,
                             double top)
{
	double base = p->y + p->h;
	for (int k = ns - 1; k >= 0; k--) {
		if (!s[k].rows)
			continue;
		fprintf(f, "<polygon fill=\"%s\" fill-opacity=\"0.12\" stroke=\"none\" points=\"",
		        s[k].color);
		for (int pass = 0; pass < 2; pass++) {
			/* pass 0: the filled area; pass 1: its outline as a polyline */
			polyline pl = { f, 0, 0, 0 };
			if (pass)
				poly_begin(&pl, f, s[k].color, 1.6);
			poly_point(&pl, p->x, base, 1);
			for (int b = 0; b < bins; b++) {
				double c = (double)s[k].count[b];
				double y =
				        c > 0 ? base - (log10(c) + 0.3) / (top + 0.3) * p->h : base;
				poly_point(&pl, p->x + b * p->w / bins, y, 1);
				poly_point(&pl, p->x + (b + 1) * p->w / bins, y, 1);
			}
			poly_point(&pl, p->x + p->w, base, 1);
			poly_end(&pl);
		}
	}
}

static void histogram_axes(FILE *f, const panel *p, double lo, double hi, double top,
                           const nids_svg_opts *o)
{
	axes(f, p, lo, hi, "score", "rows (log scale)", "Score distribution");
	char buf[64];
	for (int d = 0; d <= (int)top; d++) {
		double y = p->y + p->h - (d + 0.3) / (top + 0.3) * p->h;
		snprintf(buf, sizeof buf, d < 4 ? "%.0f" : "1e%.0f",
		         d < 4 ? pow(10, d) : (double)d);
		fprintf(f,
		        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
		        p->x - 5, y, p->x, y);
		nids_svg_text(f, p->x - 8, y + 4, "end", "", buf);
	}
	if (isfinite(o->threshold) && o->threshold >= lo && o->threshold <= hi) {
		double x = p->x + (o->threshold - lo) / (hi - lo) * p->w;
		fprintf(f,
		        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\" "
		        "stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n",
		        x, p->y, x, p->y + p->h);
		snprintf(buf, sizeof buf, "threshold %.6g", o->threshold);
		nids_svg_text(f, x + (x > p->x + p->w - 120 ? -4 : 4), p->y + 14,
		     x > p->x + p->w - 120 ? "end" : "start", "", buf);
	}
}

static void histogram_legend(FILE *f, const panel *p, const series *s, int ns)
{
	double x = p->x + p->w + 12, y = p->y + 10;
	char buf[160];
	for (int k = 0; k < ns; k++, y += 18) {
		snprintf(buf, sizeof buf, "%.40s (%llu)", s[k].name, (unsigned long long)s[k].rows);
		legend_box(f, x, y, s[k].color, buf);
	}
}

static int histogram_panel(FILE *f, const nids_eval *e, const panel *p, const nids_svg_opts *o)
{
	series s[MAX_ATTACK_SERIES + 3];
	int nc = o->nclasses, other;
	int *slot_of = malloc(((size_t)nc + 1) * sizeof *slot_of);
	uint64_t *per_class = calloc((size_t)nc + 1, sizeof *per_class);
	uint64_t *counts = calloc((size_t)o->bins * (MAX_ATTACK_SERIES + 3), sizeof *counts);
	if (!slot_of || !per_class || !counts) {
		free(slot_of);
		free(per_class);
		free(counts);
		return -1;
	}
	for (int c = 0; c < nc; c++)
		slot_of[c] = -1;
	int ns = make_series(e, o, s, slot_of, &other, per_class);
	for (int k = 0; k < ns; k++)
		s[k].count = counts + (size_t)k * (size_t)o->bins;
	double lo = 0, hi = 1;
	score_range(e, &lo, &hi);
	uint64_t max = fill_bins(e, o, s, slot_of, other, lo, hi);
	double top = ceil(log10((double)max));
	if (top < 1)
		top = 1;
	histogram_axes(f, p, lo, hi, top, o);
	histogram_curves(f, p, s, ns, o->bins, top);
	histogram_legend(f, p, s, ns);
	free(slot_of);
	free(per_class);
	free(counts);
	return 0;
}

int nids_svg_plot(FILE *f, const char *name, const nids_eval *e, const nids_svg_opts *o,
                  nids_err *err)
{
	static const panel roc = { 90, 70, 330, 330 }, pr = { 560, 70, 330, 330 },
	                   hist = { 90, 500, 640, 320 };
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	           "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
	        W, H, W, H);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
	if (o->title)
		nids_svg_text(f, W / 2.0, 26, "middle", " font-size=\"17\" font-weight=\"bold\"", o->title);
	char buf[160];
	snprintf(buf, sizeof buf, "%zu rows: %zu benign, %zu attacks", nids_eval_rows(e),
	         nids_eval_benign(e), nids_eval_attacks(e));
	nids_svg_text(f, W / 2.0, 46, "middle", " fill=\"#555\"", buf);
	roc_panel(f, e, &roc, o);
	pr_panel(f, e, &pr, o);
	if (histogram_panel(f, e, &hist, o))
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	fputs("</svg>\n", f);
	if (ferror(f))
		return nids_err_set(err, NIDS_EIO, name, "write error: %s", strerror(errno));
	return 0;
}
