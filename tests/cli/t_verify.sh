#!/usr/bin/env bash
# gsimage verify: static and static-pie binaries of every platform (built
# here by gsimage compile) are accepted, with the right words and JSON; a
# dynamic binary, and every kind of file that is not a binary, is refused
# with one error line.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# The quick checks first, the ones that compile for every platform last.
# --- a dynamic binary is refused ---------------------------------------------
if has cc && cc -o "$WORK/dynamic" testdata/elf/hello.c 2>"$WORK/cc.err"; then
  refused "verify: a dynamic binary names its interpreter" 1 "dynamically linked: interpreter" - \
    "$GSIMAGE" verify --platform linux/amd64 "$WORK/dynamic"
  check "verify: a dynamic binary names the libraries it needs" contains "$ERR" "libc.so"
  run "$GSIMAGE" verify --json --platform linux/amd64 "$WORK/dynamic"
  check "verify --json: a dynamic binary is linkage dynamic, static false, ok false" \
    '[ "$RC" = 1 ] && [ "$(json - "(d[0][\"linkage\"], d[0][\"static\"], d[0][\"ok\"])" <<<"$OUT")" = "('"'"'dynamic'"'"', False, False)" ]'
else
  skip "verify of a dynamic binary: no cc to link one ($(head -1 "$WORK/cc.err" 2>/dev/null))"
fi

# --- bad input: one error line, the right status ---------------------------------
: >"$WORK/empty"
echo "not a binary" >"$WORK/text.txt"
head -c 100 "$GSIMAGE" >"$WORK/truncated"
refused "verify: an empty file" 1 "'$WORK/empty' is not a static binary for linux/amd64: empty file" - \
  "$GSIMAGE" verify --platform linux/amd64 "$WORK/empty"
refused "verify: a text file" 1 "not an ELF file" - "$GSIMAGE" verify --platform linux/amd64 "$WORK/text.txt"
refused "verify: a truncated ELF" 1 "truncated ELF file" - "$GSIMAGE" verify --platform linux/amd64 "$WORK/truncated"
ZIG=$ROOT/.toolchain/zig/zig
has zig && ZIG=$(command -v zig)
# zig's cache is gsimage's (and the unit fixtures'): musl for x86 is built
# once, not once more for this file.
if [ -x "$ZIG" ] && ZIG_GLOBAL_CACHE_DIR="$XDG_CACHE_HOME/gsimage/zig" ZIG_LOCAL_CACHE_DIR="$XDG_CACHE_HOME/gsimage/zig" \
  timeout 180 "$ZIG" cc -target x86-linux-musl -static -o "$WORK/elf32" testdata/elf/hello.c 2>"$WORK/zig.err"; then
  refused "verify: a 32-bit ELF for linux/amd64" 1 "built for Intel 80386, not x86-64" - \
    "$GSIMAGE" verify --platform linux/amd64 "$WORK/elf32"
else
  skip "verify: a 32-bit ELF: cannot build one with zig cc -target x86-linux-musl ($(head -1 "$WORK/zig.err" 2>/dev/null))"
fi
refused "verify: a directory" 1 "is a directory" - "$GSIMAGE" verify --platform linux/amd64 "$WORK"
refused "verify: several bad files, one summary" 1 "3 of 3 files are not static binaries" - \
  "$GSIMAGE" verify --platform linux/amd64 "$WORK/empty" "$WORK/text.txt" "$WORK/nosuch"
# A file name that is not UTF-8 is still one JSON string (bad bytes as
# U+FFFD), not an abort.
BADNAME=$WORK/$(printf 'h\377x')
printf 'not elf\n' >"$BADNAME"
refused "verify --json: a file name that is not UTF-8" 1 "not an ELF file" - \
  "$GSIMAGE" verify --json --platform linux/amd64 "$BADNAME"
check "verify --json: a file name that is not UTF-8 gives valid JSON with U+FFFD" \
  '[ "$(json - "d[0][\"file\"].endswith(\"/h\ufffdx\")" <<<"$OUT")" = True ]'
refused "verify: no files" 2 "no files to verify" - "$GSIMAGE" verify
refused "verify: --platform linux/sparc" 2 "unknown platform 'linux/sparc'" - \
  "$GSIMAGE" verify --platform linux/sparc "$WORK/empty"
# A FIFO with no writer made open() wait forever; timeout turns a hang into
# exit 124, which fails the status check.
mkfifo "$WORK/fifo"
refused "verify: a FIFO is refused, not waited on" 1 "not a regular file (a FIFO)" - \
  timeout 20 "$GSIMAGE" verify --platform linux/amd64 "$WORK/fifo"
refused "verify: a character device" 1 "not a regular file (a character device)" - \
  "$GSIMAGE" verify --platform linux/amd64 /dev/null
# --- what gsimage compile makes verifies static, on every platform -----------
run "$GSIMAGE" compile -q --platform linux/amd64,linux/arm64 -o "$WORK/bin" testdata/cgonet
[ "$RC" = 0 ] || fail "setup: compile cgonet for amd64+arm64 (rc=$RC): $ERR"
for b in cgonet-linux-amd64 cgonet-linux-arm64-v8; do
  run "$GSIMAGE" verify --platform "$( [ $b = cgonet-linux-amd64 ] && echo linux/amd64 || echo linux/arm64)" "$WORK/bin/$b"
  check "$b: gsimage verify says static" '[ "$RC" = 0 ] && contains "$OUT" "static"'
done
if [ -s "$WORK/dynamic" ]; then
  run "$GSIMAGE" verify --platform linux/amd64 "$WORK/bin/cgonet-linux-amd64" "$WORK/dynamic"
  check "verify: one dynamic binary among static ones fails the run, and says which" \
    '[ "$RC" = 1 ] && contains "$ERR" "1 of 2 files" && contains "$OUT" "$WORK/dynamic: dynamic" && contains "$OUT" "cgonet-linux-amd64: static"'
fi

PLATFORMS=linux/arm/v7,linux/riscv64,linux/ppc64le,linux/386
for prog in hello cgonet; do
  run "$GSIMAGE" compile -q --platform "$PLATFORMS" -o "$WORK/bin" testdata/$prog
  [ "$RC" = 0 ] || fail "setup: compile $prog for $PLATFORMS (rc=$RC): $ERR"
done
for spec in "linux/arm/v7 arm-v7" "linux/riscv64 riscv64" "linux/ppc64le ppc64le" "linux/386 386"; do
  set -- $spec
  for prog in hello cgonet; do
    run "$GSIMAGE" verify --platform "$1" "$WORK/bin/$prog-linux-$2"
    check "$prog for $1: verify says static" '[ "$RC" = 0 ] && contains "$OUT" "static"'
  done
done

if has gccgo; then
  run "$GSIMAGE" compile --compiler gccgo -o "$WORK/gccgo" testdata/hello
  [ "$RC" = 0 ] || fail "setup: compile hello with gccgo (rc=$RC): $ERR"
  run "$GSIMAGE" verify "$WORK/gccgo/hello-linux-amd64"
  check "gccgo binary verifies static" [ "$RC" = 0 ]
else
  skip "gccgo binary verifies static: gccgo not installed"
fi

# --pie: static-pie, with full RELRO and BIND_NOW, for cgo and pure Go.
mkdir -p "$WORK/ver"
printf 'module example.com/ver\n\ngo 1.19\n' >"$WORK/ver/go.mod"
printf 'package main\n\nimport "fmt"\n\nvar x int\n\nfunc main() { fmt.Printf("%%p\\n", &x) }\n' >"$WORK/ver/main.go"
for prog in testdata/cgonet testdata/hello "$WORK/ver"; do
  name=$(basename "$prog")
  run "$GSIMAGE" compile -q --pie -o "$WORK/pie" "$prog"
  [ "$RC" = 0 ] || fail "setup: compile --pie $name (rc=$RC): $ERR"
  bin=$WORK/pie/$name-linux-amd64
  run "$GSIMAGE" verify "$bin"
  check "--pie $name: verify says static-pie, PIE, full RELRO, BIND_NOW" \
    '[ "$RC" = 0 ] && contains "$OUT" "static-pie, x86-64" && contains "$OUT" "PIE, full RELRO, BIND_NOW"'
  run "$GSIMAGE" verify --json "$bin"
  check "--pie $name: verify --json carries pie, relro and bind_now" \
    '[ "$RC" = 0 ] && [ "$(json - "(d[0][\"pie\"], d[0][\"relro\"], d[0][\"bind_now\"], d[0][\"linkage\"])" <<<"$OUT")" = "(True, '"'"'full'"'"', True, '"'"'static-pie'"'"')" ]'
done

echo "bad inputs tried: $N"
true
