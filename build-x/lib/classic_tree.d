build-x/lib/classic_tree.o: lib/classic_tree.c lib/classic_impl.h \
 include/nids/err.h lib/rng_impl.h
lib/classic_impl.h:
include/nids/err.h:
lib/rng_impl.h:
