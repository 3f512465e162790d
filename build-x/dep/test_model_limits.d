build-x/tests/test_model_limits: tests/unit/test_model_limits.c \
 tests/unit/check.h lib/le_impl.h lib/model_impl.h include/nids/model.h \
 include/nids/dataset.h include/nids/err.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h lib/nn_impl.h lib/rng_impl.h \
 include/nids/score.h lib/rng_impl.h
tests/unit/check.h:
lib/le_impl.h:
lib/model_impl.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/nn_impl.h:
lib/rng_impl.h:
include/nids/score.h:
lib/rng_impl.h:
