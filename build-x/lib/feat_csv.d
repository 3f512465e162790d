build-x/lib/feat_csv.o: lib/feat_csv.c lib/feat_impl.h lib/csvin_impl.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/feat.h include/nids/stream.h lib/spool_impl.h
lib/feat_impl.h:
lib/csvin_impl.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/feat.h:
include/nids/stream.h:
lib/spool_impl.h:
