build-x/lib/gmm.o: lib/gmm.c lib/gmm_impl.h include/nids/err.h \
 lib/nn_impl.h include/nids/model.h include/nids/dataset.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 lib/rng_impl.h
lib/gmm_impl.h:
include/nids/err.h:
lib/nn_impl.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/rng_impl.h:
