#!/usr/bin/env bash
# gsimage compile against the real go, zig, gccgo and qemu (t_verify.sh
# runs gsimage verify on what compile makes).
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

QEMU=qemu-aarch64-static

# --- pure Go, amd64 + arm64 ---------------------------------------------
run "$GSIMAGE" compile -q --platform linux/amd64,linux/arm64 -o "$WORK/bin" testdata/hello
check "compile hello for amd64+arm64 exits 0" [ "$RC" = 0 ]
check "compile prints both paths" [ "$OUT" = "$WORK/bin/hello-linux-amd64
$WORK/bin/hello-linux-arm64-v8" ]
check "-q keeps stderr quiet" [ -z "$ERR" ]
run "$WORK/bin/hello-linux-amd64"
check "hello amd64 runs natively" [ "$OUT" = "hello from gsimage" ]
if has $QEMU; then
  run $QEMU "$WORK/bin/hello-linux-arm64-v8"
  check "hello arm64 runs under qemu" [ "$OUT" = "hello from gsimage" ]
else
  skip "hello arm64 under qemu: $QEMU not installed"
fi

# --- cgo (own C + net + os/user), amd64 + arm64 --------------------------
run "$GSIMAGE" compile --platform linux/amd64,linux/arm64 -o "$WORK/bin" testdata/cgonet
check "compile cgonet for amd64+arm64 exits 0" [ "$RC" = 0 ]
check "progress says cgo with zig cc" contains "$ERR" "cgo with zig cc"
for b in cgonet-linux-amd64 cgonet-linux-arm64-v8; do
  if [ "$b" = cgonet-linux-amd64 ]; then run "$WORK/bin/$b"; else
    has $QEMU || { skip "$b under qemu: $QEMU not installed"; continue; }
    run $QEMU "$WORK/bin/$b"
  fi
  check "$b: own C function" contains "$OUT" "cgo: 6*7=42"
  check "$b: net resolves localhost" contains "$OUT" "lookup localhost: ok"
  check "$b: os/user works" contains "$OUT" "user: uid=$(id -u) name=$(id -un)"
  check "$b: readelf -lW shows no INTERP" 'elf -lW "$WORK/bin/$b" && grep -q LOAD <<<"$ELF" && ! grep -q INTERP <<<"$ELF"'
  check "$b: no dynamic section" 'elf -dW "$WORK/bin/$b" && ! grep -q NEEDED <<<"$ELF"'
done
check "cgonet amd64 is stripped" \
  'elf -SW "$WORK/bin/cgonet-linux-amd64" && grep -q "\.text" <<<"$ELF" && ! grep -q "\.symtab" <<<"$ELF"'

# --- cgo auto: pure Go stays pure ----------------------------------------
run "$GSIMAGE" compile -o "$WORK/bin" testdata/hello
check "cgo auto builds hello as pure Go" contains "$ERR" "pure Go"

# --- dynamic result refused ----------------------------------------------
run "$GSIMAGE" compile --cc "$ROOT/tests/cli/dynamic-cc" -o "$WORK/dyn" testdata/cgonet
check "a dynamic cgo build is refused (exit 1)" [ "$RC" = 1 ]
check "refusal names the interpreter" contains "$ERR" "ld-linux-x86-64.so.2"
check "refusal names the needed libraries" contains "$ERR" "libc.so.6"
check "refused binary is not left behind" [ -z "$(ls -A "$WORK/dyn" 2>/dev/null)" ]

# --- musl-gcc -----------------------------------------------------------
if has musl-gcc; then
  run "$GSIMAGE" compile --cc musl-gcc -o "$WORK/musl" testdata/cgonet
  check "musl-gcc builds a static cgo binary" [ "$RC" = 0 ]
  run "$WORK/musl/cgonet-linux-amd64"
  check "musl-gcc binary runs" contains "$OUT" "cgo: 6*7=42"
  run "$GSIMAGE" compile --cc musl-gcc --platform linux/arm64 -o "$WORK/musl" testdata/cgonet
  check "musl-gcc refuses arm64" '[ "$RC" = 2 ] && contains "$ERR" "musl-gcc builds only linux/amd64"'
else
  skip "musl-gcc: not installed"
fi

# --- gccgo / gollvm -----------------------------------------------------
if has gccgo; then
  run "$GSIMAGE" compile --compiler gccgo -o "$WORK/gccgo" testdata/hello
  check "gccgo builds hello" [ "$RC" = 0 ]
  run "$WORK/gccgo/hello-linux-amd64"
  check "gccgo binary runs" [ "$OUT" = "hello from gsimage" ]
  run "$GSIMAGE" compile --compiler gccgo --platform linux/arm64 -o "$WORK/gccgo" testdata/hello
  check "gccgo refuses cross builds" '[ "$RC" = 2 ] && one_error_line'
else
  skip "gccgo: not installed"
fi
if has llvm-goc; then
  run "$GSIMAGE" compile --compiler gollvm -o "$WORK/gollvm" testdata/hello
  check "gollvm builds hello" [ "$RC" = 0 ]
else
  run env PATH=/usr/bin:/bin GSIMAGE_GOLLVM= "$GSIMAGE" compile --compiler gollvm -o "$WORK/gollvm" testdata/hello
  check "gollvm absent: clear error" '[ "$RC" = 1 ] && contains "$ERR" "llvm-goc" && one_error_line'
fi

# --- failures -------------------------------------------------------------
run "$GSIMAGE" compile -o "$WORK/broken" testdata/broken
check "Go compile error: exit 1" [ "$RC" = 1 ]
check "Go compile error: Go's message shown" contains "$ERR" "undefined: undefinedFunction"
check "Go compile error: ends with one gsimage error" [ "$(printf '%s\n' "$ERR" | tail -1 | grep -c '^gsimage: error: go build failed')" = 1 ]
run "$GSIMAGE" compile -o "$WORK/x" testdata/notmain
check "non-main package refused" '[ "$RC" = 2 ] && contains "$ERR" "not a main package"'
run "$GSIMAGE" compile --platform linux/sparc testdata/hello
check "unknown platform lists the supported ones" '[ "$RC" = 2 ] && contains "$ERR" "linux/amd64, linux/arm64/v8" && one_error_line'
run env PATH=/nonexistent "$GSIMAGE" compile -o "$WORK/x" testdata/hello
check "go missing: clear error" '[ "$RC" = 1 ] && contains "$ERR" "not found in PATH" && one_error_line'
true
