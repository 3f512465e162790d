build-x/lib/feat_report.o: lib/feat_report.c include/nids/feat.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/stream.h
include/nids/feat.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/stream.h:
