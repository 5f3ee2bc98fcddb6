#!/usr/bin/env bash
# gsimage build end to end against real consumers: skopeo, umoci, runc, a
# docker-registry on 127.0.0.1, the shared OCI validator, and determinism.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# The index.json entries that are images, not referrers-fallback tags
# (sha256-<hex>, where the SBOMs are listed), as python's d.
IMAGES='[m for m in d["manifests"] if not m["annotations"]["org.opencontainers.image.ref.name"].startswith("sha256-")]'
image_blobs() { layout blobs "$@"; } # LAYOUT DIGEST: the blobs of that image (indexes, manifests, configs, layers)

L="$WORK/oci"
run "$GSIMAGE" build -t app:static --platform linux/amd64,linux/arm64 -o "$L" \
  --digest-file "$WORK/digest" --metadata-file "$WORK/meta.json" testdata/cgonet
check "build cgonet for amd64+arm64 exits 0" [ "$RC" = 0 ]
TOP=$(printf '%s\n' "$OUT" | tail -1)
check "stdout: a manifest line per platform, then the top digest" \
  '[ "$(printf "%s\n" "$OUT" | wc -l)" = 3 ] && printf "%s\n" "$OUT" | grep -q "^linux/amd64 sha256:[0-9a-f]\{64\}$" && printf "%s\n" "$OUT" | grep -q "^linux/arm64/v8 sha256:" && [[ $TOP =~ ^sha256:[0-9a-f]{64}$ ]]'
check "--digest-file holds the top digest" [ "$(cat "$WORK/digest")" = "$TOP" ]
check "--metadata-file has tags, digest and two platforms" \
  '[ "$(json "$WORK/meta.json" "d[\"digest\"]")" = "$TOP" ] && [ "$(json "$WORK/meta.json" "len(d[\"platforms\"])")" = 2 ] && [ "$(json "$WORK/meta.json" "d[\"tags\"]==[\"app:static\"]")" = True ]'
check "oci-layout is exactly the 1.0.0 marker" [ "$(cat "$L/oci-layout")" = '{"imageLayoutVersion":"1.0.0"}' ]
check "index.json: one image descriptor, the image index, with both names" \
  '[ "$(json "$L/index.json" "len($IMAGES)")" = 1 ] && [ "$(json "$L/index.json" "$IMAGES[0][\"mediaType\"]")" = application/vnd.oci.image.index.v1+json ] && [ "$(json "$L/index.json" "$IMAGES[0][\"annotations\"][\"org.opencontainers.image.ref.name\"]")" = app:static ] && [ "$(json "$L/index.json" "$IMAGES[0][\"annotations\"][\"io.containerd.image.name\"]")" = docker.io/library/app:static ] && [ "$(json "$L/index.json" "d[\"mediaType\"]")" = application/vnd.oci.image.index.v1+json ]'
check "index.json: a referrers-fallback tag (the SBOMs) for each platform image" \
  '[ "$(json "$L/index.json" "sorted(m[\"annotations\"][\"org.opencontainers.image.ref.name\"][7:] for m in d[\"manifests\"] if m[\"annotations\"][\"org.opencontainers.image.ref.name\"].startswith(\"sha256-\"))")" = "$(json "$(blob "$L" "$(cat "$WORK/digest")")" "sorted(m[\"digest\"][7:] for m in d[\"manifests\"])")" ]'
IDX=$(blob "$L" "$TOP")
# A function, so that a mismatch returns false to check (an "exit 1" in
# check's eval would end the whole script and drop every later check).
platforms_match() { # index blob: every entry's platform is its config's
  local i m c arch
  for i in 0 1; do
    m=$(blob "$L" "$(json "$IDX" "d[\"manifests\"][$i][\"digest\"]")")
    c=$(blob "$L" "$(json "$m" "d[\"config\"][\"digest\"]")")
    arch=$(json "$c" "d[\"architecture\"]") && [ -n "$arch" ] || return 1
    [ "$(json "$IDX" "d[\"manifests\"][$i][\"platform\"][\"architecture\"]")" = "$arch" ] || return 1
    [ "$(json "$IDX" "d[\"manifests\"][$i][\"platform\"].get(\"variant\")")" = "$(json "$c" "d.get(\"variant\")")" ] || return 1
  done
}
check "image index platforms match their configs" platforms_match
check "arm64 config has variant v8" \
  '[ "$(json "$(blob "$L" "$(json "$(blob "$L" "$(json "$IDX" "d[\"manifests\"][1][\"digest\"]")")" "d[\"config\"][\"digest\"]")")" "d[\"variant\"]")" = v8 ]'

# --- the shared validator ---------------------------------------------------
check_valid "oci-validate --strict-repro accepts the layout" "$L" -- --tag app:static --strict-repro

# --- skopeo ---------------------------------------------------------------
if has skopeo; then
  run skopeo inspect "oci:$L:app:static"
  check "skopeo inspect oci:DIR:REF" '[ "$RC" = 0 ] && contains "$OUT" "\"Digest\": \"$TOP\""'
  run skopeo inspect --raw "oci:$L:app:static"
  check "skopeo inspect --raw gives the index byte for byte" '[ "$RC" = 0 ] && [ "$OUT" = "$(cat "$IDX")" ]'
  run skopeo copy --all "oci:$L:app:static" "oci:$WORK/copy:app:static"
  check "skopeo copy --all oci -> oci verifies every digest" [ "$RC" = 0 ]
  check "the copy has the same top digest" \
    '[ "$(json "$WORK/copy/index.json" "d[\"manifests\"][0][\"digest\"]")" = "$TOP" ]'
else
  skip "skopeo: not installed"
fi

# --- umoci + runc ---------------------------------------------------------
single() { # ARCH -> $WORK/single:ARCH holds that platform's manifest
  skopeo copy --override-arch "$1" "oci:$L:app:static" "oci:$WORK/single:$1" >/dev/null 2>&1
}
runc_bundle() { # BUNDLE: no terminal (there is none here)
  "$PY" - "$1/config.json" <<'PYEOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
json.dump(c, open(p, "w"))
PYEOF
}
if has umoci && has skopeo; then
  for arch in amd64 arm64; do
    single $arch
    run umoci unpack --image "$WORK/single:$arch" "$WORK/bundle-$arch"
    check "umoci unpack of the $arch image" '[ "$RC" = 0 ] && [ -x "$WORK/bundle-'$arch'/rootfs/usr/local/bin/cgonet" ]'
  done
  check "arm64 rootfs holds an AArch64 binary" \
    '"$GSIMAGE" verify --platform linux/arm64 "$WORK/bundle-arm64/rootfs/usr/local/bin/cgonet" >/dev/null'
  # Can runc run anything here?  A trivial image first: only when it can
  # is a failure of the real image a failure (and not a skip).
  RUNC_SKIP=
  if ! has runc; then RUNC_SKIP="runc not installed"
  elif [ "$(id -u)" != 0 ]; then RUNC_SKIP="runc needs root here (uid $(id -u))"
  else
    run "$GSIMAGE" build -q --bare -t probe:bare -o "$WORK/probe" testdata/hello
    if [ "$RC" != 0 ]; then
      RUNC_SKIP="could not build the probe image: $(printf '%s' "$ERR" | tail -1)"
    elif ! umoci unpack --image "$WORK/probe:probe:bare" "$WORK/bundle-probe" >"$WORK/umoci.log" 2>&1; then
      RUNC_SKIP="umoci cannot unpack the probe image: $(tail -1 "$WORK/umoci.log")"
    else
      runc_bundle "$WORK/bundle-probe"
      id="gsimage-probe-$$"
      run timeout 60 runc run --bundle "$WORK/bundle-probe" "$id"
      runc delete -f "$id" >/dev/null 2>&1
      [ "$RC" = 0 ] && [ "$OUT" = "hello from gsimage" ] ||
        RUNC_SKIP="runc cannot start a trivial container here (rc=$RC: $(printf '%s' "$ERR" | tail -2 | tr '\n' ' '))"
    fi
  fi
  if [ -n "$RUNC_SKIP" ]; then
    skip "runc: $RUNC_SKIP"
  else
    B="$WORK/bundle-amd64"
    runc_bundle "$B"
    id="gsimage-test-$$"
    run timeout 60 runc run --bundle "$B" "$id"
    runc delete -f "$id" >/dev/null 2>&1
    check "runc runs the amd64 image" '[ "$RC" = 0 ]'
    check "runc: cgo works" contains "$OUT" "cgo: 6*7=42"
    check "runc: the program runs as nonroot 65532" contains "$OUT" "user: uid=65532 name=nonroot"
    check "runc: localhost resolves" contains "$OUT" "lookup localhost: ok"
  fi
else
  skip "umoci/runc: umoci or skopeo not installed"
fi

# --- a real registry on 127.0.0.1 ------------------------------------------
if has docker-registry && has skopeo; then
  port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$WORK/registry"
  cat >"$WORK/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $WORK/registry
http:
  addr: 127.0.0.1:$port
YML
  docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
  reg_pid=$!
  trap 'kill $reg_pid 2>/dev/null; rm -rf "$WORK"' EXIT
  for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
    sleep 0.2
  done
  check "the registry listens on 127.0.0.1 only" \
    '[ "$(ss -ltnH "sport = :$port" | awk "{print \$4}")" = "127.0.0.1:$port" ]'
  R="127.0.0.1:$port/app:static"
  run timeout 120 skopeo copy --all --dest-tls-verify=false "oci:$L:app:static" "docker://$R"
  check "skopeo copy --all to the registry" [ "$RC" = 0 ]
  run timeout 60 skopeo inspect --raw --tls-verify=false "docker://$R"
  check "registry returns the index byte for byte" '[ "$RC" = 0 ] && [ "$OUT" = "$(cat "$IDX")" ]'
  run timeout 120 skopeo copy --all --src-tls-verify=false "docker://$R" "oci:$WORK/back:app:static"
  check "copy back from the registry" [ "$RC" = 0 ]
  check "the round trip keeps the top digest" \
    '[ "$(json "$WORK/back/index.json" "d[\"manifests\"][0][\"digest\"]")" = "$TOP" ]'
  check "the round trip keeps every blob of the image" \
    '[ "$(image_blobs "$L" "$TOP")" = "$(cd "$WORK/back/blobs/sha256" && ls | sort)" ]'
  kill $reg_pid 2>/dev/null; wait $reg_pid 2>/dev/null
else
  skip "registry: docker-registry or skopeo not installed"
fi

# --- determinism: other time, other directory, same digests ----------------
sleep 1
run "$GSIMAGE" build -q -t app:static --platform linux/amd64,linux/arm64 -o "$WORK/second" testdata/cgonet
check "a second build elsewhere gives the same top digest" [ "$OUT" = "$TOP" ]
check "...and byte-identical blobs" diff -r "$L/blobs" "$WORK/second/blobs"
check "-q prints only the digest" '[ "$(printf "%s\n" "$OUT" | wc -l)" = 1 ] && [ -z "$ERR" ]'

SOURCE_DATE_EPOCH=1700000000 run "$GSIMAGE" build -q -o "$WORK/sde" testdata/hello
M=$(blob "$WORK/sde" "$OUT")
C=$(blob "$WORK/sde" "$(json "$M" "d[\"config\"][\"digest\"]")")
check "SOURCE_DATE_EPOCH sets created" [ "$(json "$C" "d[\"created\"]")" = 2023-11-14T22:13:20Z ]
check "SOURCE_DATE_EPOCH sets the app layer's tar mtimes" \
  '[ "$(tar -tvzf "$(blob "$WORK/sde" "$(json "$M" "d[\"layers\"][-1][\"digest\"]")")" | awk "{print \$4}" | sort -u)" = 2023-11-14 ]'
run "$GSIMAGE" build -q -o "$WORK/sde2" testdata/hello
SDE2_TOP=$OUT
C2=$(blob "$WORK/sde2" "$(json "$(blob "$WORK/sde2" "$OUT")" "d[\"config\"][\"digest\"]")")
check "without SOURCE_DATE_EPOCH created is 1970-01-01T00:00:00Z" [ "$(json "$C2" "d[\"created\"]")" = 1970-01-01T00:00:00Z ]

# --- tags: default, re-tag, several, single platform -----------------------
run "$GSIMAGE" build -q -o "$L" testdata/hello
check "default tag is <name>:latest" \
  '"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); assert sorted(n for n in (m[\"annotations\"][\"org.opencontainers.image.ref.name\"] for m in d[\"manifests\"]) if not n.startswith(\"sha256-\"))==[\"app:static\",\"hello:latest\"]" "$L/index.json"'
HELLO=$OUT
check "a single-platform tag points at the manifest" \
  '[ "$(json "$L/index.json" "[m for m in d[\"manifests\"] if m[\"annotations\"][\"org.opencontainers.image.ref.name\"]==\"hello:latest\"][0][\"mediaType\"]")" = application/vnd.oci.image.manifest.v1+json ]'
run "$GSIMAGE" build -q -t app:static -t localhost:5000/team/app:v1 -o "$L" testdata/hello
check "re-tagging moves app:static and keeps hello:latest" \
  '"$PY" -c "import json,sys; d={m[\"annotations\"][\"org.opencontainers.image.ref.name\"]:m[\"digest\"] for m in json.load(open(sys.argv[1]))[\"manifests\"] if not m[\"annotations\"][\"org.opencontainers.image.ref.name\"].startswith(\"sha256-\")}; assert d==({\"app:static\":sys.argv[2],\"hello:latest\":sys.argv[2],\"localhost:5000/team/app:v1\":sys.argv[2]}), d" "$L/index.json" "$HELLO"'
check "io.containerd.image.name keeps the registry" \
  'grep -q "\"io.containerd.image.name\":\"localhost:5000/team/app:v1\"" "$L/index.json"'

# --- compression --------------------------------------------------------------
for c in zstd none; do
  run "$GSIMAGE" build -q --compression $c -o "$WORK/c-$c" testdata/hello
  check "--compression $c builds" [ "$RC" = 0 ]
  check "--compression $c layer media type" \
    'grep -q "application/vnd.oci.image.layer.v1.tar$( [ '$c' = zstd ] && echo +zstd)\"" "$(blob "$WORK/c-'$c'" "$OUT")"'
  if has skopeo; then
    run skopeo copy "oci:$WORK/c-$c:hello:latest" "oci:$WORK/c-$c-copy:x"
    check "skopeo reads the $c layers" [ "$RC" = 0 ]
  else
    skip "skopeo reads the $c layers: skopeo not installed"
  fi
done
# Level 1 against the default level, same input (no SOURCE_DATE_EPOCH, as
# sde2 above): the same tar, so the same diff_id, compressed differently.
run "$GSIMAGE" build -q --compression gzip --compression-level 1 -o "$WORK/lvl" testdata/hello
check "--compression-level 1 builds" [ "$RC" = 0 ]
LVL1=$(layout get "$WORK/lvl" "$OUT" app-layer) LVLD=$(layout get "$WORK/sde2" "$SDE2_TOP" app-layer)
check "--compression-level 1 compresses the app layer differently from the default level" \
  '[[ $LVL1 =~ ^sha256: ]] && [[ $LVLD =~ ^sha256: ]] && [ "$LVL1" != "$LVLD" ] && [ "$(layout get "$WORK/lvl" "$OUT" app-diff-id)" = "$(layout get "$WORK/sde2" "$SDE2_TOP" app-diff-id)" ]'

# --- inspect ------------------------------------------------------------------
run "$GSIMAGE" inspect "$WORK/oci:app:static"
check "inspect DIR:REF shows the platforms and layer sizes" \
  '[ "$RC" = 0 ] && contains "$OUT" "linux/amd64" && contains "$OUT" "uncompressed" && contains "$OUT" "user       65532:65532"'
run "$GSIMAGE" inspect --json "$WORK/second"
check "inspect --json: diff_ids re-measured and matching" \
  '[ "$RC" = 0 ] && printf "%s" "$OUT" | "$PY" -c "import json,sys; d=json.load(sys.stdin); imgs=[i for t in d for i in t[\"images\"] if \"artifactType\" not in i]; assert imgs and all(l[\"diffIDMatches\"] for i in imgs for l in i[\"layers\"])"'
run "$GSIMAGE" inspect "$WORK/second:nope"
check "inspect of a missing tag is one clear error" '[ "$RC" = 1 ] && one_error_line'
# --- outputs that cannot be written, checks that come before compiling --------
run "$GSIMAGE" build -q -o "$WORK/second" testdata/hello
check "a digest that cannot reach stdout is a failure, not success" \
  'r=0; "$GSIMAGE" build -q -o "$WORK/second" testdata/hello >/dev/full 2>"$WORK/full.err" || r=$?; [ "$r" = 1 ] && grep -q "writing to standard output" "$WORK/full.err"'
run "$GSIMAGE" build -q --docker-archive "$WORK/d.tar" --docker-platform linux/riscv64 -o "$WORK/second" testdata/hello
check "--docker-platform outside --platform is refused before compiling" \
  '[ "$RC" = 2 ] && one_error_line && ! grep -q compiling <<<"$ERR"'
run "$GSIMAGE" build -q --oci-archive "$WORK/no/such/dir/x.tar" -o "$WORK/second" testdata/hello
check "an archive in a missing directory is refused before compiling" '[ "$RC" = 2 ] && one_error_line'
run "$GSIMAGE" build -q --compression none --compression-level 3 -o "$WORK/second" testdata/hello
check "--compression-level with --compression none is refused" '[ "$RC" = 2 ] && one_error_line'
run "$GSIMAGE" build -q --env "$(printf 'K=\377')" -o "$WORK/second" testdata/hello
check "a configuration value that is not UTF-8 is refused" \
  '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "not valid UTF-8"'
run "$GSIMAGE" build -q --binary-path /usr/. -o "$WORK/second" testdata/hello
check "--binary-path naming a directory is refused" '[ "$RC" = 2 ] && one_error_line'
run "$GSIMAGE" build -q -t localhost:5000/team/app:v2 -o "$WORK/oci" testdata/hello
run "$GSIMAGE" inspect "$WORK/oci:localhost:5000/team/app:v2"
check "inspect DIR:REF with a registry port and path in REF" '[ "$RC" = 0 ] && contains "$OUT" "localhost:5000/team/app:v2"'

# A build that fails on its second platform leaves no binary of the first.
mkdir -p "$WORK/armfail"
printf 'module example.com/armfail\n\ngo 1.19\n' >"$WORK/armfail/go.mod"
printf 'package main\n\nfunc main() {}\n' >"$WORK/armfail/main.go"
printf '//go:build arm64\n\npackage main\n\nvar broken int = "arm64 only"\n' >"$WORK/armfail/broken.go"
run "$GSIMAGE" build -q --platform linux/amd64,linux/arm64 -o "$WORK/armfail-oci" "$WORK/armfail"
check "a failure on the second platform fails the build" '[ "$RC" = 1 ]'
check "...and removes the first platform's binary and the work directory" \
  '[ -z "$(dead_work_dirs)" ]'
true
