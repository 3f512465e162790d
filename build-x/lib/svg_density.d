build-x/lib/svg_density.o: lib/svg_density.c lib/svg_density_impl.h \
 include/nids/err.h lib/metrics_impl.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h lib/svg_plot_impl.h \
 lib/svg_impl.h
lib/svg_density_impl.h:
include/nids/err.h:
lib/metrics_impl.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/svg_plot_impl.h:
lib/svg_impl.h:
