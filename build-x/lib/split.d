build-x/lib/split.o: lib/split.c include/nids/split.h include/nids/err.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 include/nids/cli.h lib/le_impl.h lib/split_sample_impl.h \
 lib/spool_impl.h
include/nids/split.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/cli.h:
lib/le_impl.h:
lib/split_sample_impl.h:
lib/spool_impl.h:
