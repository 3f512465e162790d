build-x/tests/test_deep_grad: tests/unit/test_deep_grad.c \
 tests/unit/check.h tests/unit/fd_check.h lib/deep_impl.h lib/gmm_impl.h \
 include/nids/err.h lib/nn_impl.h include/nids/model.h \
 include/nids/dataset.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h lib/rng_impl.h lib/model_impl.h
tests/unit/check.h:
tests/unit/fd_check.h:
lib/deep_impl.h:
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
