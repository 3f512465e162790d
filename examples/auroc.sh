#!/bin/sh
# auroc.sh [scored-stream]: AUROC of the 'score' column against the 'label' column
# (Mann-Whitney rank sum, ties given their average rank). Until nids-roc exists.
nids-cat -H -c label,score "${1:--}" | sort -t '	' -k2,2g | awk -F '\t' '
function flush(   r) { r = (seen + 1 + seen + n) / 2; rpos += r * npos; seen += n; n = 0; npos = 0 }
NR > 1 && $2 != prev { flush() }
{ n++; npos += $1; pos += $1; prev = $2 }
END { flush(); neg = seen - pos
      if (pos == 0 || neg == 0) { print "auroc: needs both labels" > "/dev/stderr"; exit 1 }
      printf "%.4f\n", (rpos - pos * (pos + 1) / 2) / (pos * neg) }'
