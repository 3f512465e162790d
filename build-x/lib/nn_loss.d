build-x/lib/nn_loss.o: lib/nn_loss.c lib/nn_impl.h include/nids/err.h \
 include/nids/model.h include/nids/dataset.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h lib/rng_impl.h
lib/nn_impl.h:
include/nids/err.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/rng_impl.h:
