build-x/lib/clock.o: lib/clock.c include/nids/clock.h
include/nids/clock.h:
