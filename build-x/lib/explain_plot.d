build-x/lib/explain_plot.o: lib/explain_plot.c include/nids/explain.h \
 include/nids/err.h include/nids/model.h include/nids/dataset.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 lib/svg_impl.h lib/json_impl.h
include/nids/explain.h:
include/nids/err.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/svg_impl.h:
lib/json_impl.h:
