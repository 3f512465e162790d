build-x/tests/test_feat_fields: tests/unit/test_feat_fields.c \
 lib/feat_impl.h lib/csvin_impl.h include/nids/err.h include/nids/io.h \
 include/nids/progress.h include/nids/feat.h include/nids/stream.h \
 tests/unit/check.h
lib/feat_impl.h:
lib/csvin_impl.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/feat.h:
include/nids/stream.h:
tests/unit/check.h:
