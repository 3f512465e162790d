build-x/tests/test_normalize: tests/unit/test_normalize.c \
 tests/unit/check.h include/nids/normalize.h include/nids/err.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h
tests/unit/check.h:
include/nids/normalize.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
