build-x/lib/metrics.o: lib/metrics.c lib/metrics_impl.h \
 include/nids/err.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h
lib/metrics_impl.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
