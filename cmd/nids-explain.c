/* nids-explain: per-row feature attributions of a model's score. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/clock.h"
#include "nids/err.h"
#include "nids/explain.h"
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
	"  -h, --help             this help;  -V, --version  the version\n"
	"see nids-explain(1)\n";

enum { O_STAGE = 998, O_NS = 999, O_SAMPLE = 1000, O_SEED, O_TIMES, O_IG, O_LOGIT, O_ALARMS, O_THR,
       O_TOP, O_JSON, O_FP, O_HEAT, O_FEAT, O_WF };

typedef struct args {
	nids_explain_opts o;
	nids_explain_files f;
	const char *side[2 + NIDS_EXPLAIN_MAX_WF]; /* fingerprint table, heatmap, waterfalls */
	uint64_t wf_rows[NIDS_EXPLAIN_MAX_WF];
	nids_cli_talk talk;
} args;

static void parse(int argc, char **argv, args *a)
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
		{ "features", required_argument, NULL, O_FEAT }, { "stage", required_argument, NULL, O_STAGE },
		{ "waterfall", required_argument, NULL, O_WF }, { "threads", required_argument, NULL, 'j' },
		{ "zstd", required_argument, NULL, 'z' },       { "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },          { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },          { NULL, 0, NULL, 0 }
	};
	nids_explain_opts *o = &a->o;
	nids_err err = { 0 };
	const char *method = NULL, *stage = NULL;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":m:t:b:k:j:z:o:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': a->f.model = optarg; break;
		case 't': method = optarg; break;
		case 'b': a->f.background = optarg; break;
		case O_NS: o->nsamples = (int)nids_cli_long_or_die(PROG, USAGE, "--nsamples", optarg, 2, 1 << 20); break;
		case 'k': o->bg_rows = (int)nids_cli_long_or_die(PROG, USAGE, "-k", optarg, 1, 100000); break;
		case O_SAMPLE: o->bg_sample = 1; break;
		case O_SEED: o->seed = (uint64_t)nids_cli_long_or_die(PROG, USAGE, "--seed", optarg, 0, 1L << 62); break;
		case O_TIMES: o->times_input = 1; break;
		case O_IG: o->ig_steps = (int)nids_cli_long_or_die(PROG, USAGE, "--integrated", optarg, 1, 100000); break;
		case O_LOGIT: o->logit = 1; break;
		case O_STAGE: stage = optarg; break;
		case O_ALARMS: o->alarms_only = 1; break;
		case O_THR:
			o->threshold = nids_cli_double_or_die(PROG, USAGE, "--threshold", optarg, -1e300, 1e300);
			o->has_threshold = 1;
			break;
		case O_TOP: o->top = (int)nids_cli_long_or_die(PROG, USAGE, "--top", optarg, 1, 65536); break;
		case O_JSON: o->json = 1; break;
		case O_FP: a->side[0] = optarg; break;
		case O_HEAT: a->side[1] = optarg; break;
		case O_FEAT: o->fp_top = (int)nids_cli_long_or_die(PROG, USAGE, "--features", optarg, 1, 1000); break;
		case O_WF:
			if (nids_explain_add_waterfall(o, a->wf_rows, a->side + 2, optarg, &err))
				nids_cli_usage_error(PROG, USAGE, "%s", err.msg);
			break;
		case 'j': o->threads = nids_cli_threads(PROG, USAGE, optarg); break;
		case 'z': o->level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19); break;
		case 'o': a->f.output = nids_cli_output(PROG, USAGE, optarg); break;
		default: nids_cli_common(PROG, USAGE, argv, ch, &a->talk);
		}
	}
	a->f.input = optind < argc ? argv[optind] : NULL;
	a->f.side = a->side, a->f.nside = 2 + o->nwf;
	if (nids_explain_check(o, &a->f, method, stage, argc - optind, &err))
		nids_cli_usage_error(PROG, USAGE, "%s", err.msg);
}

int main(int argc, char **argv)
{
	args a = { .o = { .method = -1, .nsamples = 2048, .bg_rows = 32, .bg_max = 10000, .seed = 1,
	                  .threads = 1, .fp_top = 20 } };
	parse(argc, argv, &a);
	nids_explain_stats st = { 0 };
	nids_err err = { 0 };
	double t0 = nids_seconds();
	int rc = nids_explain_run(&a.f, &a.o, &st, &err);
	if (!rc && a.talk.verbose)
		fprintf(stderr, "%s: %llu rows in %.3f s, %llu explained in %.3f s (%.1f rows/s)\n", PROG,
		        (unsigned long long)st.rows, nids_seconds() - t0, (unsigned long long)st.explained,
		        st.explain_secs, st.explain_secs > 0 ? (double)st.explained / st.explain_secs : 0);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
