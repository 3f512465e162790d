build-x/lib/metrics_class.o: lib/metrics_class.c lib/metrics_class_impl.h \
 include/nids/err.h lib/metrics_impl.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h
lib/metrics_class_impl.h:
include/nids/err.h:
lib/metrics_impl.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
