build-x/lib/spool.o: lib/spool.c lib/spool_impl.h include/nids/err.h
lib/spool_impl.h:
include/nids/err.h:
