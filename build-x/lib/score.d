build-x/lib/score.o: lib/score.c include/nids/score.h include/nids/err.h \
 include/nids/model.h include/nids/dataset.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h include/nids/clock.h \
 include/nids/normalize.h lib/model_impl.h lib/nn_impl.h lib/rng_impl.h \
 lib/pool_impl.h
include/nids/score.h:
include/nids/err.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/clock.h:
include/nids/normalize.h:
lib/model_impl.h:
lib/nn_impl.h:
lib/rng_impl.h:
lib/pool_impl.h:
