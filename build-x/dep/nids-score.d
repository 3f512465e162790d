build-x/bin/nids-score: cmd/nids-score.c include/nids/cli.h \
 include/nids/clock.h include/nids/err.h include/nids/io.h \
 include/nids/progress.h include/nids/model.h include/nids/dataset.h \
 include/nids/stream.h include/nids/score.h
include/nids/cli.h:
include/nids/clock.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/model.h:
include/nids/dataset.h:
include/nids/stream.h:
include/nids/score.h:
