# Shortlist: one non-recursive Makefile. `make help` lists the targets.
.DEFAULT_GOAL := all
SHELL := /bin/bash

PKGS := fcgi libcjson libmemcached libpq poppler-glib libcurl libcrypto libzip libxml-2.0 libsodium
# SANITIZE=address,undefined builds into build-asan unless BUILD says otherwise,
# so the normal build stays.
ASAN_BUILD := build-asan
BUILD ?= $(if $(SANITIZE),$(ASAN_BUILD),build)
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

CC ?= cc
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
	-Wwrite-strings -fno-common
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Ishared $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ALL_LDLIBS := -Wl,--as-needed $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
ifeq ($(DEV),1)
ALL_CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

SHARED_SRC := $(wildcard shared/*/*.c)
SHARED_OBJ := $(SHARED_SRC:%.c=$(BUILD)/%.o)
HANDLER_SRC := $(wildcard handlers/*.c)
PROGRAMS := $(HANDLER_SRC:handlers/%.c=$(BUILD)/bin/%)
# The test tools' shared helpers (no main), linked into every tool.
TOOL_LIB_SRC := tests/tools/toolfile.c
TOOL_LIB_OBJ := $(TOOL_LIB_SRC:%.c=$(BUILD)/%.o)
TOOL_SRC := $(filter-out $(TOOL_LIB_SRC),$(wildcard tests/tools/*.c))
TOOLS := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIB := $(BUILD)/libshortlist.a

.PHONY: all docs test unit integration run stop status lint format clean bench faults fuzz bootstrap help
.PHONY: scale
.PHONY: eval

all: $(PROGRAMS) $(UNIT_BIN) $(TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(SHARED_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/handlers/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $< $(LIB) $(ALL_LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $< $(LIB) $(ALL_LDLIBS) $(shell pkg-config --libs check) -o $@

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(TOOL_LIB_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) $< $(TOOL_LIB_OBJ) $(LIB) $(ALL_LDLIBS) -o $@

$(BUILD)/tests/unit/%.o: ALL_CFLAGS += $(shell pkg-config --cflags check)

# Objects are intermediates make must keep: without this a second `make`
# would rebuild the objects it deleted after linking the test programs.
.SECONDARY:

-include $(SHARED_OBJ:.o=.d) $(HANDLER_SRC:%.c=$(BUILD)/%.d) $(UNIT_SRC:%.c=$(BUILD)/%.d) $(TOOL_SRC:%.c=$(BUILD)/%.d) $(TOOL_LIB_SRC:%.c=$(BUILD)/%.d)

# The web app lighttpd serves: lighttpd/www with content-hashed names for
# everything but the entry page, so those can be cached for a year. The
# folders are listed too: a file taken away changes its folder's time.
WEB_SRC := $(shell find lighttpd/www)
# (A stamp, since the entry page keeps its sources' time for its ETag.)
all: $(BUILD)/www.stamp

$(BUILD)/www.stamp: $(WEB_SRC) scripts/build-web
	@echo "  WEB     $(BUILD)/www"
	$(Q)scripts/build-web lighttpd/www $(BUILD)/www
	@touch $@

bootstrap:
	@scripts/bootstrap

# The API reference page lighttpd serves at /docs/ (needs the npm tools).
docs: $(BUILD)/docs/index.html $(BUILD)/docs/openapi.yaml

$(BUILD)/docs/index.html: docs/openapi.yaml
	@mkdir -p $(dir $@)
	@echo "  DOCS    $@"
	$(Q)node_modules/.bin/redocly build-docs docs/openapi.yaml -o $@ >/dev/null 2>&1

$(BUILD)/docs/openapi.yaml: docs/openapi.yaml
	@mkdir -p $(dir $@)
	$(Q)cp docs/openapi.yaml $@

# Unit tests need no services; integration tests start their own on the
# test ports (instance "test") and stop them even when a test fails. A
# sanitized subset follows, from $(ASAN_BUILD) (scripts/test-all); with
# SANITIZE set the whole run is sanitized instead.
test: bootstrap
	@$(MAKE) --no-print-directory all docs
ifeq ($(SANITIZE),)
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SANITIZE=address,undefined all
endif
	@SHORTLIST_BUILD=$(BUILD) SHORTLIST_SANITIZE=$(SANITIZE) SHORTLIST_ASAN_BUILD=$(ASAN_BUILD) scripts/test-all

unit: all
	@SHORTLIST_BUILD=$(BUILD) SHORTLIST_SANITIZE=$(SANITIZE) scripts/test-unit

integration: all
	@SHORTLIST_BUILD=$(BUILD) SHORTLIST_SANITIZE=$(SANITIZE) scripts/test-integration $(T)

run: bootstrap
	@$(MAKE) --no-print-directory all docs
	@scripts/run

stop:
	@scripts/services stop

status:
	@scripts/services status

lint:
	@scripts/lint

format:
	@scripts/c-sources | xargs clang-format -i

# The fault suite on an instance of its own (tests/faults/faults.py).
faults: bootstrap
	@$(MAKE) --no-print-directory all
	@scripts/faults $(FAULTS_ARGS)

bench: bootstrap
	@$(MAKE) --no-print-directory all
	@scripts/bench $(BENCH_ARGS)

# The ranking-quality evaluation (scripts/eval, tests/eval/) on the test
# instance, started if it is not running. EVAL_ARGS=--short or --write-floors.
eval: bootstrap
	@$(MAKE) --no-print-directory all
	@scripts/eval $(EVAL_ARGS)

# The multi-host test (scripts/scale): three web hosts as network namespaces
# behind HAProxy; needs root. SCALE_ARGS=--short or '--only NAME'.
scale: bootstrap
	@$(MAKE) --no-print-directory all
	@scripts/scale $(SCALE_ARGS)

# Every libFuzzer harness (tests/fuzz/fuzz_*.c) for FUZZ_SECONDS each; make
# test only replays their seeds (tests/t0050-fuzz-seeds.sh).
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run

clean:
	rm -rf $(BUILD)

help:
	@echo "make run     set up everything and run Shortlist locally (prints the URLs)"
	@echo "make test    set up everything and run unit, integration and API checks"
	@echo "make stop    stop every local service"
	@echo "make status  show the local services"
	@echo "make bench   run the benchmarks and print ratios"
	@echo "make faults  run the fault suite (FAULTS_ARGS=--short or '--only NAME')"
	@echo "make scale   the multi-host test: 3 web hosts behind HAProxy (root; SCALE_ARGS=--short)"
	@echo "make eval    ranking quality on a labelled set: one table, fails below the recorded floors (EVAL_ARGS=--short)"
	@echo "make lint    banned functions and formatting"
	@echo "make fuzz    run every fuzzer for FUZZ_SECONDS (60) seconds each"
	@echo "make clean   remove build output"
	@echo "DEV=1 adds -Werror; SANITIZE=address,undefined builds sanitized (into build-asan);"
	@echo "make test SANITIZE=address,undefined runs the whole suite on that build"
