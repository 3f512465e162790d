# nids: build, test, install, demo, bench.
#   make            build the programs into build/bin
#   make check      lint of the tests, unit tests + CLI tests + a short run of each fuzzer,
#                   the option coverage (SANITIZE=1: ASan+UBSan build in build-san/;
#                   VALGRIND=1: every program and unit test under valgrind)
#   make fuzz       the libFuzzer harnesses for FUZZ_TIME seconds each (clang)
#   make demo       install missing Debian packages, build, run the NSL-KDD example
#   make install    PREFIX=/usr/local (programs and man pages)
#   make deps       install missing Debian packages (needs root and apt)
#   make mutate     apply named bugs to a scratch copy; report the tests that catch each
CC ?= cc
PREFIX ?= /usr/local
SANITIZE ?= 0
VALGRIND ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
# float-cast-overflow is named: GCC's undefined leaves it out (a float to integer cast of a
# value out of the integer's range is undefined behaviour all the same)
SANFLAGS = -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined,float-cast-overflow
OPT = -O1
else
BUILD ?= build
SANFLAGS =
OPT = -O2
endif
CFLAGS ?= $(OPT) -g
WARN = -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) -pthread -fPIC
LDLIBS = -lopenblas -llapack -lzstd -lz -lcsv -lxxhash -lm -pthread

LIB_SRC := $(sort $(wildcard lib/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
HEADERS := $(sort $(wildcard include/nids/*.h))
LIB_HEADERS := $(sort $(wildcard lib/*.h))
LIB_OBJ := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
PROGS := $(CMD_SRC:cmd/%.c=$(BUILD)/bin/%)
UNITS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HEADER_CHECKS := $(HEADERS:include/nids/%.h=$(BUILD)/hdr/%.ok)

.PHONY: all check deps demo install clean bench headers man-check lint-tests mutate
all: $(PROGS) $(UNITS) $(HEADER_CHECKS)

# Files whose hot loops want more than $(OPT), each with the reason in its opening
# comment: -O3 vectorizes or unrolls them, -fno-math-errno lets expf/sqrtf vectorize,
# -fno-trapping-math lets the VAE's scoring loops vectorize. Per object, and last on
# the command line, so that they hold in the SANITIZE=1 build as well.
O3_OBJ := classic_model deep_layers nn_mlp normalize
# the CSV-to-windows path: -O3 takes about 5% off nids-window -f ugr16's CPU time
# (bench/gee.md), with the same bytes out
O3_OBJ += csvin feat_ids feat_ugr16 feat_fields window window_run
$(O3_OBJ:%=$(BUILD)/lib/%.o): OBJ_OPT = -O3
$(BUILD)/lib/nn_layers.o $(BUILD)/lib/nn_loss.o $(BUILD)/lib/nn_optim.o: OBJ_OPT = -O3 -fno-math-errno
$(BUILD)/lib/model_vae.o: OBJ_OPT = -O3 -fno-trapping-math
# the rows' product: a fused multiply-add per step where the CPU has one (nn_gemm.c)
$(BUILD)/lib/nn_gemm.o: OBJ_OPT = -O3 -ffp-contract=fast

# Header dependencies come from the compiler (-MMD -MP: a .d file beside each output).
DEPFLAGS = -MMD -MP
$(BUILD)/lib/%.o: lib/%.c | $(BUILD)/lib
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(OBJ_OPT) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/libnids.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
# (the programs' and tests' .d files go to $(BUILD)/dep, out of the directories that
# tests/run.sh and the bats files list)
$(BUILD)/bin/%: cmd/%.c $(BUILD)/libnids.a | $(BUILD)/bin $(BUILD)/dep
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -MF $(BUILD)/dep/$*.d -o $@ $< $(BUILD)/libnids.a $(LDFLAGS) $(LDLIBS)
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libnids.a | $(BUILD)/tests $(BUILD)/dep
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -MF $(BUILD)/dep/$*.d -Itests/unit -Ilib -o $@ $< $(BUILD)/libnids.a $(LDFLAGS) $(LDLIBS)
# every public header compiles on its own
$(BUILD)/hdr/%.ok: include/nids/%.h | $(BUILD)/hdr
	$(CC) $(CPPFLAGS) $(WARN) -fsyntax-only -x c $< && touch $@
$(BUILD)/lib $(BUILD)/bin $(BUILD)/tests $(BUILD)/hdr $(BUILD)/dep:
	mkdir -p $@

headers: $(HEADER_CHECKS)

deps:
	@sh scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory man-check
	@$(MAKE) --no-print-directory lint-tests
	@if FUZZ_CC=$(FUZZ_CC) sh tests/fuzz/run.sh probe; then \
	  $(MAKE) --no-print-directory fuzz-build >/dev/null || exit 1; fi
	@BUILD=$(BUILD) VALGRIND=$(VALGRIND) FUZZ_CC=$(FUZZ_CC) FUZZ_SMOKE=$(FUZZ_SMOKE) sh tests/run.sh

# deliberate bugs in a scratch copy, and the tests that catch each (not part of check)
mutate: all
	@sh scripts/mutate.sh

# every bats assertion live (tests/lint_bats.sh)
lint-tests:
	@sh tests/lint_bats.sh

man-check:
	@for m in man/*.[15]; do \
	  out=$$(groff -mdoc -ww -z $$m 2>&1); \
	  if [ -n "$$out" ]; then echo "$$m: $$out"; exit 1; fi; done

demo: deps
	@$(MAKE) --no-print-directory all
	@PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" sh examples/demo.sh

bench: all
	@PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" bash bench/foundation.sh

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	cp $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	cp man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	cp man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/

clean:
	rm -rf build build-san build-fuzz

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built with clang into build-fuzz/:
#   make fuzz                 runs each harness for FUZZ_TIME seconds (one after another, at
#                             nice 19) on a scratch copy of its seeds (tests/fuzz/corpus/NAME)
#                             in build-fuzz/run/NAME; see tests/fuzz/run.sh
#   make fuzz-build           only builds them
# make check builds them and runs each for FUZZ_SMOKE seconds when clang links libFuzzer,
# and reports a skip otherwise. FUZZ_MODELS names the model seeds for fuzz_explain, which
# reads them once instead of taking a model in its input.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_SMOKE ?= 10
FUZZ_BUILD = build-fuzz
# pointer-overflow stays recoverable so that tests/fuzz/ubsan.supp can name a known report;
# run.sh sets halt_on_error, so every report not suppressed still stops the fuzzer
FUZZ_FLAGS = -g -O1 -Wno-unknown-pragmas -Wno-unknown-attributes -fno-omit-frame-pointer \
	-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
	-fsanitize-recover=pointer-overflow
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJ := $(LIB_SRC:lib/%.c=$(FUZZ_BUILD)/lib/%.o)
.PHONY: fuzz fuzz-build
$(FUZZ_BUILD)/lib/%.o: lib/%.c | $(FUZZ_BUILD)/lib
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -pthread -c -o $@ $<
$(FUZZ_BUILD)/libnids.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libnids.a | $(FUZZ_BUILD)/dep
	$(FUZZ_CC) $(CPPFLAGS) -Ilib $(WARN) $(FUZZ_FLAGS) $(DEPFLAGS) -MF $(FUZZ_BUILD)/dep/$*.d -fsanitize=fuzzer -pthread \
	  -DFUZZ_MODELS='"$(CURDIR)/tests/fuzz/corpus/model"' -o $@ $< \
	  $(FUZZ_BUILD)/libnids.a $(LDFLAGS) $(LDLIBS)
$(FUZZ_BUILD)/lib $(FUZZ_BUILD)/dep:
	mkdir -p $@
fuzz-build: $(FUZZERS)
fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_CC=$(FUZZ_CC) sh tests/fuzz/run.sh long $(FUZZ_TIME)

# the header dependencies the compiler wrote (DEPFLAGS)
-include $(wildcard $(BUILD)/lib/*.d $(BUILD)/dep/*.d $(FUZZ_BUILD)/lib/*.d $(FUZZ_BUILD)/dep/*.d)
