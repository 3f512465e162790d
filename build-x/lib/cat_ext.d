build-x/lib/cat_ext.o: lib/cat_ext.c lib/cat_ext_impl.h lib/csvin_impl.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/stream.h include/nids/format.h
lib/cat_ext_impl.h:
lib/csvin_impl.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
include/nids/format.h:
