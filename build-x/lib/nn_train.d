build-x/lib/nn_train.o: lib/nn_train.c lib/model_impl.h \
 include/nids/model.h include/nids/dataset.h include/nids/err.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 lib/nn_impl.h lib/rng_impl.h include/nids/clock.h lib/pool_impl.h
lib/model_impl.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/nn_impl.h:
lib/rng_impl.h:
include/nids/clock.h:
lib/pool_impl.h:
