build-x/tests/test_svg_density: tests/unit/test_svg_density.c \
 tests/unit/check.h lib/svg_density_impl.h include/nids/err.h \
 lib/metrics_impl.h include/nids/stream.h include/nids/io.h \
 include/nids/progress.h lib/svg_plot_impl.h
tests/unit/check.h:
lib/svg_density_impl.h:
include/nids/err.h:
lib/metrics_impl.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
lib/svg_plot_impl.h:
