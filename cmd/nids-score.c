/* nids-score: appends a model's score column (and optional extra columns) to a stream. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/clock.h"
#include "nids/io.h"
#include "nids/model.h"
#include "nids/progress.h"
#include "nids/stream.h"

static const char *PROG = "nids-score";
static const char *USAGE =
	"usage: nids-score -m model [-qv] [--progress] [-j threads] [--errors] [--explain] [--classes] "
	"[--cluster] [-z level] [-o output] [input ...]\n"
	"       nids-score --info -m model\n"
	"Scores every row of a record stream with a model file and passes the stream on with\n"
	"a 'score' column appended (higher = more anomalous). Streams with constant memory.\n"
	"Several inputs read as one stream, one after another.\n"
	"\n"
	"  -m, --model FILE     the model file (from nids-fit)\n"
	"  -j, --threads N      threads [default: 1]\n"
	"      --errors         add err_<feature>: per-feature reconstruction error (ae, vae)\n"
	"      --explain        add grad_<feature>: d score / d feature (ae, vae)\n"
	"      --classes        add p_<class>: class probabilities (sae, tree, forest, logreg)\n"
	"      --cluster        add cluster: the nearest centroid's index (kmeans)\n"
	"      --info           print the model's header as text and exit\n"
	"  -z, --zstd LEVEL     compress blocks at zstd LEVEL (1-19; default 0, none)\n"
	"  -o, --output FILE    write to FILE (atomically) instead of stdout\n"
	"  -v, --verbose        print rows/s, overall and in the model alone, on stderr\n"
	"  -q, --quiet          no progress line on stderr\n"
	"      --progress       a progress line even when stderr is not a terminal\n"
	"  -h, --help           this help\n"
	"  -V, --version        version\n"
	"see nids-score(1)\n";

#define CHUNK 1024 /* rows scored at once */

enum { O_ERRORS = 1000, O_EXPLAIN, O_CLASSES, O_CLUSTER, O_INFO, O_PROGRESS };

/* The output header: the input's columns, then the model's. */
static int out_header(nids_header **hp, const nids_header *in, char **names, int nout,
                      int nscores, nids_err *err)
{
	nids_header *h = nids_header_copy(in);
	if (!h)
		return nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	for (int i = 0; i < nout; i++) {
		int rc = nids_header_add_column(h, names[i],
		                                    i < nscores ? NIDS_ROLE_SCORE : NIDS_ROLE_META, err);
		if (rc < 0) {
			nids_header_free(h);
			if (rc == NIDS_EUSAGE)
				return nids_err_set(err, NIDS_EFORMAT, NULL, "the stream already has a "
				                    "column '%s' (drop it with nids-cat -c first)", names[i]);
			return rc;
		}
	}
	*hp = h;
	return 0;
}

/* Scores the n pending rows, which sit in rowsout [n x (C + nout)] with their output
 * columns still to fill, and writes them. */
static int flush(nids_writer *w, nids_scorer *s, int n, int C, int d, const int *fcol, float *x,
                 float *sc, float *rowsout, int nout, uint64_t row0, double *secs,
                 nids_err *err)
{
	size_t stride = (size_t)(C + nout);
	for (int b = 0; b < n; b++)
		for (int j = 0; j < d; j++)
			x[(size_t)b * d + j] = rowsout[b * stride + fcol[j]];
	double t0 = nids_seconds();
	nids_scorer_run(s, x, n, row0, sc);
	*secs += nids_seconds() - t0;
	for (int b = 0; b < n; b++)
		memcpy(rowsout + b * stride + C, sc + (size_t)b * nout, (size_t)nout * sizeof(float));
	return nids_writer_write(w, rowsout, (size_t)n, err);
}

/* Rows are scored in chunks that start at stream row multiples of CHUNK, whatever the
 * input's block sizes, so a row is always scored at the same position in its batch (a
 * matrix product's rounding can depend on it). */
static int score_stream(nids_reader *r, nids_writer *w, nids_scorer *s, const nids_model *m,
                        int nout, double *secs, nids_err *err)
{
	const nids_header *hin = nids_reader_header(r);
	int C = hin->ncols, d = m->d, *fcol = malloc((size_t)d * sizeof *fcol);
	size_t stride = (size_t)(C + nout);
	float *x = nids_floats((size_t)CHUNK * d), *sc = nids_floats((size_t)CHUNK * nout);
	float *rowsout = nids_floats((size_t)CHUNK * stride);
	int rc = 0, n = 0;
	if (!fcol || !x || !sc || !rowsout) {
		rc = nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
		goto done;
	}
	for (int i = 0, j = 0; i < C; i++)
		if (hin->cols[i].role == NIDS_ROLE_FEATURE)
			fcol[j++] = i;
	float *rows;
	long got;
	uint64_t row0 = 0;
	while ((got = nids_reader_next(r, &rows, err)) > 0) {
		if ((rc = nids_writer_sync_classes(w, nids_reader_header(r), err)) < 0)
			goto done;
		for (long i = 0; i < got; i++) {
			memcpy(rowsout + (size_t)n * stride, rows + (size_t)i * C, (size_t)C * sizeof(float));
			if (++n == CHUNK) {
				if ((rc = flush(w, s, n, C, d, fcol, x, sc, rowsout, nout, row0, secs, err)) < 0)
					goto done;
				row0 += (uint64_t)n;
				n = 0;
			}
		}
	}
	if (got < 0)
		rc = (int)got;
	else if (n)
		rc = flush(w, s, n, C, d, fcol, x, sc, rowsout, nout, row0, secs, err);
done:
	free(fcol), free(x), free(sc), free(rowsout);
	return rc;
}

/* Opens the inputs as one stream and attaches the progress line. */
static int open_input(nids_input **in, nids_reader **r, char **paths, int n,
                      const nids_cli_talk *talk, nids_progress **progress, nids_err *err)
{
	int rc = nids_input_open_files(in, (const char *const *)paths, n, 0, err);
	if (!rc)
		rc = nids_reader_open(r, *in, err);
	if (!rc)
		*progress = nids_cli_progress(PROG, talk, *in, *r);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },  { "threads", required_argument, NULL, 'j' },
		{ "errors", no_argument, NULL, O_ERRORS },  { "explain", no_argument, NULL, O_EXPLAIN },
		{ "classes", no_argument, NULL, O_CLASSES },
		{ "cluster", no_argument, NULL, O_CLUSTER }, { "info", no_argument, NULL, O_INFO },
		{ "zstd", required_argument, NULL, 'z' },   { "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },      { "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },  { "progress", no_argument, NULL, O_PROGRESS },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *model_path = NULL, *out_path = NULL;
	int threads = 1, level = 0, info = 0, ch;
	nids_cli_talk talk = { 0 };
	unsigned outputs = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":m:j:z:o:qvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': model_path = optarg; break;
		case 'j': threads = (int)nids_cli_long_or_die(PROG, USAGE, "-j", optarg, 1, 64); break;
		case O_ERRORS: outputs |= NIDS_OUT_ERRORS; break;
		case O_EXPLAIN: outputs |= NIDS_OUT_EXPLAIN; break;
		case O_CLASSES: outputs |= NIDS_OUT_CLASSES; break;
		case O_CLUSTER: outputs |= NIDS_OUT_CLUSTER; break;
		case O_INFO: info = 1; break;
		case 'z': level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19); break;
		case 'o': out_path = optarg; break;
		case 'v': talk.verbose = 1, talk.quiet = 0; break;
		case 'q': talk.quiet = 1, talk.verbose = 0; break;
		case O_PROGRESS: talk.progress = 1; break;
		case 'h': nids_cli_help(USAGE);
		case 'V': nids_cli_version(PROG);
		default: nids_cli_bad_option(PROG, USAGE, argv, ch);
		}
	}
	if (!model_path)
		nids_cli_usage_error(PROG, USAGE, "-m is required");
	if (info && argc > optind)
		nids_cli_usage_error(PROG, USAGE, "--info takes no input");
	nids_err err = { 0 };
	nids_model *m = NULL;
	int rc = nids_model_read(&m, model_path, &err);
	if (!rc && info) {
		char *text = nids_model_describe(m);
		if (text)
			fputs(text, stdout);
		else
			rc = nids_err_set(&err, NIDS_ENOMEM, NULL, "out of memory");
		free(text);
		if (!rc)
			rc = nids_stdout_close(&err);
	}
	if (rc || info) {
		nids_model_free(m);
		if (rc)
			nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	char **names = NULL;
	int nout = nids_model_outputs(m, outputs, &names, &err);
	if (nout < 0)
		nids_cli_usage_error(PROG, USAGE, "%s", err.msg);
	int nscores = 1; /* "score" and the type's further score columns */
	while (m->type->scores && m->type->scores[nscores - 1])
		nscores++;
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_output *out = NULL;
	nids_writer *w = NULL;
	nids_header *h = NULL;
	nids_scorer *s = NULL;
	double secs = 0, t_start = nids_seconds();
	nids_progress *progress = NULL;
	if (!(rc = open_input(&in, &r, argv + optind, argc - optind, &talk, &progress, &err)) &&
	    !(rc = nids_model_check_features(m, nids_reader_header(r), &err)) &&
	    !(rc = out_header(&h, nids_reader_header(r), names, nout, nscores, &err)) &&
	    !(rc = nids_scorer_new(&s, m, outputs, threads, CHUNK, &err)) &&
	    !(rc = nids_output_open(&out, out_path, 1, &err)) &&
	    !(rc = nids_writer_open(&w, nids_output_file(out), nids_output_name(out), h, level,
	                            &err)) &&
	    !(rc = score_stream(r, w, s, m, nout, &secs, &err))) {
		rc = nids_writer_close(w, &err);
		w = NULL;
		if (!rc) {
			rc = nids_output_commit(out, &err);
			out = NULL;
		}
	}
	nids_cli_progress_end(progress);
	if (!rc && talk.verbose) {
		double rows = r ? (double)nids_reader_rows(r) : 0, all = nids_seconds() - t_start;
		fprintf(stderr, "%s: %.0f rows in %.3f s (%.0f rows/s); the model's share %.3f s "
		        "(%.0f rows/s)\n", PROG, rows, all, rows / all, secs, secs > 0 ? rows / secs : 0);
	}
	if (rc && !err.where[0] && in && (rc == NIDS_EMISMATCH))
		snprintf(err.where, sizeof err.where, "%s", nids_input_name(in));
	nids_writer_free(w);
	nids_output_abort(out);
	nids_scorer_free(s);
	nids_header_free(h);
	nids_reader_free(r);
	nids_input_free(in);
	for (int i = 0; i < nout; i++)
		free(names[i]);
	free(names);
	nids_model_free(m);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
