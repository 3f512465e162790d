build-x/lib/importance.o: lib/importance.c lib/importance_impl.h \
 include/nids/err.h include/nids/format.h include/nids/io.h \
 include/nids/progress.h
lib/importance_impl.h:
include/nids/err.h:
include/nids/format.h:
include/nids/io.h:
include/nids/progress.h:
