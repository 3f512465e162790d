build-x/lib/cat.o: lib/cat.c include/nids/cat.h include/nids/err.h \
 include/nids/io.h include/nids/progress.h include/nids/stream.h \
 lib/cat_ext_impl.h lib/csvin_impl.h include/nids/format.h \
 lib/json_impl.h
include/nids/cat.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
lib/cat_ext_impl.h:
lib/csvin_impl.h:
include/nids/format.h:
lib/json_impl.h:
