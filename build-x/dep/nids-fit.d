build-x/bin/nids-fit: cmd/nids-fit.c include/nids/cli.h \
 include/nids/clock.h include/nids/dataset.h include/nids/err.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 include/nids/fit.h include/nids/model.h
include/nids/cli.h:
include/nids/clock.h:
include/nids/dataset.h:
include/nids/err.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/fit.h:
include/nids/model.h:
