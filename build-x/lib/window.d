build-x/lib/window.o: lib/window.c include/nids/window.h \
 include/nids/err.h include/nids/feat.h include/nids/io.h \
 include/nids/progress.h include/nids/stream.h
include/nids/window.h:
include/nids/err.h:
include/nids/feat.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
