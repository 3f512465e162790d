build-x/lib/window_run.o: lib/window_run.c include/nids/feat.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/stream.h include/nids/window.h
include/nids/feat.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
include/nids/window.h:
