build-x/lib/model_dsebm.o: lib/model_dsebm.c lib/deep_impl.h \
 lib/gmm_impl.h include/nids/err.h lib/nn_impl.h include/nids/model.h \
 include/nids/dataset.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h lib/rng_impl.h lib/model_impl.h \
 lib/explain_impl.h include/nids/explain.h
lib/deep_impl.h:
lib/gmm_impl.h:
include/nids/err.h:
lib/nn_impl.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/rng_impl.h:
lib/model_impl.h:
lib/explain_impl.h:
include/nids/explain.h:
