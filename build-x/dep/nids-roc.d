build-x/bin/nids-roc: cmd/nids-roc.c include/nids/cli.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/roc.h include/nids/stream.h include/nids/threshold.h
include/nids/cli.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/roc.h:
include/nids/stream.h:
include/nids/threshold.h:
