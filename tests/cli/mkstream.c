/* mkstream: a test helper (not installed) that turns TSV on stdin into a stream on
 * stdout, for the bats tests of filters. The first line names the columns as
 * name[:role]; label, class, score and alarm imply their role, anything else is a
 * feature. Class columns hold class names; a name first seen mid-stream goes out as a
 * class block, as a streaming featurizer writes it. Values are parsed by strtod, so
 * "nan" and "inf" work. `mkstream -d` does the reverse: stream on stdin to TSV with a
 * name:role header, class names for class ids, values as %g. The bats files compile it
 * in setup_file against lib/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nids/stream.h"

#define MAXC 256

static int split(char *line, char **f)
{
	int n = 0;
	line[strcspn(line, "\r\n")] = 0;
	for (char *s = line; n < MAXC; s = NULL) {
		char *t = strtok(s, "\t");
		if (!t)
			break;
		f[n++] = t;
	}
	return n;
}

static int dump(void)
{
	nids_err err = { 0 };
	nids_input *in;
	nids_reader *r;
	if (nids_input_open(&in, "-", &err) || nids_reader_open(&r, in, &err)) {
		fprintf(stderr, "mkstream: %s\n", err.msg);
		return 1;
	}
	const nids_header *h = nids_reader_header(r);
	for (int i = 0; i < h->ncols; i++)
		printf("%s%s:%s", i ? "\t" : "", h->cols[i].name, nids_role_name(h->cols[i].role));
	putchar('\n');
	float *rows;
	long k;
	while ((k = nids_reader_next(r, &rows, &err)) > 0)
		for (long j = 0; j < k; j++, rows += h->ncols)
			for (int i = 0; i < h->ncols; i++) {
				if (h->cols[i].role == NIDS_ROLE_CLASS)
					printf("%s", h->classes[(int)rows[i]]);
				else
					printf("%.9g", rows[i]);
				putchar(i + 1 < h->ncols ? '\t' : '\n');
			}
	if (k < 0)
		fprintf(stderr, "mkstream: %s: %s\n", err.where, err.msg);
	nids_reader_free(r);
	nids_input_free(in);
	return k < 0;
}

int main(int argc, char **argv)
{
	char line[8192], *f[MAXC];
	nids_err err = { 0 };
	if (argc > 1 && strcmp(argv[1], "-d") == 0)
		return dump();
	if (!fgets(line, sizeof line, stdin))
		return 1;
	int C = split(line, f), roles[MAXC];
	nids_header *h = nids_header_new();
	for (int i = 0; i < C; i++) {
		char *colon = strchr(f[i], ':');
		int role = NIDS_ROLE_FEATURE;
		if (colon) {
			*colon = 0;
			role = nids_role_parse(colon + 1);
		} else if (nids_role_parse(f[i]) > 0) {
			role = nids_role_parse(f[i]);
		}
		roles[i] = role;
		if (role < 0 || nids_header_add_column(h, f[i], role, &err) < 0)
			return 1;
	}
	nids_writer *w;
	if (nids_writer_open(&w, stdout, "-", h, 0, &err))
		return 1;
	float row[MAXC];
	while (fgets(line, sizeof line, stdin)) {
		if (split(line, f) != C)
			return 1;
		for (int i = 0; i < C; i++)
			row[i] = roles[i] == NIDS_ROLE_CLASS ? (float)nids_writer_add_class(w, f[i], &err)
			                                     : strtof(f[i], NULL);
		if (nids_writer_write(w, row, 1, &err))
			return 1;
	}
	int rc = nids_writer_close(w, &err);
	nids_header_free(h);
	return rc || fclose(stdout) ? 1 : 0;
}
