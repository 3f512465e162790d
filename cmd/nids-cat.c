/* nids-cat: a record stream as TSV/CSV text, and text back to a stream. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/cat.h"
#include "nids/cli.h"
#include "nids/err.h"
#include "nids/io.h"

static const char *PROG = "nids-cat";
static const char *USAGE =
	"usage: nids-cat [-r] [-i] [--csv | --json] [--types] [--epoch] [-c columns] [-n rows] [-H] [-z level] [-o output] [input ...]\n"
	"Writes a record stream as text (TSV, CSV with --csv, JSON lines with --json), a\n"
	"header line first; with -r, reads such text (TSV or CSV) and writes a stream.\n"
	"\n"
	"  -r, --reverse        text -> stream (default: stream -> text)\n"
	"  -i, --info           print the columns, roles, class table and row count\n"
	"      --csv            comma-separated instead of tab-separated\n"
	"      --json           one JSON object per row (for a SIEM)\n"
	"      --types          header names with roles and types, after #class, #string and\n"
	"                       #record lines with the header's tables and records, as -r\n"
	"                       reads them back\n"
	"      --epoch          times as seconds since the epoch (default ISO 8601 UTC)\n"
	"  -c, --columns LIST   only these columns, in this order (comma-separated names)\n"
	"  -n, --head N         only the first N rows\n"
	"  -H, --no-header      no header line\n"
	"  -z, --zstd LEVEL     with -r: compress blocks at zstd LEVEL (1-19; default 0, none)\n"
	"  -o, --output FILE    write to FILE (atomically) instead of stdout\n"
	"  -h, --help           this help\n"
	"  -V, --version        version\n";

static int describe(nids_reader *r, FILE *f, nids_err *err)
{
	float *rows;
	long n;
	while ((n = nids_reader_next(r, &rows, err)) > 0)
		;
	if (n < 0)
		return (int)n;
	int rc = nids_cat_describe(nids_reader_header(r), f, err);
	fprintf(f, "rows\t%llu\n", (unsigned long long)nids_reader_rows(r));
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reverse", no_argument, NULL, 'r' },   { "info", no_argument, NULL, 'i' },
		{ "csv", no_argument, NULL, 'C' },       { "columns", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'J' },      { "types", no_argument, NULL, 'T' },
		{ "epoch", no_argument, NULL, 'E' },
		{ "head", required_argument, NULL, 'n' }, { "no-header", no_argument, NULL, 'H' },
		{ "zstd", required_argument, NULL, 'z' }, { "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },      { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	nids_cat_opts o = { '\t', 1, NULL, -1, 0, 0, 0 };
	int reverse = 0, info = 0, level = 0, ch;
	const char *out_path = NULL;
	nids_cli_talk talk = { 0 };
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":ric:n:Hz:o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': reverse = 1; break;
		case 'i': info = 1; break;
		case 'C': o.delim = ','; break;
		case 'J': o.json = 1; break;
		case 'T': o.types = 1; break;
		case 'E': o.epoch = 1; break;
		case 'c': o.cols = optarg; break;
		case 'n': o.head = nids_cli_long_or_die(PROG, USAGE, "--head", optarg, 0, 1L << 62); break;
		case 'H': o.header = 0; break;
		case 'z': level = (int)nids_cli_long_or_die(PROG, USAGE, "--zstd", optarg, 0, 19); break;
		case 'o': out_path = nids_cli_output(PROG, USAGE, optarg); break;
		default: nids_cli_common(PROG, USAGE, argv, ch, &talk);
		}
	}
	if (reverse && argc - optind > 1)
		nids_cli_usage_error(PROG, USAGE, "-r reads one text input");
	if (reverse && (info || o.cols || o.head >= 0 || !o.header || o.json || o.types || o.epoch))
		nids_cli_usage_error(PROG, USAGE, "-r takes only --csv, -z and -o");
	if (o.json && o.delim == ',')
		nids_cli_usage_error(PROG, USAGE, "--json and --csv exclude each other");

	nids_err err = { 0 };
	nids_input *in = NULL;
	nids_reader *r = NULL;
	nids_output *out = NULL;
	/* several streams read as one, as if concatenated */
	int rc = nids_input_open_files(&in, (const char *const *)argv + optind, argc - optind, 0,
	                               &err);
	if (!rc && !reverse)
		rc = nids_reader_open(&r, in, &err);
	if (!rc)
		rc = nids_output_open(&out, out_path, reverse, &err);
	if (!rc) {
		FILE *f = nids_output_file(out);
		if (reverse)
			rc = nids_cat_from_text(in, o.delim, f, nids_output_name(out), level, &err);
		else if (info)
			rc = describe(r, f, &err);
		else
			rc = nids_cat_to_text(r, f, &o, &err);
		if (rc) {
			nids_output_abort(out);
		} else {
			rc = nids_output_commit(out, &err);
		}
	}
	nids_reader_free(r);
	nids_input_free(in);
	if (rc) {
		nids_err_print(PROG, &err);
		return nids_err_exit_code(&err);
	}
	return 0;
}
