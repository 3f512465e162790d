build-x/lib/split_sample.o: lib/split_sample.c include/nids/split.h \
 include/nids/err.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h lib/split_sample_impl.h
include/nids/split.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/split_sample_impl.h:
