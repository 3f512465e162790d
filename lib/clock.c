/* clock.c: the monotonic clock. */
#include "nids/clock.h"

#include <time.h>

double nids_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
