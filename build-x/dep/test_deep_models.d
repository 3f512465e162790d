build-x/tests/test_deep_models: tests/unit/test_deep_models.c \
 tests/unit/check.h lib/gmm_impl.h include/nids/err.h lib/nn_impl.h \
 include/nids/model.h include/nids/dataset.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h lib/rng_impl.h \
 lib/model_impl.h include/nids/score.h
tests/unit/check.h:
lib/gmm_impl.h:
include/nids/err.h:
lib/nn_impl.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/rng_impl.h:
lib/model_impl.h:
include/nids/score.h:
