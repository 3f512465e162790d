build-x/bin/nids-explain: cmd/nids-explain.c include/nids/cli.h \
 include/nids/clock.h include/nids/err.h include/nids/explain.h \
 include/nids/model.h include/nids/dataset.h include/nids/stream.h \
 include/nids/io.h include/nids/progress.h
include/nids/cli.h:
include/nids/clock.h:
include/nids/err.h:
include/nids/explain.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/io.h:
include/nids/progress.h:
