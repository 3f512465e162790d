build-x/tests/test_csvin: tests/unit/test_csvin.c tests/unit/check.h \
 lib/csvin_impl.h include/nids/err.h include/nids/io.h \
 include/nids/progress.h
tests/unit/check.h:
lib/csvin_impl.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
