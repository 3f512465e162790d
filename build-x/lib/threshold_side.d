build-x/lib/threshold_side.o: lib/threshold_side.c \
 lib/threshold_side_impl.h include/nids/stream.h include/nids/err.h \
 include/nids/io.h include/nids/progress.h include/nids/format.h \
 lib/metrics_impl.h include/nids/threshold.h
lib/threshold_side_impl.h:
include/nids/stream.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/format.h:
lib/metrics_impl.h:
include/nids/threshold.h:
