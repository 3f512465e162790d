build-x/lib/format.o: lib/format.c include/nids/format.h
include/nids/format.h:
