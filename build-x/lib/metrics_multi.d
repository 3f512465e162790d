build-x/lib/metrics_multi.o: lib/metrics_multi.c lib/metrics_multi_impl.h \
 include/nids/err.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h include/nids/format.h lib/svg_impl.h
lib/metrics_multi_impl.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/format.h:
lib/svg_impl.h:
