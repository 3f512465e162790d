build-x/bin/nids-split: cmd/nids-split.c include/nids/cli.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/split.h include/nids/stream.h
include/nids/cli.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/split.h:
include/nids/stream.h:
