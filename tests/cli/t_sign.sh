#!/usr/bin/env bash
# Signing at build time, offline: keys of every kind gsimage takes (made by
# openssl and by cosign), their refusals, gsimage verify-image and its
# tamper cases, a no-op rebuild that keeps the layout byte for byte, and
# the real cosign verifying what gsimage push put in a loopback registry.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
PY=/usr/bin/python3
trap stop_servers EXIT

K=$WORK/keys
mkdir -p "$K"

if ! has jq; then
  skip "signing: jq not installed (scripts/bootstrap installs it)"
  exit 0
fi
if ! has openssl; then
  fail "openssl is missing: the test's keys cannot be made"
  exit 0
fi
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/ec.key" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$K/ed.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/rsa.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -pass pass:s3cret \
  -out "$K/enc.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$K/p384.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/other.key" 2>/dev/null
chmod 600 "$K"/*.key
for k in ec ed rsa other; do openssl pkey -in "$K/$k.key" -pubout -out "$K/$k.pub" 2>/dev/null; done
openssl pkey -in "$K/enc.key" -passin pass:s3cret -pubout -out "$K/enc.pub" 2>/dev/null
if [ ! -s "$K/ec.pub" ] || [ ! -s "$K/ed.pub" ] || [ ! -s "$K/rsa.pub" ] || [ ! -s "$K/enc.pub" ]; then
  fail "setup: openssl did not make the test keys"
  exit 0
fi

COSIGN=${GSIMAGE_COSIGN:-$(command -v cosign || echo "$ROOT/.toolchain/bin/cosign")}
[ -x "$COSIGN" ] || COSIGN=
if [ -n "$COSIGN" ]; then
  (cd "$K" && COSIGN_PASSWORD=pw "$COSIGN" generate-key-pair >/dev/null 2>&1)
  [ -s "$K/cosign.key" ] || { fail "setup: cosign generate-key-pair made no key"; exit 0; }
fi

signed_build() { # LAYOUT [args...]: a two-platform image of testdata/hello, tagged app:v1
  local l=$1
  shift
  run "$GSIMAGE" build -q --cgo off --platform linux/amd64,linux/arm64 -t app:v1 -o "$l" "$@" \
    testdata/hello
}

# --- refusals, each before any work ---------------------------------------------
cp "$K/ec.key" "$K/open.key" && chmod 644 "$K/open.key"
signed_build "$WORK/r1" --sign-key "$K/open.key"
check "a key readable by others is refused before the build" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "accessible by group or others" && [ ! -e "$WORK/r1" ]'
cp "$K/ec.pub" "$K/pub-as-key" && chmod 600 "$K/pub-as-key"
signed_build "$WORK/r2" --sign-key "$K/pub-as-key"
check "a public key given as the private one is refused" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "is a public key" && [ ! -e "$WORK/r2" ]'
run env GSIMAGE_SIGN_PASSWORD=wrong "$GSIMAGE" build -q --cgo off -o "$WORK/r3" --sign-key "$K/enc.key" testdata/hello
check "a wrong passphrase is refused" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "wrong passphrase" && [ ! -e "$WORK/r3" ]'
signed_build "$WORK/r4" --sign-key "$K/p384.key"
check "an unsupported curve is refused" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "unsupported curve" && [ ! -e "$WORK/r4" ]'
run env GSIMAGE_SIGN_KEY="$K/open.key" "$GSIMAGE" build -q --cgo off -o "$WORK/r5" testdata/hello
check "GSIMAGE_SIGN_KEY is the key when no flag is given" \
  '[ "$RC" = 1 ] && contains "$ERR" "accessible by group or others"'
check "the key's bytes never reach an error" \
  '! grep -q "$(sed -n 2p "$K/enc.key")" "$WORK/.err"'

# --- build --sign-key and verify-image -------------------------------------------
L=$WORK/oci
signed_build "$L" --sign-key "$K/ec.key"
TOP=$OUT
if [ "$RC" != 0 ] || [ -z "$TOP" ]; then
  fail "setup: signed build failed (rc=$RC): $ERR"
  exit 0
fi
PLATS=$(jq -r '.manifests[].digest' "$L/blobs/sha256/${TOP#sha256:}")
run "$GSIMAGE" verify-image --key "$K/ec.pub" "$L:app:v1"
check "verify-image passes with the right key" \
  '[ "$RC" = 0 ] && [ "$(grep -c ": ok$" <<<"$OUT")" = 12 ]'
for d in $TOP $PLATS; do
  check "${d:0:19}: a .sig, a .att and the fallback tag are in index.json" \
    '[ "$(jq --arg h "sha256-${d#sha256:}" "[.manifests[].annotations[\"org.opencontainers.image.ref.name\"] | select(. == \$h or . == \$h+\".sig\" or . == \$h+\".att\")] | length" "$L/index.json")" = 3 ]'
done
run "$GSIMAGE" verify-image --json --key "$K/ec.pub" "$L:app:v1"
check "verify-image --json: every check ok" \
  '[ "$RC" = 0 ] && [ "$(jq "[.[] | select(.ok)] | length" <<<"$OUT")" = 12 ]'
run "$GSIMAGE" verify-image --key "$K/other.pub" "$L:app:v1"
check "another key is refused" \
  '[ "$RC" = 1 ] && one_error_line && contains "$OUT" "does not verify with this key"'

run "$GSIMAGE" inspect "$L"
check "gsimage inspect reads the signed layout" '[ "$RC" = 0 ]'
validate_layout "$L" --strict-repro
case $VALIDATE_STATUS in
  ok) pass "the signed layout validates (.sig and .att are OCI 1.1 artifacts)" ;;
  skip:*) skip "layout validation: ${VALIDATE_STATUS#skip:}" ;;
  *) fail "the signed layout does not validate" ;;
esac

# the provenance: subjects, buildType, modules with h1:, Go
ATT=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "sha256-'"${TOP#sha256:}"'.att") | .digest' "$L/index.json")
LAYER=$(jq -r '.layers[0].digest' "$L/blobs/sha256/${ATT#sha256:}")
jq -r .payload "$L/blobs/sha256/${LAYER#sha256:}" | base64 -d >"$WORK/statement.json"
check "the provenance statement names the index and both platform manifests" \
  '[ "$(jq -r ".subject[].digest.sha256" "$WORK/statement.json" | sort | tr "\n" " ")" = "$(for d in $TOP $PLATS; do echo "${d#sha256:}"; done | sort | tr "\n" " ")" ]'
check "the provenance is SLSA v1 with gsimage's buildType and the effective Go" \
  '[ "$(jq -r .predicateType "$WORK/statement.json")" = https://slsa.dev/provenance/v1 ] &&
   [ "$(jq -r .predicate.buildDefinition.buildType "$WORK/statement.json")" = urn:gsimage:buildtype:go-static-image:v1 ] &&
   [ "$(jq -r .predicate.buildDefinition.internalParameters.goVersion "$WORK/statement.json")" = "$(go env GOVERSION)" ]'
check "the provenance records no key path and no wall-clock time" \
  '! grep -q -e "ec.key" -e "sign-key" "$WORK/statement.json"'

# cgo: the C toolchain is in the provenance too, with the zig binary's digest
ZIG=${GSIMAGE_ZIG:-$(command -v zig || echo "$ROOT/.toolchain/zig/zig")}
run "$GSIMAGE" build -q --cgo on --platform linux/amd64 -t cg:v1 -o "$WORK/cgo" --sign-key "$K/ec.key" testdata/cgonet
CTOP=$OUT
CATT=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "sha256-'"${CTOP#sha256:}"'.att") | .digest' "$WORK/cgo/index.json" 2>/dev/null)
CLAYER=$(jq -r '.layers[0].digest' "$WORK/cgo/blobs/sha256/${CATT#sha256:}" 2>/dev/null)
jq -r .payload "$WORK/cgo/blobs/sha256/${CLAYER#sha256:}" 2>/dev/null | base64 -d >"$WORK/cgo-statement.json"
check "a cgo build's provenance names zig (with its digest) and musl with their versions" \
  '[ "$RC" = 0 ] &&
   [ "$(jq -r ".predicate.buildDefinition.resolvedDependencies[] | select(.name == \"zig\") | .digest.sha256" "$WORK/cgo-statement.json")" = "$(sha256sum "$ZIG" | cut -c1-64)" ] &&
   jq -e ".predicate.buildDefinition.resolvedDependencies[] | select(.name == \"musl\" and (.uri | startswith(\"pkg:generic/musl@1.\")))" "$WORK/cgo-statement.json" >/dev/null'

# --- a no-op rebuild keeps every byte ----------------------------------------------
file_sums "$L" >"$WORK/before.sum"
signed_build "$L" --sign-key "$K/ec.key"
file_sums "$L" >"$WORK/after.sum"
check "an unchanged signed rebuild leaves the layout byte-identical (no re-signing)" \
  '[ "$RC" = 0 ] && cmp -s "$WORK/before.sum" "$WORK/after.sum"'
run "$GSIMAGE" gc "$L"
run "$GSIMAGE" verify-image --key "$K/ec.pub" "$L:app:v1"
check "gc keeps the signatures of a tagged image" '[ "$RC" = 0 ]'

G=$WORK/untagged
cp -a "$L" "$G"
jq 'del(.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "app:v1"))' \
  "$L/index.json" >"$G/index.json"
run "$GSIMAGE" gc "$G"
check "gc drops the .sig and .att tags once their image is untagged" \
  '[ "$RC" = 0 ] && [ "$(jq "[.manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"] | test(\"[.](sig|att)\$\"))] | length" "$G/index.json")" = 0 ]'

# --- tampering -------------------------------------------------------------------
# tamper LAYOUT TAG MODE [TO-TAG]: rewrite a .sig the way an attacker could
# (new blobs, index.json updated), so only the signature check can catch it.
tamper() {
  "$PY" - "$@" <<'PYEOF'
import hashlib, json, sys, os, base64
lay, tag, mode = sys.argv[1:4]
to = sys.argv[4] if len(sys.argv) > 4 else tag
def blob(d): return open(os.path.join(lay, "blobs/sha256", d.split(":")[1]), "rb").read()
def put(b):
    d = hashlib.sha256(b).hexdigest()
    open(os.path.join(lay, "blobs/sha256", d), "wb").write(b)
    return "sha256:" + d, len(b)
idx = json.load(open(os.path.join(lay, "index.json")))
ent = [m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
man = json.loads(blob(ent["digest"]))
layer = man["layers"][0] if "layers" in man else None
if mode == "bundle":
    # tag is a referrers-fallback index: flip a byte of its first bundle's signature
    ref = [m for m in man["manifests"] if m.get("artifactType") == "application/vnd.dev.sigstore.bundle.v0.3+json"][0]
    art = json.loads(blob(ref["digest"]))
    b = json.loads(blob(art["layers"][0]["digest"]))
    sig = bytearray(base64.b64decode(b["dsseEnvelope"]["signatures"][0]["sig"]))
    sig[len(sig) // 2] ^= 1
    b["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    art["layers"][0]["digest"], art["layers"][0]["size"] = put(json.dumps(b, separators=(",", ":")).encode())
    ref["digest"], ref["size"] = put(json.dumps(art, separators=(",", ":")).encode())
elif mode == "sig":
    sig = bytearray(base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"]))
    sig[len(sig) // 2] ^= 1
    layer["annotations"]["dev.cosignproject.cosign/signature"] = base64.b64encode(bytes(sig)).decode()
elif mode == "payload":
    p = bytearray(blob(layer["digest"]))
    i = p.index(b'"docker-reference":"') + 20
    p[i] ^= 1
    layer["digest"], layer["size"] = put(bytes(p))
mb = json.dumps(man, separators=(",", ":")).encode()
d, n = put(mb)
new = dict(ent); new["digest"] = d; new["size"] = n
new["annotations"] = {"org.opencontainers.image.ref.name": to}
idx["manifests"] = [m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != to] + [new]
open(os.path.join(lay, "index.json"), "w").write(json.dumps(idx))
PYEOF
}
P1=$(sed -n 1p <<<"$PLATS")
P2=$(sed -n 2p <<<"$PLATS")
for mode in sig payload move bundle; do
  T=$WORK/t-$mode
  cp -a "$L" "$T"
  run "$GSIMAGE" verify-image --key "$K/ec.pub" "$T:app:v1"
  check "tamper $mode: verify-image passes before the change" '[ "$RC" = 0 ]'
  case $mode in
    sig) tamper "$T" "sha256-${P1#sha256:}.sig" sig ;;
    payload) tamper "$T" "sha256-${P1#sha256:}.sig" payload ;;
    move) tamper "$T" "sha256-${P1#sha256:}.sig" none "sha256-${P2#sha256:}.sig" ;;
    bundle) tamper "$T" "sha256-${P1#sha256:}" bundle ;;
  esac
  run "$GSIMAGE" verify-image --key "$K/ec.pub" "$T:app:v1"
  case $mode in
    sig) why="does not verify" ;;
    payload) why="does not verify" ;;
    move) why="names another image" ;;
    bundle) why="(bundle referrer): FAILED: the signature does not verify" ;;
  esac
  check "tamper $mode: verify-image exits 1 and says why" \
    '[ "$RC" = 1 ] && one_error_line && contains "$OUT" "$why"'
done

# --- gsimage sign on an existing image ----------------------------------------------
U=$WORK/unsigned
signed_build "$U"
UTOP=$OUT
jq -S '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "app:v1")]' "$U/index.json" >"$WORK/utag.json"
run "$GSIMAGE" sign --key "$K/ed.key" "$U:app:v1"
check "gsimage sign signs an existing image" '[ "$RC" = 0 ]'
run "$GSIMAGE" verify-image --key "$K/ed.pub" "$U:app:v1"
check "... and verify-image passes (Ed25519)" '[ "$RC" = 0 ]'
check "... and the image's own tag is unchanged" \
  '[ "$(jq -S "[.manifests[] | select(.annotations[\"org.opencontainers.image.ref.name\"] == \"app:v1\")]" "$U/index.json")" = "$(cat "$WORK/utag.json")" ]'
file_sums "$U" >"$WORK/u1.sum"
run "$GSIMAGE" sign --key "$K/ed.key" "$U:app:v1"
file_sums "$U" >"$WORK/u2.sum"
check "signing again with the same key changes nothing" '[ "$RC" = 0 ] && cmp -s "$WORK/u1.sum" "$WORK/u2.sum"'
run "$GSIMAGE" verify-image --key "$K/ec.pub" "$U:app:v1"
check "an image signed by another key fails verify-image" '[ "$RC" = 1 ]'
run "$GSIMAGE" sign --key "$K/ec.key" "$U:app:v1"
check "a second key adds its signatures" '[ "$RC" = 0 ]'
run "$GSIMAGE" verify-image --key "$K/ec.pub" "$U:app:v1"
check "... which verify with that key" '[ "$RC" = 0 ]'
run "$GSIMAGE" verify-image --key "$K/ed.pub" "$U:app:v1"
check "... and the first key's still verify" '[ "$RC" = 0 ]'
# Two signers at once (two keys): each reads the .sig, adds its layer and
# writes it back, under the index.json lock, so neither loses the other's.
C=$WORK/concurrent
lost=0
for i in 1 2 3 4; do
  rm -rf "$C"
  "$GSIMAGE" build -q --cgo off --platform linux/amd64,linux/arm64 -t app:v1 -o "$C" testdata/hello >/dev/null 2>&1
  "$GSIMAGE" sign --key "$K/ec.key" "$C:app:v1" >/dev/null 2>&1 &
  a=$!
  env GSIMAGE_SIGN_PASSWORD=s3cret "$GSIMAGE" sign --key "$K/enc.key" "$C:app:v1" >/dev/null 2>&1 &
  b=$!
  "$GSIMAGE" sign --key "$K/ed.key" "$C:app:v1" >/dev/null 2>&1
  wait $a; wait $b
  for pub in ec enc ed; do
    "$GSIMAGE" verify-image --key "$K/$pub.pub" "$C:app:v1" >/dev/null 2>&1 || lost=$((lost + 1))
  done
done
check "three signers at once, four times: every key's signatures are all there" '[ "$lost" = 0 ]'
run "$GSIMAGE" verify-image --key "$K/ed.pub" "$U:app:nope"
check "verify-image of an unknown tag is one error line" '[ "$RC" = 1 ] && one_error_line'
run "$GSIMAGE" verify-image "$U:app:v1"
check "verify-image without --key is a usage error" '[ "$RC" = 2 ] && one_error_line'

# --- every key kind --------------------------------------------------------------------
declare -A PUB=([ec]=ec.pub [ed]=ed.pub [rsa]=rsa.pub [enc]=enc.pub)
[ -n "$COSIGN" ] && PUB[cosign]=cosign.pub
for k in "${!PUB[@]}"; do
  # a cosign user has COSIGN_PASSWORD set; the PKCS#8 key takes ours
  pw=(GSIMAGE_SIGN_PASSWORD=s3cret)
  [ "$k" = cosign ] && pw=(-u GSIMAGE_SIGN_PASSWORD COSIGN_PASSWORD=pw)
  run env "${pw[@]}" "$GSIMAGE" build -q --cgo off \
    --platform linux/amd64,linux/arm64 -t app:v1 -o "$WORK/k-$k" --sign-key "$K/$k.key" testdata/hello
  check "key $k: the signed build succeeds" '[ "$RC" = 0 ]'
  run "$GSIMAGE" verify-image --key "$K/${PUB[$k]}" "$WORK/k-$k:app:v1"
  check "key $k: verify-image passes" '[ "$RC" = 0 ]'
done
run env -u GSIMAGE_SIGN_PASSWORD COSIGN_PASSWORD=s3cret "$GSIMAGE" build -q --cgo off -o "$WORK/k-env" \
  --sign-key "$K/enc.key" testdata/hello
check "COSIGN_PASSWORD opens an encrypted PKCS#8 key too" '[ "$RC" = 0 ]'

# --- the real cosign, against a loopback registry ---------------------------------------
if [ -z "$COSIGN" ]; then
  fail "cosign verify: cosign is missing; run 'make bootstrap' (it builds cosign into .toolchain/bin)"
  exit 0
fi
need_registry "cosign verify"
export TUF_ROOT=$WORK/tuf
# cosign 2.6 finds the bundle referrers first and then wants a sigstore
# trusted root, which it would fetch through TUF; offline, with a key and
# no transparency log, an empty one is all it needs.
echo '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}' >"$WORK/trusted_root.json"
cosign_verify() { # bundle|legacy PUB REF [att]
  local mode=$1 pub=$2 ref=$3 args=(--key "$2" --insecure-ignore-tlog --allow-http-registry)
  [ "$mode" = bundle ] && args+=(--new-bundle-format --trusted-root "$WORK/trusted_root.json")
  if [ "${4:-}" = att ]; then
    run "$COSIGN" verify-attestation "${args[@]}" --type slsaprovenance1 "$ref"
  else
    run "$COSIGN" verify "${args[@]}" "$ref"
  fi
}
# legacy LAYOUT: a copy without the referrers-fallback tags, so cosign
# finds no bundle and reads the .sig and .att tags, as every version does.
legacy() {
  cp -a "$1" "$1-legacy"
  jq 'del(.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] | test("^sha256-[0-9a-f]{64}$")))' \
    "$1/index.json" >"$1-legacy/index.json"
}
for k in ec cosign rsa ed; do
  run "$GSIMAGE" push --insecure "$WORK/k-$k:app:v1" "$REG/app-$k:v1"
  check "key $k: gsimage push" '[ "$RC" = 0 ]'
  KTOP=${OUT##*@}
  DIGESTS="$KTOP $(jq -r '.manifests[].digest' "$WORK/k-$k/blobs/sha256/${KTOP#sha256:}")"
  modes=bundle
  if [ "$k" = ec ] || [ "$k" = cosign ]; then
    legacy "$WORK/k-$k"
    run "$GSIMAGE" push --insecure "$WORK/k-$k-legacy:app:v1" "$REG/app-$k-legacy:v1"
    check "key $k: gsimage push without the bundles" '[ "$RC" = 0 ]'
    modes="bundle legacy"
  fi
  for mode in $modes; do
    repo=app-$k
    [ "$mode" = legacy ] && repo=app-$k-legacy
    for d in $DIGESTS; do
      cosign_verify $mode "$K/${PUB[$k]}" "$REG/$repo@$d"
      check "key $k ($mode): cosign verify ${d:0:19}" '[ "$RC" = 0 ]'
      cosign_verify $mode "$K/${PUB[$k]}" "$REG/$repo@$d" att
      check "key $k ($mode): cosign verify-attestation --type slsaprovenance1 ${d:0:19}" \
        '[ "$RC" = 0 ] && [ "$(head -1 <<<"$OUT" | jq -r .payload | base64 -d | jq -r .predicateType)" = https://slsa.dev/provenance/v1 ]'
    done
  done
done
for mode in bundle legacy; do
  repo=app-ec
  [ "$mode" = legacy ] && repo=app-ec-legacy
  cosign_verify $mode "$K/other.pub" "$REG/$repo:v1"
  check "cosign verify ($mode) refuses another key" '[ "$RC" != 0 ]'
  cosign_verify $mode "$K/other.pub" "$REG/$repo:v1" att
  check "cosign verify-attestation ($mode) refuses another key" '[ "$RC" != 0 ]'
done
# a .sig with one signature byte flipped, pushed: cosign refuses it too
legacy "$WORK/t-sig"
run "$GSIMAGE" push --insecure "$WORK/t-sig-legacy:app:v1" "$REG/app-tampered:v1"
check "the tampered layout pushes" '[ "$RC" = 0 ]'
cosign_verify legacy "$K/ec.pub" "$REG/app-tampered@$P2"
check "cosign verify accepts the untouched platform" '[ "$RC" = 0 ]'
cosign_verify legacy "$K/ec.pub" "$REG/app-tampered@$P1"
check "cosign verify refuses the flipped signature byte" '[ "$RC" != 0 ]'
