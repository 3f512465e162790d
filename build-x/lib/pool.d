build-x/lib/pool.o: lib/pool.c lib/pool_impl.h include/nids/err.h
lib/pool_impl.h:
include/nids/err.h:
