#!/usr/bin/env bash
# gsimage push and build --push: first against a recording skopeo
# (GSIMAGE_SKOPEO), the exact argv of every copy gsimage asks for; then
# the real skopeo and a docker-registry on 127.0.0.1 (stopped at the end).
# t_resolve.sh tests resolve.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

REPO=registry.example.com/team
recording_skopeo

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
  echo "--command-timeout=10m copy --all --preserve-digests --dest-tls-verify=false oci:SNAPSHOT:gsimage-push docker://$REPO/app:v1"
  for h in $PLATFORMS; do
    echo "--command-timeout=10m copy --all --dest-tls-verify=false oci:SNAPSHOT:sha256-$h docker://$REPO/app:sha256-$h"
  done
} >"$WORK/push.want"
check "the image is copied with --preserve-digests, then each referrers tag" \
  '[ -s "$WORK/skopeo.log" ] && [ "$(wc -w <<<"$PLATFORMS")" = 2 ] && cmp "$WORK/push.want" "$WORK/skopeo.log"'
[ -s "$WORK/skopeo.log" ] && diff "$WORK/push.want" "$WORK/skopeo.log" | head -10
rm -f "$WORK/skopeo.log"
run env GSIMAGE_SKOPEO="$WORK/skopeo" "$GSIMAGE" push -q --creds alice:secret --authfile "$WORK/auth.json" "$L:app:v1" "$REPO/app:v2"
check "--creds and --authfile reach the image copy, with --preserve-digests" \
  '[ "$RC" = 0 ] && [ "$(head -1 "$WORK/skopeo.log")" = "--command-timeout=10m copy --all --preserve-digests --dest-authfile=$WORK/auth.json --dest-creds=alice:secret oci:SNAPSHOT:gsimage-push docker://$REPO/app:v2" ]'


# --- the real skopeo and registry ----------------------------------------------
need_registry "push to a registry"
check "the registry listens on 127.0.0.1 only" \
  '[ "$(ss -ltnH "sport = :$PORT" | awk "{print \$4}")" = "127.0.0.1:$PORT" ]'

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
crane_check "push" "$L" "$TOP" "$REG/app:v1"

run "$GSIMAGE" push --insecure "$L:app:v1" "127.0.0.1:1/app:v1"
check "an unreachable registry is one error line saying so" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "is unreachable" && contains "$ERR" "127.0.0.1:1"'
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
  # crane reads it back with the same credentials
  mkdir -p "$WORK/docker" && cp "$WORK/auth.json" "$WORK/docker/config.json"
  DOCKER_CONFIG=$WORK/docker crane_check "push --authfile" "$L" "$TOP" "127.0.0.1:$PORT/app:v2"
else
  skip "credentials: cannot make a bcrypt htpasswd or start an authenticating registry"
fi

# --- build --push --------------------------------------------------------------
run "$GSIMAGE" build --cgo off -o "$L" -t app:v2 --push "$REG/app:v2" --insecure testdata/hello
check "build --push prints the pushed reference last" \
  '[ "$RC" = 0 ] && [ "$(printf "%s\n" "$OUT" | tail -1)" = "$REG/app:v2@$(printf "%s\n" "$OUT" | tail -2 | head -1)" ]'
PUSHED=$(printf "%s\n" "$OUT" | tail -1)
crane_check "build --push" "$L" "${PUSHED##*@}" "$PUSHED"
run "$GSIMAGE" build --cgo off -o "$L" -t app:v3 --push "$REG/BAD" --insecure testdata/hello
check "build --push with a bad destination is refused before building" \
  '[ "$RC" = 2 ] && one_error_line && ! grep -q "app:v3" "$L/index.json"'
# --- issue 16: what is pushed, and how ------------------------------------------
# The image printed is the image sent: a slow skopeo, and the same tag rebuilt
# from another program while it waits, must not change what reaches the
# registry (the tag, its digest, its SBOMs).
cat >"$WORK/slow-skopeo" <<SH
#!/bin/sh
touch "$WORK/skopeo-started"
for _ in \$(seq 1200); do [ -e "$WORK/skopeo-go" ] && break; sleep 0.1; done
exec skopeo "\$@"
SH
chmod +x "$WORK/slow-skopeo"
R=$WORK/race
run "$GSIMAGE" build -q --cgo off -t race:v1 -o "$R" testdata/hello
HELLO=$OUT
GSIMAGE_SKOPEO="$WORK/slow-skopeo" "$GSIMAGE" push -q --insecure "$R:race:v1" "$REG/race:v1" \
  >"$WORK/race.out" 2>"$WORK/race.err" &
PUSH=$!
for _ in $(seq 1200); do [ -e "$WORK/skopeo-started" ] && break; sleep 0.1; done
run "$GSIMAGE" build -q --cgo off -t race:v1 -o "$R" testdata/httpd
OTHER=$OUT
touch "$WORK/skopeo-go"
wait $PUSH
RC=$? OUT=$(cat "$WORK/race.out") ERR=$(cat "$WORK/race.err")
check "a push raced by a rebuild of its tag prints the image it read" \
  '[ "$RC" = 0 ] && [ -n "$HELLO" ] && [ -n "$OTHER" ] && [ "$HELLO" != "$OTHER" ] && [ "$OUT" = "$REG/race:v1@$HELLO" ]'
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' "http://$REG/v2/race/manifests/$HELLO")
check "the printed digest is in the registry (GET by digest 200)" '[ "$code" = 200 ]'
run sh -c "skopeo inspect --raw --tls-verify=false docker://$REG/race:v1 | sha256sum"
check "the registry's tag is the printed image, not the rebuild" '[ "$RC" = 0 ] && [ "sha256:${OUT%% *}" = "$HELLO" ]'
run skopeo inspect --raw --tls-verify=false "docker://$REG/race:sha256-${HELLO#sha256:}"
ART=$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["manifests"][0]["digest"])' 2>/dev/null)
run skopeo inspect --raw --tls-verify=false "docker://$REG/race@$ART"
check "the printed image's SBOM referrers tag went with it" \
  '[ -n "$ART" ] && [ "$RC" = 0 ] && contains "$OUT" "\"subject\":{" && contains "$OUT" "\"digest\":\"$HELLO\""'
# push's snapshots live in TMPDIR/gsimage-push-<uid>/run-*, one per push
# running; a push that ends leaves none, and one that was killed leaves its
# own only until the next push.
SNAPS=$WORK/tmp/gsimage-push-$(id -u)
mkdir -p "$WORK/tmp"
snapshots() { find "$SNAPS" -mindepth 1 -maxdepth 1 -name 'run-*' 2>/dev/null | wc -l; }
run env TMPDIR="$WORK/tmp" "$GSIMAGE" push -q --insecure "$R:race:v1" "$REG/race:v2"
check "push leaves no snapshot behind in TMPDIR" '[ "$RC" = 0 ] && [ -d "$SNAPS" ] && [ "$(snapshots)" = 0 ]'
cat >"$WORK/hang-skopeo" <<SH
#!/bin/sh
touch "$WORK/hang-started"
exec sleep 120
SH
chmod +x "$WORK/hang-skopeo"
setsid env TMPDIR="$WORK/tmp" GSIMAGE_SKOPEO="$WORK/hang-skopeo" "$GSIMAGE" push -q --insecure \
  "$R:race:v1" "$REG/race:v3" >/dev/null 2>&1 &
HUNG=$!
for _ in $(seq 600); do [ -e "$WORK/hang-started" ] && break; sleep 0.1; done
killed=$(snapshots)
kill -KILL -- "-$HUNG" 2>/dev/null
wait "$HUNG" 2>/dev/null
run env TMPDIR="$WORK/tmp" "$GSIMAGE" push -q --insecure "$R:race:v1" "$REG/race:v3"
check "a push killed mid-way leaves its snapshot, which the next push removes" \
  '[ "$killed" = 1 ] && [ "$RC" = 0 ] && [ "$(snapshots)" = 0 ]'

# A layout whose path has ':' in it (skopeo splits oci:A:B at the first one).
C="$WORK/lay:out"
run "$GSIMAGE" build -q --cgo off -t app:v1 -o "$C" testdata/hello
COLON=$OUT
run "$GSIMAGE" push -q --insecure "$C:app:v1" "$REG/colon:v1"
check "a layout path containing ':' is pushed" \
  '[ "$RC" = 0 ] && [ -n "$COLON" ] && [ "$OUT" = "$REG/colon:v1@$COLON" ]'

# --timeout: a registry that accepts connections and never answers.
"$PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' >"$WORK/silent.port" &
SERVER_PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/silent.port" ] && break; sleep 0.1; done
SILENT=127.0.0.1:$(cat "$WORK/silent.port")
start=$(date +%s)
run timeout 120 "$GSIMAGE" push -q --insecure --timeout 20s "$L:app:v1" "$SILENT/app:v1"
took=$(( $(date +%s) - start ))
check "a silent registry fails within a minute with --timeout 20s, one line naming it" \
  '[ "$RC" = 1 ] && [ "$took" -lt 60 ] && one_error_line && contains "$ERR" "$SILENT" && contains "$ERR" "20s"'
run "$GSIMAGE" push --timeout 5parsecs "$L:app:v1" "$REG/app:v1"
check "a bad --timeout is a usage error" '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "--timeout"'
for cmd in push build resolve; do
  run "$GSIMAGE" $cmd --help
  check "$cmd --help lists --timeout" 'contains "$OUT" "--timeout DURATION"'
done
run "$GSIMAGE" build -q --cgo off -o "$L" -t app:v4 --timeout 1x --push "$REG/app:v4" --insecure testdata/hello
check "build --push refuses a bad --timeout before building" \
  '[ "$RC" = 2 ] && one_error_line && ! grep -q "app:v4" "$L/index.json"'

# Destinations and messages.
run "$GSIMAGE" push --insecure "$L:app:v1" "127.0.0.1:$(cat "$WORK/silent.port")"
check "HOST:PORT with no repository is refused, saying what to give" \
  '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "HOST:PORT/NAME"'
run "$GSIMAGE" push --insecure "$L:app:v1" "$REG/app@$TOP"
check "a digest destination is refused with a hint about push, not -t" \
  '[ "$RC" = 2 ] && one_error_line && ! contains "$ERR" "-t NAME" && contains "$ERR" "REPO[:TAG]"'
run env GSIMAGE_SKOPEO="$WORK/no-skopeo" "$GSIMAGE" build --cgo off -o "$L" -t app:v5 --push "$REG/app:v5" --insecure testdata/hello
check "build --push without skopeo fails before building" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "skopeo" && ! grep -q "app:v5" "$L/index.json"'
if [ -s "$WORK/htpasswd" ] && start_registry authreg2 "$WORK/htpasswd"; then
  run env HOME="$WORK/nohome" XDG_RUNTIME_DIR="$WORK/nohome" REGISTRY_AUTH_FILE= "$GSIMAGE" push -q --insecure "$L:app:v1" "127.0.0.1:$PORT/app:v1"
  check "no credentials given: says they are needed, not that they were refused" \
    '[ "$RC" = 1 ] && one_error_line && ! contains "$ERR" "refused the credentials" && contains "$ERR" "--creds"'
else
  skip "push without credentials: no authenticating registry"
fi

# -t NAME is NAME:latest, as docker and skopeo name it.
run "$GSIMAGE" build -q --cgo off -t plain -o "$WORK/plain" testdata/hello
check "-t plain is stored as plain:latest" \
  '[ "$RC" = 0 ] && grep -q "\"org.opencontainers.image.ref.name\":\"plain:latest\"" "$WORK/plain/index.json"'
run "$GSIMAGE" push -q --insecure "$WORK/plain:plain" "$REG/plain"
check "push DIR:plain finds plain:latest" '[ "$RC" = 0 ] && contains "$OUT" "$REG/plain@sha256:"'
run "$GSIMAGE" inspect "$WORK/plain:plain"
check "inspect DIR:plain finds plain:latest" '[ "$RC" = 0 ] && contains "$OUT" "plain:latest"'
