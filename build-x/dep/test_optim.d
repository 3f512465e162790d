build-x/tests/test_optim: tests/unit/test_optim.c tests/unit/check.h \
 lib/nn_impl.h include/nids/err.h include/nids/model.h \
 include/nids/dataset.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h lib/rng_impl.h
tests/unit/check.h:
lib/nn_impl.h:
include/nids/err.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/rng_impl.h:
