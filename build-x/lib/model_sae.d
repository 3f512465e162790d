build-x/lib/model_sae.o: lib/model_sae.c lib/model_impl.h \
 include/nids/model.h include/nids/dataset.h include/nids/err.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 lib/nn_impl.h lib/rng_impl.h lib/explain_impl.h include/nids/explain.h
lib/model_impl.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/nn_impl.h:
lib/rng_impl.h:
lib/explain_impl.h:
include/nids/explain.h:
