/* spool.c: the row spool (lib/spool_impl.h): records written to an unnamed temporary
 * file, then read back in blocks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool_impl.h"

struct nids_spool {
	FILE *f;
	size_t nf, nb, recbytes, block; /* block: records read at a time */
	uint64_t n;
	int reading;
	unsigned char *buf, *bytes; /* block * recbytes; block * nb (the records' tails) */
	float *rows;                /* block * nf */
};

int nids_spool_open(nids_spool **sp, size_t nf, size_t nb, nids_err *err)
{
	nids_spool *s = calloc(1, sizeof *s);
	*sp = NULL;
	if (!s)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!(s->f = tmpfile())) {
		int e = errno;
		free(s);
		return nids_err_set(err, NIDS_EIO, NULL, "cannot create a temporary spool file: %s",
		                    strerror(e));
	}
	s->nf = nf;
	s->nb = nb;
	s->recbytes = nf * sizeof(float) + nb;
	s->block = (1u << 20) / (s->recbytes ? s->recbytes : 1) + 1;
	*sp = s;
	return 0;
}

int nids_spool_put(nids_spool *s, const float *f, const void *b, nids_err *err)
{
	if (fwrite(f, sizeof *f, s->nf, s->f) != s->nf || (s->nb && fwrite(b, 1, s->nb, s->f) != s->nb))
		return nids_err_set(err, NIDS_EIO, NULL, "spool: write error: %s", strerror(errno));
	s->n++;
	return 0;
}

uint64_t nids_spool_count(const nids_spool *s) { return s->n; }

long nids_spool_next(nids_spool *s, float **f, unsigned char **b, nids_err *err)
{
	if (!s->reading) {
		s->buf = malloc(s->block * s->recbytes + 1);
		s->rows = malloc(s->block * s->nf * sizeof *s->rows + 1);
		s->bytes = malloc(s->block * s->nb + 1);
		if (!s->buf || !s->rows || !s->bytes)
			return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		if (fseek(s->f, 0, SEEK_SET))
			return nids_err_set(err, NIDS_EIO, NULL, "spool: %s", strerror(errno));
		s->reading = 1;
	}
	size_t k = fread(s->buf, s->recbytes, s->block, s->f);
	if (k == 0 && ferror(s->f))
		return nids_err_set(err, NIDS_EIO, NULL, "spool: read error");
	for (size_t i = 0; i < k; i++) {
		const unsigned char *rec = s->buf + i * s->recbytes;
		memcpy(s->rows + i * s->nf, rec, s->nf * sizeof(float));
		memcpy(s->bytes + i * s->nb, rec + s->nf * sizeof(float), s->nb);
	}
	*f = s->rows;
	*b = s->bytes;
	return (long)k;
}

void nids_spool_free(nids_spool *s)
{
	if (!s)
		return;
	fclose(s->f);
	free(s->buf);
	free(s->rows);
	free(s->bytes);
	free(s);
}
