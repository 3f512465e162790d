build-x/lib/svg_plot.o: lib/svg_plot.c lib/svg_plot_impl.h \
 include/nids/err.h lib/metrics_impl.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h lib/svg_impl.h
lib/svg_plot_impl.h:
include/nids/err.h:
lib/metrics_impl.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/svg_impl.h:
