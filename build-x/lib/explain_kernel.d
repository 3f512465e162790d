build-x/lib/explain_kernel.o: lib/explain_kernel.c include/nids/explain.h \
 include/nids/err.h include/nids/model.h include/nids/dataset.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 lib/rng_impl.h
include/nids/explain.h:
include/nids/err.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/rng_impl.h:
