build-x/lib/rng.o: lib/rng.c lib/rng_impl.h
lib/rng_impl.h:
