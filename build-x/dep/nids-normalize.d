build-x/bin/nids-normalize: cmd/nids-normalize.c include/nids/cli.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/normalize.h include/nids/stream.h
include/nids/cli.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/normalize.h:
include/nids/stream.h:
