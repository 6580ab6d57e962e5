# pvci: build-and-test service for the Xen Windows PV drivers.
# Targets: all, check, install, clean, deps, demo (see README.md).

PREFIX    ?= /usr/local
DESTDIR   ?=
SANITIZE  ?=
CC        ?= cc

PKGS      := jansson sqlite3 libvirt libcrypto
WARNINGS  := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wwrite-strings -Wformat=2 -Wvla
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 $(WARNINGS) -D_GNU_SOURCE \
             -DPVCI_DATADIR='"$(PREFIX)/share/pvci"' \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS    += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifneq ($(SANITIZE),)
CFLAGS    += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS   += -fsanitize=$(SANITIZE)
endif

SRC_DIR   := ci-runner/src
OBJ_DIR   := build/obj$(if $(SANITIZE),-san)
SRCS      := $(wildcard $(SRC_DIR)/*.c)
OBJS      := $(SRCS:$(SRC_DIR)/%.c=$(OBJ_DIR)/%.o)
LIB_OBJS  := $(filter-out $(OBJ_DIR)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard ci-runner/tests/unit/test-*.c)
UNIT_BINS := $(UNIT_SRCS:ci-runner/tests/unit/%.c=build/unit/%)

all: pvci

# pvci and the unit tests are relinked when SANITIZE changes.
FLAVOUR := build/flavour
$(shell mkdir -p build; [ "$$(cat $(FLAVOUR) 2>/dev/null)" = "san:$(SANITIZE)" ] || echo "san:$(SANITIZE)" >$(FLAVOUR))

pvci: $(OBJS) $(FLAVOUR)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJ_DIR)/%.o: $(SRC_DIR)/%.c $(wildcard $(SRC_DIR)/*.h) | $(OBJ_DIR)
	$(CC) $(CFLAGS) -c -o $@ $<

$(OBJ_DIR) build/unit:
	mkdir -p $@

build/unit/test-%: ci-runner/tests/unit/test-%.c $(LIB_OBJS) $(FLAVOUR) | build/unit
	$(CC) $(CFLAGS) -iquote $(SRC_DIR) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS) -lcmocka

units: $(UNIT_BINS)

# The whole suite: unit tests (cmocka, TAP) and integration scripts, through prove.
check: pvci $(UNIT_BINS)
	CMOCKA_MESSAGE_OUTPUT=TAP PVCI_SRCDIR=$(CURDIR) PVCI_BIN=$(CURDIR)/pvci \
	  prove $(PROVE_FLAGS) $(UNIT_BINS) $(sort $(wildcard ci-runner/tests/integ/t[0-9]*.sh))

deps:
	scripts/install-deps.sh

# Benchmarks print their figures (medians, and the alternative they beat).
bench: pvci
	bench/overlay-clone
	bench/smoke-flight

# What CI runs (.ci/run): deps, daemons, the test guest image, then check.
test:
	scripts/test.sh

# The README's main command: packages first, so the build finds its libraries.
demo:
	scripts/install-deps.sh
	$(MAKE) pvci
	scripts/demo.sh

install: pvci
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/pvci/results-db/migrations \
	  $(DESTDIR)$(PREFIX)/share/pvci/flights $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 pvci $(DESTDIR)$(PREFIX)/bin/pvci
	install -m 0644 results-db/schema.sql $(DESTDIR)$(PREFIX)/share/pvci/results-db/
	install -m 0644 results-db/migrations/*.sql $(DESTDIR)$(PREFIX)/share/pvci/results-db/migrations/
	install -m 0644 flights/*.json $(DESTDIR)$(PREFIX)/share/pvci/flights/
	cp -R guest-images winpv-drivers $(DESTDIR)$(PREFIX)/share/pvci/
	install -m 0644 doc/pvci.1 $(DESTDIR)$(PREFIX)/share/man/man1/pvci.1

# libFuzzer harnesses, one per parser of outside input; FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	-DPVCI_DATADIR='"/"' -iquote $(SRC_DIR)
fuzz:
	mkdir -p build/fuzz
	clang $(FUZZ_CFLAGS) -o build/fuzz/fuzz-recipe ci-runner/tests/fuzz/fuzz-recipe.c \
	  $(filter-out $(SRC_DIR)/main.c,$(SRCS)) $(LDLIBS)
	clang $(FUZZ_CFLAGS) -o build/fuzz/fuzz-agent ci-runner/tests/fuzz/fuzz-agent.c \
	  $(SRC_DIR)/agent-proto.c $(SRC_DIR)/util.c $(SRC_DIR)/log.c -lcrypto
	mkdir -p build/fuzz/corpus-recipe
	cp flights/*.json build/fuzz/corpus-recipe/
	build/fuzz/fuzz-recipe -max_total_time=$(FUZZ_SECONDS) build/fuzz/corpus-recipe
	build/fuzz/fuzz-agent -max_total_time=$(FUZZ_SECONDS)

clean:
	rm -rf build pvci

.PHONY: all check deps demo install clean units test fuzz bench
