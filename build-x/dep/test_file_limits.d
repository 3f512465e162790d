build-x/tests/test_file_limits: tests/unit/test_file_limits.c \
 tests/unit/check.h lib/le_impl.h include/nids/normalize.h \
 include/nids/err.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h
tests/unit/check.h:
lib/le_impl.h:
include/nids/normalize.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
