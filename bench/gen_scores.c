/* gen_scores.c: N scored, labeled rows as a nids stream for bench/eval.sh; the same
 * rows feed nids-roc and bench/eval_sklearn.py. Columns: score, label, class.
 * 20% attacks in four classes; scores are sums of three uniforms, attacks shifted
 * by 0.8 (so AUROC is about 0.9), float32 as in any stream.
 * usage: gen_scores N SEED > rows.rec */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "nids/stream.h"

static uint64_t state;

static uint64_t splitmix64(void)
{
	uint64_t z = (state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double uniform(void) { return (double)(splitmix64() >> 11) * 0x1p-53; }

int main(int argc, char **argv)
{
	static const char *classes[] = { "normal", "dos", "probe", "r2l", "u2r" };
	if (argc != 3)
		return fprintf(stderr, "usage: gen_scores N SEED > rows.rec\n"), 2;
	long n = atol(argv[1]);
	state = strtoull(argv[2], NULL, 10);
	nids_header *h = nids_header_new();
	nids_header_add_column(h, "score", NIDS_ROLE_SCORE, NULL);
	nids_header_add_column(h, "label", NIDS_ROLE_LABEL, NULL);
	nids_header_add_column(h, "class", NIDS_ROLE_CLASS, NULL);
	for (int i = 0; i < 5; i++)
		nids_header_add_class(h, classes[i]);
	nids_writer *w;
	nids_err err = { 0 };
	if (nids_writer_open(&w, stdout, "-", h, 0, &err))
		return nids_err_print("gen_scores", &err), 1;
	enum { B = 65536 };
	static float rows[B * 3];
	for (long done = 0; done < n;) {
		long m = n - done < B ? n - done : B;
		for (long i = 0; i < m; i++) {
			int attack = uniform() < 0.2;
			int cls = attack ? 1 + (int)(uniform() * 4) : 0;
			double s = uniform() + uniform() + uniform() + (attack ? 0.8 : 0.0);
			rows[3 * i] = (float)s;
			rows[3 * i + 1] = (float)attack;
			rows[3 * i + 2] = (float)cls;
		}
		if (nids_writer_write(w, rows, (size_t)m, &err))
			return nids_err_print("gen_scores", &err), 1;
		done += m;
	}
	if (nids_writer_close(w, &err) || fflush(stdout))
		return nids_err_print("gen_scores", &err), 1;
	nids_header_free(h);
	return 0;
}
