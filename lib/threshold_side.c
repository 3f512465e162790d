/* threshold_side.c: the anomalous side of a score column (threshold_side.h). */
#include "nids/threshold_side.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nids/format.h"
#include "nids/metrics.h"
#include "nids/threshold.h"

int nids_threshold_side_check(const nids_header *h, int col, int forced, int rule, double param,
                              char *msg, size_t n)
{
	int role = h->cols[col].role;
	int low = forced == NIDS_DIR_LOW;
	if (!((role == NIDS_ROLE_SCORE && low) || (role == NIDS_ROLE_SCORE_LOW && !low)))
		return 0;
	const char *name = h->cols[col].name, *flag = low ? "--low" : "--high";
	char fix[256] = "";
	if (rule == NIDS_FIT_PERCENTILE) {
		char num[32];
		snprintf(fix, sizeof fix, "; a percentile stated on %s gives the same alarms as "
		         "--percentile %s on this column without %s", low ? "log-probabilities (lower "
		         "= more anomalous)" : "-log p (higher = more anomalous)",
		         nids_format_double(num, 100 - param), flag);
		if (low && role == NIDS_ROLE_SCORE)
			snprintf(fix + strlen(fix), sizeof fix - strlen(fix),
			         " (or take a log-likelihood column as it is, e.g. aegmm's: --score logp)");
	}
	snprintf(msg, n, "%s takes the %s values of '%s' as anomalous, but its role (%s) says "
	         "%s values are: the alarms would be its most normal rows; drop %s%s", flag,
	         low ? "lowest" : "highest", name, nids_role_name(role), low ? "higher" : "lower",
	         flag, fix);
	return 1;
}

double nids_threshold_alpha(double alpha, int direction)
{
	return direction == NIDS_DIR_LOW ? log(alpha) : -log(alpha);
}
