build-x/tests/test_metrics_class: tests/unit/test_metrics_class.c \
 tests/unit/check.h lib/metrics_class_impl.h include/nids/err.h \
 lib/metrics_impl.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h
tests/unit/check.h:
lib/metrics_class_impl.h:
include/nids/err.h:
lib/metrics_impl.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
