/* fuzz_feat.c: every featurizer format with its flags.
 *
 * Input: byte 0 picks the format (0 = detect from the first line, then the formats in
 * nids_feat_format_names order), byte 1 the flags, byte 2 the generic csv format's
 * column options; the rest is the CSV text. With a one-hot list the harness fits the
 * vocabulary to a file and then featurizes the same text again applying it. */
#include "fuzz_common.h"

#include "nids/feat.h"
#include "nids/io.h"

static const char *pick(const char *const *v, int n, unsigned b) { return v[b % (unsigned)n]; }

static int featurize(const char *path, const nids_feat_opts *o)
{
	nids_input *in;
	nids_err err = { 0 };
	if (nids_input_open(&in, path, &err))
		return -1;
	nids_feat_stats st;
	memset(&st, 0, sizeof st);
	int rc = nids_featurize(in, fuzz_null(), "null", o, &st, &err);
	nids_input_free(in);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char vocab[64];
	if (!vocab[0])
		snprintf(vocab, sizeof vocab, "/tmp/nids-fuzz-vocab-%ld", (long)getpid());
	if (size < 3)
		return 0;
	const char *const *names = nids_feat_format_names();
	int nformats = 0;
	while (names[nformats])
		nformats++;
	static const char *const labels[] = { NULL, "Label", "label", "Attack" };
	static const char *const classes[] = { NULL, "Attack", "Label", "service" };
	static const char *const drops[] = { NULL, "host", "dur,bytes", "Flow Duration" };
	static const char *const onehots[] = { NULL, "proto,service", "proto,host", "host" };
	static const char *const benigns[] = { NULL, "smurf,neptune" };
	nids_feat_opts o;
	nids_feat_opts_init(&o);
	unsigned f = data[0] % (unsigned)(nformats + 1), fl = data[1], c = data[2];
	o.format = f ? names[f - 1] : NULL;
	o.strict = fl & 1;
	o.skip_bad = (fl >> 1) & 1;
	o.drop_nonfinite = (fl >> 2) & 1;
	o.nonfinite_value = (fl >> 3) & 1 ? -1.5 : 0;
	o.keep_ids = (fl >> 4) & 1;
	o.zstd_level = (fl >> 5) & 1;
	o.benign = pick(benigns, 2, fl >> 6);
	o.label_col = pick(labels, 4, c);
	o.class_col = pick(classes, 4, c >> 2);
	o.drop_cols = pick(drops, 4, c >> 4);
	o.onehot_cols = pick(onehots, 4, c >> 6);
	const char *path = fuzz_file(0, data + 3, size - 3);
	if (o.onehot_cols && (!o.format || !strcmp(o.format, "csv"))) {
		o.vocab_out = vocab;
		int rc = featurize(path, &o);
		o.vocab_out = NULL;
		if (rc == 0) {
			o.vocab_in = vocab;
			featurize(path, &o);
		}
		unlink(vocab);
	} else {
		featurize(path, &o);
	}
	return 0;
}
