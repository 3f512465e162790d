#!/bin/sh
# The demo `make demo` runs: NSL-KDD through the whole pipeline on the real data that
# ships in examples/data (a 20% sample of KDDTrain+ and the full KDDTest+).
# The programs come from PATH (make demo puts build/bin first).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== featurize: NSL-KDD CSV -> record stream"
nids-featurize -o "$work/train.rec" "$here/data/KDDTrain+_20Percent.txt.zst"
nids-featurize -o "$work/test.rec" "$here/data/KDDTest+.txt.zst"
echo
echo "== the first test rows, a few columns (nids-cat)"
nids-cat -n 5 -c duration,protocol_type=tcp,service=http,src_bytes,dst_bytes,label,class "$work/test.rec"
echo
echo "== test rows per class (nids-cat | awk)"
nids-cat -H -c class "$work/test.rec" | sort | uniq -c | sort -rn | head -8
