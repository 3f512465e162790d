/* svg_plot_impl.h: one self-contained SVG picture of a scored, labeled stream: the ROC curve
 * with its AUC in the legend, the precision-recall curve with its average precision,
 * and histograms of the scores (log-scaled counts) of the benign rows and of each
 * attack class, with the threshold marked on all three. No scripts, no external
 * fonts or images: any browser or SVG viewer shows it.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_SVG_PLOT_IMPL_H
#define NIDS_SVG_PLOT_IMPL_H

#include <stdio.h>

#include "nids/err.h"
#include "metrics_impl.h"

typedef struct nids_svg_opts {
	const char *title;          /* heading, e.g. the input's name; NULL for none */
	const char *const *classes; /* class names by id (the stream's class table) */
	int nclasses;
	double threshold;           /* marked on the plots; NaN for none */
	int bins;                   /* histogram bins, 2..1000 */
} nids_svg_opts;

/* Writes the SVG document for the sorted rows of e to f (name for messages).
 * Returns 0, NIDS_EIO on a write error, NIDS_ENOMEM. */
int nids_svg_plot(FILE *f, const char *name, const nids_eval *e, const nids_svg_opts *o,
                  nids_err *err);

#endif
