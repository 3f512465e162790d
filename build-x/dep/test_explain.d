build-x/tests/test_explain: tests/unit/test_explain.c tests/unit/check.h \
 lib/classic_model_impl.h lib/classic_impl.h include/nids/err.h \
 lib/model_impl.h include/nids/model.h include/nids/dataset.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 lib/nn_impl.h lib/rng_impl.h lib/explain_impl.h include/nids/explain.h \
 lib/model_impl.h include/nids/score.h lib/rng_impl.h
tests/unit/check.h:
lib/classic_model_impl.h:
lib/classic_impl.h:
include/nids/err.h:
lib/model_impl.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/nn_impl.h:
lib/rng_impl.h:
lib/explain_impl.h:
include/nids/explain.h:
lib/model_impl.h:
include/nids/score.h:
lib/rng_impl.h:
