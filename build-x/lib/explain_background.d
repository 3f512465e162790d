build-x/lib/explain_background.o: lib/explain_background.c \
 lib/explain_impl.h include/nids/explain.h include/nids/err.h \
 include/nids/model.h include/nids/dataset.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h lib/classic_impl.h \
 include/nids/normalize.h lib/model_impl.h lib/nn_impl.h lib/rng_impl.h \
 include/nids/score.h
lib/explain_impl.h:
include/nids/explain.h:
include/nids/err.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/classic_impl.h:
include/nids/normalize.h:
lib/model_impl.h:
lib/nn_impl.h:
lib/rng_impl.h:
include/nids/score.h:
