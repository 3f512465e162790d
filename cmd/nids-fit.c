/* nids-fit: trains a model on a record stream and writes a model file. */
#include <getopt.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "nids/cli.h"
#include "nids/clock.h"
#include "nids/dataset.h"
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
	"      --epochs N       passes over the data [default: 20, or the model's below]\n"
	"      --batch N        minibatch rows [default: 256, or the model's below]\n"
	"      --lr RATE        learning rate [default: 0.001, or the model's below]\n"
	"      --optim NAME     adam or sgd (momentum 0.9) [default: adam]\n"
	"      --weight-decay W L2 weight decay as PyTorch's: W * p added to each gradient\n"
	"                       (neural models) [default: 0]\n"
	"      --seed N         random seed [default: 0]\n"
	"      --val FRACTION   hold out this fraction for early stopping [default: 0]\n"
	"      --patience N     epochs without a better val loss before stopping [default: 5]\n"
	"      --max-rows N     train on a uniform sample of N rows [default: all]\n"
	"  -q, --quiet          no progress on stderr;  -v, --verbose: also a summary\n"
	"      --progress       progress lines even when stderr is not a terminal\n";

/* The usage text: the fixed head, then each model's options from the model table, in
 * a buffer that grows as the table does. */
static char *usage_text(void)
{
	char *u = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&u, &len);
	if (!f)
		return (char *)HEAD;
	fputs(HEAD, f);
	for (int i = 0; nids_model_type_at(i); i++) {
		const nids_model_type *t = nids_model_type_at(i);
		fprintf(f, "-t %s: %s\n", t->name, t->summary);
		if (t->epochs || t->batch || t->lr) {
			fputs("  training defaults:", f);
			if (t->epochs)
				fprintf(f, " --epochs %d", t->epochs);
			if (t->batch)
				fprintf(f, " --batch %d", t->batch);
			if (t->lr)
				fprintf(f, " --lr %g", t->lr);
			fputc('\n', f);
		}
		for (const nids_hparam *h = t->hparams; h->name; h++) {
			char flag[64];
			snprintf(flag, sizeof flag, "%s%c%s--%s", h->shortopt ? "-" : "",
			         h->shortopt ? h->shortopt : ' ', h->shortopt ? ", " : "   ", h->name);
			fprintf(f, "  %-20s %s [default: %s]\n", h->shortopt ? flag : flag + 1, h->help,
			        h->defval);
		}
	}
	fputs("see nids-fit(1)\n", f);
	if (fclose(f) || !u) {
		free(u);
		return (char *)HEAD;
	}
	return u;
}

enum { O_EPOCHS = 1000, O_BATCH, O_LR, O_OPTIM, O_SEED, O_VAL, O_PATIENCE, O_MAXROWS, O_PROGRESS,
       O_WD, O_HP };

/* Model options as long options (and their short letters), collected from the table. */
static struct option *build_options(char *shorts, const char ***hp_names)
{
	static const struct option fixed[] = {
		{ "type", required_argument, NULL, 't' },   { "output", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },      { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },      { "epochs", required_argument, NULL, O_EPOCHS },
		{ "batch", required_argument, NULL, O_BATCH }, { "lr", required_argument, NULL, O_LR },
		{ "optim", required_argument, NULL, O_OPTIM },
		{ "weight-decay", required_argument, NULL, O_WD }, { "seed", required_argument, NULL, O_SEED },
		{ "val", required_argument, NULL, O_VAL },
		{ "patience", required_argument, NULL, O_PATIENCE },
		{ "max-rows", required_argument, NULL, O_MAXROWS },
		{ "progress", no_argument, NULL, O_PROGRESS },
	};
	int nfixed = (int)(sizeof fixed / sizeof fixed[0]), n = 0, max = 256;
	struct option *o = calloc((size_t)(nfixed + max + 1), sizeof *o);
	const char **names = calloc((size_t)max, sizeof *names);
	if (!o || !names)
		exit(1);
	memcpy(o, fixed, sizeof fixed);
	strcpy(shorts, ":t:o:j:qvhV");
	for (int i = 0; nids_model_type_at(i); i++)
		for (const nids_hparam *h = nids_model_type_at(i)->hparams; h->name; h++) {
			int seen = 0;
			for (int k = 0; k < n; k++)
				seen |= !strcmp(names[k], h->name);
			if (seen || n >= max)
				continue;
			names[n] = h->name;
			o[nfixed + n] = (struct option){ h->name, required_argument, NULL, O_HP + n };
			if (h->shortopt && !strchr(shorts, h->shortopt)) {
				size_t l = strlen(shorts);
				shorts[l] = (char)h->shortopt, shorts[l + 1] = ':', shorts[l + 2] = 0;
			}
			n++;
		}
	*hp_names = names;
	return o;
}

/* The hyperparameter name for a short option letter. */
static const char *hp_for_short(int c)
{
	for (int i = 0; nids_model_type_at(i); i++)
		for (const nids_hparam *h = nids_model_type_at(i)->hparams; h->name; h++)
			if (h->shortopt == c)
				return h->name;
	return NULL;
}


/* File scope, so they stay reachable when a usage error exits from inside a helper (a
 * local the optimizer has let go of reads as a leak to valgrind) */
static const char **hp_names;
static struct option *longopts;

/* What makes the model a complete detector and says how it was made: the training
 * stream's preprocessing records, and the provenance lines nids-score --info shows.
 * The date honours SOURCE_DATE_EPOCH, so a fit can be reproduced byte for byte. */
static int record_provenance(nids_model *m, const nids_header *h, const nids_fit_opts *fo,
                             const nids_fit_report *rep, size_t ntrain, size_t nval, nids_err *err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;
	char date[32] = "";
	if (gmtime_r(&now, &tm))
		strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	int rc = nids_model_set_prep(m, h);
	rc = rc ? rc : nids_model_add_made(m, "by", "nids %s", NIDS_VERSION);
	rc = rc ? rc : nids_model_add_made(m, "date", "%s", date);
	rc = rc ? rc : nids_model_add_made(m, "rows", "%zu training, %zu validation", ntrain, nval);
	char wd[48] = "";
	if (fo->weight_decay > 0)
		snprintf(wd, sizeof wd, " weight decay %g", fo->weight_decay);
	if (!rc && !isnan(rep->loss))
		rc = nids_model_add_made(m, "training", "%d epochs of batch %d, %s lr %g%s; loss %.6g",
		                         rep->epochs, fo->batch,
		                         fo->optim == NIDS_OPTIM_ADAM ? "adam" : "sgd", fo->lr, wd,
		                         rep->loss);
	if (!rc && !isnan(rep->val_loss))
		rc = nids_model_add_made(m, "validation", "loss %.6g", rep->val_loss);
	return rc ? nids_err_set(err, rc, NULL, "out of memory") : 0;
}

int main(int argc, char **argv)
{
	char *USAGE = usage_text(), shorts[128];
	longopts = build_options(shorts, &hp_names);
	nids_fit_opts fo = { .epochs = 20, .batch = 256, .lr = 1e-3, .optim = NIDS_OPTIM_ADAM,
		             .threads = 1, .patience = 5 };
	const char *type = NULL, *out_path = NULL, *hp_key[256], *hp_val[256];
	int nhp = 0, ch, given_epochs = 0, given_batch = 0, given_lr = 0;
	nids_cli_talk talk = { 0 };
	long seed = 0, max_rows = 0;
	double val = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const char *hp = ch >= O_HP ? hp_names[ch - O_HP] : ch < 128 ? hp_for_short(ch) : NULL;
		if (hp && ch != '?' && ch != ':') {
			if (nhp < 256)
				hp_key[nhp] = hp, hp_val[nhp++] = optarg;
			continue;
		}
		switch (ch) {
		case 't': type = optarg; break;
		case 'o': out_path = optarg; break;
		case 'j': fo.threads = (int)nids_cli_long_or_die(PROG, USAGE, "-j", optarg, 1, 64); break;
		case 'q': talk.quiet = 1, talk.verbose = 0; break;
		case 'v': talk.verbose = 1, talk.quiet = 0; break;
		case O_PROGRESS: talk.progress = 1; break;
		case 'h': nids_cli_help(USAGE);
		case 'V': nids_cli_version(PROG);
		case O_EPOCHS:
			fo.epochs = (int)nids_cli_long_or_die(PROG, USAGE, "--epochs", optarg, 0, 1000000);
			given_epochs = 1;
			break;
		case O_BATCH:
			fo.batch = (int)nids_cli_long_or_die(PROG, USAGE, "--batch", optarg, 1, 1 << 20);
			given_batch = 1;
			break;
		case O_LR:
			fo.lr = nids_cli_double_or_die(PROG, USAGE, "--lr", optarg, 1e-12, 100);
			given_lr = 1;
			break;
		case O_OPTIM:
			if (strcmp(optarg, "adam") && strcmp(optarg, "sgd"))
				nids_cli_usage_error(PROG, USAGE, "option '--optim': '%s' is not adam or sgd",
				                     optarg);
			fo.optim = strcmp(optarg, "adam") ? NIDS_OPTIM_SGD : NIDS_OPTIM_ADAM;
			break;
		case O_WD:
			fo.weight_decay =
			        nids_cli_double_or_die(PROG, USAGE, "--weight-decay", optarg, 0, 1e6);
			break;
		case O_SEED: seed = nids_cli_long_or_die(PROG, USAGE, "--seed", optarg, 0, 1L << 62); break;
		case O_VAL: val = nids_cli_double_or_die(PROG, USAGE, "--val", optarg, 0, 0.9); break;
		case O_PATIENCE:
			fo.patience = (int)nids_cli_long_or_die(PROG, USAGE, "--patience", optarg, 1, 1 << 20);
			break;
		case O_MAXROWS:
			max_rows = nids_cli_long_or_die(PROG, USAGE, "--max-rows", optarg, 1, 1L << 40);
			break;
		default: nids_cli_bad_option(PROG, USAGE, argv, ch);
		}
	}
	if (!type) {
		char known[512] = "";
		for (int i = 0; nids_model_type_at(i); i++)
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
			         nids_model_type_at(i)->name);
		nids_cli_usage_error(PROG, USAGE, "-t is required (%s)", known);
	}

	nids_err err = { 0 };
	nids_model *m = NULL;
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_output *out = NULL;
	nids_dataset *all = NULL;
	int rc = nids_model_new(&m, type, &err);
	for (int i = 0; !rc && i < nhp; i++)
		rc = nids_model_set(m, hp_key[i], hp_val[i], &err);
	if (rc)
		nids_cli_usage_error(PROG, USAGE, "%s", err.msg);
	if (m->type->epochs && !given_epochs)
		fo.epochs = m->type->epochs;
	if (m->type->batch && !given_batch)
		fo.batch = m->type->batch;
	if (m->type->lr > 0 && !given_lr)
		fo.lr = m->type->lr;
	m->seed = (uint64_t)seed;
	fo.progress = nids_cli_counts(&talk) || talk.progress ? stderr : NULL;
	fo.progress_tty = !talk.quiet && (talk.progress || isatty(STDERR_FILENO));
	double t0 = nids_seconds();
	/* the output first, so a refused terminal fails before a long training */
	if (!(rc = nids_output_open(&out, out_path, 1, &err)) &&
	    !(rc = nids_input_open_files(&in, (const char *const *)argv + optind, argc - optind, 0,
	                                 &err)) &&
	    !(rc = nids_reader_open(&r, in, &err))) {
		nids_progress *progress = nids_cli_progress(PROG, &talk, in, r);
		rc = nids_dataset_read(&all, r, nids_input_name(in), (size_t)max_rows, (uint64_t)seed,
		                       &err);
		nids_cli_progress_end(progress);
	}
	nids_dataset train, vset;
	if (!rc)
		rc = nids_dataset_split(all, val, (uint64_t)seed, &train, &vset, &err);
	nids_fit_report report = { 0, NAN, NAN };
	fo.report = &report;
	if (!rc)
		rc = nids_model_fit(m, &train, &vset, &fo, &err);
	if (!rc)
		rc = record_provenance(m, nids_reader_header(r), &fo, &report, train.n, vset.n, &err);
	if (!rc)
		rc = nids_model_write(m, nids_output_file(out), &err);
	if (!rc) {
		rc = nids_output_commit(out, &err);
		out = NULL;
	}
	if (!rc && talk.verbose)
		fprintf(stderr, "%s: -t %s: %zu training rows (%llu read), %zu validation, %d features, "
		        "%zu parameters, %.1f s\n", PROG, type, train.n, (unsigned long long)all->seen,
		        vset.n, all->d, m->arena.size, nids_seconds() - t0);
	nids_output_abort(out);
	nids_dataset_free(all);
	nids_reader_free(r);
	nids_input_free(in);
	nids_model_free(m);
	free(longopts);
	free(hp_names);
	if (USAGE != HEAD)
		free(USAGE);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
