# The cgo program for tests/unit/test_sbom.c: testdata/cgonet built by this
# tree's gsimage (zig cc, musl), into $(BUILD)/fixtures/sbom-cgonet.  Built
# once (gsimage is an order-only prerequisite); without go or zig the
# reason goes to sbom-cgonet.skip and the test that needs it skips.

SBOM_FIX = $(BUILD)/fixtures/sbom-cgonet
SBOM_ZIG = $(firstword $(wildcard $(CURDIR)/.toolchain/zig/zig) $(shell command -v zig 2>/dev/null))

UNIT_DEPS += $(SBOM_FIX)

$(SBOM_FIX): testdata/cgonet/go.mod testdata/cgonet/main.go | $(BIN)
	@mkdir -p $(@D); rm -f $@.skip; rm -rf $@.d
	@if ! command -v go >/dev/null 2>&1; then \
		echo "'go' is not installed; run 'make bootstrap'" >$@.skip; \
	elif [ -z "$(SBOM_ZIG)" ]; then \
		echo "zig is not installed (looked in .toolchain/zig and PATH); run 'make bootstrap'" >$@.skip; \
	else \
		echo "$(BIN) compile -q -o $@.d testdata/cgonet"; \
		XDG_CACHE_HOME=$(TEST_CACHE) $(BIN) compile -q -o $@.d testdata/cgonet && \
		mv $@.d/cgonet-* $@ && rm -rf $@.d; \
	fi
