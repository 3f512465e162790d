build-x/lib/roc.o: lib/roc.c include/nids/roc.h include/nids/err.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 include/nids/threshold.h lib/json_impl.h include/nids/format.h \
 lib/metrics_multi_impl.h lib/metrics_class_impl.h lib/metrics_impl.h \
 lib/scored_impl.h lib/svg_density_impl.h lib/svg_plot_impl.h
include/nids/roc.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/threshold.h:
lib/json_impl.h:
include/nids/format.h:
lib/metrics_multi_impl.h:
lib/metrics_class_impl.h:
lib/metrics_impl.h:
lib/scored_impl.h:
lib/svg_density_impl.h:
lib/svg_plot_impl.h:
