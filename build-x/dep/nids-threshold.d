build-x/bin/nids-threshold: cmd/nids-threshold.c include/nids/cli.h \
 include/nids/err.h include/nids/format.h include/nids/io.h \
 include/nids/progress.h include/nids/stream.h include/nids/threshold.h
include/nids/cli.h:
include/nids/err.h:
include/nids/format.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
include/nids/threshold.h:
