/* format.c: numbers as text in the fewest digits that read back to the same value. */
#include "nids/format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nids_format_float(char *buf, float v)
{
	if (isnan(v))
		return (int)(strcpy(buf, "nan"), 3);
	if (isinf(v))
		return v < 0 ? (int)(strcpy(buf, "-inf"), 4) : (int)(strcpy(buf, "inf"), 3);
	if (v == 0 && signbit(v))
		return (int)(strcpy(buf, "-0"), 2);
	/* integers up to 2^24 are exact and by far the most common values; the range test
	 * comes first, as converting a larger float to long is undefined */
	if (fabsf(v) <= 16777216.0f && v == (float)(long)v)
		return snprintf(buf, 32, "%ld", (long)v);
	int n = 0;
	for (int prec = 6; prec <= 9; prec++) {
		n = snprintf(buf, 32, "%.*g", prec, (double)v);
		if (strtof(buf, NULL) == v)
			break;
	}
	return n;
}

char *nids_format_double(char *buf, double v)
{
	if (isnan(v))
		return strcpy(buf, "nan");
	if (isinf(v))
		return strcpy(buf, v > 0 ? "inf" : "-inf");
	/* at least the integer digits, so that 50 prints as 50 and not 5e+01 */
	int prec = 1;
	if (fabs(v) >= 1 && fabs(v) < 1e17)
		prec = (int)floor(log10(fabs(v))) + 1;
	for (; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}
