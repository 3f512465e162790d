/* feat_report.c: what nids-featurize says about a run: its counts, for people. */
#include "nids/feat.h"

void nids_feat_report(FILE *f, const char *prog, const char *name, const nids_feat_stats *st,
                      const nids_feat_opts *o)
{
	if (st->labelled)
		fprintf(f, "%s: %s: %llu rows (%llu benign, %llu attack)", prog, name, st->rows,
		        st->benign, st->rows - st->benign);
	else
		fprintf(f, "%s: %s: %llu rows (unlabelled)", prog, name, st->rows);
	if (st->skipped)
		fprintf(f, ", %llu bad records skipped", st->skipped);
	if (st->headers)
		fprintf(f, ", %llu repeated header lines skipped", st->headers);
	if (st->trailer)
		fprintf(f, ", %llu trailer lines skipped", st->trailer);
	if (st->nonfinite_replaced)
		fprintf(f, ", %llu Infinity/NaN/empty values replaced by %g", st->nonfinite_replaced,
		        o->nonfinite_value);
	if (st->nonfinite_dropped)
		fprintf(f, ", %llu records with Infinity/NaN/empty values dropped",
		        st->nonfinite_dropped);
	if (st->empty)
		fprintf(f, ", %llu empty records skipped", st->empty);
	if (st->blank)
		fprintf(f, ", %llu blank lines skipped", st->blank);
	if (st->clamped)
		fprintf(f, ", %llu values beyond the float32 range stored as +-%g", st->clamped,
		        3.4028234663852886e38);
	if (st->unseen)
		fprintf(f, ", %llu values outside the vocabulary (in _other)", st->unseen);
	fputc('\n', f);
	if (st->skipped)
		fprintf(f, "%s: first skipped: %s\n", prog, st->first_bad);
}
