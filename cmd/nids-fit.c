/* nids-fit: trains a model on a record stream and writes a model file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nids/cli.h"
#include "nids/clock.h"
#include "nids/dataset.h"
#include "nids/err.h"
#include "nids/fit.h"
#include "nids/io.h"
#include "nids/model.h"
#include "nids/progress.h"
#include "nids/stream.h"

static const char *PROG = "nids-fit";
static const char *HEAD =
	"usage: nids-fit -t type [-qv] [--progress] [-j threads] [--epochs n] [--batch n] [--lr rate] "
	"[--seed n] [--val fraction] [--max-rows n] [--model-option value ...] [-o model] "
	"[input ...]\n"
	"Trains a model on a record stream (read whole into memory) and writes a model file.\n"
	"Several inputs read as one stream, one after another.\n"
	"\n"
	"  -t, --type TYPE      model type (required): one of those listed below\n"
	"  -o, --output FILE    model file to write [default: stdout]\n"
	"  -j, --threads N      threads [default: 1]\n"
	"      --epochs N       passes over the data [default: 20 and >= 2000 steps,\n"
	"                       or the model's below]\n"
	"      --batch N        minibatch rows [default: 256, or the model's below]\n"
	"      --lr RATE        learning rate [default: 0.001, or the model's below]\n"
	"      --optim NAME     adam or sgd (momentum 0.9) [default: adam]\n"
	"      --weight-decay W L2 weight decay as PyTorch's: W * p added to each gradient\n"
	"                       (neural models) [default: 0]\n"
	"      --seed N         random seed [default: 0]\n"
	"      --val FRACTION   hold out this fraction for early stopping [default: 0]\n"
	"      --patience N     epochs without a better val loss before stopping [default: 5]\n"
	"      --max-rows N     train on a uniform sample of N rows [default: all]\n"
	"  -q, --quiet          no progress or warnings;  -v, --verbose: also a summary\n"
	"      --progress       progress lines even when stderr is not a terminal\n";

enum { O_EPOCHS = 1000, O_BATCH, O_LR, O_OPTIM, O_SEED, O_VAL, O_PATIENCE, O_MAXROWS, O_WD };
static const struct option FIXED[] = {
	{ "type", required_argument, NULL, 't' },   { "output", required_argument, NULL, 'o' },
	{ "threads", required_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },      { "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },      { "epochs", required_argument, NULL, O_EPOCHS },
	{ "batch", required_argument, NULL, O_BATCH }, { "lr", required_argument, NULL, O_LR },
	{ "optim", required_argument, NULL, O_OPTIM }, { "weight-decay", required_argument, NULL, O_WD },
	{ "seed", required_argument, NULL, O_SEED }, { "val", required_argument, NULL, O_VAL },
	{ "patience", required_argument, NULL, O_PATIENCE }, { "max-rows", required_argument, NULL, O_MAXROWS },
	{ "progress", no_argument, NULL, NIDS_CLI_PROGRESS }, { NULL, 0, NULL, 0 }
};

static const char *USAGE; /* HEAD and the model table's options */
typedef struct args {
	const char *type, *out_path, *hp_key[256], *hp_val[256]; /* nhp of those */
	int nhp;
	long seed, max_rows;
	double val; /* --val */
	nids_fit_opts fo;
	nids_cli_talk talk;
} args;

static void parse(int argc, char **argv, args *a)
{
	static struct option longopts[NIDS_FIT_MAX_HP + 32];
	static const char *hp_names[NIDS_FIT_MAX_HP];
	char shorts[256];
	const char *hp;
	nids_fit_opts *fo = &a->fo;
	nids_fit_options(FIXED, ":t:o:j:qvhV", longopts, NIDS_FIT_MAX_HP + 32, shorts, hp_names);
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		switch (ch) {
		case 't': a->type = optarg; break;
		case 'o': a->out_path = nids_cli_output(PROG, USAGE, optarg); break;
		case 'j': fo->threads = nids_cli_threads(PROG, USAGE, optarg); break;
		case O_EPOCHS: fo->epochs = (int)nids_cli_long_or_die(PROG, USAGE, "--epochs", optarg, 0, 1000000); break;
		case O_BATCH: fo->batch = (int)nids_cli_long_or_die(PROG, USAGE, "--batch", optarg, 1, 1 << 20); break;
		case O_LR: fo->lr = nids_cli_double_or_die(PROG, USAGE, "--lr", optarg, 1e-12, 100); break;
		case O_OPTIM:
			if (strcmp(optarg, "adam") && strcmp(optarg, "sgd"))
				nids_cli_usage_error(PROG, USAGE, "option '--optim': '%s' is not adam or sgd", optarg);
			fo->optim = strcmp(optarg, "adam") ? NIDS_OPTIM_SGD : NIDS_OPTIM_ADAM;
			break;
		case O_WD: fo->weight_decay = nids_cli_double_or_die(PROG, USAGE, "--weight-decay", optarg, 0, 1e6); break;
		case O_SEED: a->seed = nids_cli_long_or_die(PROG, USAGE, "--seed", optarg, 0, 1L << 62); break;
		case O_VAL: a->val = nids_cli_double_or_die(PROG, USAGE, "--val", optarg, 0, 0.9); break;
		case O_PATIENCE: fo->patience = (int)nids_cli_long_or_die(PROG, USAGE, "--patience", optarg, 1, 1 << 20); break;
		case O_MAXROWS: a->max_rows = nids_cli_long_or_die(PROG, USAGE, "--max-rows", optarg, 1, 1L << 40); break;
		default: /* a model's option, or a flag every program has */
			if (!(hp = nids_fit_hparam(ch, hp_names)))
				nids_cli_common(PROG, USAGE, argv, ch, &a->talk);
			else if (a->nhp < 256)
				a->hp_key[a->nhp] = hp, a->hp_val[a->nhp++] = optarg;
		}
	}
}

int main(int argc, char **argv)
{
	char *usage = nids_fit_usage(HEAD);
	USAGE = usage ? usage : HEAD;
	args a = { .fo = { .epochs = -1, .optim = NIDS_OPTIM_ADAM, .threads = 1, .patience = 5 } };
	parse(argc, argv, &a);
	nids_err err = { 0 };
	nids_model *m = NULL;
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_output *out = NULL;
	nids_dataset *all = NULL;
	nids_progress *progress = NULL;
	int rc = nids_fit_model(&m, a.type, a.hp_key, a.hp_val, a.nhp, (uint64_t)a.seed, &a.fo, &err);
	if (rc == NIDS_EUSAGE)
		nids_cli_usage_error(PROG, USAGE, "%s", err.msg);
	a.fo.progress = nids_cli_counts(&a.talk) || a.talk.progress ? stderr : NULL;
	a.fo.progress_tty = !a.talk.quiet && (a.talk.progress || isatty(STDERR_FILENO));
	a.fo.warnings = a.talk.quiet ? NULL : stderr;
	double t0 = nids_seconds();
	/* the output first, so a refused terminal fails before a long training */
	if (!rc && !(rc = nids_output_open(&out, a.out_path, 1, &err)) &&
	    !(rc = nids_cli_open_stream(PROG, &a.talk, argv + optind, argc - optind, &in, &r, &progress, &err)))
		rc = nids_dataset_read(&all, r, nids_input_name(in), (size_t)a.max_rows, (uint64_t)a.seed, &err);
	nids_cli_progress_end(progress);
	size_t ntrain = 0, nval = 0;
	if (!rc)
		rc = nids_fit_dataset(m, all, a.val, (uint64_t)a.seed, &a.fo, &ntrain, &nval, &err);
	if (!rc) {
		rc = nids_fit_save(m, out, &err);
		out = NULL;
	}
	if (!rc && a.talk.verbose)
		fprintf(stderr, "%s: -t %s: %zu training rows (%llu read), %zu validation, %d features, "
		        "%zu parameters, %.1f s\n", PROG, a.type, ntrain, (unsigned long long)all->seen,
		        nval, all->d, nids_model_params(m), nids_seconds() - t0);
	nids_output_abort(out);
	nids_dataset_free(all);
	nids_reader_free(r);
	nids_input_free(in);
	nids_model_free(m);
	free(usage);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
