build-x/lib/dataset.o: lib/dataset.c include/nids/dataset.h \
 include/nids/err.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h lib/rng_impl.h
include/nids/dataset.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/rng_impl.h:
