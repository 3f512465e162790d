build-x/bin/nids-cat: cmd/nids-cat.c include/nids/cat.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/stream.h include/nids/cli.h
include/nids/cat.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
include/nids/cli.h:
