# gsimage — see README.md.  `make check` bootstraps the toolchain and runs
# every test; `make demo` bootstraps and builds the bundled example image.

PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
PKG_CONFIG ?= pkg-config
PKGS      = libarchive libcrypto jansson libelf libdeflate yaml-0.1 libcurl libsodium

# Recursive (=) so that pkg-config only runs when something is compiled,
# after the bootstrap has installed the -dev packages.
WARN      = -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wvla
OPT      ?= -O2 -g
SANITIZE ?=
TOOLCHAIN_DIR = $(CURDIR)/.toolchain
ALL_CPPFLAGS = -D_GNU_SOURCE -Iinclude -DGS_TOOLCHAIN_DIR='"$(TOOLCHAIN_DIR)"' \
	-DGS_VERSION='"$(VERSION)"' $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CPPFLAGS)
ALL_CFLAGS = $(WARN) $(OPT) $(SANITIZE) $(CFLAGS)
LIBS      = $(shell $(PKG_CONFIG) --libs $(PKGS)) -pthread
VERSION   = 0.1.0

SRCS     := $(filter-out src/main.c,$(wildcard src/*/*.c))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
LIB       = $(BUILD)/libgsimage.a
BIN       = $(BUILD)/gsimage
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Each compile also writes a .d file next to its output listing the headers
# it read (-MMD), with an empty rule per header (-MP) so that deleting or
# renaming a header does not break the build; included at the end.  Outputs
# also depend on this Makefile: new flags rebuild them, and so does the
# first build after a tree built without .d files.
DEPFLAGS  = -MMD -MP

.PHONY: all bootstrap check check-all unit unit-asan unit-tsan unit-valgrind cli cli-go-old cli-go-new demo \
	install clean bench corpus fuzz fuzz-check fuzz-build man-check mutants

all: gsimage

# Replaced by rename, so a gsimage that is running keeps its own file.
gsimage: $(BIN)
	cp $(BIN) $@.tmp && mv -f $@.tmp $@

$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(DEPFLAGS) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/src/main.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(DEPFLAGS) $(ALL_CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -o $@ $< $(LIB) \
		$(LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

# One cache for every test: the CLI tests' (GSIMAGE_TEST_CACHE, else
# build/test-cache, see tests/cli/lib.sh).  The ELF fixtures are built
# with zig and go into its zig and Go caches too, so that a fresh machine
# builds musl for x86 and aarch64 and Go's standard library once instead
# of once for the fixtures and again for the CLI tests (about 1.5 minutes).
TEST_CACHE ?= $(or $(GSIMAGE_TEST_CACHE),$(CURDIR)/build/test-cache)
override ELF_ZIG_ENV = ZIG_GLOBAL_CACHE_DIR=$(TEST_CACHE)/gsimage/zig \
	ZIG_LOCAL_CACHE_DIR=$(TEST_CACHE)/gsimage/zig
# The fixtures do not depend on how the library is built: the sanitizer
# builds use build/fixtures rather than building their own copies.
FIXTURE_BUILD ?= $(BUILD)
override ELF_FIX = $(FIXTURE_BUILD)/fixtures

# Test-only makefile fragments (ELF fixtures and the like), after the
# overrides above.
-include $(wildcard tests/unit/*.mk)
$(ELF_FIX)/hello-go $(ELF_FIX)/hello-go-s390x: export GOCACHE = $(TEST_CACHE)/go-build

bootstrap:
	./scripts/bootstrap

# tests/unit/run finds the fixtures in $BUILD/fixtures.
unit: $(UNIT_BINS) $(UNIT_DEPS)
	@BUILD=$(FIXTURE_BUILD) tests/unit/run $(UNIT_BINS)

unit-asan:
	$(MAKE) BUILD=build/asan FIXTURE_BUILD=build OPT='-O1 -g -fno-omit-frame-pointer' \
		SANITIZE='-fsanitize=address,undefined -fno-sanitize-recover=all' unit

# The threaded code (parallel gzip) under ThreadSanitizer.
unit-tsan:
	$(MAKE) BUILD=build/tsan OPT='-O1 -g' SANITIZE='-fsanitize=thread' build/tsan/tests/test_pgzip
	@BUILD=build/tsan tests/unit/run build/tsan/tests/test_pgzip

# Valgrind stays in check next to ASan: ASan sees only the code compiled
# with it, not libdeflate, jansson or libarchive.  A pgzip probe reading 2
# bytes past a 512 KiB block inside libdeflate is caught by valgrind alone
# (issue 20).
unit-valgrind: $(UNIT_BINS) $(UNIT_DEPS)
	@BUILD=$(FIXTURE_BUILD) VALGRIND=1 tests/unit/run $(UNIT_BINS)

cli: gsimage
	tests/cli/run

# The core set again with the oldest Go supported, Debian's Go 1.19 (the
# bootstrap installs it in /usr/lib/go-1.19, off PATH): its go first on
# PATH, for gsimage and the tests alike.  Golden digests are recorded per
# Go version.
GO_OLD ?= /usr/lib/go-1.19/bin/go
cli-go-old: gsimage
	@if [ ! -x "$(GO_OLD)" ]; then \
		echo "cli-go-old: SKIP: $(GO_OLD) is not installed (make bootstrap installs golang-1.19-go)"; \
	else \
		PATH="$(dir $(GO_OLD)):$$PATH" tests/cli/run tests/cli/t_core.sh tests/cli/t_golden.sh \
			tests/cli/t_sbom.sh; \
	fi

man-check:
	mandoc -T lint -W warning man/gsimage.1

# The mutation suite (not part of check): each tests/mutants/*.bug plants
# one bug in a scratch copy of the tree, builds it and runs the test that
# must catch it; "caught" or "SURVIVED" per entry, non-zero if any survived.
# MUTANTS='gc-subject ...' runs some of them.
mutants: gsimage $(UNIT_BINS) $(UNIT_DEPS)
	@tests/mutants/run $(MUTANTS)

# Every test, after the bootstrap has installed what they need.
check: bootstrap
	$(MAKE) check-all

# The same core set with the newest Go, go1.27.3, which the go on PATH
# fetches through the module proxy (GOTOOLCHAIN, Go >= 1.21): every go the
# tests and gsimage run then builds with it.  Skipped with the reason when
# that Go cannot be had here.
GO_NEW ?= go1.27.3
cli-go-new: gsimage
	@if ! (cd /tmp && GOTOOLCHAIN=$(GO_NEW) GOFLAGS= timeout 300 go version >/dev/null 2>&1); then \
		echo "cli-go-new: SKIP: the go on PATH cannot run $(GO_NEW) (GOTOOLCHAIN needs Go >= 1.21 and the module proxy)"; \
	else \
		GOTOOLCHAIN=$(GO_NEW) tests/cli/run tests/cli/t_core.sh tests/cli/t_golden.sh tests/cli/t_sbom.sh; \
	fi

check-all: gsimage man-check unit unit-asan unit-tsan unit-valgrind cli cli-go-old cli-go-new fuzz-check

demo: bootstrap
	$(MAKE) gsimage
	./scripts/demo

bench: gsimage
	tests/bench/run

# Real public programs through the Go module proxy (needs the network; not
# part of check): see testdata/corpus and tests/corpus/run.
corpus: gsimage
	tests/corpus/run

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built with clang into
# build/fuzz; tests/fuzz/run builds them (via fuzz-build), runs each on a
# copy of testdata/fuzz/<name> and replays testdata/fuzz/regressions/<name>.
# fuzz-check skips with a reason when clang or libFuzzer is missing.
fuzz:
	@MAKE='$(MAKE)' tests/fuzz/run fuzz $(or $(FUZZ_SECONDS),60)

fuzz-check:
	@MAKE='$(MAKE)' tests/fuzz/run check $(or $(FUZZ_SECONDS),10)

FUZZ_LINK ?= -fsanitize=fuzzer,address,undefined
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz-build: $(FUZZ_BINS)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB)
	$(CC) $(DEPFLAGS) $(ALL_CPPFLAGS) $(WARN) $(OPT) $(FUZZ_LINK) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

install: gsimage
	install -D -m 0755 gsimage $(DESTDIR)$(PREFIX)/bin/gsimage
	install -D -m 0644 man/gsimage.1 $(DESTDIR)$(PREFIX)/share/man/man1/gsimage.1

clean:
	rm -rf build gsimage

# The header dependencies the compiler recorded (none before the first build).
-include $(OBJS:.o=.d) $(BUILD)/src/main.d $(UNIT_BINS:=.d) $(FUZZ_BINS:=.d)
