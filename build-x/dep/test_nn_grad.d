build-x/tests/test_nn_grad: tests/unit/test_nn_grad.c tests/unit/check.h \
 tests/unit/fd_check.h lib/nn_impl.h include/nids/err.h \
 include/nids/model.h include/nids/dataset.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h lib/rng_impl.h
tests/unit/check.h:
tests/unit/fd_check.h:
lib/nn_impl.h:
include/nids/err.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/rng_impl.h:
