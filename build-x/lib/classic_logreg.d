build-x/lib/classic_logreg.o: lib/classic_logreg.c lib/classic_impl.h \
 include/nids/err.h lib/nn_impl.h include/nids/model.h \
 include/nids/dataset.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h lib/rng_impl.h
lib/classic_impl.h:
include/nids/err.h:
lib/nn_impl.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/rng_impl.h:
