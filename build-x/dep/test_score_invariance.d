build-x/tests/test_score_invariance: tests/unit/test_score_invariance.c \
 tests/unit/check.h lib/model_impl.h include/nids/model.h \
 include/nids/dataset.h include/nids/err.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h lib/nn_impl.h lib/rng_impl.h \
 include/nids/score.h
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
include/nids/score.h:
