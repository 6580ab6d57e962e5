# pvci: build-and-test service for the Xen Windows PV drivers.
# Targets: all, check, install, clean, deps, demo (see README.md).

PREFIX    ?= /usr/local
DESTDIR   ?=
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SANITIZE  ?=
CC        ?= cc

PKGS      := jansson sqlite3 libvirt libcrypto libcurl libmicrohttpd zlib libarchive p11-kit-1
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

# One folder a layer, lowest first (README.md, Layout): build/ and guest/
# help steps, so they sit on the step context API. Each folder is built
# into a static library and compiled with the include paths of the layers it
# may use and no others, so an include that climbs the layers (a step
# reaching for db.h) does not compile.
LAYERS       := lib core toolstack sign step build guest steps run report web service cli
USES_lib       := lib
USES_core      := core lib
USES_toolstack := toolstack lib
USES_sign      := sign core lib
USES_step      := step core lib
USES_build     := build step lib
USES_guest     := guest step toolstack core lib
USES_steps     := steps step guest toolstack build sign lib
USES_run       := run steps step guest toolstack build sign core lib
USES_report    := report core lib
USES_web       := web report core lib
USES_service   := service web report run steps step guest toolstack build sign core lib
USES_cli       := cli service web report run steps step guest toolstack build sign core lib

layer_srcs = $(filter-out $(SRC_DIR)/cli/main.c,$(wildcard $(SRC_DIR)/$(1)/*.c))
layer_objs = $(patsubst $(SRC_DIR)/%.c,$(OBJ_DIR)/%.o,$(call layer_srcs,$(1)))
layer_incs = $(foreach u,$(USES_$(1)),-iquote $(SRC_DIR)/$(u))
reverse       = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
# Static libraries in link order: a layer before the layers it uses.
LAYER_LIBS   := $(foreach l,$(call reverse,$(LAYERS)),$(OBJ_DIR)/libpvci-$(l).a)
ALL_INCS     := $(call layer_incs,cli)
HEADERS      := $(wildcard $(SRC_DIR)/*/*.h)
UNIT_SRCS    := $(wildcard ci-runner/tests/unit/test-*.c)
UNIT_BINS    := $(UNIT_SRCS:ci-runner/tests/unit/%.c=build/unit/%)

all: pvci

# pvci and the unit tests are relinked when SANITIZE changes.
FLAVOUR := build/flavour
$(shell mkdir -p build; [ "$$(cat $(FLAVOUR) 2>/dev/null)" = "san:$(SANITIZE)" ] || echo "san:$(SANITIZE)" >$(FLAVOUR))

# The version --version prints: git describe of the source tree, else (a
# release tarball) the file VERSION, else "unknown". main.o is rebuilt when
# it changes.
PVCI_VERSION := $(if $(wildcard $(CURDIR)/.git),$(shell git -C $(CURDIR) describe --always --dirty 2>/dev/null))
PVCI_VERSION := $(or $(PVCI_VERSION),$(shell cat $(CURDIR)/VERSION 2>/dev/null),unknown)
VERSION_STAMP := build/version
$(shell mkdir -p build; [ "$$(cat $(VERSION_STAMP) 2>/dev/null)" = "$(PVCI_VERSION)" ] || echo "$(PVCI_VERSION)" >$(VERSION_STAMP))
$(OBJ_DIR)/cli/main.o: CFLAGS += -DPVCI_VERSION='"$(PVCI_VERSION)"'
$(OBJ_DIR)/cli/main.o: $(VERSION_STAMP)

pvci: $(OBJ_DIR)/cli/main.o $(LAYER_LIBS) $(FLAVOUR)
	$(CC) $(LDFLAGS) -o $@ $(OBJ_DIR)/cli/main.o $(LAYER_LIBS) $(LDLIBS)

define layer_rules
$(OBJ_DIR)/$(1)/%.o: $(SRC_DIR)/$(1)/%.c $(HEADERS) | $(OBJ_DIR)/$(1)
	$$(CC) $$(CFLAGS) $(call layer_incs,$(1)) -c -o $$@ $$<
$(OBJ_DIR)/libpvci-$(1).a: $(call layer_objs,$(1))
	rm -f $$@ && $$(AR) rcs $$@ $$^
$(OBJ_DIR)/$(1):
	mkdir -p $$@
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

build/unit:
	mkdir -p $@

# The compiler flags a layer's files get, for tests: make -s layer-cflags LAYER=steps
layer-cflags:
	@echo $(CFLAGS) $(call layer_incs,$(LAYER))

build/unit/test-%: ci-runner/tests/unit/test-%.c $(LAYER_LIBS) $(FLAVOUR) | build/unit
	$(CC) $(CFLAGS) $(ALL_INCS) $(LDFLAGS) -o $@ $< $(LAYER_LIBS) $(LDLIBS) -lcmocka

units: $(UNIT_BINS)

# The whole suite: unit tests (cmocka, TAP) and integration scripts, through prove.
check: pvci $(UNIT_BINS)
	CMOCKA_MESSAGE_OUTPUT=TAP PVCI_SRCDIR=$(CURDIR) PVCI_BIN=$(CURDIR)/pvci \
	  prove $(PROVE_FLAGS) $(UNIT_BINS) $(filter-out $(XEN_LONG_TESTS),$(sort $(wildcard ci-runner/tests/integ/t[0-9]*.sh)))

# The Xen host tests that boot guests inside the nested host (5-9 min each
# under TCG): their own target, so the suite keeps within 30 minutes on 2
# cores. t0800 (build and boot the host) stays in check.
XEN_LONG_TESTS := ci-runner/tests/integ/t0801-xenhost-xl.sh ci-runner/tests/integ/t0802-xenhost-xenstore-state.sh
check-xen: pvci $(UNIT_BINS)
	PVCI_SRCDIR=$(CURDIR) PVCI_BIN=$(CURDIR)/pvci prove $(PROVE_FLAGS) $(XEN_LONG_TESTS)

deps:
	scripts/install-deps.sh

# Benchmarks print their figures (medians, and the alternative they beat).
bench: pvci
	bench/overlay-clone
	bench/smoke-flight
	bench/flight-diff
	bench/report
	bench/webhook
	bench/daemon-memory
	bench/web
	bench/sandbox
	bench/pool-sched
	bench/publish

# The kill campaign at full length (50 kills, half on real guests; ~30 min).
kill-campaign: pvci
	bench/kill-campaign

# Every fuzz harness for 10 million executions (FUZZ_RUNS): figures, not a test.
bench-fuzz:
	bench/fuzz

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
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@BINDIR@|$(PREFIX)/bin|g' dist/pvci.service >$(DESTDIR)$(SYSTEMDUNITDIR)/pvci.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/pvci.service
	if [ -f $(AGENT_EXE) ]; then install -m 0644 $(AGENT_EXE) \
	  $(DESTDIR)$(PREFIX)/share/pvci/guest-images/windows/agent/pvci-agent.exe; fi

# libFuzzer harnesses, one per parser of outside input; FUZZ_SECONDS each,
# from the seeds in ci-runner/tests/fuzz/corpus/NAME (read only: what the
# fuzzers find goes to FUZZ_DIR/corpus-NAME). Each harness is linked with the
# sources it needs (FUZZ_SRCS_NAME).
FUZZ_SECONDS ?= 60
FUZZ_DIR     ?= build/fuzz
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	-DPVCI_DATADIR='"/"' $(ALL_INCS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# sign/token.c includes <p11-kit/pkcs11.h> (the PKCS#11 API).
FUZZ_CFLAGS += $(shell pkg-config --cflags p11-kit-1 2>/dev/null)
FUZZ_LIB            := $(SRC_DIR)/lib/util.c $(SRC_DIR)/lib/log.c
FUZZERS             := recipe agent allow config sums stamp xl-list tool-output webhook verify http
FUZZ_SRCS_recipe     = $(foreach l,$(LAYERS),$(call layer_srcs,$(l)))
FUZZ_SRCS_agent      = $(SRC_DIR)/guest/agent-proto.c $(FUZZ_LIB)
FUZZ_SRCS_allow      = $(SRC_DIR)/report/allow.c $(FUZZ_LIB)
FUZZ_SRCS_config     = $(foreach l,core lib,$(call layer_srcs,$(l)))
FUZZ_SRCS_sums       = $(foreach l,sign core lib,$(call layer_srcs,$(l)))
FUZZ_SRCS_stamp      = $(SRC_DIR)/build/stamp.c $(FUZZ_LIB)
FUZZ_SRCS_xl-list    = $(SRC_DIR)/toolstack/xl-list.c $(FUZZ_LIB)
FUZZ_SRCS_tool-output = $(SRC_DIR)/steps/tool-output.c $(FUZZ_LIB)
FUZZ_SRCS_webhook    = $(foreach l,$(LAYERS),$(call layer_srcs,$(l)))
FUZZ_SRCS_verify     = $(foreach l,$(LAYERS),$(call layer_srcs,$(l)))
FUZZ_SRCS_http       = $(SRC_DIR)/web/http.c $(FUZZ_LIB)

$(FUZZ_DIR)/fuzz-%: ci-runner/tests/fuzz/fuzz-%.c $(HEADERS) $(wildcard $(SRC_DIR)/*/*.c)
	@mkdir -p $(FUZZ_DIR)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS_$*) $(LDLIBS)

fuzz-build: $(FUZZERS:%=$(FUZZ_DIR)/fuzz-%)

fuzz: fuzz-build
	for f in $(FUZZERS); do \
	  mkdir -p $(FUZZ_DIR)/corpus-$$f && \
	  $(FUZZ_DIR)/fuzz-$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/crash-$$f- \
	    $(FUZZ_DIR)/corpus-$$f ci-runner/tests/fuzz/corpus/$$f || exit 1; \
	done

clean:
	rm -rf build pvci

.PHONY: check-xen layer-cflags all check deps demo install clean units test fuzz bench kill-campaign fuzz-build bench-fuzz

# The Windows guest agent, cross-built with mingw-w64 from its own source and
# the host's protocol layer (one implementation of the framing for both).
MINGW_CC  ?= x86_64-w64-mingw32-gcc
AGENT_EXE := build/pvci-agent.exe
AGENT_SRC := guest-images/windows/agent/pvci-agent.c $(SRC_DIR)/guest/agent-proto.c
all: $(AGENT_EXE)
$(AGENT_EXE): $(AGENT_SRC) $(SRC_DIR)/guest/agent-proto.h
	$(MINGW_CC) -O2 -std=gnu11 $(WARNINGS) -iquote $(SRC_DIR)/guest -o $@ $(AGENT_SRC) \
	  -static -ladvapi32

# The answer file's unit test parses it with libxml2 (libvirt-dev brings it).
build/unit/test-windows-image: CFLAGS += $(shell pkg-config --cflags libxml-2.0)
build/unit/test-windows-image: LDLIBS += $(shell pkg-config --libs libxml-2.0)
