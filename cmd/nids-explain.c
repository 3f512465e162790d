/* nids-explain: per-row feature attributions of a model's score. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/clock.h"
#include "nids/explain.h"
#include "nids/model.h"
#include "nids/stream.h"

static const char *PROG = "nids-explain";
static const char *USAGE =
	"usage: nids-explain -m model [-t method] [-b background] [--nsamples n] [-k rows] "
	"[--sample] [--seed N] [--times-input | --integrated steps] [--logit] [--stage gmm] "
	"[--alarms-only] "
	"[--threshold T] [--top K [--json]] [--fingerprint table] [--heatmap svg] [--features N] "
	"[--waterfall row:svg] [-v] [-j threads] [-z level] [-o output] [input]\n"
	"Explains each row of a record stream (raw featurized or scored: the model applies\n"
	"its own normalization) by one attribution per feature, appended as attr_<feature>\n"
	"columns with attr_base, or as lines naming each row's top K features.\n"
	"\n"
	"  -m, --model FILE       the model file (from nids-fit)\n"
	"  -t, --method M         tree (TreeSHAP: tree, forest), shap (kernel SHAP: any\n"
	"                         model), gradient (d score / d feature), error (ae, vae)\n"
	"                         [default: tree for tree and forest, else shap]\n"
	"  -b, --background FILE  benign rows to compare with (shap; tree: node covers;\n"
	"                         integrated gradients: the baseline is their mean)\n"
	"      --nsamples N       kernel SHAP coalitions per row [default: 2048]\n"
	"  -k, --bg-rows N        background rows: k-means centroids [default: 32]\n"
	"      --sample           a random sample of the background instead of k-means\n"
	"      --seed N           seed of the coalitions, k-means and sample [default: 1]\n"
	"      --times-input      gradient times the input\n"
	"      --integrated N     integrated gradients with N steps\n"
	"      --logit            explain log(s / (1 - s)) of a probability score s\n"
	"      --stage gmm        aegmm, shap: the mixture's score by the error vector\n"
	"      --alarms-only      explain only rows over the model's stored threshold\n"
	"      --threshold T      the threshold instead of the stored one\n"
	"      --top K            one text line per row: identifiers, score, top K features\n"
	"      --json             with --top: JSON lines\n"
	"      --fingerprint FILE per class, mean and mean |attribution| of each feature\n"
	"                         (TSV; JSON lines when FILE ends in .json)\n"
	"      --heatmap FILE     an SVG heatmap of the classes' mean attributions\n"
	"      --features N       features in the heatmap [default: 20]\n"
	"      --waterfall R:FILE an SVG waterfall of row R (from 1), repeatable\n"
	"  -j, --threads N        threads [default: 1]\n"
	"  -z, --zstd LEVEL       compress blocks at zstd LEVEL (1-19; default 0, none)\n"
	"  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
	"  -v, --verbose          print rows and rows explained per second on stderr\n"
	"  -h, --help             this help\n"
	"  -V, --version          version\n"
	"see nids-explain(1)\n";

enum { O_STAGE = 998, O_NS = 999, O_SAMPLE = 1000, O_SEED, O_TIMES, O_IG, O_LOGIT, O_ALARMS, O_THR, O_TOP, O_JSON, O_FP, O_HEAT,
       O_FEAT, O_WF };

#define MAX_WF 16

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },      { "method", required_argument, NULL, 't' },
		{ "background", required_argument, NULL, 'b' }, { "nsamples", required_argument, NULL, O_NS },
		{ "bg-rows", required_argument, NULL, 'k' },    { "sample", no_argument, NULL, O_SAMPLE },
		{ "seed", required_argument, NULL, O_SEED },    { "times-input", no_argument, NULL, O_TIMES },
		{ "integrated", required_argument, NULL, O_IG }, { "logit", no_argument, NULL, O_LOGIT },
		{ "alarms-only", no_argument, NULL, O_ALARMS }, { "threshold", required_argument, NULL, O_THR },
		{ "top", required_argument, NULL, O_TOP },      { "json", no_argument, NULL, O_JSON },
		{ "fingerprint", required_argument, NULL, O_FP }, { "heatmap", required_argument, NULL, O_HEAT },
		{ "features", required_argument, NULL, O_FEAT }, { "stage", required_argument, NULL, O_STAGE }, { "waterfall", required_argument, NULL, O_WF },
		{ "threads", required_argument, NULL, 'j' },    { "zstd", required_argument, NULL, 'z' },
		{ "output", required_argument, NULL, 'o' },     { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },             { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *model_path = NULL, *out_path = NULL, *bg_path = NULL, *method = NULL;
	nids_explain_opts o = { .method = -1, .nsamples = 2048, .bg_rows = 32, .bg_max = 10000,
		                .seed = 1, .threads = 1 };
	int verbose = 0, ch, nwf = 0;
	const char *fp_path = NULL, *heat_path = NULL, *wf_path[MAX_WF];
	uint64_t wf_rows[MAX_WF];
	o.fp_top = 20;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":m:t:b:k:j:z:o:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': model_path = optarg; break;
		case 't': method = optarg; break;
		case 'b': bg_path = optarg; break;
		case O_NS: o.nsamples = (int)nids_cli_long_or_die(PROG, USAGE, "--nsamples", optarg, 2, 1 << 20); break;
		case 'k': o.bg_rows = (int)nids_cli_long_or_die(PROG, USAGE, "-k", optarg, 1, 100000); break;
		case O_SAMPLE: o.bg_sample = 1; break;
		case O_SEED: o.seed = (uint64_t)nids_cli_long_or_die(PROG, USAGE, "--seed", optarg, 0, 1L << 62); break;
		case O_TIMES: o.times_input = 1; break;
		case O_IG: o.ig_steps = (int)nids_cli_long_or_die(PROG, USAGE, "--integrated", optarg, 1, 100000); break;
		case O_LOGIT: o.logit = 1; break;
		case O_STAGE:
			if (strcmp(optarg, "gmm"))
				nids_cli_usage_error(PROG, USAGE, "--stage: '%s' is not gmm", optarg);
			o.gmm_stage = 1;
			break;
		case O_ALARMS: o.alarms_only = 1; break;
		case O_THR:
			o.threshold = nids_cli_double_or_die(PROG, USAGE, "--threshold", optarg, -1e300, 1e300);
			o.has_threshold = 1;
			break;
		case O_TOP: o.top = (int)nids_cli_long_or_die(PROG, USAGE, "--top", optarg, 1, 65536); break;
		case O_JSON: o.json = 1; break;
		case O_FP: fp_path = optarg; break;
		case O_HEAT: heat_path = optarg; break;
		case O_FEAT: o.fp_top = (int)nids_cli_long_or_die(PROG, USAGE, "--features", optarg, 1, 1000); break;
		case O_WF: {
			char *colon = strchr(optarg, ':');
			if (nwf == MAX_WF)
				nids_cli_usage_error(PROG, USAGE, "--waterfall: at most %d", MAX_WF);
			if (!colon || !colon[1])
				nids_cli_usage_error(PROG, USAGE, "--waterfall: '%s' is not ROW:FILE", optarg);
			*colon = 0;
			wf_rows[nwf] = (uint64_t)nids_cli_long_or_die(PROG, USAGE, "--waterfall", optarg, 1, 1L << 62) - 1;
			wf_path[nwf++] = colon + 1;
			break;
		}
		case 'j': o.threads = (int)nids_cli_long_or_die(PROG, USAGE, "-j", optarg, 1, 64); break;
		case 'z': o.level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19); break;
		case 'o': out_path = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': nids_cli_help(USAGE);
		case 'V': nids_cli_version(PROG);
		default: nids_cli_bad_option(PROG, USAGE, argv, ch);
		}
	}
	if (!model_path)
		nids_cli_usage_error(PROG, USAGE, "-m is required");
	if (method && (o.method = nids_explain_method_parse(method)) < 0)
		nids_cli_usage_error(PROG, USAGE, "-t: '%s' is not a method (tree, shap, gradient, "
		                     "error)", method);
	if (o.json && !o.top)
		nids_cli_usage_error(PROG, USAGE, "--json goes with --top");
	if (o.times_input && o.ig_steps)
		nids_cli_usage_error(PROG, USAGE, "--times-input or --integrated, not both");
	if (argc - optind > 1)
		nids_cli_usage_error(PROG, USAGE, "one input at most");
	nids_err err = { 0 };
	nids_model *m = NULL;
	int rc = nids_model_read(&m, model_path, &err);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	if (o.method < 0)
		o.method = !strcmp(m->type->name, "tree") || !strcmp(m->type->name, "forest")
		                   ? NIDS_EXPLAIN_TREE : NIDS_EXPLAIN_SHAP;
	const char *in_path = optind < argc ? argv[optind] : "-";
	nids_input *in = NULL, *bgin = NULL;
	nids_reader *r = NULL, *bgr = NULL;
	nids_output *out = NULL;
	nids_explain_stats st = { 0 };
	double t0 = nids_seconds();
	if (bg_path && (rc = nids_input_open(&bgin, bg_path, &err)) == 0 &&
	    (rc = nids_reader_open(&bgr, bgin, &err)) != 0 && !err.where[0])
		snprintf(err.where, sizeof err.where, "%s", bg_path);
	/* the side files: fingerprint table, heatmap, waterfalls */
	nids_output *side[2 + MAX_WF] = { NULL };
	FILE *wf_out[MAX_WF];
	const char *side_path[2 + MAX_WF] = { fp_path, heat_path };
	for (int i = 0; i < nwf; i++)
		side_path[2 + i] = wf_path[i];
	for (int i = 0; i < 2 + nwf && !rc; i++)
		if (side_path[i])
			rc = nids_output_open(&side[i], side_path[i], 0, &err);
	if (!rc) {
		o.fp_table = side[0] ? nids_output_file(side[0]) : NULL;
		o.fp_json = fp_path && strlen(fp_path) > 5 && !strcmp(fp_path + strlen(fp_path) - 5, ".json");
		o.fp_svg = side[1] ? nids_output_file(side[1]) : NULL;
		for (int i = 0; i < nwf; i++)
			wf_out[i] = nids_output_file(side[2 + i]);
		o.nwf = nwf, o.wf_rows = wf_rows, o.wf_out = wf_out;
	}
	if (!rc && !(rc = nids_input_open(&in, in_path, &err)) && !(rc = nids_reader_open(&r, in, &err)) &&
	    !(rc = nids_output_open(&out, out_path, o.top == 0, &err)) &&
	    !(rc = nids_explain_stream(r, bgr, m, &o, nids_output_file(out), nids_output_name(out),
	                               &st, &err))) {
		for (int i = 0; i < 2 + nwf && !rc; i++)
			if (side[i]) {
				rc = nids_output_commit(side[i], &err);
				side[i] = NULL;
			}
		if (!rc)
			rc = nids_output_commit(out, &err);
		out = NULL;
	}
	for (int i = 0; i < 2 + nwf; i++)
		nids_output_abort(side[i]);
	if (!rc && verbose) {
		double all = nids_seconds() - t0;
		fprintf(stderr, "%s: %llu rows in %.3f s, %llu explained in %.3f s (%.1f rows/s)\n",
		        PROG, (unsigned long long)st.rows, all, (unsigned long long)st.explained,
		        st.explain_secs, st.explain_secs > 0 ? (double)st.explained / st.explain_secs : 0);
	}
	if (rc && !err.where[0] && in)
		snprintf(err.where, sizeof err.where, "%s", nids_input_name(in));
	nids_output_abort(out);
	nids_reader_free(r);
	nids_input_free(in);
	nids_reader_free(bgr);
	nids_input_free(bgin);
	nids_model_free(m);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
