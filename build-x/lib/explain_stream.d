build-x/lib/explain_stream.o: lib/explain_stream.c lib/explain_impl.h \
 include/nids/explain.h include/nids/err.h include/nids/model.h \
 include/nids/dataset.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h include/nids/cat.h include/nids/clock.h \
 include/nids/format.h include/nids/normalize.h include/nids/score.h \
 lib/json_impl.h lib/model_impl.h lib/nn_impl.h lib/rng_impl.h
lib/explain_impl.h:
include/nids/explain.h:
include/nids/err.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/cat.h:
include/nids/clock.h:
include/nids/format.h:
include/nids/normalize.h:
include/nids/score.h:
lib/json_impl.h:
lib/model_impl.h:
lib/nn_impl.h:
lib/rng_impl.h:
