build-x/lib/io.o: lib/io.c include/nids/io.h include/nids/err.h \
 include/nids/progress.h
include/nids/io.h:
include/nids/err.h:
include/nids/progress.h:
