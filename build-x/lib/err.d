build-x/lib/err.o: lib/err.c include/nids/err.h
include/nids/err.h:
