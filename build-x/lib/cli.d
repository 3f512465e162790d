build-x/lib/cli.o: lib/cli.c include/nids/cli.h include/nids/feat.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/stream.h lib/metrics_impl.h lib/model_impl.h \
 include/nids/model.h include/nids/dataset.h lib/nn_impl.h lib/rng_impl.h
include/nids/cli.h:
include/nids/feat.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
lib/metrics_impl.h:
lib/model_impl.h:
include/nids/model.h:
include/nids/dataset.h:
lib/nn_impl.h:
lib/rng_impl.h:
