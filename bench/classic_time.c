/* classic_time.c: times a model's fit and its scoring inside one process, the way
 * sklearn_baselines.py times fit() and predict_proba() (data already in memory), and
 * writes the model file. Built and run by bench/classic.sh; not installed.
 *
 *   classic_time -t type -j threads --seed n [--key value ...] -o model train.rec test.rec
 *
 * Prints "fit_wall fit_cpu score_wall score_cpu" (seconds; scoring: the fastest of
 * $PASSES passes over the test rows, default 5, after one untimed pass) on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nids/dataset.h"
#include "nids/model.h"
#include "nids/score.h"
#include "nids/stream.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of every thread of the process */
static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static nids_dataset *load(const char *path, nids_input **in, nids_reader **r, nids_err *err)
{
	nids_dataset *ds = NULL;
	if (nids_input_open(in, path, err) || nids_reader_open(r, *in, err) ||
	    nids_dataset_read(&ds, *r, path, 0, 0, err))
		return NULL;
	return ds;
}

static void die(const nids_err *err)
{
	nids_err_print("classic_time", err);
	exit(1);
}

int main(int argc, char **argv)
{
	const char *type = NULL, *out = NULL, *paths[2] = { NULL, NULL };
	int threads = 1, np = 0;
	unsigned long long seed = 0;
	nids_err err = { 0 };
	nids_model *m = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc)
			type = argv[++i];
		else if (!strcmp(argv[i], "-j") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strncmp(argv[i], "--", 2) && i + 1 < argc) {
			if (!m && nids_model_new(&m, type ? type : "", &err))
				die(&err);
			if (nids_model_set(m, argv[i] + 2, argv[i + 1], &err))
				die(&err);
			i++;
		} else if (np < 2)
			paths[np++] = argv[i];
	}
	if (!type || !out || np != 2) {
		fprintf(stderr, "usage: classic_time -t type -j n --seed n [--k v] -o model "
		        "train.rec test.rec\n");
		return 2;
	}
	if (!m && nids_model_new(&m, type, &err))
		die(&err);
	m->seed = seed;
	nids_input *in1, *in2;
	nids_reader *r1, *r2;
	nids_dataset *train = load(paths[0], &in1, &r1, &err), *test;
	if (!train || !(test = load(paths[1], &in2, &r2, &err)))
		die(&err);
	nids_dataset none = *train;
	none.n = 0;
	nids_fit_opts fo = { .threads = threads };
	double t0 = now(), c0 = cpu();
	if (nids_model_fit(m, train, &none, &fo, &err))
		die(&err);
	double t1 = now(), c1 = cpu();
	/* score the test rows in the batches nids-score uses */
	enum { CAP = 8192 };
	nids_scorer *s;
	int nout = nids_model_outputs(m, 0, NULL, &err);
	float *res = malloc(sizeof(float) * CAP * (size_t)nout);
	if (!res || nids_scorer_new(&s, m, 0, threads, CAP, &err))
		die(&err);
	/* one untimed pass first, then the fastest of PASSES (as classic_sk_time.py does):
	 * first-touch costs and busy moments of a shared machine aside */
	const char *ps = getenv("PASSES");
	int passes = ps ? atoi(ps) : 5;
	double score_wall = 1e300, score_cpu = 0;
	for (int pass = 0; pass <= passes; pass++) {
		double t2 = now(), c2 = cpu();
		for (size_t at = 0; at < test->n; at += CAP) {
			int B = (int)(test->n - at < CAP ? test->n - at : CAP);
			nids_scorer_run(s, test->x + at * test->d, B, at, res);
		}
		double t3 = now(), c3 = cpu();
		if (pass > 0 && t3 - t2 < score_wall)
			score_wall = t3 - t2, score_cpu = c3 - c2;
	}
	FILE *f = fopen(out, "wb");
	if (!f || nids_model_write(m, f, &err) || fclose(f))
		die(&err);
	printf("%.4f %.4f %.4f %.4f\n", t1 - t0, c1 - c0, score_wall, score_cpu);
	nids_scorer_free(s);
	free(res);
	nids_model_free(m);
	nids_dataset_free(train);
	nids_dataset_free(test);
	nids_reader_free(r1);
	nids_reader_free(r2);
	nids_input_free(in1);
	nids_input_free(in2);
	return 0;
}
