/* nids-select: choose the features to keep (top K by importance, then a correlation
 * filter), write the kept list; or apply a kept list to a stream. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/importance.h"
#include "nids/io.h"
#include "nids/select.h"
#include "nids/stream.h"

static const char *prog = "nids-select";
static const char usage[] =
	"usage: nids-select [-q] [--importances file | -m model --permutation file] [--top k]"
	" [--corr t] [--repeats n] [--seed n] [-j threads] [-o list] [file ...]\n"
	"       nids-select --apply list [-z level] [-o output] [file ...]\n"
	"Chooses features: the top k of a ranking, then drops each one whose |Pearson r| with\n"
	"one before it is above t (over the input's rows); writes the kept names, one a line.\n"
	"  --importances F   the ranking: an importance file (nids-fit --importances)\n"
	"  -m, --model F     with --permutation: the model to rank the features for\n"
	"  --permutation F   rank by permutation importance (AUROC drop) on the input; write\n"
	"                    the importances to F\n"
	"  --top k           keep the k most important [default: all]\n"
	"  --corr t          drop features correlated above t with a more important one\n"
	"  --repeats n       shuffles per feature for --permutation [default: 5]\n"
	"  --seed n          seed of the shuffles [default: 0]\n"
	"  -j, --threads n   scoring threads for --permutation [default: 1]\n"
	"  --apply F         copy the input stream keeping only the features listed in F\n"
	"  -z, --zstd level  with --apply: compress blocks at zstd level (1-19) [default: 0]\n"
	"  -o, --output F    the list (or stream) to F, atomically [default: stdout]\n"
	"  -q, --quiet       no summary on stderr\n"
	"  -h, --help        this help;  -V, --version  the version\n"
	"see nids-select(1)\n";

typedef struct opts {
	const char *importances, *model, *permutation, *apply, *output;
	int top, repeats, threads, level, quiet;
	double corr;
	uint64_t seed;
	char **inputs;
	int ninputs;
} opts;

static void parse(int argc, char **argv, opts *o)
{
	enum { O_IMP = 256, O_PERM, O_TOP, O_CORR, O_REPEATS, O_SEED, O_APPLY };
	static const struct option longs[] = {
		{ "apply", required_argument, 0, O_APPLY },
		{ "corr", required_argument, 0, O_CORR },
		{ "help", no_argument, 0, 'h' },
		{ "importances", required_argument, 0, O_IMP },
		{ "model", required_argument, 0, 'm' },
		{ "output", required_argument, 0, 'o' },
		{ "permutation", required_argument, 0, O_PERM },
		{ "quiet", no_argument, 0, 'q' },
		{ "repeats", required_argument, 0, O_REPEATS },
		{ "seed", required_argument, 0, O_SEED },
		{ "threads", required_argument, 0, 'j' },
		{ "top", required_argument, 0, O_TOP },
		{ "version", no_argument, 0, 'V' },
		{ "zstd", required_argument, 0, 'z' },
		{ 0, 0, 0, 0 }
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hj:m:o:qVz:", longs, NULL)) != -1) {
		switch (c) {
		case O_APPLY: o->apply = optarg; break;
		case O_CORR: o->corr = nids_cli_double_or_die(prog, usage, "--corr", optarg, 0, 1); break;
		case O_IMP: o->importances = optarg; break;
		case O_PERM: o->permutation = optarg; break;
		case O_REPEATS:
			o->repeats = (int)nids_cli_long_or_die(prog, usage, "--repeats", optarg, 1, 1000);
			break;
		case O_SEED:
			o->seed = (uint64_t)nids_cli_long_or_die(prog, usage, "--seed", optarg, 0, LONG_MAX);
			break;
		case O_TOP: o->top = (int)nids_cli_long_or_die(prog, usage, "--top", optarg, 1, 1 << 20); break;
		case 'j': o->threads = (int)nids_cli_long_or_die(prog, usage, "-j", optarg, 1, 64); break;
		case 'm': o->model = optarg; break;
		case 'o': o->output = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'z': o->level = (int)nids_cli_long_or_die(prog, usage, "--zstd", optarg, 0, 19); break;
		case 'h': nids_cli_help(usage);
		case 'V': nids_cli_version(prog);
		default: nids_cli_bad_option(prog, usage, argv, c);
		}
	}
	int choose = o->importances || o->permutation || o->top || !isnan(o->corr);
	if (o->apply && choose)
		nids_cli_usage_error(prog, usage, "--apply takes a list: it chooses nothing");
	if (!o->apply && !choose)
		nids_cli_usage_error(prog, usage, "give --apply, or what to choose by (--importances, "
		                                  "--permutation, --top, --corr)");
	if (o->importances && o->permutation)
		nids_cli_usage_error(prog, usage, "give one of --importances and --permutation");
	if (!o->permutation != !o->model)
		nids_cli_usage_error(prog, usage, "--permutation and -m go together");
	if (o->level && !o->apply)
		nids_cli_usage_error(prog, usage, "-z goes with --apply");
	o->inputs = argv + optind;
	o->ninputs = argc - optind;
	if (!o->apply && !o->permutation && isnan(o->corr) && o->ninputs)
		nids_cli_usage_error(prog, usage, "--importances with --top alone reads no input");
}

/* Reads the input stream into memory (for --corr and --permutation). */
static nids_dataset *read_input(const opts *o, nids_err *err)
{
	nids_input *in;
	nids_reader *r;
	nids_dataset *ds;
	if (nids_input_open_files(&in, (const char *const *)o->inputs, o->ninputs, 0, err) ||
	    nids_reader_open(&r, in, err) ||
	    nids_dataset_read(&ds, r, nids_input_name(in), 0, 0, err))
		nids_cli_fail(prog, err);
	nids_reader_free(r);
	nids_input_free(in);
	return ds;
}

static void apply(const opts *o, nids_err *err)
{
	char **names;
	int n;
	nids_input *in;
	nids_reader *r;
	nids_output *out;
	if (nids_select_list_read(o->apply, &names, &n, err) ||
	    nids_input_open_files(&in, (const char *const *)o->inputs, o->ninputs, 0, err) ||
	    nids_reader_open(&r, in, err) || nids_output_open(&out, o->output, 1, err))
		nids_cli_fail(prog, err);
	if (nids_select_apply(r, nids_input_name(in), names, n, nids_output_file(out),
	                      nids_output_name(out), o->level, err)) {
		nids_output_abort(out);
		nids_cli_fail(prog, err);
	}
	if (nids_output_commit(out, err) || (!o->output && nids_stdout_close(err)))
		nids_cli_fail(prog, err);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	nids_reader_free(r);
	nids_input_free(in);
}

/* The ranking by permutation importance, written to --permutation's file. */
static void permutation(const opts *o, const nids_dataset *ds, char ***rank, int *n,
                        nids_err *err)
{
	nids_model *m;
	double *imp = calloc((size_t)ds->d + 1, sizeof *imp), base;
	if (!imp)
		nids_err_set(err, NIDS_ENOMEM, NULL, "out of memory");
	if (!imp || nids_model_read(&m, o->model, err))
		nids_cli_fail(prog, err);
	if (nids_permutation_importance(m, ds, o->repeats, o->seed, o->threads, imp, &base, err)) {
		if (!err->where[0]) /* the stream's rows do not suit the model */
			snprintf(err->where, sizeof err->where, "%s",
			         o->ninputs == 1 ? o->inputs[0] : o->ninputs ? "the inputs" : "-");
		nids_cli_fail(prog, err);
	}
	if (nids_importance_write(o->permutation, ds->features, imp, ds->d, err))
		nids_cli_fail(prog, err);
	free(imp);
	/* the file's order is the ranking */
	if (nids_importance_read(o->permutation, rank, &imp, n, err))
		nids_cli_fail(prog, err);
	if (!o->quiet)
		fprintf(stderr, "%s: AUROC %.6f on %zu rows; importances in %s\n", prog, base, ds->n,
		        o->permutation);
	nids_model_free(m);
	free(imp);
}

int main(int argc, char **argv)
{
	opts o = { .corr = NAN, .repeats = 5, .threads = 1 };
	nids_err err = { 0 };
	parse(argc, argv, &o);
	if (o.apply) {
		apply(&o, &err);
		return 0;
	}
	nids_dataset *ds = o.permutation || !isnan(o.corr) ? read_input(&o, &err) : NULL;
	char **rank = NULL;
	double *imp = NULL;
	int n = 0;
	if (o.importances && nids_importance_read(o.importances, &rank, &imp, &n, &err))
		nids_cli_fail(prog, &err);
	if (o.permutation)
		permutation(&o, ds, &rank, &n, &err);
	nids_select_opts so = { ds && !rank ? ds->features : rank, ds && !rank ? ds->d : n, o.top,
		                o.corr };
	char **kept;
	int nkept, dropped;
	nids_output *out;
	if (nids_select_choose(&so, ds, &kept, &nkept, &dropped, &err) ||
	    nids_output_open(&out, o.output, 0, &err))
		nids_cli_fail(prog, &err);
	FILE *f = nids_output_file(out);
	fprintf(f, "# nids-select: %d of %d features kept", nkept, so.nrank);
	if (o.top)
		fprintf(f, "; the top %d", o.top);
	if (!isnan(o.corr))
		fprintf(f, "; %d dropped for |r| > %g over %zu rows", dropped, o.corr, ds->n);
	fputc('\n', f);
	for (int i = 0; i < nkept; i++)
		fprintf(f, "%s\n", kept[i]);
	if (nids_output_commit(out, &err) || (!o.output && nids_stdout_close(&err)))
		nids_cli_fail(prog, &err);
	if (!o.quiet && o.output)
		fprintf(stderr, "%s: %d of %d features kept, %d dropped for correlation\n", prog, nkept,
		        so.nrank, dropped);
	for (int i = 0; rank && i < n; i++)
		free(rank[i]);
	free(rank), free(imp), free(kept);
	nids_dataset_free(ds);
	return 0;
}
