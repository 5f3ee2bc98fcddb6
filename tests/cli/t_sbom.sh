#!/usr/bin/env bash
# SBOMs with the C side: a cgo program's SPDX and CycloneDX documents name
# musl and its version (as the zig in use bundles it), zig and its version,
# and the cgo package; they validate against the official schemas, are
# deterministic, are attached as OCI 1.1 artifacts under the referrers
# fallback tag, and travel to a registry with gsimage push.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

L=$WORK/oci
run "$GSIMAGE" build -q -t app:sbom --platform linux/amd64,linux/arm64 -o "$L" \
  --sbom-dir "$WORK/sboms" testdata/cgonet
TOP=$OUT
if [ "$RC" != 0 ] || [ -z "$TOP" ]; then
  fail "building cgonet with SBOMs (rc=$RC): $ERR"
  exit 0
fi
check "--sbom-dir holds both documents for both platforms" \
  '[ "$(ls "$WORK/sboms" | tr "\n" " ")" = "cgonet-linux-amd64.cdx.json cgonet-linux-amd64.spdx.json cgonet-linux-arm64-v8.cdx.json cgonet-linux-arm64-v8.spdx.json " ]'

# What the documents must say, from the toolchain itself, not hard-coded.
ZIG=$(command -v zig || echo "$ROOT/.toolchain/zig/zig")
ZIG_VERSION=$("$ZIG" version 2>/dev/null)
ZIG_LIB=$("$ZIG" env 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["lib_dir"])' 2>/dev/null)
MUSL_VERSION=$(sed -n 's/^#define VERSION "\(.*\)"$/\1/p' "$ZIG_LIB/libc/musl/src/internal/version.h" 2>/dev/null)
check "the toolchain tells its zig and musl versions" '[ -n "$ZIG_VERSION" ] && [ -n "$MUSL_VERSION" ]'

run "$GSIMAGE" sbom "$L:app:sbom" --platform linux/amd64
printf '%s\n' "$OUT" >"$WORK/spdx.json"
check "gsimage sbom prints the SPDX document, the same as --sbom-dir wrote" \
  '[ "$RC" = 0 ] && cmp -s "$WORK/spdx.json" "$WORK/sboms/cgonet-linux-amd64.spdx.json"'
check "SPDX names musl $MUSL_VERSION, zig $ZIG_VERSION and the cgo package" \
  "$PY" - "$WORK/spdx.json" "$MUSL_VERSION" "$ZIG_VERSION" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
pk = {p["name"]: p for p in d["packages"]}
refs = lambda p: [r["referenceLocator"] for r in p.get("externalRefs", [])]
assert pk["musl"]["versionInfo"] == sys.argv[2], pk["musl"]
assert "pkg:generic/musl@" + sys.argv[2] in refs(pk["musl"])
assert pk["zig"]["versionInfo"] == sys.argv[3], pk["zig"]
assert "example.com/cgonet" in pk and "pkg:golang/stdlib@" + pk["stdlib"]["versionInfo"] in refs(pk["stdlib"])
kinds = {r["relationshipType"] for r in d["relationships"]}
assert {"DESCRIBES", "CONTAINS", "DEPENDS_ON"} <= kinds, kinds
assert d["creationInfo"]["created"] == "1970-01-01T00:00:00Z"
EOF
run "$GSIMAGE" sbom --format cyclonedx --platform linux/arm64 "$L:app:sbom"
printf '%s\n' "$OUT" >"$WORK/cdx.json"
check "CycloneDX names musl $MUSL_VERSION for arm64, with a serial number from digests" \
  "$PY" - "$WORK/cdx.json" "$MUSL_VERSION" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["bomFormat"] == "CycloneDX" and d["specVersion"] == "1.5"
names = {c["name"]: c for c in d["components"]}
assert names["musl"]["version"] == sys.argv[2], names["musl"]
assert d["serialNumber"].startswith("urn:uuid:")
assert "arm64" in json.dumps(d["metadata"]["component"])
EOF

# Every platform's documents list the cgo packages go list gives for that
# platform (CGO_ENABLED=1, GOARCH set): none may be missing on the second.
for plat in amd64:linux-amd64 arm64:linux-arm64-v8; do
  arch=${plat%%:*} suffix=${plat#*:}
  want=$(cd testdata/cgonet && CGO_ENABLED=1 GOOS=linux GOARCH=$arch GOFLAGS= \
    go list -deps -f '{{if .CgoFiles}}{{.ImportPath}}{{end}}' . 2>/dev/null | grep . | sort | paste -sd' ')
  check "linux/$arch: SPDX and CycloneDX list the cgo packages go list gives ($want)" \
    "$PY" - "$WORK/sboms/cgonet-$suffix.spdx.json" "$WORK/sboms/cgonet-$suffix.cdx.json" "$want" <<'EOF'
import json, sys
spdx, cdx, want = sys.argv[1], sys.argv[2], sorted(sys.argv[3].split())
assert "runtime/cgo" in want and "example.com/cgonet" in want, want
s = json.load(open(spdx))
got = sorted(p["name"] for p in s["packages"] if p["SPDXID"].startswith("SPDXRef-Cgo-Package-"))
assert got == want, ("SPDX", got, want)
def walk(cs):
    for c in cs:
        yield c
        yield from walk(c.get("components", []))
c = json.load(open(cdx))
got = sorted(x["name"] for x in walk(c["components"])
             if {"name": "gsimage:go:cgo", "value": "true"} in x.get("properties", []))
assert got == want, ("CycloneDX", got, want)
EOF
done
if [ "${T_SBOM_ONLY:-}" = platforms ]; then
  skip "T_SBOM_ONLY=platforms: the rest of t_sbom does not run"
  exit 0
fi

# The shared validator checks the artifact manifests and validates every
# SBOM layer against the official SPDX 2.3 and CycloneDX 1.5 schemas.
check_valid "the layout with its SBOM artifacts validates, SBOMs against the schemas" "$L" -- --strict-repro
check "every platform image has its referrers-fallback tag listing SPDX and CycloneDX" \
  "$PY" - "$L" "$TOP" <<'EOF'
import json, sys
root, top = sys.argv[1], sys.argv[2]
blob = lambda d: json.load(open(root + "/blobs/sha256/" + d[7:]))
tags = {m["annotations"]["org.opencontainers.image.ref.name"]: m for m in json.load(open(root + "/index.json"))["manifests"]}
for m in blob(top)["manifests"]:
    ref = tags["sha256-" + m["digest"][7:]]
    types = sorted(r["artifactType"] for r in blob(ref["digest"])["manifests"])
    assert types == ["application/spdx+json", "application/vnd.cyclonedx+json"], types
    for r in blob(ref["digest"])["manifests"]:
        art = blob(r["digest"])
        assert art["subject"]["digest"] == m["digest"] and art["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
EOF

# Deterministic: another layout, another time, the same SBOM blobs.
sleep 1
run "$GSIMAGE" build -q -t app:sbom --platform linux/amd64,linux/arm64 -o "$WORK/again" testdata/cgonet
check "a second build gives the same image and byte-identical SBOM blobs" \
  '[ "$OUT" = "$TOP" ] && diff -r "$L/blobs" "$WORK/again/blobs" >/dev/null && cmp -s "$L/index.json" "$WORK/again/index.json"'
run "$GSIMAGE" build -q --sbom none -t app:none -o "$WORK/none" testdata/cgonet
check "--sbom none attaches nothing" \
  '[ "$RC" = 0 ] && grep -q "\"org.opencontainers.image.ref.name\":\"app:none\"" "$WORK/none/index.json" &&
   ! grep -q "sha256-" "$WORK/none/index.json"'
run "$GSIMAGE" sbom "$WORK/none:app:none"
check "gsimage sbom says when an image has none" '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "no SBOM"'
run "$GSIMAGE" build -q --sbom spdx,xml -o "$WORK/none" testdata/cgonet
check "an unknown SBOM format is a usage error" '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "xml"'

# A module replaced by a directory (an absolute path, as a monorepo's
# script writes it), with cgo in it: named by its module path, no version
# it does not have, no path of this machine, its cgo package with a purl.
mkdir -p "$WORK/mono/y/cz" "$WORK/mono/app"
printf 'module github.com/x/y\n\ngo 1.19\n' >"$WORK/mono/y/go.mod"
printf 'package cz\n\n// int twice(int x) { return 2 * x; }\nimport "C"\n\nfunc Twice(x int) int { return int(C.twice(C.int(x))) }\n' \
  >"$WORK/mono/y/cz/cz.go"
printf 'module example.com/app\n\ngo 1.19\n\nrequire github.com/x/y v0.0.0-00010101000000-000000000000\n\nreplace github.com/x/y => %s\n' \
  "$WORK/mono/y" >"$WORK/mono/app/go.mod"
printf 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/x/y/cz"\n)\n\nfunc main() { fmt.Println(cz.Twice(21)) }\n' \
  >"$WORK/mono/app/main.go"
run "$GSIMAGE" build -q --platform linux/amd64 -t mono:1 -o "$WORK/mono-oci" --sbom-dir "$WORK/mono-sbom" "$WORK/mono/app"
check "a program with a directory-replaced cgo module builds" '[ "$RC" = 0 ]'
check "its SBOMs name the module by its path, without this machine's path or a made-up version" \
  "$PY" - "$WORK/mono-sbom/app-linux-amd64.spdx.json" "$WORK/mono-sbom/app-linux-amd64.cdx.json" "$WORK/mono" <<'EOF'
import json, sys
spdx, cdx, local = sys.argv[1:4]
for path in (spdx, cdx):
    text = open(path).read()
    assert local not in text and "00010101000000" not in text, path
d = json.load(open(spdx))
pk = {p["name"]: p for p in d["packages"]}
refs = lambda p: [r["referenceLocator"] for r in p.get("externalRefs", [])]
y = pk["github.com/x/y"]
assert "versionInfo" not in y and refs(y) == ["pkg:golang/github.com/x/y"], y
assert y["comment"] == "replaced by a local directory", y
assert refs(pk["github.com/x/y/cz"]) == ["pkg:golang/github.com/x/y#cz"], pk["github.com/x/y/cz"]
c = json.load(open(cdx))
comps = {x["name"]: x for x in c["components"]}
assert comps["github.com/x/y"]["purl"] == "pkg:golang/github.com/x/y" and "version" not in comps["github.com/x/y"]
EOF

# --- to a registry: the image, then the fallback tags --------------------------
if has docker-registry && has skopeo && has curl; then
  if ! start_registry reg; then
    fail "the test registry did not start: $(tail -3 "$WORK/reg.log")"
    exit 0
  fi
  run "$GSIMAGE" push -q --insecure "$L:app:sbom" "127.0.0.1:$PORT/app:sbom"
  check "push of a two-platform image with its SBOMs" '[ "$RC" = 0 ] && [ "$OUT" = "127.0.0.1:$PORT/app:sbom@$TOP" ]'
  run skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$PORT/app:sbom"
  check "the registry serves the index byte for byte" \
    '[ "$RC" = 0 ] && [ "$OUT" = "$(cat "$L/blobs/sha256/${TOP#sha256:}")" ]'
  AMD64=$(json "$L/blobs/sha256/${TOP#sha256:}" 'd["manifests"][0]["digest"]')
  run skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$PORT/app:sha256-${AMD64#sha256:}"
  printf '%s' "$OUT" >"$WORK/remote-ref.json"
  check "the registry's fallback tag sha256-<hex> lists both SBOMs, with their digests" \
    '[ "$RC" = 0 ] && [ "$(json "$WORK/remote-ref.json" "sorted(m[\"digest\"] for m in d[\"manifests\"])")" = "$(json "$L/blobs/sha256/$(json "$L/index.json" "[m for m in d[\"manifests\"] if m[\"annotations\"][\"org.opencontainers.image.ref.name\"]==\"sha256-${AMD64#sha256:}\"][0][\"digest\"][7:]")" "sorted(m[\"digest\"] for m in d[\"manifests\"])")" ]'
  ART=$(json "$WORK/remote-ref.json" 'd["manifests"][0]["digest"]')
  run skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$PORT/app@$ART"
  check "each SBOM artifact manifest is in the registry, its subject the image" \
    '[ "$RC" = 0 ] && contains "$OUT" "\"subject\"" && contains "$OUT" "$AMD64"'
else
  skip "SBOMs in a registry: docker-registry, skopeo or curl not installed"
fi

# --- the cgo packages are those of the build's own tags ------------------------
# A pure-Go --pie builds with -tags netgo,osusergo: net and os/user keep no
# cgo files, only runtime/cgo (the external link's) is C.  The first
# platform's list and the second's must both see those tags.
# cgo_list FILE: the SPDX document's cgo packages, space-separated.
cgo_list() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(sorted(p["name"] for p in d["packages"] if p["SPDXID"].startswith("SPDXRef-Cgo-Package-"))))' "$1" 2>/dev/null
}
build --pie --platform linux/amd64,linux/arm64 -t httpd:pie -o "$WORK/pie" --sbom-dir "$WORK/pie-sbom" testdata/httpd
check "a pure-Go --pie lists only runtime/cgo as cgo, on both platforms (not net, os/user)" \
  '[ "$RC" = 0 ] && [ "$(cgo_list "$WORK/pie-sbom/httpd-linux-amd64.spdx.json")" = runtime/cgo ] &&
   [ "$(cgo_list "$WORK/pie-sbom/httpd-linux-arm64-v8.spdx.json")" = runtime/cgo ]'
GOFLAGS=-tags=netgo,osusergo build --platform linux/amd64,linux/arm64 -t cgonet:netgo -o "$WORK/netgo" \
  --sbom-dir "$WORK/netgo-sbom" testdata/cgonet
check "GOFLAGS=-tags=netgo,osusergo: cgonet's SBOMs list its own package and runtime/cgo only" \
  '[ "$RC" = 0 ] && [ "$(cgo_list "$WORK/netgo-sbom/cgonet-linux-amd64.spdx.json")" = "example.com/cgonet runtime/cgo" ] &&
   [ "$(cgo_list "$WORK/netgo-sbom/cgonet-linux-arm64-v8.spdx.json")" = "example.com/cgonet runtime/cgo" ]'

# --- one SBOM per subject, whatever the tag --------------------------------------
# The same image built under a second tag is the same subject: its SBOMs
# are the same bytes, attached once, and `sbom` of either tag prints them.
S=$WORK/same
build --platform linux/amd64 -t app:one -o "$S" testdata/hello
ONE=$OUT
build --platform linux/amd64 -t app:two -o "$S" testdata/hello
TWO=$OUT
build --platform linux/amd64 -t other/name:x -o "$WORK/same2" testdata/hello
# referrers TAG: the artifacts the subject's fallback tag lists.
referrers() {
  "$PY" -c 'import json,sys
r,d=sys.argv[1],sys.argv[2]
idx={m["annotations"]["org.opencontainers.image.ref.name"]: m for m in json.load(open(r+"/index.json"))["manifests"]}
print(len(json.load(open(r+"/blobs/sha256/"+idx["sha256-"+d[7:]]["digest"][7:]))["manifests"]))' "$1" "$2" 2>/dev/null
}
check "a second tag of the same image attaches nothing more (two referrers, not four)" \
  '[ -n "$ONE" ] && [ "$ONE" = "$TWO" ] && [ "$(referrers "$S" "$ONE")" = 2 ]'
check "the SBOM blobs do not depend on the tag or repository: another name gives the same bytes" \
  '[ "$(ls "$S/blobs/sha256" | sort)" = "$(ls "$WORK/same2/blobs/sha256" | sort)" ]'
run "$GSIMAGE" sbom "$S:app:one"
SB1=$OUT
run "$GSIMAGE" sbom "$S:app:two"
check "sbom DIR:TAG2 prints the document of that subject, naming no tag" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$SB1" ] && ! contains "$OUT" "app:one" && ! contains "$OUT" "app:two" &&
   contains "$OUT" "$ONE"'
# Another SPDX artifact listed first under this subject's fallback tag, but
# whose subject is another image (a stale or foreign entry): not ours.
layout edit "$S" '
ref = [m for m in idx["manifests"] if m["annotations"][REF] == "sha256-'"${ONE#sha256:}"'"][0]
ri = load(ref)
doc = put(b"{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"foreign\"}", "application/spdx+json")
cfg = put(b"{}", "application/vnd.oci.empty.v1+json")
other = dict(doc, mediaType="application/vnd.oci.image.manifest.v1+json")
art = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "artifactType": "application/spdx+json", "config": cfg, "layers": [doc], "subject": other}).encode(),
  "application/vnd.oci.image.manifest.v1+json")
art["artifactType"] = "application/spdx+json"
ri["manifests"].insert(0, art)
tag(ref["annotations"][REF], put(json.dumps(ri).encode(), "application/vnd.oci.image.index.v1+json"))
'
run "$GSIMAGE" sbom "$S:app:two"
check "sbom chooses the artifact whose subject is the image, not the first one listed" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$SB1" ]'

# --- sbom --platform names a platform the image has -------------------------------
run "$GSIMAGE" sbom --platform linux/arm64 "$S:app:one"
check "sbom --platform linux/arm64 of an amd64-only image is one error naming linux/amd64" \
  '[ "$RC" = 2 ] && [ -z "$OUT" ] && one_error_line && contains "$ERR" "linux/arm64" && contains "$ERR" "linux/amd64"'
run "$GSIMAGE" sbom --platform linux/amd64 "$S:app:one"
check "sbom --platform linux/amd64 of that image prints its SBOM" '[ "$RC" = 0 ] && [ "$OUT" = "$SB1" ]'
