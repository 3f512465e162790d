build-x/lib/fit.o: lib/fit.c include/nids/fit.h include/nids/dataset.h \
 include/nids/err.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h include/nids/model.h include/nids/cli.h \
 include/nids/score.h lib/model_impl.h lib/nn_impl.h lib/rng_impl.h
include/nids/fit.h:
include/nids/dataset.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/model.h:
include/nids/cli.h:
include/nids/score.h:
lib/model_impl.h:
lib/nn_impl.h:
lib/rng_impl.h:
