build-x/tests/test_stream: tests/unit/test_stream.c tests/unit/check.h \
 include/nids/stream.h include/nids/err.h include/nids/io.h \
 include/nids/progress.h
tests/unit/check.h:
include/nids/stream.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
