build-x/lib/select_run.o: lib/select_run.c include/nids/select.h \
 include/nids/dataset.h include/nids/err.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h include/nids/model.h \
 lib/importance_impl.h
include/nids/select.h:
include/nids/dataset.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/model.h:
lib/importance_impl.h:
