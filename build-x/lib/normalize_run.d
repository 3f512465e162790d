build-x/lib/normalize_run.o: lib/normalize_run.c include/nids/normalize.h \
 include/nids/err.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h
include/nids/normalize.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
