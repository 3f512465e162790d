build-x/tests/test_split: tests/unit/test_split.c tests/unit/check.h \
 include/nids/split.h include/nids/err.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h
tests/unit/check.h:
include/nids/split.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
