#!/usr/bin/env bash
# gsimage pack: already-built binaries into an image, verified first.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
layers() { # LAYOUT MANIFEST-DIGEST -> layer digests, one per line
  "$PY" -c 'import json,sys; [print(l["digest"]) for l in json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2][7:]))["layers"]]' "$1" "$2"
}

"$GSIMAGE" compile -q --platform linux/amd64,linux/arm64 -o "$WORK/bin" testdata/cgonet >/dev/null 2>&1
run "$GSIMAGE" pack -t app:packed -o "$WORK/oci" "$WORK/bin/cgonet-linux-amd64" "$WORK/bin/cgonet-linux-arm64-v8"
check "pack two binaries exits 0" [ "$RC" = 0 ]
check "pack finds each binary's platform from its ELF machine" \
  '[ "$(printf "%s\n" "$OUT" | cut -d" " -f1 | head -2 | tr "\n" " ")" = "linux/amd64 linux/arm64/v8 " ]'
PACK_AMD64=$(printf '%s\n' "$OUT" | awk '$1=="linux/amd64"{print $2}')
if has skopeo; then
  run skopeo inspect --raw "oci:$WORK/oci:app:packed"
  check "skopeo reads the packed index" '[ "$RC" = 0 ] && contains "$OUT" "\"architecture\":\"arm64\""'
else
  skip "skopeo reads the packed index: skopeo not installed"
fi
check "the image is named after the binary" \
  'grep -q "\"org.opencontainers.image.title\":\"cgonet\"" "$WORK/oci/blobs/sha256/${PACK_AMD64#sha256:}"'

# The same binary gives the same layers as gsimage build made.
run "$GSIMAGE" build -q -o "$WORK/built" testdata/cgonet
check "pack and build give identical layers for the same binary" \
  '[ "$(layers "$WORK/oci" "$PACK_AMD64")" = "$(layers "$WORK/built" "$OUT")" ]'

run "$GSIMAGE" pack -q --name web --platform linux/amd64 -o "$WORK/named" "$WORK/bin/cgonet-linux-amd64"
check "--name sets the binary path and default tag" \
  '[ "$RC" = 0 ] && grep -q "\"org.opencontainers.image.ref.name\":\"web:latest\"" "$WORK/named/index.json" && tar -tzf "$WORK/named/blobs/sha256/$(layers "$WORK/named" "$OUT" | tail -1 | cut -c8-)" | grep -qx "usr/local/bin/web"'

# Refusals: one error line, nothing written.
before=$(find "$WORK/oci" -type f | sort | xargs sha256sum)
run "$GSIMAGE" pack -o "$WORK/oci" /bin/ls
check "a dynamic binary is refused, naming what it needs" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "dynamically linked" && contains "$ERR" "libc.so.6"'
run "$GSIMAGE" pack -o "$WORK/oci" "$WORK/bin/cgonet-linux-amd64" "$WORK/bin/cgonet-linux-amd64"
check "two binaries for one platform are refused" '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "one binary per platform"'
run "$GSIMAGE" pack --platform linux/arm64 -o "$WORK/oci" "$WORK/bin/cgonet-linux-amd64"
check "a --platform that does not match the binary is refused" '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "not AArch64"'
run "$GSIMAGE" pack --platform linux/amd64,linux/arm64 -o "$WORK/oci" "$WORK/bin/cgonet-linux-amd64"
check "--platform must name one platform per binary" '[ "$RC" = 2 ] && one_error_line'
run "$GSIMAGE" pack --cgo on -o "$WORK/oci" "$WORK/bin/cgonet-linux-amd64"
check "compile options are refused" '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "compile options"'
run "$GSIMAGE" pack -o "$WORK/oci"
check "pack without binaries is a usage error" '[ "$RC" = 2 ] && one_error_line'
run "$GSIMAGE" pack -o "$WORK/oci" "$WORK/nope"
check "a missing binary is one clear error" '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "$WORK/nope"'
check "refusals leave the layout untouched" '[ "$(find "$WORK/oci" -type f | sort | xargs sha256sum)" = "$before" ]'

# --- issue 16: binaries that are not Go programs ----------------------------------
printf 'int f(void) { return 1; }\n' >"$WORK/lib.c"
printf 'void _start(void) { for (;;) ; }\n' >"$WORK/c.c"
if has cc && cc -shared -nostdlib -fPIC -o "$WORK/libf.so" "$WORK/lib.c" 2>/dev/null &&
   cc -static -nostdlib -o "$WORK/cstatic" "$WORK/c.c" 2>/dev/null; then
  run "$GSIMAGE" verify --platform linux/amd64 "$WORK/libf.so"
  check "verify refuses a shared library (ld -shared, e_entry 0), not 'static-pie, ok'" \
    '[ "$RC" = 1 ] && contains "$ERR$OUT" "shared library" && ! contains "$OUT" "ok"'
  run "$GSIMAGE" pack -o "$WORK/cpack" --platform linux/amd64 "$WORK/cstatic"
  check "pack of a static non-Go binary says to give --sbom none" \
    '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "--sbom none"'
  run "$GSIMAGE" pack -q -o "$WORK/cpack" --sbom none --platform linux/amd64 "$WORK/cstatic"
  check "pack --sbom none of a static non-Go binary works" '[ "$RC" = 0 ] && contains "$OUT" "sha256:"'
else
  skip "non-Go binaries: cc cannot make a shared library or a static binary here"
fi

# --pie with Go's internal link: the hint names the real conflict.
run "$GSIMAGE" build --pie --ldflags=-linkmode=internal -o "$WORK/pie" testdata/hello
check "--pie --ldflags=-linkmode=internal says to drop one, not 'use --cc zig'" \
  '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "-linkmode=internal" && ! contains "$ERR" "use --cc zig" && [ ! -e "$WORK/pie" ]'
true
