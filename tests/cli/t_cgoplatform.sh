#!/usr/bin/env bash
# --cgo auto is decided per platform, from that platform's go list
# (issue 16, item 2).  testdata/cgoarm has a C file behind
# //go:build arm64 && cgo and a pure-Go fallback: its arm64 binary must
# hold the C code and its amd64 binary must not, whatever the order of the
# platforms, and a two-platform no-op rebuild runs no go list at all.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

export SOURCE_DATE_EPOCH=1700000000
cp -r testdata/cgoarm "$WORK/cgoarm" # outside git: no VCS stamp
B=(build --no-ca-certs -t app:1)

# platform_digest PLATFORM: its manifest digest from build's last output
platform_digest() { printf '%s\n' "$OUT" | awk -v p="$1" '$1 == p { print $2 }'; }
# binary_of DIR PLATFORM FILE: the program from that platform's app layer
binary_of() {
  local layer
  layer=$(layout get "$1" app:1 app-layer "$2") || return 1
  tar -xzOf "$(blob "$1" "$layer")" --wildcards '*bin/cgoarm' >"$3" && [ -s "$3" ] && chmod +x "$3"
}

run "$GSIMAGE" "${B[@]}" --platform linux/amd64,linux/arm64 -o "$WORK/ab" "$WORK/cgoarm"
check "amd64,arm64 builds" '[ "$RC" = 0 ]'
ab_amd64=$(platform_digest linux/amd64) ab_arm64=$(platform_digest linux/arm64/v8)
run "$GSIMAGE" "${B[@]}" --platform linux/arm64,linux/amd64 -o "$WORK/ba" "$WORK/cgoarm"
check "arm64,amd64 builds" '[ "$RC" = 0 ]'
check "the platforms' order changes no platform's image" \
  '[ -n "$ab_amd64" ] && [ -n "$ab_arm64" ] && [ "$(platform_digest linux/amd64)" = "$ab_amd64" ] &&
   [ "$(platform_digest linux/arm64/v8)" = "$ab_arm64" ]'
top_of() { layout tags "$1" | awk '$1 != "-" && $1 !~ /^sha256-/ {print $2; exit}'; }
check "nor the image index: both orders give one top digest" \
  '[ -n "$(top_of "$WORK/ab")" ] && [ "$(top_of "$WORK/ab")" = "$(top_of "$WORK/ba")" ]'

for order in ab ba; do
  if ! binary_of "$WORK/$order" arm64 "$WORK/arm64-$order" ||
    ! binary_of "$WORK/$order" amd64 "$WORK/amd64-$order"; then
    fail "$order: the binaries cannot be read from the image"
    continue
  fi
  run go version -m "$WORK/arm64-$order"
  check "$order: arm64 is built with cgo" 'contains "$OUT" "CGO_ENABLED=1"'
  run go version -m "$WORK/amd64-$order"
  check "$order: amd64 has no cgo of its own, so it is pure Go" 'contains "$OUT" "CGO_ENABLED=0"'
  run "$WORK/amd64-$order"
  check "$order: amd64 runs the pure-Go fallback" '[ "$OUT" = "impl: pure go" ]'
  if has qemu-aarch64-static; then
    run qemu-aarch64-static "$WORK/arm64-$order"
    check "$order: arm64 runs the C code" '[ "$OUT" = "impl: c 42" ]'
  else
    skip "$order: running the arm64 binary needs qemu-aarch64-static"
  fi
done

# The SBOM stage takes each platform's cgo facts from its own go list.
run "$GSIMAGE" sbom --platform linux/arm64 "$WORK/ab:app:1"
check "the arm64 SBOM lists the program as a cgo package" \
  '[ "$RC" = 0 ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert any(p[\"SPDXID\"].startswith(\"SPDXRef-Cgo-Package\") and p[\"name\"]==\"example.com/cgoarm\" for p in d[\"packages\"])" "$OUT"'
run "$GSIMAGE" sbom --platform linux/amd64 "$WORK/ab:app:1"
check "the amd64 SBOM lists no cgo package" \
  '[ "$RC" = 0 ] && python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert not any(p[\"SPDXID\"].startswith(\"SPDXRef-Cgo-Package\") for p in d[\"packages\"])" "$OUT"'

# A no-op rebuild of both platforms trusts each platform's go list memo:
# go itself, behind a wrapper that logs its subcommands, is never asked to
# list.  (The wrapper is a new go path: the first build lists afresh.)
go_real=$(command -v go)
printf '#!/bin/sh\necho "$1" >>"%s"\nexec "%s" "$@"\n' "$WORK/go.log" "$go_real" >"$WORK/go"
chmod +x "$WORK/go"
run env GSIMAGE_GO="$WORK/go" "$GSIMAGE" "${B[@]}" --platform linux/amd64,linux/arm64 -o "$WORK/ab" "$WORK/cgoarm"
check "the build through the logging go succeeds" \
  '[ "$RC" = 0 ] && [ "$(grep -c "^list$" "$WORK/go.log")" = 2 ]'
: >"$WORK/go.log"
run env GSIMAGE_GO="$WORK/go" "$GSIMAGE" "${B[@]}" --platform linux/amd64,linux/arm64 -o "$WORK/ab" "$WORK/cgoarm"
check "a two-platform no-op rebuild runs no go list" \
  '[ "$RC" = 0 ] && [ -s "$WORK/go.log" ] && ! grep -q "^list$" "$WORK/go.log"'
# An edit that turns the C file off for arm64 too is seen by arm64's list.
sed -i 's|^//go:build arm64 && cgo|//go:build arm64 \&\& cgo \&\& never|; s|^//go:build !(arm64 && cgo)|//go:build !(arm64 \&\& cgo \&\& never)|' \
  "$WORK/cgoarm/impl_cgo.go" "$WORK/cgoarm/impl_go.go"
run env GSIMAGE_GO="$WORK/go" "$GSIMAGE" "${B[@]}" --platform linux/amd64,linux/arm64 -o "$WORK/ab" "$WORK/cgoarm"
if [ "$RC" = 0 ] && binary_of "$WORK/ab" arm64 "$WORK/arm64-edit"; then
  run go version -m "$WORK/arm64-edit"
  check "after the edit, arm64 is pure Go" 'contains "$OUT" "CGO_ENABLED=0"'
else
  fail "the build after the edit: rc=$RC $ERR"
fi

[ -z "$(dead_work_dirs)" ] && pass "no go work directory left behind" ||
  fail "go work directories left: $(dead_work_dirs)"
