build-x/lib/progress.o: lib/progress.c include/nids/progress.h \
 include/nids/clock.h
include/nids/progress.h:
include/nids/clock.h:
