/* progress.c: the live progress line. */
#include "nids/progress.h"

#include <stdlib.h>
#include <string.h>

#include "nids/clock.h"

#define REDRAW_SECONDS 0.25

struct nids_progress {
	FILE *f;
	char prog[64];
	uint64_t total, bytes;
	uint64_t (*rows)(const void *ctx);
	const void *ctx;
	double start, last;
	int drawn;    /* a line was drawn at least once */
	int last_len; /* characters of the last line, to blank it */
};

nids_progress *nids_progress_new(FILE *f, const char *prog)
{
	nids_progress *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->f = f;
	snprintf(p->prog, sizeof p->prog, "%s", prog);
	p->start = nids_seconds();
	return p;
}

void nids_progress_set_total(nids_progress *p, uint64_t bytes)
{
	if (p)
		p->total = bytes;
}

void nids_progress_set_rows(nids_progress *p, uint64_t (*rows)(const void *), const void *ctx)
{
	if (p) {
		p->rows = rows;
		p->ctx = ctx;
	}
}

/* "1:02:03" or "2:03" */
static void clock_text(char *b, size_t n, double secs)
{
	unsigned long s = (unsigned long)(secs + 0.5);
	if (s >= 3600)
		snprintf(b, n, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(b, n, "%lu:%02lu", s / 60, s % 60);
}

static void draw(nids_progress *p, double now)
{
	char line[256], eta[32];
	double secs = now - p->start, mb = (double)p->bytes / 1e6;
	int n = snprintf(line, sizeof line, "%s: ", p->prog);
	if (p->rows)
		n += snprintf(line + n, sizeof line - (size_t)n, "%llu rows, ",
		              (unsigned long long)p->rows(p->ctx));
	n += snprintf(line + n, sizeof line - (size_t)n, "%.1f MB", mb);
	if (p->total)
		n += snprintf(line + n, sizeof line - (size_t)n, " of %.1f MB (%.0f%%)",
		              (double)p->total / 1e6,
		              100.0 * (double)(p->bytes < p->total ? p->bytes : p->total) /
		                      (double)p->total);
	if (secs > 0.05) {
		double rate = mb / secs;
		n += snprintf(line + n, sizeof line - (size_t)n, ", %.1f MB/s", rate);
		if (p->total && p->bytes > 0 && p->bytes < p->total) {
			clock_text(eta, sizeof eta, (double)(p->total - p->bytes) / 1e6 / rate);
			n += snprintf(line + n, sizeof line - (size_t)n, ", ETA %s", eta);
		}
	}
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	/* pad over a longer previous line */
	fprintf(p->f, "\r%s%*s", line, p->last_len > n ? p->last_len - n : 0, "");
	fflush(p->f);
	p->last_len = n;
	p->drawn = 1;
	p->last = now;
}

void nids_progress_add_bytes(nids_progress *p, uint64_t n)
{
	if (!p)
		return;
	p->bytes += n;
	double now = nids_seconds();
	if (!p->drawn || now - p->last >= REDRAW_SECONDS)
		draw(p, now);
}

void nids_progress_free(nids_progress *p)
{
	if (!p)
		return;
	if (p->drawn) {
		fprintf(p->f, "\r%*s\r", p->last_len, "");
		fflush(p->f);
	}
	free(p);
}
