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

#endif
