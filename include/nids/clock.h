/* clock.h: a monotonic clock for progress lines and throughput figures.
 * Public API of libnids. */
#ifndef NIDS_CLOCK_H
#define NIDS_CLOCK_H

/* Seconds on the monotonic clock, from an arbitrary origin. */
double nids_seconds(void);

#endif
