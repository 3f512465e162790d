build-x/lib/normalize.o: lib/normalize.c include/nids/normalize.h \
 include/nids/err.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h lib/le_impl.h lib/rng_impl.h lib/spool_impl.h
include/nids/normalize.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/le_impl.h:
lib/rng_impl.h:
lib/spool_impl.h:
