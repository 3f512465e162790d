build-x/lib/feat_kdd.o: lib/feat_kdd.c lib/feat_impl.h lib/csvin_impl.h \
 include/nids/err.h include/nids/io.h include/nids/progress.h \
 include/nids/feat.h include/nids/stream.h
lib/feat_impl.h:
lib/csvin_impl.h:
include/nids/err.h:
include/nids/io.h:
include/nids/progress.h:
include/nids/feat.h:
include/nids/stream.h:
