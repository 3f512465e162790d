/* fuzz_feat.c: every featurizer format with its flags.
 *
 * Input: byte 0 picks the format (0 = detect from the first line, then the formats in
 * nids_feat_format_names order) and the extra benign labels, byte 1 the flags (and
 * whether the text is given as one input or as two), byte 2 the generic csv format's
 * column options; the rest is the CSV text. With a one-hot list the harness fits the
 * vocabulary to a file and then featurizes the same text again applying it. */
#include "fuzz_common.h"

#include "nids/feat.h"
#include "nids/io.h"

static const char *pick(const char *const *v, int n, unsigned b) { return v[b % (unsigned)n]; }

/* Featurizes the text at path, given nin (1 or 2) times as separate inputs. */
static int featurize(const char *path, int nin, const nids_feat_opts *o)
{
	nids_input *in[2] = { NULL, NULL };
	nids_err err = { 0 };
	int rc = 0;
	for (int k = 0; k < nin && !rc; k++)
		rc = nids_input_open(&in[k], path, &err);
	nids_feat_stats st;
	memset(&st, 0, sizeof st);
	if (!rc)
		rc = nids_featurize(in, nin, fuzz_null(), "null", o, &st, &err);
	for (int k = 0; k < nin; k++)
		nids_input_free(in[k]);
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
	int nin = 1 + ((fl >> 6) & 1);
	o.format = f ? names[f - 1] : NULL;
	o.strict = fl & 1;
	o.skip_bad = (fl >> 1) & 1;
	o.drop_nonfinite = (fl >> 2) & 1;
	o.nonfinite_value = (fl >> 3) & 1 ? -1.5 : 0;
	o.no_ids = (fl >> 4) & 1;
	o.zstd_level = (fl >> 5) & 1;
	o.benign = pick(benigns, 2, data[0] / (unsigned)(nformats + 1));
	o.label_col = pick(labels, 4, c);
	o.class_col = pick(classes, 4, c >> 2);
	o.drop_cols = pick(drops, 4, c >> 4);
	o.onehot_cols = pick(onehots, 4, c >> 6);
	const char *path = fuzz_file(0, data + 3, size - 3);
	if (o.onehot_cols && (!o.format || !strcmp(o.format, "csv"))) {
		o.vocab_out = vocab;
		int rc = featurize(path, nin, &o);
		o.vocab_out = NULL;
		if (rc == 0) {
			o.vocab_in = vocab;
			featurize(path, nin, &o);
		}
		unlink(vocab);
	} else {
		featurize(path, nin, &o);
	}
	return 0;
}
