build-x/bin/nids-featurize: cmd/nids-featurize.c include/nids/cli.h \
 include/nids/err.h include/nids/feat.h include/nids/io.h \
 include/nids/progress.h include/nids/stream.h
include/nids/cli.h:
include/nids/err.h:
include/nids/feat.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
