build-x/tests/test_window: tests/unit/test_window.c tests/unit/check.h \
 include/nids/window.h include/nids/err.h include/nids/feat.h \
 include/nids/io.h include/nids/progress.h include/nids/stream.h
tests/unit/check.h:
include/nids/window.h:
include/nids/err.h:
include/nids/feat.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
