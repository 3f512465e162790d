build-x/lib/explain_run.o: lib/explain_run.c include/nids/explain.h \
 include/nids/err.h include/nids/model.h include/nids/dataset.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 include/nids/cli.h
include/nids/explain.h:
include/nids/err.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/cli.h:
