/* svg_impl.h: what the SVG writers in lib/ share (svg_plot.c defines them). Internal. */
#ifndef NIDS_SVG_IMPL_H
#define NIDS_SVG_IMPL_H

#include <stdio.h>

/* Writes s with XML's five special characters escaped. */
void nids_svg_escaped(FILE *f, const char *s);

/* A <text> element at (x, y) with text-anchor anchor, extra attributes (" fill=...",
 * or ""), and s escaped. */
void nids_svg_text(FILE *f, double x, double y, const char *anchor, const char *extra,
                   const char *s);

/* An axis range [lo, hi] that is a single value (hi <= lo) widened by below and above;
 * where that does not move a double (from 2^53 on), by 2^-20 of the value on each side
 * that was to move, so that positions never divide by 0. */
void nids_svg_span(double *lo, double *hi, double below, double above);

#endif
