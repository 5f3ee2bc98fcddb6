#!/usr/bin/env bash
# gsimage push and build --push: first against a recording skopeo
# (GSIMAGE_SKOPEO), the exact argv of every copy gsimage asks for; then
# the real skopeo and a docker-registry on 127.0.0.1 (stopped at the end).
# t_resolve.sh tests resolve.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

REPO=registry.example.com/team
# The recording skopeo: one line per run, its arguments separated by
# spaces ($WORK has none), and success.
cat >"$WORK/skopeo" <<SH
#!/bin/sh
printf '%s\n' "\$*" >>"$WORK/skopeo.log"
exit 0
SH
chmod +x "$WORK/skopeo"

L=$WORK/oci
run "$GSIMAGE" build -q --cgo off --platform linux/amd64,linux/arm64 -t app:v1 -o "$L" testdata/hello
TOP=$OUT
if [ "$RC" != 0 ] || [ -z "$TOP" ]; then
  fail "setup: building the two-platform image (rc=$RC): $ERR"
  exit 0
fi
# the platform manifests, each with its referrers-fallback tag (the SBOMs)
PLATFORMS=$(json "$(blob "$L" "$TOP")" '" ".join(m["digest"][7:] for m in d["manifests"])')

# --- push: the copies it asks skopeo for -------------------------------------
run env GSIMAGE_SKOPEO="$WORK/skopeo" "$GSIMAGE" push --insecure "$L:app:v1" "$REPO/app:v1"
check "push through the recording skopeo prints DEST@<top digest>" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$REPO/app:v1@$TOP" ]'
{
  echo "copy --all --preserve-digests --dest-tls-verify=false oci:$L:app:v1 docker://$REPO/app:v1"
  for h in $PLATFORMS; do
    echo "copy --all --dest-tls-verify=false oci:$L:sha256-$h docker://$REPO/app:sha256-$h"
  done
} >"$WORK/push.want"
check "the image is copied with --preserve-digests, then each referrers tag" \
  '[ -s "$WORK/skopeo.log" ] && [ "$(wc -w <<<"$PLATFORMS")" = 2 ] && cmp "$WORK/push.want" "$WORK/skopeo.log"'
[ -s "$WORK/skopeo.log" ] && diff "$WORK/push.want" "$WORK/skopeo.log" | head -10
rm -f "$WORK/skopeo.log"
run env GSIMAGE_SKOPEO="$WORK/skopeo" "$GSIMAGE" push -q --creds alice:secret --authfile "$WORK/auth.json" "$L:app:v1" "$REPO/app:v2"
check "--creds and --authfile reach the image copy, with --preserve-digests" \
  '[ "$RC" = 0 ] && [ "$(head -1 "$WORK/skopeo.log")" = "copy --all --preserve-digests --dest-authfile=$WORK/auth.json --dest-creds=alice:secret oci:$L:app:v1 docker://$REPO/app:v2" ]'


# --- the real skopeo and registry ----------------------------------------------
if ! has docker-registry || ! has skopeo || ! has curl; then
  skip "push to a registry: docker-registry, skopeo or curl not installed"
  exit 0
fi
if ! start_registry reg; then
  fail "the test registry did not start: $(tail -3 "$WORK/reg.log")"
  exit 0
fi
check "the registry listens on 127.0.0.1 only" \
  '[ "$(ss -ltnH "sport = :$PORT" | awk "{print \$4}")" = "127.0.0.1:$PORT" ]'
REG=127.0.0.1:$PORT

file_sums "$L" >"$WORK/before.sum"

# --- gsimage push ------------------------------------------------------------
run "$GSIMAGE" push --insecure "$L:app:v1" "$REG/app:v1"
check "push prints DEST@sha256:<top digest>" '[ "$RC" = 0 ] && [ "$OUT" = "$REG/app:v1@$TOP" ]'
run skopeo inspect --raw --tls-verify=false "docker://$REG/app:v1"
check "the registry serves the index byte for byte" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$(cat "$L/blobs/sha256/${TOP#sha256:}")" ]'
run skopeo inspect --raw --tls-verify=false "docker://$REG/app@$TOP"
check "the registry has it by digest" '[ "$RC" = 0 ]'
file_sums "$L" >"$WORK/after.sum"
check "push leaves the layout byte for byte as it was" cmp -s "$WORK/before.sum" "$WORK/after.sum"

run "$GSIMAGE" push --insecure "$L:app:v1" "127.0.0.1:1/app:v1"
check "an unreachable registry is one error line saying so" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "registry is unreachable"'
run "$GSIMAGE" push "$L:app:v1" "$REG/app:v1"
check "a plain-HTTP registry without --insecure says what to do" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "--insecure"'
run env GSIMAGE_SKOPEO="$WORK/no-skopeo" "$GSIMAGE" push --insecure "$L:app:v1" "$REG/app:v1"
check "a missing skopeo is one error line" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "GSIMAGE_SKOPEO"'
run env PATH=/nonexistent "$GSIMAGE" push --insecure "$L:app:v1" "$REG/app:v1"
check "no skopeo in PATH says how to install it" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "install skopeo"'
run "$GSIMAGE" push --insecure "$L:app:nope" "$REG/app:v1"
check "an unknown tag is one error line" '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "no tag '"'"'app:nope'"'"'"'
run "$GSIMAGE" push --insecure "$L:app:v1" "$REG/App:v1"
check "a bad destination is a usage error" '[ "$RC" = 2 ] && one_error_line'
file_sums "$L" >"$WORK/after.sum"
check "failed pushes leave the layout as it was" cmp -s "$WORK/before.sum" "$WORK/after.sum"

# Credentials: a registry with htpasswd authentication.
HASH=$("$PY" -W ignore -c 'import crypt; print(crypt.crypt("secret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' 2>/dev/null)
if [ -n "$HASH" ] && printf 'alice:%s\n' "$HASH" >"$WORK/htpasswd" && start_registry authreg "$WORK/htpasswd"; then
  run "$GSIMAGE" push -q --insecure --creds alice:wrong "$L:app:v1" "127.0.0.1:$PORT/app:v1"
  check "refused credentials are one error line saying so" \
    '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "refused the credentials"'
  run "$GSIMAGE" push -q --insecure --creds alice:secret "$L:app:v1" "127.0.0.1:$PORT/app:v1"
  check "--creds reaches skopeo" '[ "$RC" = 0 ] && [ "$OUT" = "127.0.0.1:$PORT/app:v1@$TOP" ]'
  printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$PORT" "$(printf alice:secret | base64)" >"$WORK/auth.json"
  run "$GSIMAGE" push -q --insecure --authfile "$WORK/auth.json" "$L:app:v1" "127.0.0.1:$PORT/app:v2"
  check "--authfile reaches skopeo" '[ "$RC" = 0 ]'
else
  skip "credentials: cannot make a bcrypt htpasswd or start an authenticating registry"
fi

# --- build --push --------------------------------------------------------------
run "$GSIMAGE" build --cgo off -o "$L" -t app:v2 --push "$REG/app:v2" --insecure testdata/hello
check "build --push prints the pushed reference last" \
  '[ "$RC" = 0 ] && [ "$(printf "%s\n" "$OUT" | tail -1)" = "$REG/app:v2@$(printf "%s\n" "$OUT" | tail -2 | head -1)" ]'
run "$GSIMAGE" build --cgo off -o "$L" -t app:v3 --push "$REG/BAD" --insecure testdata/hello
check "build --push with a bad destination is refused before building" \
  '[ "$RC" = 2 ] && one_error_line && ! grep -q "app:v3" "$L/index.json"'
