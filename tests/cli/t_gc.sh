#!/usr/bin/env bash
# gsimage gc: after 20 edit-and-rebuild cycles only the live blobs stay and
# skopeo, umoci and the validator still take the layout; bad input removes
# nothing; SIGKILL at random moments and at every unlink; gc next to builds
# (one stopped between its blobs and its tag, and two loops side by side);
# entries other tools (skopeo, umoci, by hand) wrote into index.json.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
reach() { layout reach "$@"; } # garbage, stale or exact: see tests/cli/layout.py

# summary_is WORD N: the last line of $OUT is gc's summary with N blobs
summary_is() {
  printf '%s\n' "$OUT" | tail -1 |
    grep -Eqx "$1 $2 blobs?, [0-9.]+ (B|KiB|MiB) \([0-9]+ blobs?, [0-9.]+ (B|KiB|MiB) in use\)( and [0-9]+ SBOM tags? of images no tag names)?"
}

SRC="$WORK/hello"
cp -r testdata/hello "$SRC"
edit() { sed -i "s/\"hello from gsimage[^\"]*\"/\"hello from gsimage $1\"/" "$SRC/main.go"; }
quick_build() { # LAYOUT ARGS...: a quick pure-Go build, top digest on stdout
  local l=$1
  shift
  "$GSIMAGE" build -q --cgo off -o "$l" "$@"
}
hello_in() { # LAYOUT TAG: what the image's binary prints, through umoci
  rm -rf "$WORK/bundle"
  umoci unpack --image "$1:$2" "$WORK/bundle" >/dev/null 2>&1 &&
    "$WORK/bundle/rootfs/usr/local/bin/hello"
}

# --- 20 edit-and-rebuild cycles, then gc ----------------------------------
L="$WORK/oci"
quick_build "$L" -t keep:one testdata/hello >/dev/null 2>&1
ok=0
for i in $(seq 20); do
  edit "$i"
  quick_build "$L" -t hello:dev "$SRC" >"$WORK/top" 2>"$WORK/build.err" && ok=$((ok + 1))
done
TOP=$(cat "$WORK/top")
check "20 edit-and-rebuild cycles into one layout" [ "$ok" = 20 ]
BEFORE=$(nblobs "$L")
GARBAGE=$(reach "$L" garbage | wc -l)
LIVE=$((BEFORE - GARBAGE))
TAGS=$(tags "$L")
STALE=$(reach "$L" stale)
check "each rebuild left the SBOM tag of an image no tag names any more" \
  '[ "$(printf "%s\n" "$STALE" | grep -c .)" = 19 ]'
check "the layout keeps every rebuild's blobs ($BEFORE, $GARBAGE unreachable)" '[ "$GARBAGE" -ge 57 ]'
cp -a "$L" "$WORK/dirty" # the kill trials start from this

run "$GSIMAGE" gc --dry-run "$L"
check "gc --dry-run: one line, 'would remove $GARBAGE blobs', nothing removed" \
  '[ "$RC" = 0 ] && [ "$(printf "%s\n" "$OUT" | wc -l)" = 1 ] && summary_is "would remove" "$GARBAGE" && [ "$(nblobs "$L")" = "$BEFORE" ]'
run "$GSIMAGE" gc -n -v "$L"
check "gc -n -v lists exactly the unreachable blobs, in digest order" \
  '[ "$RC" = 0 ] && [ "$(printf "%s\n" "$OUT" | head -n -1 | cut -d" " -f1)" = "$(reach "$L" garbage)" ] && summary_is "would remove" "$GARBAGE"'
run "$GSIMAGE" gc "$L"
check "gc removes the $GARBAGE unreachable blobs and says so" \
  '[ "$RC" = 0 ] && [ -z "$ERR" ] && summary_is removed "$GARBAGE" && contains "$OUT" "($LIVE blobs, "'
check "exactly the $LIVE reachable blobs are left, every one of them" reach "$L" exact
check "the tags did not move; the stale SBOM tags are gone" \
  '[ "$(tags "$L")" = "$(printf "%s\n" "$TAGS" | grep -vF "$STALE")" ] && [ "$(tags "$L" | grep "^hello:dev ")" = "hello:dev $TOP" ] && ! tags "$L" | grep -qF "$STALE"'
check "no temp files left" [ "$(temps "$L")" = 0 ]
check "the layout after gc is valid" valid "$L"
run "$GSIMAGE" gc "$L"
check "a second gc has nothing to do" '[ "$RC" = 0 ] && summary_is removed 0 && contains "$OUT" "removed 0 blobs, 0 B ($LIVE blobs"'
if has skopeo; then
  run skopeo copy oci:"$L":hello:dev oci:"$WORK/copy":hello
  check "skopeo copy takes the collected layout" '[ "$RC" = 0 ] && [ -f "$WORK/copy/blobs/sha256/${TOP#sha256:}" ]'
  run skopeo inspect oci:"$L":keep:one
  check "skopeo inspect finds the other tag" [ "$RC" = 0 ]
else
  skip "skopeo copy after gc: skopeo not installed"
fi
if has umoci; then
  check "umoci unpack runs the last rebuild" '[ "$(hello_in "$L" hello:dev)" = "hello from gsimage 20" ]'
else
  skip "umoci unpack after gc: umoci not installed"
fi

# --- bad input: one error line, nothing removed -------------------------------
run "$GSIMAGE" gc
check "gc without DIR: usage error" '[ "$RC" = 2 ] && one_error_line && [ -z "$OUT" ]'
run "$GSIMAGE" gc "$L" "$L"
check "gc with two DIRs: usage error" '[ "$RC" = 2 ] && one_error_line'
run "$GSIMAGE" gc --force "$L"
check "gc --force: unknown option" '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "--force"'
run "$GSIMAGE" gc "$WORK/nothing"
check "gc of a missing directory" '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "does not exist" && [ -z "$OUT" ]'
mkdir -p "$WORK/plain" && echo x >"$WORK/plain/file"
run "$GSIMAGE" gc "$WORK/plain"
check "gc of a directory that is not a layout" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "not an OCI image layout" && [ -f "$WORK/plain/file" ]'
B="$WORK/bad"
rm -rf "$B" && cp -a "$WORK/dirty" "$B"
head -c 100 "$WORK/dirty/index.json" >"$B/index.json"
run "$GSIMAGE" gc "$B"
check "corrupted index.json: one error line, nothing removed" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "index.json'"'"' is corrupted" && contains "$ERR" "gc removed nothing" && [ "$(nblobs "$B")" = "$BEFORE" ]'
rm -f "$B/index.json"
run "$GSIMAGE" gc "$B"
check "missing index.json: one error line, nothing removed" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "is missing" && [ "$(nblobs "$B")" = "$BEFORE" ]'
cp "$WORK/dirty/index.json" "$B/index.json"
rm -f "$B/blobs/sha256/${TOP#sha256:}"
run "$GSIMAGE" gc "$B"
check "a tagged manifest is missing: one error line naming it, nothing removed" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "tag '"'"'hello:dev'"'"'" && contains "$ERR" "$TOP" && [ "$(nblobs "$B")" = $((BEFORE - 1)) ]'
echo '{"schemaVersion":2,' >"$B/blobs/sha256/${TOP#sha256:}"
run "$GSIMAGE" gc "$B"
check "a tagged manifest is corrupted: one error line, nothing removed" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "corrupted" && [ "$(nblobs "$B")" = "$BEFORE" ]'

# --- SIGKILL during gc ----------------------------------------------------------
K="$WORK/kill"
DIRTY_TAGS=$(tags "$WORK/dirty")
# gc drops the stale SBOM tags (one index.json rename) before any blob
DIRTY_STALE=$(reach "$WORK/dirty" stale)
CLEAN_TAGS=$(printf '%s\n' "$DIRTY_TAGS" | grep -vF "$DIRTY_STALE")
tags_intact() { [ "$(tags "$1")" = "$DIRTY_TAGS" ] || [ "$(tags "$1")" = "$CLEAN_TAGS" ]; }
fresh_copy() { rm -rf "$K" && cp -a "$WORK/dirty" "$K"; }
gc_intact() { # [BLOBS]: valid, same tags, (BLOBS left), and a later gc finishes the job
  valid "$K" && tags_intact "$K" && [ -z "${1:-}" -o "$(nblobs "$K")" = "${1:-}" ] &&
    "$GSIMAGE" gc -q "$K" >/dev/null && reach "$K" exact >/dev/null && [ "$(tags "$K")" = "$CLEAN_TAGS" ]
}
gc_killed() { kill_trial "$1" gc_intact "${2:-}"; } # NAME [BLOBS]
fresh_copy
start=$(date +%s%N)
"$GSIMAGE" gc "$K" >/dev/null
dur_us=$(( ($(date +%s%N) - start) / 1000 ))
for i in $(seq "${GSIMAGE_CRASH_TRIALS:-10}"); do
  fresh_copy
  delay_us=$(( (RANDOM * 32768 + RANDOM) % (dur_us + 2000) ))
  "$GSIMAGE" gc "$K" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%06d' $((delay_us / 1000000)) $((delay_us % 1000000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  gc_killed "random-$i"
done
if has strace && strace -o /dev/null true 2>/dev/null; then
  fresh_copy
  strace -o "$WORK/count.log" -e trace=unlink,fsync "$GSIMAGE" gc "$K" >/dev/null 2>&1
  n=$(grep -c '^unlink(' "$WORK/count.log")
  nf=$(grep -c '^fsync(' "$WORK/count.log")
  echo "  a gc of this layout makes $n unlink() and $nf fsync() calls; killing at each"
  for k in $(seq "$n"); do
    fresh_copy
    (strace -o /dev/null -e trace=unlink -e inject=unlink:signal=KILL:when=$k "$GSIMAGE" gc "$K"; true) >/dev/null 2>&1
    gc_killed "at-unlink-$k" $((BEFORE - k + 1))
  done
  # the first fsyncs replace index.json without the stale SBOM tags (no
  # blob gone yet); the last is blobs/sha256's, after every unlink
  for k in $(seq "$nf"); do
    fresh_copy
    (strace -o /dev/null -e trace=fsync -e inject=fsync:signal=KILL:when=$k "$GSIMAGE" gc "$K"; true) >/dev/null 2>&1
    if [ "$k" = "$nf" ]; then gc_killed "at-fsync-$k" "$LIVE"; else gc_killed "at-fsync-$k" "$BEFORE"; fi
  done
else
  skip "kills at every unlink: strace cannot trace here"
fi
echo "gc kill trials: $killed killed, $survived survived (a gc takes ${dur_us} us)"
check "$killed SIGKILLs during gc: valid layout, every tag intact, the next gc finishes" \
  '[ "$killed" -ge 10 ] && [ "$survived" = "$killed" ]'

# --- gc while a build is between its blobs and its tag -------------------------
if has strace && strace -o /dev/null true 2>/dev/null; then
  C="$WORK/stopped"
  cp -a "$L" "$C"
  edit stopped
  cp -a "$C" "$WORK/count"
  # --sbom none: the rename arithmetic below counts the image's own blobs
  strace -o "$WORK/rename.log" -e trace=rename "$GSIMAGE" build -q --cgo off --sbom none -t hello:dev -o "$WORK/count" "$SRC" >/dev/null 2>&1
  n=$(grep -c '^rename(' "$WORK/rename.log") # binary, layer, config, manifest, index.json
  # SIGSTOP injected at the manifest's rename (the stop takes effect as the
  # call returns): layer, config and manifest are committed, the build holds
  # no index.json lock, and nothing refers to those blobs yet.
  # When it is stopped, strace's log says "stopped by SIGSTOP".  (The state
  # "t" alone does not say so: a traced process is in "t" at every syscall
  # stop strace makes, so waiting for it let gc start, under load, before
  # any blob was written: "0 untagged".)  A slow build gets two minutes.
  strace -o "$WORK/stop.log" -e trace=rename -e inject=rename:signal=STOP:when=$((n - 1)) \
    "$GSIMAGE" build -q --cgo off --sbom none -t hello:dev -o "$C" "$SRC" >"$WORK/stopped.out" 2>/dev/null &
  spid=$!
  bpid= stopped=0
  for _ in $(seq 1200); do
    if grep -q '^--- stopped by SIGSTOP ---$' "$WORK/stop.log" 2>/dev/null; then
      stopped=1
      break
    fi
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.1
  done
  bpid=$(pgrep -P "$spid" -x gsimage)
  [ "$stopped" = 1 ] || fail "the build was never stopped at its manifest's rename (strace: $(tail -2 "$WORK/stop.log" 2>/dev/null | tr '\n' ' '))"
  UNTAGGED=$(reach "$C" garbage | wc -l)
  "$GSIMAGE" gc "$C" >"$WORK/gc.out" 2>"$WORK/gc.err" &
  gpid=$!
  sleep 1
  kill -0 "$gpid" 2>/dev/null && gc_waited=1 || gc_waited=0
  [ -n "$bpid" ] && kill -CONT "$bpid"
  wait "$spid"; brc=$?
  wait "$gpid"; grc=$?
  check "a build stopped after writing its blobs ($UNTAGGED untagged) makes gc wait" \
    '[ "$UNTAGGED" -ge 2 ] && [ "$gc_waited" = 1 ] && grep -q "^gsimage: waiting for the builds writing to" "$WORK/gc.err"'
  check "the build and gc both succeed" '[ "$brc" = 0 ] && [ "$grc" = 0 ]'
  check "the build's image is complete and tagged, the old one is gone" \
    '[ "$(tags "$C" | grep "^hello:dev ")" = "hello:dev $(cat "$WORK/stopped.out")" ] && valid "$C" && "$GSIMAGE" gc -q "$C" >/dev/null && reach "$C" exact && [ "$(hello_in "$C" hello:dev)" = "hello from gsimage stopped" ]'
else
  skip "gc against a stopped build: strace cannot trace here"
fi

# --- gc in a loop next to a build loop --------------------------------------
M="$WORK/loop"
cp -a "$L" "$M"
rm -f "$WORK/loop.fail" "$WORK/loop.done"
(
  for i in $(seq 10); do
    # two sources in turn: each build finds its blobs already there, left
    # over by the build before last, unless a gc removed them meanwhile
    edit "loop $((i % 2))"
    quick_build "$M" -t loop:dev "$SRC" >"$WORK/loop.top" 2>>"$WORK/loop.err" || echo "build $i failed" >>"$WORK/loop.fail"
    layout check "$M" >/dev/null || echo "layout broken after build $i" >>"$WORK/loop.fail"
  done
  touch "$WORK/loop.done"
) &
lpid=$!
gcs=0 gc_fail=0
while [ ! -e "$WORK/loop.done" ]; do
  "$GSIMAGE" gc -q "$M" >/dev/null 2>>"$WORK/loop-gc.err" || gc_fail=$((gc_fail + 1))
  gcs=$((gcs + 1))
done
wait "$lpid"
check "10 builds next to $gcs gc runs: every build and every gc succeeds" \
  '[ ! -e "$WORK/loop.fail" ] && [ "$gc_fail" = 0 ] && [ "$gcs" -ge 2 ]'
[ -e "$WORK/loop.fail" ] && cat "$WORK/loop.fail" "$WORK/loop.err" "$WORK/loop-gc.err" | head -20
run "$GSIMAGE" gc "$M"
check "after the loops: the last build's image is tagged, complete and alone" \
  '[ "$RC" = 0 ] && [ "$(tags "$M" | grep "^loop:dev ")" = "loop:dev $(cat "$WORK/loop.top")" ] && reach "$M" exact && valid "$M" && [ "$(hello_in "$M" loop:dev)" = "hello from gsimage loop 0" ]'

# --- entries other tools wrote -------------------------------------------------
if has skopeo && has umoci; then
  F="$WORK/foreign"
  cp -a "$L" "$F"
  # skopeo: an image from another layout, under a tag of its own only
  edit imported
  quick_build "$WORK/other" -t x:1 "$SRC" >/dev/null 2>&1
  skopeo copy oci:"$WORK/other":x:1 oci:"$F":imported >/dev/null 2>&1
  IMPORTED=$(tags "$F" | awk '$1 == "imported" {print $2}')
  # umoci: a new image, a file inserted, its config changed (each step
  # leaves the previous manifest and config behind)
  echo umoci >"$WORK/ufile"
  umoci new --image "$F:umoci" >/dev/null 2>&1 &&
    umoci insert --image "$F:umoci" "$WORK/ufile" /ufile >/dev/null 2>&1 &&
    umoci config --image "$F:umoci" --config.entrypoint /ufile >/dev/null 2>&1
  urc=$?
  # by hand: an entry without any annotation, and an SBOM attached to an
  # image no tag names any more, under the referrers fallback tag
  edit untagged
  UNTAGGED=$(quick_build "$F" -t untagged:x "$SRC" 2>/dev/null)
  edit old
  OLD=$(quick_build "$F" -t old:x "$SRC" 2>/dev/null)
  FOREIGN_EDIT='
import hashlib
untagged, old = os.environ["UNTAGGED"], os.environ["OLD"]
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(os.path.join(root, "blobs", "sha256", d[7:]), "wb") as f: f.write(data)
    return {"digest": d, "size": len(data)}
def desc(mt, b, **kw): return dict({"mediaType": mt}, **b, **kw)
index = idx
ms = []
for m in index["manifests"]:
    name = m.get("annotations", {}).get("org.opencontainers.image.ref.name")
    if name == "untagged:x": m.pop("annotations")
    if name == "old:x" or name == "sha256-" + old[7:]: continue
    ms.append(m)
MT_M = "application/vnd.oci.image.manifest.v1+json"
MT_I = "application/vnd.oci.image.index.v1+json"
old_size = os.path.getsize(os.path.join(root, "blobs", "sha256", old[7:]))
sbom = put(b"an SBOM, in a media type nobody validates\n")
empty = put(b"{}")
art = put(json.dumps({"schemaVersion": 2, "mediaType": MT_M, "artifactType": "text/plain",
    "config": desc("application/vnd.oci.empty.v1+json", empty),
    "layers": [desc("text/plain", sbom)],
    "subject": {"mediaType": MT_M, "digest": old, "size": old_size}}).encode())
ref = put(json.dumps({"schemaVersion": 2, "mediaType": MT_I,
    "manifests": [desc(MT_M, art, artifactType="text/plain")]}).encode())
ms.append(desc(MT_I, ref, annotations={"org.opencontainers.image.ref.name": "sha256-" + old[7:]}))
index["manifests"] = ms
'
  UNTAGGED=$UNTAGGED OLD=$OLD layout edit "$F" "$FOREIGN_EDIT"
  FTAGS=$(tags "$F")
  STALE=$(reach "$F" stale)
  G=$(reach "$F" garbage | wc -l)
  FB=$(nblobs "$F")
  # (layout.py check knows no artifacts: only the shared validator here)
  validate_layout "$F" >"$WORK/verdict-before.txt"
  VERDICT_BEFORE=$VALIDATE_STATUS
  check "other tools' entries are in index.json (skopeo, umoci, untagged, referrers tag)" \
    '[ -n "$IMPORTED" ] && [ "$urc" = 0 ] && [ "$G" -ge 4 ] && [ "$(tags "$F" | grep -c "^- ")" = 1 ] && contains "$FTAGS" "sha256-${OLD#sha256:}"'
  run "$GSIMAGE" gc -n "$F"
  check "gc -n with foreign entries would remove only their leftovers ($G)" \
    '[ "$RC" = 0 ] && summary_is "would remove" "$G" && [ "$(nblobs "$F")" = "$FB" ]'
  run "$GSIMAGE" gc "$F"
  check "gc with foreign entries removes only unreachable blobs" '[ "$RC" = 0 ] && summary_is removed "$G" && reach "$F" exact'
  check "every foreign entry is still in index.json, unchanged; only stale SBOM tags went" \
    '[ "$(tags "$F")" = "$(printf "%s\n" "$FTAGS" | grep -vF "$STALE")" ] && contains "$STALE" "sha256-${OLD#sha256:}"'
  check "the untagged entry's manifest is kept; the SBOM of an image no tag names goes with it" \
    '[ -f "$F/blobs/sha256/${UNTAGGED#sha256:}" ] && [ ! -f "$F/blobs/sha256/${OLD#sha256:}" ]'
  # Valid before gc (every blob there) and after, not merely "the same",
  # which a missing validator or a layout invalid both times also is.  The
  # one exception is umoci's own entry: umoci 0.4 writes its manifest
  # without a mediaType and a layer the validator's tar reader rejects.
  # Complaints about that entry are tolerated; any other fails, and gc may
  # add none.
  validate_layout "$F" >"$WORK/verdict-after.txt"
  VERDICT_AFTER=$VALIDATE_STATUS
  complaints() { sed 's/manifests\[[0-9]*\]/manifests[N]/' "$1" | grep .; }
  not_umoci() { complaints "$1" | grep -v '^index.json/manifests\[N\](umoci)'; }
  case "$VERDICT_BEFORE $VERDICT_AFTER" in
    skip:*) skip "the validators before and after gc: ${VERDICT_BEFORE#skip:}" ;;
    "ok ok" | "fail fail")
      if [ "$VERDICT_BEFORE" = fail ] && ! complaints "$WORK/verdict-before.txt" >/dev/null; then
        fail "the validators failed before gc without saying why"
      elif not_umoci "$WORK/verdict-before.txt" >/dev/null || not_umoci "$WORK/verdict-after.txt" >/dev/null ||
        ! cmp -s <(complaints "$WORK/verdict-before.txt") <(complaints "$WORK/verdict-after.txt"); then
        fail "the validators complain about more than umoci's own entry, or gc changed what they say"
        head -20 "$WORK/verdict-before.txt" "$WORK/verdict-after.txt"
      else
        pass "the validators find nothing wrong before gc and after, but in umoci's own entry ($VERDICT_BEFORE)"
      fi
      ;;
    *)
      fail "the validators before gc: $VERDICT_BEFORE, after: $VERDICT_AFTER"
      head -20 "$WORK/verdict-before.txt" "$WORK/verdict-after.txt"
      ;;
  esac
  run skopeo inspect oci:"$F":imported
  check "skopeo still reads its own entry" '[ "$RC" = 0 ] && contains "$OUT" "$IMPORTED"'
  rm -rf "$WORK/ubundle"
  run umoci unpack --image "$F:umoci" "$WORK/ubundle"
  check "umoci still unpacks its own image" '[ "$RC" = 0 ] && [ "$(cat "$WORK/ubundle/rootfs/ufile")" = umoci ]'
  check "gsimage's images still run" '[ "$(hello_in "$F" hello:dev)" = "hello from gsimage 20" ]'
else
  skip "foreign entries: skopeo and umoci are needed"
fi
true
