build-x/tests/test_gee: tests/unit/test_gee.c tests/unit/check.h \
 lib/model_impl.h include/nids/model.h include/nids/dataset.h \
 include/nids/err.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h lib/nn_impl.h lib/rng_impl.h
tests/unit/check.h:
lib/model_impl.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/nn_impl.h:
lib/rng_impl.h:
