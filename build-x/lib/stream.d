build-x/lib/stream.o: lib/stream.c include/nids/stream.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 lib/le_impl.h
include/nids/stream.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
lib/le_impl.h:
