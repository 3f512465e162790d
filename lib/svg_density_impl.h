/* svg_density_impl.h: score densities per class, as GEE (Nguyen et al. 2019) plots them:
 * for every attack class a panel with the Gaussian kernel density estimate of the
 * benign rows' scores and of the class's scores (Scott's bandwidth, as seaborn's
 * kdeplot draws by default: sd * n^(-1/5), the curve running 3 bandwidths past the
 * data). One self-contained SVG file: no scripts, fonts or images.
 * Internal to lib/ (and its unit tests). */
#ifndef NIDS_SVG_DENSITY_IMPL_H
#define NIDS_SVG_DENSITY_IMPL_H

#include <stddef.h>
#include <stdio.h>

#include "nids/err.h"
#include "metrics_impl.h"
#include "svg_plot_impl.h"

/* Scott's bandwidth of x [n]: the sample sd (n - 1) times n^(-1/5); 0 when n < 2 or
 * every value is equal. */
double nids_kde_bandwidth(const double *x, size_t n);

/* The Gaussian kernel density of x [n] (sorted ascending) with bandwidth h > 0 at t:
 * (1 / n h sqrt(2 pi)) sum exp(-(t - x_i)^2 / 2 h^2), over the x_i within 9 h of t. */
double nids_kde_at(const double *x, size_t n, double h, double t);

/* Writes the panels for the sorted, labeled rows of e to f (name for messages); o
 * gives the title, the class names and a threshold to mark (NaN for none; bins is not
 * used). Classes with attack rows each get a panel, at most 12. Returns 0, NIDS_EIO,
 * NIDS_ENOMEM, or NIDS_EFORMAT when there are no benign or no attack rows. */
int nids_svg_density(FILE *f, const char *name, const nids_eval *e, const nids_svg_opts *o,
                     nids_err *err);

#endif
