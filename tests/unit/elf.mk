# ELF fixtures for tests/unit/test_elf.c, built into $(BUILD)/fixtures.
#
# A fixture whose tool is missing here is not built; instead <name>.skip
# holds the reason, and the test that needs it skips and prints that reason.
# zig's cache is shared by every BUILD directory (unit-asan would otherwise
# rebuild musl for each target, about half a minute each).

ELF_FIX      = $(BUILD)/fixtures
ELF_ZIG     ?= $(firstword $(wildcard $(CURDIR)/.toolchain/zig/zig) $(shell command -v zig 2>/dev/null))
ELF_ZIG_ENV  = ZIG_GLOBAL_CACHE_DIR=$(CURDIR)/build/zig-cache ZIG_LOCAL_CACHE_DIR=$(CURDIR)/build/zig-cache
ELF_GO      ?= go
ELF_GCCGO   ?= gccgo
ELF_HELLO_C  = testdata/elf/hello.c
ELF_HELLO_GO = testdata/hello/go.mod testdata/hello/main.go

ELF_FIXTURES = $(addprefix $(ELF_FIX)/,hello-static hello-static-stripped \
	hello-dynamic hello-shared hello-static-pie hello-static-pie-now hello.o hello-386 hello-aarch64 \
	hello-go hello-go-s390x hello-gccgo)

UNIT_DEPS += $(ELF_FIXTURES)

$(ELF_FIX)/hello-static: $(ELF_HELLO_C)
	@mkdir -p $(@D)
	$(CC) -static -o $@ $<

$(ELF_FIX)/hello-static-stripped: $(ELF_HELLO_C)
	@mkdir -p $(@D)
	$(CC) -static -s -o $@ $<

$(ELF_FIX)/hello-dynamic: $(ELF_HELLO_C)
	@mkdir -p $(@D)
	$(CC) -o $@ $<

# A shared library (ET_DYN like a PIE, with a DT_NEEDED but no
# interpreter and no DF_1_PIE): not a PIE.
$(ELF_FIX)/hello-shared: $(ELF_HELLO_C)
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -o $@ $<

$(ELF_FIX)/hello-static-pie: $(ELF_HELLO_C)
	@mkdir -p $(@D)
	$(CC) -static-pie -fPIE -o $@ $<

# Full RELRO: GNU_RELRO and BIND_NOW (what gsimage's --pie asks for).
$(ELF_FIX)/hello-static-pie-now: $(ELF_HELLO_C)
	@mkdir -p $(@D)
	$(CC) -static-pie -fPIE -Wl,-z,relro,-z,now -o $@ $<

$(ELF_FIX)/hello.o: $(ELF_HELLO_C)
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<

# 32-bit x86: cc -m32 when gcc-multilib is there, else zig's musl.
$(ELF_FIX)/hello-386: $(ELF_HELLO_C)
	@mkdir -p $(@D); rm -f $@.skip
	@if $(CC) -m32 -static -o $@ $< 2>/dev/null; then \
		echo "$(CC) -m32 -static -o $@ $<"; \
	elif [ -x "$(ELF_ZIG)" ]; then \
		echo "$(ELF_ZIG) cc -target x86-linux-musl -static -o $@ $<"; \
		$(ELF_ZIG_ENV) $(ELF_ZIG) cc -target x86-linux-musl -static -o $@ $<; \
	else \
		echo "'$(CC) -m32' does not work (no gcc-multilib) and zig is not installed; run 'make bootstrap'" >$@.skip; \
	fi

# Another machine through zig.  (The big-endian fixture is a Go one: zig
# 0.11's lld cannot link s390x, "unknown emulation: elf64_s390".)
$(ELF_FIX)/hello-aarch64: $(ELF_FIX)/hello-%: $(ELF_HELLO_C)
	@mkdir -p $(@D); rm -f $@.skip
	@if [ -x "$(ELF_ZIG)" ]; then \
		echo "$(ELF_ZIG) cc -target $*-linux-musl -static -o $@ $<"; \
		$(ELF_ZIG_ENV) $(ELF_ZIG) cc -target $*-linux-musl -static -o $@ $<; \
	else \
		echo "zig is not installed (looked in .toolchain/zig and PATH); run 'make bootstrap'" >$@.skip; \
	fi

$(ELF_FIX)/hello-go: $(ELF_HELLO_GO)
	@mkdir -p $(@D); rm -f $@.skip
	@if command -v $(ELF_GO) >/dev/null 2>&1; then \
		echo "(cd testdata/hello && CGO_ENABLED=0 $(ELF_GO) build -trimpath -buildvcs=false -ldflags='-s -w' -o $(abspath $@))"; \
		cd testdata/hello && CGO_ENABLED=0 GOFLAGS= GOPROXY=off \
			$(ELF_GO) build -trimpath -buildvcs=false -ldflags='-s -w' -o $(abspath $@) .; \
	else \
		echo "'$(ELF_GO)' is not installed; run 'make bootstrap'" >$@.skip; \
	fi

$(ELF_FIX)/hello-go-s390x: $(ELF_HELLO_GO)
	@mkdir -p $(@D); rm -f $@.skip
	@if command -v $(ELF_GO) >/dev/null 2>&1; then \
		echo "(cd testdata/hello && GOARCH=s390x CGO_ENABLED=0 $(ELF_GO) build -trimpath -buildvcs=false -o $(abspath $@))"; \
		cd testdata/hello && GOARCH=s390x CGO_ENABLED=0 GOFLAGS= GOPROXY=off \
			$(ELF_GO) build -trimpath -buildvcs=false -o $(abspath $@) .; \
	else \
		echo "'$(ELF_GO)' is not installed; run 'make bootstrap'" >$@.skip; \
	fi

$(ELF_FIX)/hello-gccgo: testdata/hello/main.go
	@mkdir -p $(@D); rm -f $@.skip
	@if command -v $(ELF_GCCGO) >/dev/null 2>&1; then \
		echo "$(ELF_GCCGO) -static -s -o $@ $<"; \
		$(ELF_GCCGO) -static -s -o $@ $<; \
	else \
		echo "'$(ELF_GCCGO)' is not installed; run 'make bootstrap'" >$@.skip; \
	fi
