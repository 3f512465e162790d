build-x/tests/test_io: tests/unit/test_io.c tests/unit/check.h \
 include/nids/io.h include/nids/err.h include/nids/progress.h
tests/unit/check.h:
include/nids/io.h:
include/nids/err.h:
include/nids/progress.h:
