build-x/lib/threshold.o: lib/threshold.c lib/threshold_impl.h \
 lib/metrics_impl.h include/nids/err.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h include/nids/threshold.h \
 include/nids/cli.h include/nids/format.h lib/model_impl.h \
 include/nids/model.h include/nids/dataset.h lib/nn_impl.h lib/rng_impl.h \
 lib/scored_impl.h lib/threshold_side_impl.h
lib/threshold_impl.h:
lib/metrics_impl.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/threshold.h:
include/nids/cli.h:
include/nids/format.h:
lib/model_impl.h:
include/nids/model.h:
include/nids/dataset.h:
lib/nn_impl.h:
lib/rng_impl.h:
lib/scored_impl.h:
lib/threshold_side_impl.h:
