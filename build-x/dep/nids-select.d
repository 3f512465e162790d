build-x/bin/nids-select: cmd/nids-select.c include/nids/cli.h \
 include/nids/err.h include/nids/select.h include/nids/dataset.h \
 include/nids/stream.h include/nids/io.h include/nids/progress.h \
 include/nids/model.h
include/nids/cli.h:
include/nids/err.h:
include/nids/select.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/model.h:
