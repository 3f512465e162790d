build-x/lib/scored.o: lib/scored.c lib/scored_impl.h include/nids/err.h \
 lib/metrics_impl.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h
lib/scored_impl.h:
include/nids/err.h:
lib/metrics_impl.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
