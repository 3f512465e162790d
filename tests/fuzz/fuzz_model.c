/* fuzz_model.c: the model-file loader and the scorer of every model type.
 *
 * The input is a model file. The harness recomputes its XXH64 trailer (man/nids-model.5:
 * over every byte before the last 8, which the header's total length places) so that
 * mutations reach the text and tensor parsers and each type's loader. A model that
 * loads is described (nids-score --info) and scores a few rows, with no extra outputs
 * and with every output its type offers. */
#include "fuzz_common.h"

#include "nids/model.h"
#include "nids/score.h"

static void score(const nids_model *m, unsigned outputs, const float *x, int B)
{
	nids_err err = { 0 };
	int nout = nids_model_outputs(m, outputs, NULL, &err);
	if (nout < 0)
		return;
	nids_scorer *s = NULL;
	if (nids_scorer_new(&s, m, outputs, 1, B, &err))
		return;
	float *out = malloc(sizeof(float) * (size_t)B * (size_t)nout);
	if (out)
		nids_scorer_run(s, x, B, 0, out);
	free(out);
	nids_scorer_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *d = malloc(size ? size : 1);
	if (!d)
		return 0;
	memcpy(d, data, size);
	if (size >= 36) {
		uint64_t total = nids_get64(d + 16);
		if (total < 36 || total > size)
			total = size;
		nids_put64(d + total - 8, XXH64(d, (size_t)total - 8, 0));
	}
	const char *path = fuzz_file(0, d, size);
	free(d);
	nids_model *m = NULL;
	nids_err err = { 0 };
	if (nids_model_read(&m, path, &err) != 0)
		return 0;
	free(nids_model_describe(m));
	enum { B = 3 };
	static const float vals[] = { 0, 1, 0.5f, -2, 1e3f, 0.25f, 3, 1e-3f };
	float *x = malloc(sizeof(float) * B * (size_t)m->d);
	for (int i = 0; x && i < B * m->d; i++)
		x[i] = vals[i % 8];
	if (x) {
		score(m, 0, x, B);
		score(m, m->type->outputs, x, B);
	}
	free(x);
	nids_model_free(m);
	return 0;
}
