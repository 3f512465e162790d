/* nids-score: appends a model's score column (and optional extra columns) to a stream. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/clock.h"
#include "nids/err.h"
#include "nids/io.h"
#include "nids/model.h"
#include "nids/progress.h"
#include "nids/score.h"
#include "nids/stream.h"

static const char *PROG = "nids-score";
static const char *USAGE =
	"usage: nids-score -m model [-qv] [--progress] [-j threads] [--alarms [-e]] [--errors] "
	"[--explain] [--classes] [--predict] [--cluster] [-z level] [-o output] [input ...]\n"
	"       nids-score --info -m model\n"
	"Scores every row of a record stream with a model file and passes the stream on with\n"
	"a 'score' column appended (higher = more anomalous). Streams with constant memory.\n"
	"The model applies the normalization its training rows went through to a raw\n"
	"featurized stream. Several inputs read as one stream, one after another.\n"
	"\n"
	"  -m, --model FILE     the model file (from nids-fit)\n"
	"  -j, --threads N      threads [default: 1]\n"
	"      --alarms         keep only the rows over the model's stored threshold\n"
	"  -e, --exit-status    with --alarms: exit 0 when a row alarmed, 3 when none did\n"
	"      --errors         add err_<feature>: per-feature reconstruction error (ae, vae)\n"
	"      --explain        add grad_<feature>: d score / d feature (ae, vae)\n"
	"      --classes        add p_<class>: class probabilities (sae, tree, forest, logreg)\n"
	"      --predict        add pred, the most probable class (implies --classes)\n"
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

enum { O_ERRORS = 1000, O_EXPLAIN, O_CLASSES, O_CLUSTER, O_INFO, O_ALARMS, O_PREDICT };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },  { "threads", required_argument, NULL, 'j' },
		{ "errors", no_argument, NULL, O_ERRORS },  { "explain", no_argument, NULL, O_EXPLAIN },
		{ "classes", no_argument, NULL, O_CLASSES }, { "predict", no_argument, NULL, O_PREDICT },
		{ "cluster", no_argument, NULL, O_CLUSTER }, { "info", no_argument, NULL, O_INFO },
		{ "alarms", no_argument, NULL, O_ALARMS },  { "exit-status", no_argument, NULL, 'e' },
		{ "zstd", required_argument, NULL, 'z' },   { "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },      { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },      { "quiet", no_argument, NULL, 'q' },
		{ "progress", no_argument, NULL, NIDS_CLI_PROGRESS }, { NULL, 0, NULL, 0 }
	};
	const char *model_path = NULL, *out_path = NULL;
	int threads = 1, level = 0, info = 0, alarms = 0, exit_status = 0, predict = 0, ch;
	nids_cli_talk talk = { 0 };
	unsigned outputs = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":m:j:z:o:eqvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': model_path = optarg; break;
		case 'j': threads = nids_cli_threads(PROG, USAGE, optarg); break;
		case O_ERRORS: outputs |= NIDS_OUT_ERRORS; break;
		case O_EXPLAIN: outputs |= NIDS_OUT_EXPLAIN; break;
		case O_CLASSES: outputs |= NIDS_OUT_CLASSES; break;
		case O_CLUSTER: outputs |= NIDS_OUT_CLUSTER; break;
		case O_PREDICT: predict = 1, outputs |= NIDS_OUT_CLASSES; break;
		case O_INFO: info = 1; break;
		case O_ALARMS: alarms = 1; break;
		case 'e': exit_status = 1; break;
		case 'z': level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19); break;
		case 'o': out_path = nids_cli_output(PROG, USAGE, optarg); break;
		default: nids_cli_common(PROG, USAGE, argv, ch, &talk);
		}
	}
	if (!model_path)
		nids_cli_usage_error(PROG, USAGE, "-m is required");
	if (exit_status && !alarms)
		nids_cli_usage_error(PROG, USAGE, "-e goes with --alarms");
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
	int nout = nids_model_outputs(m, outputs, NULL, &err);
	if (nout < 0)
		nids_cli_usage_error(PROG, USAGE, "%s", err.msg);
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_output *out = NULL;
	nids_score_opts so = { outputs, threads, alarms, level, predict, model_path };
	nids_score_stats st = { 0 };
	double t_start = nids_seconds();
	nids_progress *progress = NULL;
	if (!(rc = nids_cli_open_stream(PROG, &talk, argv + optind, argc - optind, &in, &r, &progress,
	                                &err)) &&
	    !(rc = nids_output_open(&out, out_path, 1, &err)) &&
	    (rc = nids_score_stream(r, m, &so, nids_output_file(out), nids_output_name(out), &st,
	                            &err)) && rc != NIDS_EIO && !err.where[0]) /* the input's */
		snprintf(err.where, sizeof err.where, "%s", nids_input_name(in));
	if (!rc) {
		rc = nids_output_commit(out, &err);
		out = NULL;
	}
	nids_cli_progress_end(progress);
	if (!rc && talk.verbose) {
		double rows = (double)st.rows, all = nids_seconds() - t_start;
		fprintf(stderr, "%s: %.0f rows in %.3f s (%.0f rows/s); the model's share %.3f s "
		        "(%.0f rows/s)%s", PROG, rows, all, rows / all, st.model_secs,
		        st.model_secs > 0 ? rows / st.model_secs : 0,
		        st.normalized ? "; normalized with the model's parameters" : "");
		if (alarms)
			fprintf(stderr, "; %llu alarms", (unsigned long long)st.alarms);
		fputc('\n', stderr);
	}
	nids_output_abort(out);
	nids_reader_free(r);
	nids_input_free(in);
	nids_model_free(m);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return nids_cli_alarm_status(exit_status, st.alarms);
}
