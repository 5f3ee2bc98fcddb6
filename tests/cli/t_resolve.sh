#!/usr/bin/env bash
# push and resolve against a recording skopeo (GSIMAGE_SKOPEO): the exact
# argv of every copy gsimage asks for, and resolve's output compared as raw
# bytes (never through $(...), which strips trailing newlines).  No
# registry: t_push.sh does the round trip with the real skopeo.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

REPO=registry.example.com/team
# The recording skopeo: one line per run, its arguments separated by
# spaces ($WORK has none), and success.  Push's private snapshot layout
# (TMPDIR/gsimage-push-XXXXXX) is logged as SNAPSHOT.
cat >"$WORK/skopeo" <<SH
#!/bin/sh
printf '%s\n' "\$*" | sed -E 's|oci:/[^ :]*/gsimage-push-[A-Za-z0-9]{6}:|oci:SNAPSHOT:|' >>"$WORK/skopeo.log"
exit 0
SH
chmod +x "$WORK/skopeo"
export GSIMAGE_SKOPEO="$WORK/skopeo"

L=$WORK/oci
run "$GSIMAGE" build -q --cgo off --platform linux/amd64,linux/arm64 -t app:v1 -o "$L" testdata/hello
TOP=$OUT
if [ "$RC" != 0 ] || [ -z "$TOP" ]; then
  fail "setup: building the two-platform image (rc=$RC): $ERR"
  exit 0
fi
# the platform manifests, each with its referrers-fallback tag (the SBOMs)
PLATFORMS=$(python3 -c 'import json,sys
idx=json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2][7:]))
print(" ".join(m["digest"][7:] for m in idx["manifests"]))' "$L" "$TOP")

# --- push: the copies it asks skopeo for -------------------------------------
run "$GSIMAGE" push --insecure "$L:app:v1" "$REPO/app:v1"
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
run "$GSIMAGE" push -q --creds alice:secret --authfile "$WORK/auth.json" "$L:app:v1" "$REPO/app:v2"
check "--creds and --authfile reach the image copy, with --preserve-digests" \
  '[ "$RC" = 0 ] && [ "$(head -1 "$WORK/skopeo.log")" = "--command-timeout=10m copy --all --preserve-digests --dest-authfile=$WORK/auth.json --dest-creds=alice:secret oci:SNAPSHOT:gsimage-push docker://$REPO/app:v2" ]'

# --- resolve -R: files joined as one stream, every byte kept ------------------
# a.yaml has no final newline; c/c.yaml starts with its own separator.
K=$WORK/k8s
mkdir -p "$K/c"
printf 'a: 1\nimage: gsimage://./testdata/hello' >"$K/a.yaml"
printf 'b: 2 # gsimage://./testdata/hello is not a value\nimage: "gsimage://./testdata/hello"\n' >"$K/b.yaml"
printf -- '---\nc: 3\n' >"$K/c/c.yaml"
rm -f "$WORK/skopeo.log"
"$GSIMAGE" resolve -q --cgo off -o "$L" -R -f "$K" --repo "$REPO" --insecure >"$WORK/resolved" 2>"$WORK/resolve.err"
RC=$? OUT=$(head -c 2000 "$WORK/resolved") ERR=$(cat "$WORK/resolve.err")
IMG=$(grep -o "$REPO/hello@sha256:[0-9a-f]\{64\}" "$WORK/resolved" | head -1)
printf 'a: 1\nimage: %s\n---\nb: 2 # gsimage://./testdata/hello is not a value\nimage: "%s"\n---\nc: 3\n' \
  "$IMG" "$IMG" >"$WORK/resolved.want"
check "resolve -R: a file without a final newline gets one before the next document's ---" \
  '[ "$RC" = 0 ] && [ -n "$IMG" ] && cmp "$WORK/resolved.want" "$WORK/resolved"'
[ -s "$WORK/resolved" ] && diff "$WORK/resolved.want" "$WORK/resolved" | head -10
check "resolve pushed the package once, with --preserve-digests" \
  '[ "$(grep -c "^--command-timeout=10m copy --all --preserve-digests .* docker://$REPO/hello" "$WORK/skopeo.log")" = 1 ]'
"$GSIMAGE" resolve -q --cgo off -o "$L" -f "$K/a.yaml" --repo "$REPO" --insecure >"$WORK/one" 2>"$WORK/resolve.err"
RC=$? OUT=$(cat "$WORK/one") ERR=$(cat "$WORK/resolve.err")
check "resolve of one file without a final newline adds none" \
  '[ "$RC" = 0 ] && cmp <(printf "a: 1\nimage: %s" "$IMG") "$WORK/one"'
