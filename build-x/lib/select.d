build-x/lib/select.o: lib/select.c include/nids/select.h \
 include/nids/dataset.h include/nids/err.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h include/nids/model.h \
 lib/importance_impl.h lib/metrics_impl.h include/nids/normalize.h \
 lib/rng_impl.h include/nids/score.h
include/nids/select.h:
include/nids/dataset.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/model.h:
lib/importance_impl.h:
lib/metrics_impl.h:
include/nids/normalize.h:
lib/rng_impl.h:
include/nids/score.h:
