build-x/tests/test_metrics: tests/unit/test_metrics.c tests/unit/check.h \
 include/nids/format.h include/nids/io.h include/nids/err.h \
 include/nids/progress.h lib/metrics_impl.h include/nids/stream.h \
 lib/threshold_impl.h lib/metrics_impl.h include/nids/threshold.h
tests/unit/check.h:
include/nids/format.h:
include/nids/io.h:
include/nids/err.h:
include/nids/progress.h:
lib/metrics_impl.h:
include/nids/stream.h:
lib/threshold_impl.h:
lib/metrics_impl.h:
include/nids/threshold.h:
