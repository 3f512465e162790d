/* nids-normalize: learn per-feature scaling from a stream, or apply learned scaling. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nids/cli.h"
#include "nids/io.h"
#include "nids/normalize.h"
#include "nids/progress.h"
#include "nids/stream.h"

static const char *PROG = "nids-normalize";
static const char *USAGE =
	"usage: nids-normalize {--fit params | -p params} [-qv] [--progress] [--clamp] [-t method] "
	"[--column name=method ...] [--quantiles n] [--subsample n] [-o output] [-z level] "
	"[file ...]\n"
	"  --fit params      learn the parameters from the stream, write them to params\n"
	"                    and pass the normalized stream on (spools rows to a temporary file)\n"
	"  -p, --params P    apply the parameters in P\n"
	"  -t, --method M    minmax, zscore, log1p (log1p then min-max), log1p-zscore, quantile\n"
	"                    (uniform), quantile-normal or none, with --fit [default: minmax]\n"
	"      --column N=M  feature column N gets method M (none: left unscaled); a list\n"
	"                    N=M,N=M or the option repeated\n"
	"      --quantiles N the quantile transform's quantiles per column [default: 1000]\n"
	"      --subsample N the most rows it takes them from [default: 10000]\n"
	"      --clamp       limit values to the range seen at fit time ([0,1] for minmax and\n"
	"                    log1p) [default: out-of-range values pass through]\n"
	"  -o, --output F    write the stream to F [default: stdout]\n"
	"  -q, --quiet       no summary of the fit and no progress on stderr\n"
	"  -v, --verbose     the summary even when stderr is not a terminal\n"
	"      --progress    a progress line even when stderr is not a terminal\n"
	"  -z, --zstd LEVEL  zstd-compress the stream's blocks at LEVEL (1-19) [default: 0, none]\n"
	"  -h, --help        this text;  -V, --version  the version\n"
	"Only feature columns change; the input is stdin or stream files, read as one.\n"
	"see nids-normalize(1)\n";

static int fail(nids_err *err, nids_output *out, nids_output *pout)
{
	nids_err_print(PROG, err);
	nids_output_abort(out);
	nids_output_abort(pout);
	return nids_err_exit_code(err);
}

/* One line on stderr after a fit: what was learned from how much. */
static void summary(const nids_norm *n, const char *path)
{
	int constant = 0, own = 0;
	for (int j = 0; j < nids_norm_columns(n); j++) {
		double s[4];
		nids_norm_stats(n, j, s);
		constant += s[0] == s[1];
		own += nids_norm_column_method(n, j) != nids_norm_method(n);
	}
	fprintf(stderr, "%s: %s: %s over %llu rows, %d feature columns (%d constant", PROG, path,
	        nids_norm_method_name(nids_norm_method(n)), (unsigned long long)nids_norm_rows(n),
	        nids_norm_columns(n), constant);
	if (own)
		fprintf(stderr, ", %d with a method of their own", own);
	fprintf(stderr, ")\n");
}

/* What the command line asked for. */
typedef struct args {
	const char *fit, *params, *output;
	char **inputs;
	int ninputs, method, clamp, level;
	nids_cli_talk talk;
	nids_norm_opts opts;
	char columns[4096];
} args;

static void parse_args(int argc, char **argv, args *a)
{
	enum { OPT_FIT = 256, OPT_CLAMP, OPT_PROGRESS, OPT_COLUMN, OPT_QUANTILES, OPT_SUBSAMPLE };
	static const struct option longs[] = {
		{ "clamp", no_argument, NULL, OPT_CLAMP },
		{ "column", required_argument, NULL, OPT_COLUMN },
		{ "fit", required_argument, NULL, OPT_FIT },
		{ "help", no_argument, NULL, 'h' },
		{ "method", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "params", required_argument, NULL, 'p' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "quantiles", required_argument, NULL, OPT_QUANTILES },
		{ "quiet", no_argument, NULL, 'q' },
		{ "subsample", required_argument, NULL, OPT_SUBSAMPLE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "zstd", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 }
	};
	const char *method_name = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:p:qt:vVz:", longs, NULL)) != -1) {
		switch (c) {
		case OPT_CLAMP: a->clamp = 1; break;
		case OPT_FIT: a->fit = optarg; break;
		case OPT_COLUMN:
			if (strlen(a->columns) + strlen(optarg) + 2 > sizeof a->columns)
				nids_cli_usage_error(PROG, USAGE, "--column: too many columns");
			snprintf(a->columns + strlen(a->columns), sizeof a->columns - strlen(a->columns),
			         "%s%s", a->columns[0] ? "," : "", optarg);
			break;
		case OPT_QUANTILES:
			a->opts.quantiles =
			        (int)nids_cli_long_or_die(PROG, USAGE, "--quantiles", optarg, 1, 100000);
			break;
		case OPT_SUBSAMPLE:
			a->opts.subsample =
			        (int)nids_cli_long_or_die(PROG, USAGE, "--subsample", optarg, 1, 1 << 30);
			break;
		case 'h': nids_cli_help(USAGE);
		case 't': method_name = optarg; break;
		case 'o': a->output = optarg; break;
		case 'p': a->params = optarg; break;
		case 'q': a->talk.quiet = 1, a->talk.verbose = 0; break;
		case 'v': a->talk.verbose = 1, a->talk.quiet = 0; break;
		case OPT_PROGRESS: a->talk.progress = 1; break;
		case 'V': nids_cli_version(PROG);
		case 'z':
			a->level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19);
			break;
		default: nids_cli_bad_option(PROG, USAGE, argv, c);
		}
	}
	if (!a->fit == !a->params)
		nids_cli_usage_error(PROG, USAGE, "give exactly one of --fit and -p");
	if (a->params && (method_name || a->columns[0] || a->opts.quantiles || a->opts.subsample))
		nids_cli_usage_error(PROG, USAGE, "-t, --column, --quantiles and --subsample go with "
		                     "--fit; the params file names its methods");
	a->method = method_name ? nids_norm_method_parse(method_name) : NIDS_NORM_MINMAX;
	if (a->method < 0)
		nids_cli_usage_error(PROG, USAGE, "unknown method '%s' (minmax, zscore, log1p, "
		                     "log1p-zscore, quantile, quantile-normal, none)", method_name);
	int q = a->opts.quantiles ? a->opts.quantiles : NIDS_NORM_QUANTILES;
	if ((a->opts.subsample ? a->opts.subsample : NIDS_NORM_SUBSAMPLE) < q)
		nids_cli_usage_error(PROG, USAGE, "--subsample %d is less than the %d quantiles",
		                     a->opts.subsample, q);
	a->opts.method = a->method;
	a->opts.columns = a->columns[0] ? a->columns : NULL;
	if (a->fit && (strcmp(a->fit, "-") == 0 || (a->output && strcmp(a->fit, a->output) == 0)))
		nids_cli_usage_error(PROG, USAGE, "--fit needs a file of its own, not '%s'",
		                     a->fit);
	a->inputs = argv + optind;
	a->ninputs = argc - optind;
}

int main(int argc, char **argv)
{
	args a = { 0 };
	parse_args(argc, argv, &a);
	const char *fit = a.fit, *params = a.params, *output = a.output;
	nids_err err = { 0 };
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_output *out = NULL, *pout = NULL;
	nids_norm *n = NULL;
	nids_progress *progress = NULL;
	int rc = nids_input_open_files(&in, (const char *const *)a.inputs, a.ninputs, 0, &err);
	if (!rc)
		rc = nids_reader_open(&r, in, &err);
	if (!rc)
		progress = nids_cli_progress(PROG, &a.talk, in, r);
	if (!rc && params)
		rc = nids_norm_load(&n, params, &err);
	if (!rc)
		rc = nids_output_open(&out, output, 1, &err);
	if (!rc && fit)
		rc = nids_output_open(&pout, fit, 1, &err);
	FILE *f = out ? nids_output_file(out) : NULL;
	const char *name = out ? nids_output_name(out) : NULL;
	const char *in_name = in ? nids_input_name(in) : NULL;
	if (!rc && fit)
		rc = nids_normalize_fit_stream_opts(r, in_name, &a.opts, f, name, a.level, &n, &err);
	else if (!rc)
		rc = nids_normalize_apply_stream(r, in_name, n, a.clamp, f, name, a.level, &err);
	if (!rc && fit)
		rc = nids_norm_save(n, nids_output_file(pout), fit, &err);
	nids_cli_progress_end(progress);
	nids_reader_free(r);
	nids_input_free(in);
	/* the stream first: a failed stream write leaves no params file behind */
	int to_stdout = !output || strcmp(output, "-") == 0;
	if (!rc) {
		rc = nids_output_commit(out, &err);
		out = NULL;
	}
	if (!rc && to_stdout)
		rc = nids_stdout_close(&err);
	if (!rc && pout) {
		rc = nids_output_commit(pout, &err);
		pout = NULL;
		if (rc && !to_stdout)
			nids_output_take_back(output);
	}
	if (!rc && fit && nids_cli_counts(&a.talk))
		summary(n, fit);
	nids_norm_free(n);
	return rc ? fail(&err, out, pout) : 0;
}
