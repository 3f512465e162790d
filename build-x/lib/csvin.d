build-x/lib/csvin.o: lib/csvin.c lib/csvin_impl.h include/nids/err.h \
 include/nids/io.h include/nids/progress.h
lib/csvin_impl.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
