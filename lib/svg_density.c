/* svg_density.c: per-class score densities (Gaussian KDE, Scott's bandwidth) in SVG.
 *
 * Panels of 440 x 260 units, two a row. Each curve is evaluated at 240 points; the
 * scores are taken from the sorted rows, so a binary search finds the points within
 * 9 bandwidths of each evaluation point. */
#include "svg_density_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svg_impl.h"

#define PW 440
#define PH 260
#define GRID 240
#define MAX_PANELS 12
#define BENIGN_COLOR "#4477aa"
static const char *PALETTE[] = { "#ee6677", "#228833", "#ccbb44", "#66ccee",
	                         "#aa3377", "#ee8866" };

double nids_kde_bandwidth(const double *x, size_t n)
{
	if (n < 2)
		return 0;
	double m = 0, v = 0;
	for (size_t i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	for (size_t i = 0; i < n; i++)
		v += (x[i] - m) * (x[i] - m);
	return sqrt(v / (double)(n - 1)) * pow((double)n, -0.2);
}

/* The first index with x[i] >= t. */
static size_t lower(const double *x, size_t n, double t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

double nids_kde_at(const double *x, size_t n, double h, double t)
{
	double s = 0;
	for (size_t i = lower(x, n, t - 9 * h); i < n && x[i] <= t + 9 * h; i++) {
		double z = (t - x[i]) / h;
		s += exp(-0.5 * z * z);
	}
	return s / ((double)n * h * sqrt(2 * M_PI));
}


typedef struct sample {
	double *x;
	size_t n;
	double h;
} sample;

/* The finite scores of rows with class cls (positives) or of benign rows (cls < -1),
 * ascending. An infinite score has no density and would make the bandwidth NaN. */
static int collect(const nids_eval *e, int cls, sample *s)
{
	size_t n = nids_eval_rows(e), k = 0;
	s->x = malloc((n ? n : 1) * sizeof *s->x);
	if (!s->x)
		return -1;
	int low = nids_eval_direction(e) == NIDS_DIR_LOW;
	/* rows run from most to least anomalous: ascending scores for "low", else descending */
	for (size_t j = 0; j < n; j++) {
		size_t i = low ? j : n - 1 - j;
		int c = nids_eval_class_at(e, i);
		if ((cls < -1 ? nids_eval_label_at(e, i) == 0 : c == cls && nids_eval_label_at(e, i)) &&
		    isfinite(nids_eval_score_at(e, i)))
			s->x[k++] = nids_eval_score_at(e, i);
	}
	s->n = k;
	s->h = nids_kde_bandwidth(s->x, k);
	return 0;
}

/* One curve: the density on [x0, x1], drawn in the panel at (px, py) scaled to ymax. */
static void curve(FILE *f, const sample *s, double x0, double x1, double px, double py,
                  double ymax, const char *color)
{
	if (!s->n) /* only infinite scores */
		return;
	if (s->h <= 0) { /* a single value: a spike */
		double x = px + (s->x[0] - x0) / (x1 - x0) * PW;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		           "stroke-width=\"2\"/>\n", x, py + PH, x, py, color);
		return;
	}
	fprintf(f, "<polygon fill=\"%s\" fill-opacity=\"0.25\" stroke=\"%s\" stroke-width=\"1.5\" "
	           "points=\"%.1f,%.1f", color, color, px, py + PH);
	for (int g = 0; g <= GRID; g++) {
		double t = x0 + (x1 - x0) * g / GRID;
		double d = nids_kde_at(s->x, s->n, s->h, t);
		fprintf(f, " %.1f,%.1f", px + (double)g / GRID * PW, py + PH - d / ymax * PH);
	}
	fprintf(f, " %.1f,%.1f\"/>\n", px + PW, py + PH);
}

static double peak(const sample *s, double x0, double x1)
{
	double m = 0;
	for (int g = 0; s->h > 0 && g <= GRID; g++)
		m = fmax(m, nids_kde_at(s->x, s->n, s->h, x0 + (x1 - x0) * g / GRID));
	return m;
}

static void panel(FILE *f, const sample *b, const sample *a, const char *cname, int k,
                  double px, double py, double threshold)
{
	double lo = INFINITY, hi = -INFINITY;
	for (const sample *s = b; s; s = s == b ? a : NULL)
		if (s->n) {
			lo = fmin(lo, s->x[0] - 3 * s->h);
			hi = fmax(hi, s->x[s->n - 1] + 3 * s->h);
		}
	if (lo > hi) /* no finite score on either side */
		lo = hi = 0;
	nids_svg_span(&lo, &hi, 1, 1);
	double ymax = fmax(peak(b, lo, hi), peak(a, lo, hi));
	ymax = ymax > 0 ? ymax * 1.08 : 1;
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"white\" "
	           "stroke=\"#333\"/>\n", px, py, PW, PH);
	char buf[160];
	snprintf(buf, sizeof buf, "benign vs %s", cname);
	nids_svg_text(f, px + PW / 2.0, py - 8, "middle", " font-weight=\"bold\"", buf);
	for (int i = 0; i <= 4; i++) {
		double v = lo + (hi - lo) * i / 4;
		snprintf(buf, sizeof buf, "%.3g", v);
		nids_svg_text(f, px + PW * i / 4.0, py + PH + 16, "middle", "", buf);
	}
	nids_svg_text(f, px + PW / 2.0, py + PH + 32, "middle", "", "score");
	snprintf(buf, sizeof buf, "%.3g", ymax);
	nids_svg_text(f, px - 4, py + 10, "end", "", buf);
	curve(f, b, lo, hi, px, py, ymax, BENIGN_COLOR);
	const char *color = PALETTE[k % (int)(sizeof PALETTE / sizeof *PALETTE)];
	curve(f, a, lo, hi, px, py, ymax, color);
	if (isfinite(threshold) && threshold >= lo && threshold <= hi) {
		double x = px + (threshold - lo) / (hi - lo) * PW;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" "
		           "stroke-dasharray=\"5 3\"/>\n", x, (int)py, x, py + PH);
	}
	snprintf(buf, sizeof buf, "benign (n=%zu, bw %.3g)", b->n, b->h);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"9\" fill=\"%s\"/>\n",
	        px + PW - 200, py + 8, BENIGN_COLOR);
	nids_svg_text(f, px + PW - 184, py + 16, "start", " font-size=\"11\"", buf);
	snprintf(buf, sizeof buf, "%.40s (n=%zu, bw %.3g)", cname, a->n, a->h);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"9\" fill=\"%s\"/>\n",
	        px + PW - 200, py + 24, color);
	nids_svg_text(f, px + PW - 184, py + 32, "start", " font-size=\"11\"", buf);
}

int nids_svg_density(FILE *f, const char *name, const nids_eval *e, const nids_svg_opts *o,
                     nids_err *err)
{
	int ids[MAX_PANELS], np = 0;
	for (int k = 0; k < o->nclasses && np < MAX_PANELS; k++) {
		size_t n = nids_eval_rows(e);
		for (size_t i = 0; i < n; i++)
			if (nids_eval_class_at(e, i) == k && nids_eval_label_at(e, i) == 1) {
				ids[np++] = k;
				break;
			}
	}
	if (!nids_eval_benign(e) || !np)
		return nids_err_set(err, NIDS_EFORMAT, name, "density plots need benign rows and "
		                                             "rows of an attack class");
	sample b, a = { 0 };
	if (collect(e, -2, &b))
		return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
	int rows = (np + 1) / 2;
	double W = 2 * PW + 180, H = rows * (PH + 80) + 70;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
	           "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
	        W, H, W, H);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	nids_svg_text(f, W / 2, 24, "middle", " font-weight=\"bold\" font-size=\"15\"",
	     o->title ? o->title : "score densities");
	for (int p = 0; p < np; p++) {
		free(a.x);
		if (collect(e, ids[p], &a)) {
			free(b.x);
			return nids_err_set(err, NIDS_ENOMEM, name, "out of memory");
		}
		const char *cname = ids[p] < o->nclasses ? o->classes[ids[p]] : "?";
		panel(f, &b, &a, cname, p, 60 + (p % 2) * (PW + 60), 70 + (p / 2) * (PH + 80),
		      o->threshold);
	}
	fputs("</svg>\n", f);
	free(a.x);
	free(b.x);
	if (ferror(f))
		return nids_err_set(err, NIDS_EIO, name, "write error: %s", strerror(errno));
	return 0;
}
