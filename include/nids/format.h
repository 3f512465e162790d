/* format.h: numbers as text in the fewest digits that read back to the same value, as
 * the programs print scores, thresholds and metrics. Public API of libnids. */
#ifndef NIDS_FORMAT_H
#define NIDS_FORMAT_H

/* Formats v in the shortest decimal form that parses back to the same float
 * ("nan", "inf", "-inf" for those). buf holds at least 32 bytes; returns the length. */
int nids_format_float(char *buf, float v);

/* Formats v with the fewest digits that read back as the same double, into buf
 * (at least 32 bytes); "nan", "inf", "-inf" for those. Returns buf. */
char *nids_format_double(char *buf, double v);

#endif
