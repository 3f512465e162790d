build-x/bin/nids-window: cmd/nids-window.c include/nids/cli.h \
 include/nids/err.h include/nids/feat.h include/nids/io.h \
 include/nids/progress.h include/nids/stream.h include/nids/window.h
include/nids/cli.h:
include/nids/err.h:
include/nids/feat.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
include/nids/window.h:
