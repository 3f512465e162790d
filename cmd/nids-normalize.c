/* nids-normalize: learn per-feature scaling from a stream, or apply learned scaling. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/err.h"
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

/* What the command line asked for. */
typedef struct args {
	nids_normalize_args n;
	char columns[4096]; /* the --column lists, joined */
	char **inputs;
	int ninputs;
	nids_cli_talk talk;
} args;

static void parse_args(int argc, char **argv, args *a)
{
	enum { OPT_FIT = 256, OPT_CLAMP, OPT_COLUMN, OPT_QUANTILES, OPT_SUBSAMPLE };
	static const struct option longs[] = {
		{ "clamp", no_argument, NULL, OPT_CLAMP },    { "column", required_argument, NULL, OPT_COLUMN },
		{ "fit", required_argument, NULL, OPT_FIT },  { "help", no_argument, NULL, 'h' },
		{ "method", required_argument, NULL, 't' },   { "output", required_argument, NULL, 'o' },
		{ "params", required_argument, NULL, 'p' },   { "progress", no_argument, NULL, NIDS_CLI_PROGRESS },
		{ "quantiles", required_argument, NULL, OPT_QUANTILES }, { "quiet", no_argument, NULL, 'q' },
		{ "subsample", required_argument, NULL, OPT_SUBSAMPLE }, { "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },        { "zstd", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 }
	};
	nids_normalize_args *n = &a->n;
	nids_err err = { 0 };
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:p:qt:vVz:", longs, NULL)) != -1) {
		switch (c) {
		case OPT_CLAMP: n->clamp = 1; break;
		case OPT_FIT: n->fit = optarg; break;
		case OPT_COLUMN:
			if (strlen(a->columns) + strlen(optarg) + 2 > sizeof a->columns)
				nids_cli_usage_error(PROG, USAGE, "--column: too many columns");
			snprintf(a->columns + strlen(a->columns), sizeof a->columns - strlen(a->columns),
			         "%s%s", a->columns[0] ? "," : "", optarg);
			n->columns = a->columns;
			break;
		case OPT_QUANTILES:
			n->opts.quantiles = (int)nids_cli_long_or_die(PROG, USAGE, "--quantiles", optarg, 1, 100000);
			break;
		case OPT_SUBSAMPLE:
			n->opts.subsample = (int)nids_cli_long_or_die(PROG, USAGE, "--subsample", optarg, 1, 1 << 30);
			break;
		case 't': n->method = optarg; break;
		case 'o': n->output = nids_cli_output(PROG, USAGE, optarg); break;
		case 'p': n->params = optarg; break;
		case 'z': n->level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19); break;
		default: nids_cli_common(PROG, USAGE, argv, c, &a->talk);
		}
	}
	if (nids_normalize_check(n, &err))
		nids_cli_usage_error(PROG, USAGE, "%s", err.msg);
	a->inputs = argv + optind;
	a->ninputs = argc - optind;
}

int main(int argc, char **argv)
{
	args a = { 0 };
	parse_args(argc, argv, &a);
	nids_err err = { 0 };
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_norm *n = NULL;
	nids_progress *progress = NULL;
	int rc = nids_cli_open_stream(PROG, &a.talk, a.inputs, a.ninputs, &in, &r, &progress, &err);
	if (!rc)
		rc = nids_normalize_run(r, nids_input_name(in), &a.n, &n, &err);
	nids_cli_progress_end(progress);
	nids_reader_free(r);
	nids_input_free(in);
	if (!rc && a.n.fit && nids_cli_counts(&a.talk))
		nids_norm_summary(stderr, PROG, n, a.n.fit);
	nids_norm_free(n);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
