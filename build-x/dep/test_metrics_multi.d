build-x/tests/test_metrics_multi: tests/unit/test_metrics_multi.c \
 tests/unit/check.h lib/metrics_multi_impl.h include/nids/err.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h
tests/unit/check.h:
lib/metrics_multi_impl.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
