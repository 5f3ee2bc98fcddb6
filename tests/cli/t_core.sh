#!/usr/bin/env bash
# The core that must hold with every Go gsimage supports; `make check` runs
# it with the go first on PATH and again with Debian's Go 1.19 (make
# cli-go-old): static cgo for amd64 and arm64, run natively and under qemu;
# a no-op rebuild that runs only go build; the SBOM and verify naming the
# Go that built the binary.  With Go >= 1.21: the Go that GOTOOLCHAIN and
# go.mod choose (fetched through the module proxy) is the one that builds,
# is reported, and keys the cache.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
GO=$(command -v go) || { fail "no go on PATH"; exit 0; }
GOV=$(go env GOVERSION)
echo "   (Go: $GO, $GOV)"

# --- static cgo, amd64 and arm64, run natively and under qemu ------------
cp -r testdata/cgonet "$WORK/cgonet"
L=$WORK/oci
run "$GSIMAGE" compile -q --platform linux/amd64,linux/arm64 -o "$WORK/bin" "$WORK/cgonet"
check "$GOV: cgo for amd64 and arm64 compiles" '[ "$RC" = 0 ]'
for b in "$WORK/bin/cgonet-linux-amd64" "$WORK/bin/cgonet-linux-arm64-v8"; do
  case $b in *arm64*) plat=linux/arm64 ;; *) plat=linux/amd64 ;; esac
  run "$GSIMAGE" verify --json --platform "$plat" "$b"
  check "$GOV: $(basename "$b") is static, built by $GOV" \
    '[ "$RC" = 0 ] && [ "$(json - "d[0][\"linkage\"] + \" \" + d[0][\"go_version\"]" <<<"$OUT")" = "static $GOV" ]'
done
run timeout 60 "$WORK/bin/cgonet-linux-amd64"
check "$GOV: cgo amd64 runs natively: C, resolver, os/user" \
  'contains "$OUT" "cgo: 6*7=42" && contains "$OUT" "lookup localhost: ok" && contains "$OUT" "user: uid=$(id -u)"'
if has qemu-aarch64-static; then
  run timeout 120 qemu-aarch64-static "$WORK/bin/cgonet-linux-arm64-v8"
  check "$GOV: cgo arm64 runs under qemu: C, resolver, os/user" \
    'contains "$OUT" "cgo: 6*7=42" && contains "$OUT" "lookup localhost: ok" && contains "$OUT" "user: uid=$(id -u)"'
else
  skip "$GOV: cgo arm64 under qemu: qemu-aarch64-static not installed"
fi

# --- the image, its SBOM, and a no-op rebuild -----------------------------
# go, logging what it is asked: the package's listing (list-main, for the
# first platform), the SBOM's listing of another platform's cgo packages
# (list: the same go list, for arm64), env, build.
cat >"$WORK/go-logged" <<SH
#!/bin/sh
case "\${GOARCH:-}:\$*" in arm64:*DepOnly*) echo list ;; *DepOnly*) echo list-main ;; *) echo "\$1" ;; esac >>"$WORK/go.log"
exec "$GO" "\$@"
SH
chmod +x "$WORK/go-logged"
B=(env GSIMAGE_GO="$WORK/go-logged" "$GSIMAGE" build --platform linux/amd64,linux/arm64 -t core:1 -o "$L")
sleep 2 # the go list memo is kept only for sources older than a second
run "${B[@]}" "$WORK/cgonet"
TOP=$(tail -1 <<<"$OUT")
check "$GOV: the image builds, cgo with zig, and says which Go" \
  '[ "$RC" = 0 ] && contains "$ERR" "($GOV, cgo with zig cc)"'
run "$GSIMAGE" sbom "$L:core:1" --platform linux/arm64
check "$GOV: the arm64 SBOM's stdlib is ${GOV#go} and it lists the cgo packages" \
  '[ "$RC" = 0 ] && [ "$(json - "[p.get(\"versionInfo\") for p in d[\"packages\"] if p[\"name\"] == \"stdlib\"][0]" <<<"$OUT")" = "${GOV#go}" ] &&
   [ "$(json - "sorted(p[\"name\"] for p in d[\"packages\"] if p[\"SPDXID\"].startswith(\"SPDXRef-Cgo\"))" <<<"$OUT")" = "$(printf "%s" "['"'"'example.com/cgonet'"'"', '"'"'net'"'"', '"'"'os/user'"'"', '"'"'runtime/cgo'"'"']")" ]'
check_valid "$GOV: the layout validates" "$L" -- --tag core:1
: >"$WORK/go.log"
run "${B[@]}" -q "$WORK/cgonet"
check "$GOV: a no-op rebuild gives the same image, runs go build, and neither lists the package nor asks go env" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$TOP" ] && [ "$(grep -c "^build$" "$WORK/go.log")" = 2 ] &&
   ! grep -qE "^(list-main|env)$" "$WORK/go.log"'

# --- the Go that GOTOOLCHAIN and go.mod choose ----------------------------
NEW=go1.27.3
major_minor=$(sed -E 's/^go1\.([0-9]+).*/\1/' <<<"$GOV")
if [ "$major_minor" -lt 21 ]; then
  skip "$GOV has no GOTOOLCHAIN: toolchain switching is tested with Go >= 1.21"
  exit 0
fi
if ! (cd "$WORK" && GOTOOLCHAIN=$NEW GOFLAGS= timeout 120 go version >"$WORK/newgo.txt" 2>&1); then
  skip "the module proxy cannot give $NEW here ($(head -1 "$WORK/newgo.txt"))"
  exit 0
fi
# The machine's own Go (GOTOOLCHAIN=local), which may not be $GOV when
# this script runs with GOTOOLCHAIN set (make cli-go-new).
LOCAL=$(cd "$WORK" && GOTOOLCHAIN=local go env GOVERSION)
if [ "$LOCAL" = "$NEW" ]; then
  skip "this machine's own Go is $NEW already: nothing newer to switch to"
  exit 0
fi
cp -r testdata/newgo "$WORK/newgo"
run env GOTOOLCHAIN=local "$GSIMAGE" build -q -o "$WORK/new-local" "$WORK/newgo"
check "GOTOOLCHAIN=local and a go.mod that asks for $NEW: one error line that says how to get it" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "GOTOOLCHAIN=auto lets go fetch" && [ ! -e "$WORK/new-local" ]'
run env GOTOOLCHAIN=auto "$GSIMAGE" build --sbom-dir "$WORK/new-sbom" -o "$WORK/new-oci" "$WORK/newgo"
check "go.mod's go line chooses $NEW: it builds, and the progress names it" \
  '[ "$RC" = 0 ] && contains "$ERR" "($NEW, pure Go)"'
NEWBIN=$(ls -t "$XDG_CACHE_HOME"/gsimage/out/*/newgo-linux-amd64 2>/dev/null | head -1)
run "$GSIMAGE" verify --json "$NEWBIN"
check "verify --json reports $NEW" '[ "$(json - "d[0][\"go_version\"]" <<<"$OUT")" = "$NEW" ]'
check "the SBOM's stdlib is ${NEW#go}" \
  'grep -q "\"pkg:golang/stdlib@${NEW#go}\"" "$WORK/new-sbom/newgo-linux-amd64.spdx.json"'
run timeout 60 "$NEWBIN"
check "the binary runs and was built by $NEW" [ "$OUT" = "newgo built by $NEW" ]

# One package, two Gos (GOTOOLCHAIN): two cache entries, neither relinks
# over the other, and going back gives the first image again.
cp -r testdata/hello "$WORK/hello"
H=("$GSIMAGE" build -q --platform linux/amd64 -o "$WORK/h-oci" "$WORK/hello")
touch "$WORK/mark"
run env GOTOOLCHAIN=local "${H[@]}"
first=$OUT
check "hello builds with $LOCAL" '[ "$RC" = 0 ] && [ -n "$first" ]'
bin_local=$(find "$XDG_CACHE_HOME/gsimage/out" -name hello-linux-amd64 -newer "$WORK/mark" | head -1)
stamp=$(stat -c %i "$bin_local" 2>/dev/null)
run env GOTOOLCHAIN=$NEW "${H[@]}"
second=$OUT
bin_new=$(find "$XDG_CACHE_HOME/gsimage/out" -name hello-linux-amd64 -newer "$WORK/mark" | grep -vxF "$bin_local" | head -1)
check "$LOCAL and $NEW build the same package into two cache entries, two images" \
  '[ -n "$bin_local" ] && [ -n "$bin_new" ] && [ "$first" != "$second" ] &&
   [ "$(go version "$bin_local" | cut -d" " -f2)" = "$LOCAL" ] && [ "$(go version "$bin_new" | cut -d" " -f2)" = "$NEW" ]'
run env GOTOOLCHAIN=local "${H[@]}"
# (go touches an up-to-date binary's mtime; a relink is a new file)
check "back to $LOCAL: the first image, its binary not relinked" \
  '[ "$OUT" = "$first" ] && [ "$(stat -c %i "$bin_local")" = "$stamp" ]'
