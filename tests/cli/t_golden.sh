#!/usr/bin/env bash
# Same inputs, same digests: builds of fixed inputs must keep the digests
# recorded in testdata/golden/digests (for the Go version that recorded
# them).  A refactoring that changes a byte of any image fails here.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
GOLDEN=testdata/golden/digests
GO_VERSION=$(go env GOVERSION 2>/dev/null)

# Outside any git tree, so no VCS stamp; no host CA bundle; a fixed time.
cp -r testdata/hello "$WORK/hello"
export SOURCE_DATE_EPOCH=1700000000
common=(--cgo off --no-ca-certs --platform linux/amd64,linux/arm64)

golden_case() { # NAME CMD... -> prints "NAME DIGEST" or fails
  local name=$1
  shift
  run "$@"
  if [ "$RC" != 0 ] || [ -z "$OUT" ]; then
    fail "golden case '$name' did not build"
    printf '  rc=%s\n  stderr: %s\n' "$RC" "$ERR" | head -20
    return
  fi
  echo "$name $OUT" >>"$WORK/got"
  # the case's own output, shown if its digest turns out to be wrong
  printf '%s\n' "$RC" >"$WORK/case-$name.rc"
  printf '%s' "$OUT" >"$WORK/case-$name.out"
  printf '%s' "$ERR" >"$WORK/case-$name.err"
}
: >"$WORK/got"
golden_case multiarch "$GSIMAGE" build -q "${common[@]}" -o "$WORK/a" -t golden:1 "$WORK/hello"
golden_case zstd-config "$GSIMAGE" build -q "${common[@]}" --compression zstd \
  --env A=B --label l=v --expose 8080 --user 1000 --workdir /srv --cmd x \
  --add testdata/golden/data.txt:etc/data.txt -o "$WORK/b" "$WORK/hello"
golden_case bare-gzip1 "$GSIMAGE" build -q "${common[@]}" --bare --compression-level 1 \
  --annotation org.example=1 -o "$WORK/c" "$WORK/hello"
# cgo through zig for both platforms: Go's external link (a GNU build ID
# from Go 1.24 on) must be as deterministic as the rest, from any checkout.
cp -r testdata/cgonet "$WORK/cgonet"
cp -r testdata/cgonet "$WORK/cgonet-elsewhere"
cgo=(--no-ca-certs --platform linux/amd64,linux/arm64)
golden_case cgo "$GSIMAGE" build -q "${cgo[@]}" -o "$WORK/e" -t golden:cgo "$WORK/cgonet"
run "$GSIMAGE" build -q "${cgo[@]}" -o "$WORK/e2" -t golden:cgo "$WORK/cgonet-elsewhere"
check "$GO_VERSION: cgo images from two checkouts have one digest" \
  '[ "$RC" = 0 ] && [ -n "$OUT" ] && [ "$OUT" = "$(awk "\$1==\"cgo\" {print \$2}" "$WORK/got")" ]'
# Another machine: the same zig installed elsewhere (hard links of this
# one), its own gsimage cache and Go build cache.  zig's header paths reach
# the cgo objects and so Go's build ID: the same binary only if gsimage
# maps them away.  amd64 only: it builds Go's standard library and zig's
# musl anew (a minute or two).
ZIG=$(command -v zig 2>/dev/null || echo "$ROOT/.toolchain/zig/zig")
ZIG_DIR=$(dirname "$(readlink -f "$ZIG")")
if [ -x "$ZIG" ] && cp -al "$ZIG_DIR" "$WORK/zig-elsewhere" 2>/dev/null; then
  one=(compile -q --platform linux/amd64)
  run "$GSIMAGE" "${one[@]}" -o "$WORK/bin-here" "$WORK/cgonet"
  here_rc=$RC
  run env XDG_CACHE_HOME="$WORK/other-cache" GSIMAGE_ZIG="$WORK/zig-elsewhere/zig" \
    "$GSIMAGE" "${one[@]}" -o "$WORK/bin-there" "$WORK/cgonet-elsewhere"
  check "$GO_VERSION: cgo from zig installed elsewhere, with other caches: the same binary" \
    '[ "$here_rc" = 0 ] && [ "$RC" = 0 ] && [ -s "$WORK/bin-here/cgonet-linux-amd64" ] &&
     cmp "$WORK/bin-here/cgonet-linux-amd64" "$WORK/bin-there/cgonet-linux-amd64"'
  rm -rf "$WORK/other-cache" "$WORK/zig-elsewhere"
else
  skip "$GO_VERSION: cgo from zig installed elsewhere: cannot link a copy of $ZIG_DIR into $WORK"
fi
"$GSIMAGE" compile -q --cgo off -o "$WORK/bin" "$WORK/hello" >/dev/null 2>&1
golden_case pack "$GSIMAGE" pack -q --bare --name hello -o "$WORK/d" "$WORK/bin/hello-linux-amd64"

if [ "${GOLDEN_RECORD:-}" = 1 ]; then
  grep -v "^$GO_VERSION " "$GOLDEN" 2>/dev/null >"$WORK/keep"
  { cat "$WORK/keep"; sed "s/^/$GO_VERSION /" "$WORK/got"; } >"$GOLDEN"
  echo "recorded $(wc -l <"$WORK/got") digests for $GO_VERSION in $GOLDEN"
  exit 0
fi
if ! grep -q "^$GO_VERSION " "$GOLDEN"; then
  skip "no golden digests recorded for $GO_VERSION (GOLDEN_RECORD=1 records them)"
  exit 0
fi
while read -r name digest; do
  want=$(awk -v g="$GO_VERSION" -v n="$name" '$1==g && $2==n {print $3}' "$GOLDEN")
  # check prints $RC, $OUT and $ERR on failure: this case's, not the last run's
  RC=$(cat "$WORK/case-$name.rc") OUT=$(cat "$WORK/case-$name.out") ERR=$(cat "$WORK/case-$name.err")
  check "golden digest of '$name' is unchanged (want ${want:-nothing recorded})" \
    '[ -n "$want" ] && [ "$digest" = "$want" ]'
done <"$WORK/got"
