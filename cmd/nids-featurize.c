/* nids-featurize: CSV flow records -> record stream. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cli.h"
#include "nids/err.h"
#include "nids/feat.h"
#include "nids/io.h"
#include "nids/progress.h"
#include "nids/stream.h"

static const char *PROG = "nids-featurize";
static const char *USAGE_FMT =
	"usage: nids-featurize [-f format] [--strict] [--skip-bad] [--drop-nonfinite] [--no-ids] [-z level] [-o output] [-qv] [--progress] [input ...]\n"
	"Turns CSV flow records (plain, zstd- or gzip-compressed) into a record stream; several\n"
	"inputs (one format, the same header line) make one stream.\n"
	"Formats: %s (default: detected from the first line).\n"
	"\n"
	"  -f, --format NAME        the input format\n"
	"      --strict             a category outside the vocabulary is an error\n"
	"      --skip-bad           skip malformed records and count them\n"
	"      --drop-nonfinite     drop records with Infinity/NaN/empty numbers\n"
	"      --nonfinite-value V  replace such numbers by V instead (default 0)\n"
	"      --no-ids             leave out the flow identifiers (time, addresses, ports,\n"
	"                           protocol); the record number is always kept\n"
	"      --label NAME         csv: the label column (default 'label', else the last)\n"
	"      --class NAME         csv: a column of class names\n"
	"      --drop LIST          csv, cic: columns to drop (comma-separated names)\n"
	"      --onehot LIST        csv: categorical columns to one-hot\n"
	"      --fit-vocab FILE     csv: learn the one-hot vocabularies, write them to FILE\n"
	"      --vocab FILE         csv: apply vocabularies from FILE (unseen values -> _other)\n"
	"      --benign LIST        more label values that mean benign\n"
	"  -z, --zstd LEVEL         compress blocks at zstd LEVEL (1-19; default 0, none)\n"
	"  -o, --output FILE        write to FILE (atomically) instead of stdout\n"
	"  -q, --quiet              no counts, no progress on stderr\n"
	"  -v, --verbose            counts on stderr even when it is not a terminal\n"
	"      --progress           a progress line even when stderr is not a terminal\n"
	"  -h, --help               this help\n"
	"  -V, --version            version\n";

enum { OPT_STRICT = 256, OPT_SKIP, OPT_DROPNF, OPT_NFVAL, OPT_NOIDS, OPT_LABEL, OPT_CLASS,
       OPT_DROP, OPT_ONEHOT, OPT_FITVOCAB, OPT_VOCAB, OPT_BENIGN };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },     { "strict", no_argument, NULL, OPT_STRICT },
		{ "skip-bad", no_argument, NULL, OPT_SKIP },    { "drop-nonfinite", no_argument, NULL, OPT_DROPNF },
		{ "nonfinite-value", required_argument, NULL, OPT_NFVAL }, { "no-ids", no_argument, NULL, OPT_NOIDS },
		{ "label", required_argument, NULL, OPT_LABEL }, { "class", required_argument, NULL, OPT_CLASS },
		{ "drop", required_argument, NULL, OPT_DROP },  { "onehot", required_argument, NULL, OPT_ONEHOT },
		{ "fit-vocab", required_argument, NULL, OPT_FITVOCAB }, { "vocab", required_argument, NULL, OPT_VOCAB },
		{ "benign", required_argument, NULL, OPT_BENIGN }, { "zstd", required_argument, NULL, 'z' },
		{ "output", required_argument, NULL, 'o' },     { "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },          { "progress", no_argument, NULL, NIDS_CLI_PROGRESS },
		{ "help", no_argument, NULL, 'h' },             { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char usage[4096];
	const char *USAGE = nids_cli_usage_list(usage, sizeof usage, USAGE_FMT, nids_feat_format_names());
	nids_feat_opts o;
	nids_feat_opts_init(&o);
	const char *out_path = NULL;
	nids_cli_talk talk = { 0 };
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:z:o:qvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o.format = optarg; break;
		case OPT_STRICT: o.strict = 1; break;
		case OPT_SKIP: o.skip_bad = 1; break;
		case OPT_DROPNF: o.drop_nonfinite = 1; break;
		case OPT_NFVAL:
			o.nonfinite_value = nids_cli_double_or_die(PROG, USAGE, "--nonfinite-value", optarg, -3.4e38, 3.4e38);
			break;
		case OPT_NOIDS: o.no_ids = 1; break;
		case OPT_LABEL: o.label_col = optarg; break;
		case OPT_CLASS: o.class_col = optarg; break;
		case OPT_DROP: o.drop_cols = optarg; break;
		case OPT_ONEHOT: o.onehot_cols = optarg; break;
		case OPT_FITVOCAB: o.vocab_out = optarg; break;
		case OPT_VOCAB: o.vocab_in = optarg; break;
		case OPT_BENIGN: o.benign = optarg; break;
		case 'z': o.zstd_level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19); break;
		case 'o': out_path = nids_cli_output(PROG, USAGE, optarg); break;
		default: nids_cli_common(PROG, USAGE, argv, ch, &talk);
		}
	}
	if (o.format)
		nids_cli_check_format(PROG, USAGE, o.format, 0);
	if (o.vocab_in && o.vocab_out)
		nids_cli_usage_error(PROG, USAGE, "--vocab and --fit-vocab exclude each other");
	int nin = argc > optind ? argc - optind : 1;
	if (nin > 1 && o.vocab_out)
		nids_cli_usage_error(PROG, USAGE, "--fit-vocab learns from one input");
	const char *in_path = nin == 1 && argc > optind ? argv[optind] : nin == 1 ? "-" : "inputs";

	nids_err err = { 0 };
	nids_feat_stats st;
	nids_input **in = NULL;
	nids_output *out[2] = { NULL, NULL }; /* the stream, then the vocabularies */
	nids_progress *progress = NULL;
	o.vocab_pending = &out[1];
	int rc = nids_cli_open_inputs(PROG, &talk, argv + optind, argc - optind, &in, &progress, &err);
	if (!rc)
		rc = nids_output_open(&out[0], out_path, 1, &err);
	if (!rc)
		rc = nids_featurize(in, nin, nids_output_file(out[0]), nids_output_name(out[0]), &o, &st, &err);
	if (!rc)
		rc = nids_outputs_commit(out, 2, &err);
	nids_outputs_abort(out, 2);
	nids_cli_progress_end(progress);
	nids_cli_inputs_free(in, argc - optind);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	if (st.note[0]) /* a warning, not a count: said even with -q */
		fprintf(stderr, "%s: %s: %s\n", PROG, in_path, st.note);
	if (nids_cli_counts(&talk))
		nids_feat_report(stderr, PROG, in_path, &st, &o);
	return 0;
}
