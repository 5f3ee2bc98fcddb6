#!/usr/bin/env bash
# Nothing gsimage does may ruin a layout: SIGKILL at random points, SIGINT
# and SIGTERM, a full disk, concurrent builds; and secure defaults.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
TRIALS=${GSIMAGE_CRASH_TRIALS:-10}  # random kills; strace adds one per rename and fsync

VALID_ARGS=--strict-repro # every valid (lib.sh) here is the strict one

L="$WORK/layout"
"$GSIMAGE" build -q -t base:one -o "$L" testdata/hello >/dev/null 2>&1
"$GSIMAGE" build -q -t base:two --platform linux/amd64,linux/arm64 -o "$L" testdata/cgonet >/dev/null 2>&1
ALL_BEFORE=$(tags "$L")
BEFORE=$(printf '%s\n' "$ALL_BEFORE" | grep '^base:') # the image tags the kills must not move
check "crash baseline: two image tags written (and the SBOM tags of their 3 platform images)" \
  '[ "$(printf "%s\n" "$BEFORE" | wc -l)" = 2 ] && [ "$(printf "%s\n" "$ALL_BEFORE" | grep -c "^sha256-")" = 3 ] && valid "$L"'

# --- SIGKILL at random points ----------------------------------------------
# Every trial adds its own file, so it writes new layers, configs,
# manifests and an index (blob renames), then moves index.json.
trial_args() { # N: the build a trial runs (after writing its own file)
  echo "trial $1" >"$WORK/trial-$1"
  ARGS=("$GSIMAGE" build -t "trial:$1" --tzdata --add "$WORK/trial-$1:etc/trial"
    --platform linux/amd64,linux/arm64 -o "$L" testdata/cgonet)
}
# The go builds of this script's builds: they run in testdata/cgonet with
# their -o at a stable path under the cache's out/.  One still alive after
# its gsimage was killed is an orphan.
WORK_PREFIX="$(cd "$XDG_CACHE_HOME" && pwd -P)/gsimage/out/"
CGONET_DIR="$(pwd -P)/testdata/cgonet"
go_builds() {
  local p
  for p in $(pgrep -f -- "$WORK_PREFIX"); do
    [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$CGONET_DIR" ] && printf ' %s' "$p"
  done
  true
}
ORPHANS=
note_orphans() { # right after a kill; PR_SET_PDEATHSIG's SIGKILL may take a moment
  [ -n "$(go_builds)" ] || return 0
  sleep 0.3
  ORPHANS="$ORPHANS$(go_builds)"
}
base_intact() { valid "$L" && [ "$(tags "$L" | grep '^base:')" = "$BEFORE" ]; }
trial_over() { # N PHASE: count a trial as survived when the layout is intact
  note_orphans
  phases[$2]=$(( ${phases[$2]:-0} + 1 ))
  kill_trial "trial $1 ($2)" base_intact
}
declare -A phases=()
# One timed run tells how long a build takes; random kills are spread over it.
start=$(date +%s%N)
trial_args 0
"${ARGS[@]}" >/dev/null 2>&1
dur_ms=$(( ($(date +%s%N) - start) / 1000000 ))
for i in $(seq "$TRIALS"); do
  delay_ms=$(( RANDOM % (dur_ms + 50) ))
  trial_args "$i"
  # setsid: gsimage leads its own process group, so the kill takes go
  # build and its children down with it, as a crash of the machine would.
  setsid "${ARGS[@]}" >/dev/null 2>"$WORK/trial.err" &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  case $(grep '^gsimage: ' "$WORK/trial.err" | tail -1) in
    *tagged*) phase=after-tag ;;
    *"writing image"*) phase=layers ;;
    *) phase=compile ;;
  esac
  trial_over "$i" "$phase"
done
# Exact points: SIGKILL on entry to the k-th rename (blob and index.json
# commits) and the k-th fsync (data written, not yet renamed) of gsimage.
if has strace && strace -o /dev/null true 2>/dev/null; then
  for call in rename fsync; do
    trial_args "$call-count"
    strace -o "$WORK/count.log" -e trace=$call "${ARGS[@]}" >/dev/null 2>&1
    n=$(grep -c "^$call(" "$WORK/count.log")
    echo "  a build makes $n ${call}() calls; killing at each"
    for k in $(seq "$n"); do
      trial_args "$call-$k"
      # strace dies by the tracee's signal; "; true" keeps the shell's
      # "Killed" notice inside the silenced subshell.
      (strace -o /dev/null -e trace=$call -e inject=$call:signal=KILL:when=$k "${ARGS[@]}"; true) >/dev/null 2>&1
      trial_over "$call-$k" "at-$call"
    done
  done
else
  skip "kills at exact renames and fsyncs: strace cannot trace here"
fi
summary=$(for k in "${!phases[@]}"; do printf '%s=%s ' "$k" "${phases[$k]}"; done)
echo "crash trials: $killed killed, $survived survived (a build takes ${dur_ms} ms); killed during: $summary"
check "$killed SIGKILLs: the layout stays valid and old tags keep their digests" \
  '[ "$killed" -ge 20 ] && [ "$survived" = "$killed" ]'
run "$GSIMAGE" build -q -t after:kill -o "$L" testdata/hello
check "the next build after the kills succeeds" '[ "$RC" = 0 ] && valid "$L"'
# Temp files of a killed writer are removed once they are old enough that
# no live writer can still be between creating and locking them (10 s).
find "$L" -name '.gsimage-tmp-*' -exec touch -d '-1 minute' {} +
stray=$(temps "$L")
run "$GSIMAGE" build -q -t after:cleanup -o "$L" testdata/hello
check "a later build cleans up stray temp files (had $stray)" '[ "$RC" = 0 ] && [ "$(temps "$L")" = 0 ]'
ORPHANS="$ORPHANS$(go_builds)"
check "no go build outlives a killed gsimage" \
  '[ -z "$ORPHANS" ] || { echo "  orphaned go builds (pid):$ORPHANS"; false; }'
# A gsimage killed while its go builds leaves go's work directory behind
# (cache/out/tmp/<pid>); the next build removes it.  An edited copy makes
# go compile and link, and the kill comes once go's directory is there.
cp -r testdata/hello "$WORK/killed-go"
sed -i 's/hello from gsimage/hello, killed while linking/' "$WORK/killed-go/main.go"
before=$(ls -d "$XDG_CACHE_HOME"/gsimage/out/tmp/run-*/go-build* 2>/dev/null | sort)
setsid "$GSIMAGE" build -q -t killed:go -o "$L" "$WORK/killed-go" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 2000); do
  [ "$(ls -d "$XDG_CACHE_HOME"/gsimage/out/tmp/run-*/go-build* 2>/dev/null | sort)" != "$before" ] &&
    break
  sleep 0.01
done
kill -KILL -- "-$pid" 2>/dev/null
wait "$pid" 2>/dev/null
STALE=$(dead_work_dirs | wc -l)
check "a gsimage killed during go build leaves go's work directory ($STALE)" '[ "$STALE" -gt 0 ]'
run "$GSIMAGE" build -q -t after:reap -o "$L" testdata/hello
check "the next build removes it" '[ "$RC" = 0 ] && [ -z "$(dead_work_dirs)" ]'
# ...and never a live one: a build run while another's go is at work (a cgo
# relink, about a second) must leave that one's directory and lock alone.
cp -r testdata/cgonet "$WORK/live-go"
sed -i 's/cgo: 6\*7=%d/cgo: 6*7=%d, live/' "$WORK/live-go/main.go"
before=$(ls -d "$XDG_CACHE_HOME"/gsimage/out/tmp/run-* 2>/dev/null | sort)
"$GSIMAGE" build -q -t live:go -o "$L" "$WORK/live-go" >/dev/null 2>"$WORK/live.err" &
pid=$!
live=""
for _ in $(seq 2000); do
  live=$(comm -13 <(printf '%s\n' "$before") \
    <(ls -d "$XDG_CACHE_HOME"/gsimage/out/tmp/run-*/go-build* 2>/dev/null | sed 's|/go-build.*||' | sort -u) |
    head -1)
  [ -n "$live" ] && break
  sleep 0.01
done
run "$GSIMAGE" build -q -t reaper:go -o "$L" testdata/hello
still=no
kill -0 "$pid" 2>/dev/null && [ -e "$live/lock" ] && still=yes
wait "$pid"; live_rc=$?
check "a build run while another's go builds leaves its work directory alone ($live)" \
  '[ "$RC" = 0 ] && [ -n "$live" ] && [ "$still" = yes ] && [ "$live_rc" = 0 ]'

# --- SIGINT / SIGTERM --------------------------------------------------------
for sig in INT TERM; do
  want=$([ $sig = INT ] && echo 130 || echo 143)
  # New ldflags force a relink: an unchanged build is a no-op, over
  # before the signal.
  "$GSIMAGE" build -t "sig:$sig" --ldflags "-X main.sigTrial=$sig-$$-$RANDOM" \
    --platform linux/amd64,linux/arm64 -o "$L" testdata/cgonet >/dev/null 2>"$WORK/sig.err" &
  pid=$!
  for _ in $(seq 100); do grep -q compiling "$WORK/sig.err" && break; sleep 0.05; done
  sleep 0.3
  kill -$sig "$pid"
  wait "$pid"; rc=$?
  check "SIG$sig exits $want" [ "$rc" = "$want" ]
  check "SIG$sig leaves no temp files in the layout" [ "$(temps "$L")" = 0 ]
  # The handler removes the run directory's lock (and the directory, once
  # empty); what the killed go left, the next build removes.
  "$GSIMAGE" build -q -t "after:$sig" -o "$L" testdata/hello >/dev/null 2>&1
  check "SIG$sig: the next build leaves no work directory of it" '[ -z "$(dead_work_dirs)" ]'
  check "SIG$sig leaves the layout valid with its tags" 'valid "$L" && [ "$(tags "$L" | grep "^base:")" = "$BEFORE" ]'
done

# --- disk full ---------------------------------------------------------------
F="$WORK/full"
mkdir -p "$F"
if mount -t tmpfs -o size=1200k tmpfs "$F" 2>/dev/null; then
  run "$GSIMAGE" build -q --bare -t small:one -o "$F/oci" testdata/hello
  check "disk full: a small image fits first" [ "$RC" = 0 ]
  SMALL=$(tags "$F/oci")
  run "$GSIMAGE" build -q -t big:two --platform linux/amd64,linux/arm64 -o "$F/oci" testdata/cgonet
  check "disk full: exit 1" [ "$RC" = 1 ]
  check "disk full: one error line naming the file and ENOSPC" \
    'one_error_line && contains "$ERR" "No space left on device" && contains "$ERR" "$F/oci"'
  check "disk full: the earlier tag is intact" 'valid "$F/oci" && [ "$(tags "$F/oci")" = "$SMALL" ]'
  check "disk full: no temp files left" [ "$(temps "$F/oci")" = 0 ]
  umount "$F"
else
  skip "disk full: cannot mount a tmpfs here (not root?)"
fi

# --- four concurrent builds --------------------------------------------------
C="$WORK/concurrent"
for n in 1 2 3 4; do
  "$GSIMAGE" build -q -t "c:$n" --env "N=$n" -o "$C" testdata/hello >"$WORK/c$n.out" 2>&1 &
  pids="${pids:-} $!"
done
ok=0
for p in $pids; do wait "$p" && ok=$((ok + 1)); done
check "four concurrent builds all succeed" [ "$ok" = 4 ]
check "all four tags are present with their own digests" \
  '[ "$(tags "$C" | grep "^c:" | awk "{print \$1}" | tr "\n" " ")" = "c:1 c:2 c:3 c:4 " ] && [ "$(tags "$C" | grep "^c:" | awk "{print \$2}" | sort -u | wc -l)" = 4 ]'
check "the concurrent layout is valid" valid "$C"

# --- secure defaults -----------------------------------------------------------
# The --add tree belongs to another user on the host (as root we can make it
# so): the layers must not keep its owner.
S="$WORK/secure"
cp -r testdata/hello "$WORK/owned-tree"
AS_ROOT=
if [ "$(id -u)" = 0 ] && chown -R 1234:5678 "$WORK/owned-tree"; then AS_ROOT=1; fi
export GSIMAGE_SECRET_PROBE=probe-$$-s3cr3t
run "$GSIMAGE" build -q --tzdata --add "$WORK/owned-tree:srv/hello" -o "$S" testdata/cgonet
unset GSIMAGE_SECRET_PROBE
check "secure defaults: the build exits 0 with a digest" '[ "$RC" = 0 ] && [[ $OUT =~ ^sha256:[0-9a-f]{64}$ ]]'
MAN="$S/blobs/sha256/${OUT#sha256:}"
CFG=$(blob "$S" "$(json "$MAN" 'd["config"]["digest"]' 2>/dev/null)")
check "the image runs as 65532:65532 by default" \
  '[ "$(json "$CFG" "d[\"config\"][\"User\"]")" = 65532:65532 ]'
: >"$WORK/listing"
: >"$WORK/contents"
for layer in $(json "$MAN" '"\n".join(l["digest"][7:] for l in d["layers"])' 2>/dev/null); do
  tar -tvz --numeric-owner -f "$S/blobs/sha256/$layer" >>"$WORK/listing"
  tar -xzf "$S/blobs/sha256/$layer" -O >>"$WORK/contents" 2>/dev/null
done
# Every check below reads these: they must hold the whole image.
check "secure defaults: the layers list the binary, the --add tree and the essentials" \
  'grep -q " usr/local/bin/cgonet$" "$WORK/listing" && grep -q " srv/hello/main.go$" "$WORK/listing" && grep -q " etc/passwd$" "$WORK/listing" && [ -s "$WORK/contents" ]'
check "no setuid or setgid file in any layer" \
  '[ -s "$WORK/listing" ] && ! awk "{print \$1}" "$WORK/listing" | grep -q "^...[sS]\|^......[sS]"'
check "nothing world-writable but /tmp" \
  '[ -s "$WORK/listing" ] && [ "$(awk "substr(\$1,9,1)==\"w\" && \$1 !~ /^l/ {print \$6}" "$WORK/listing")" = "tmp/" ]'
check "no uid/gid but 0 and 65532, no user names" \
  '[ -s "$WORK/listing" ] && ! awk "{print \$2}" "$WORK/listing" | grep -vq "^\(0/0\|65532/65532\)$"'
if [ -n "$AS_ROOT" ]; then
  check "the --add tree owned by 1234:5678 on the host is 0/0 in the layer" \
    '[ "$(grep " srv/hello" "$WORK/listing" | awk "{print \$2}" | sort -u)" = 0/0 ]'
else
  skip "host owners: not root, cannot chown the --add tree to 1234:5678"
fi
for what in "$ROOT" "$WORK" "$HOME/" "$XDG_CACHE_HOME" probe-$$-s3cr3t; do
  [ -n "$what" ] || continue
  # grep: 1 is "no match in readable files", 2 is an error
  check "'$what' appears in no binary, config or layer" \
    '[ -s "$CFG" ] && [ -s "$MAN" ] && [ -s "$WORK/contents" ] && { grep -qF -- "$what" "$CFG" "$MAN" "$WORK/contents"; [ $? = 1 ]; }'
done
check "the binary was built with -trimpath (no GOROOT or module dir)" \
  '[ -s "$WORK/contents" ] && ! strings "$WORK/contents" | grep -q "$(go env GOROOT)/src"'

# --- host owners, pack ------------------------------------------------------------
# A binary and an --add file that belong to 1234:5678 on the host are
# packed as 0/0.
O="$WORK/owners"
if [ -z "$AS_ROOT" ]; then
  skip "host owners with pack: not root, cannot chown files to 1234:5678"
else
  run "$GSIMAGE" compile -q --cgo off -o "$O/bin" testdata/hello
  check "host owners: compile hello" '[ "$RC" = 0 ] && [ -s "$O/bin/hello-linux-amd64" ]'
  mkdir -p "$O/add"
  echo data >"$O/add/file"
  chown -R 1234:5678 "$O/bin" "$O/add"
  run "$GSIMAGE" pack -q --bare --add "$O/add/file:srv/file" -o "$O/oci" "$O/bin/hello-linux-amd64"
  check "host owners: pack a binary owned by 1234:5678 exits 0" '[ "$RC" = 0 ] && [[ $OUT =~ ^sha256: ]]'
  : >"$O/listing"
  for layer in $(json "$(blob "$O/oci" "$OUT")" '"\n".join(l["digest"][7:] for l in d["layers"])' 2>/dev/null); do
    tar -tvz --numeric-owner -f "$O/oci/blobs/sha256/$layer" >>"$O/listing"
  done
  check "host owners: the packed binary and --add file are 0/0" \
    'grep -q "^-rwxr-xr-x 0/0 .* usr/local/bin/hello$" "$O/listing" && grep -q "^-rw-r--r-- 0/0 .* srv/file$" "$O/listing" && [ "$(awk "{print \$2}" "$O/listing" | sort -u)" = 0/0 ]'
fi

# --- fsync before rename ------------------------------------------------------------
# Every file gsimage renames into place (blobs, index.json, archives, the
# digest and metadata files) was fsynced before the rename, and the
# directory it lands in is fsynced after it.  strace -y prints the path of
# each fsynced descriptor.
D="$(cd "$WORK" && pwd -P)/durable" # as strace -y prints paths
if has strace && strace -o /dev/null true 2>/dev/null; then
  mkdir -p "$D"
  run strace -f -y -qq -o "$D/trace" -e trace=fsync,fdatasync,rename,renameat,renameat2 \
    "$GSIMAGE" build -q -t dur:one --platform linux/amd64,linux/arm64 --add testdata/golden/data.txt:etc/data.txt \
    --digest-file "$D/digest" --metadata-file "$D/meta.json" --oci-archive "$D/oci.tar" \
    --docker-archive "$D/docker.tar" -o "$D/L" testdata/cgonet
  check "fsync trace: the traced build exits 0" '[ "$RC" = 0 ] && [ -s "$D/trace" ]'
  run "$PY" - "$D/trace" "$D" <<'PYEOF'
import os, re, sys
trace, out = sys.argv[1], sys.argv[2] + "/"
lines = open(trace, errors="replace").read().splitlines()
synced = []  # (line number, path) of every fsync/fdatasync, in call order
for n, line in enumerate(lines):
    m = re.search(r"\b(?:fsync|fdatasync)\(\d+<(.*)>", line)
    if m:
        synced.append((n, m.group(1)))
problems, renamed = [], []
for n, line in enumerate(lines):
    m = re.search(r'\brename(?:at2?)?\((?:[^"]*)"([^"]*)",(?:[^"]*)"([^"]*)"', line)
    if not m or not m.group(2).startswith(out):
        continue
    old, new = m.group(1), m.group(2)
    renamed.append(new[len(out):])
    if not any(p == old for k, p in synced if k < n):
        problems.append("%s was renamed to %s without an fsync before" % (old, new))
    if not any(p == os.path.dirname(new) for k, p in synced if k > n):
        problems.append("the directory of %s was not fsynced after the rename" % new)
blobs = sum(1 for r in renamed if r.startswith("L/blobs/sha256/"))
names = sorted(set(os.path.basename(r) for r in renamed if not r.startswith("L/blobs/")))
print("renamed: %d blobs, %s" % (blobs, " ".join(names)))
for p in problems:
    print(p)
# two platforms: layers, configs, manifests and the image index
want = {"index.json", "digest", "meta.json", "oci.tar", "docker.tar"}
sys.exit(1 if problems or not want <= set(names) or blobs < 7 else 0)
PYEOF
  echo "  $(printf '%s\n' "$OUT" | head -1)"
  check "every blob, index.json, archive and output file is fsynced before its rename, its directory after" \
    '[ "$RC" = 0 ]'
else
  skip "fsync before rename: strace cannot trace here"
fi
true

# ==============================================================================
# Blobs are trusted by their content, and inspect reads only verified blobs
# (issue 11 items 1 and 10; added with the oci/blobread split).
# ==============================================================================
# A blob already in the layout is reused only when it is a regular file that
# hashes to its name; anything else at its name is replaced atomically.
sha_ok() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$(basename "$1")" ]; }
B="$WORK/blobtrust"
run "$GSIMAGE" build -q -t trust:one -o "$B" testdata/hello
TRUST_TOP=$OUT
check "blob trust: the first build succeeds" '[ "$RC" = 0 ] && [ -n "$TRUST_TOP" ] && valid "$B"'
# single platform: the top is a manifest; its last layer is the app's
APP_LAYER=$(blob "$B" "$(layout get "$B" "$TRUST_TOP" app-layer 2>/dev/null)")
check "blob trust: the app layer blob is there" '[ -f "$APP_LAYER" ] && [ -s "$APP_LAYER" ]'
size_before=$(stat -c %s "$APP_LAYER" 2>/dev/null)
chmod u+w "$APP_LAYER" 2>/dev/null
flip_byte "$APP_LAYER"
check "blob trust: one byte flipped, same size" \
  '[ "$(stat -c %s "$APP_LAYER")" = "$size_before" ] && ! sha_ok "$APP_LAYER"'
run "$GSIMAGE" build -q -t trust:one -o "$B" testdata/hello
check "blob trust: a rebuild over a same-sized corrupt blob gives the same digest" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$TRUST_TOP" ]'
check "blob trust: ...and replaces the blob, which hashes to its name again" 'sha_ok "$APP_LAYER"'
check "blob trust: ...and the layout is valid" 'valid "$B"'
if has skopeo; then
  run skopeo copy "oci:$B:trust:one" "oci:$WORK/trustcopy:one"
  check "blob trust: skopeo copy of the repaired image succeeds" '[ "$RC" = 0 ]'
else
  skip "blob trust: skopeo copy: skopeo not installed"
fi
# a symlink to a same-sized file outside the layout
cp "$APP_LAYER" "$WORK/outside-blob"
flip_byte "$WORK/outside-blob"
cp "$WORK/outside-blob" "$WORK/outside-blob.orig"
rm -f "$APP_LAYER" && ln -s "$WORK/outside-blob" "$APP_LAYER"
run "$GSIMAGE" build -q -t trust:one -o "$B" testdata/hello
check "blob trust: a rebuild over a blob that is a symlink outside the layout succeeds" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$TRUST_TOP" ]'
check "blob trust: ...the symlink is replaced by the real blob" 'sha_ok "$APP_LAYER" && valid "$B"'
check "blob trust: ...and the file it pointed to is untouched" \
  'cmp -s "$WORK/outside-blob" "$WORK/outside-blob.orig"'
run "$GSIMAGE" build -q -t trust:one -o "$B" testdata/hello
check "blob trust: an intact blob is kept as it is (no-op rebuild)" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$TRUST_TOP" ] && sha_ok "$APP_LAYER"'

# inspect: descriptor sizes checked, nested indexes followed, a diff_id
# mismatch is an error, and many tags cost one pass per distinct digest.
# edit_layout DIR PYTHON: layout.py edit, with top the descriptor of trust:one.
edit_layout() { layout edit "$1" "top = top('trust:one')
$2"; }
I="$WORK/inspectme"
cp -r "$B" "$I"
run "$GSIMAGE" inspect "$I:trust:one"
check "inspect: a good image inspects" '[ "$RC" = 0 ] && contains "$OUT" "uncompressed"'
MI="application/vnd.oci.image.index.v1+json"
edit_layout "$I" "
m = load(top); c = load(m['config'])
c['rootfs']['diff_ids'][-1] = 'sha256:' + '0' * 64
cd = put(json.dumps(c).encode(), m['config']['mediaType'])
m['config'] = cd
tag('bad:diffid', put(json.dumps(m).encode(), top['mediaType']))
tag('small:desc', dict(top, size=10))
big = put(b'{}', top['mediaType'])
tag('huge:manifest', dict(big, size=10))
tag('huge:true', dict(big, size=200 * 1024 * 1024))
inner = put(json.dumps({'schemaVersion': 2, 'mediaType': '$MI', 'manifests': [top]}).encode(), '$MI')
tag('nested:1', put(json.dumps({'schemaVersion': 2, 'mediaType': '$MI', 'manifests': [inner]}).encode(), '$MI'))
"
# a 200 MB manifest (sparse) where the descriptor says 10 bytes: refused
# from its size, never read
HUGE=$(json "$I/index.json" '[m["digest"][7:] for m in d["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "huge:manifest"][0]')
truncate -s 200M "$I/blobs/sha256/$HUGE"
for json in "" --json; do
  run "$GSIMAGE" inspect $json "$I:bad:diffid"
  check "inspect ${json:-text}: a layer whose diff_id does not match is one error line, exit 1" \
    '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "uncompresses to" && [ -z "$OUT" ]'
done
run "$GSIMAGE" inspect "$I"
check "inspect of the whole layout fails on the corrupt tag (not exit 0)" '[ "$RC" = 1 ] && one_error_line'
run "$GSIMAGE" inspect "$I:small:desc"
check "inspect: a manifest larger than its descriptor says is refused" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "but its descriptor says 10"'
run timeout 20 "$GSIMAGE" inspect "$I:huge:manifest"
check "inspect: a 200 MB manifest behind a 10-byte descriptor is refused, not read" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "is 209715200 bytes but its descriptor says 10"'
run timeout 20 "$GSIMAGE" inspect "$I:huge:true"
check "inspect: a 200 MB manifest behind its true size is over the cap" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "more than the"'
run "$GSIMAGE" inspect "$I:nested:1"
check "inspect: an index inside an index is followed" \
  '[ "$RC" = 0 ] && contains "$OUT" "linux/amd64" && contains "$OUT" "uncompressed" && ! contains "$ERR" "invalid digest"'
# 10,000 tags over one image: one pass per distinct digest
T10K="$WORK/tenk"
cp -r "$B" "$T10K"
edit_layout "$T10K" "
for i in range(10000): idx['manifests'].append(dict(top, annotations={'org.opencontainers.image.ref.name': 'many:%d' % i}))
"
start=$(date +%s)
run timeout 120 "$GSIMAGE" inspect --json "$T10K"
secs=$(( $(date +%s) - start ))
check "inspect: 10,000 tags over one image take seconds, not minutes (${secs}s)" \
  '[ "$RC" = 0 ] && [ "$secs" -lt 20 ] && [ "$(printf "%s" "$OUT" | "$PY" -c "import json,sys; print(len([t for t in json.load(sys.stdin) if not t[\"tag\"].startswith(\"sha256-\")]))")" = 10001 ]'
true

# === toolchain: same binary from any cache, zig wrappers keyed by zig, =======
# === GOFLAGS -ldflags, static-PIE (issue 11: items 3, 5, 7, 12) ==============
# Self-contained: its own work directories under $WORK/tc; each cache used
# here links the shared cache's zig directory, so zig's musl builds stay
# warm while Go's build cache starts cold (a cache hit would hide a
# difference).
TC=$WORK/tc
mkdir -p "$TC"
TC_ZIG=$ROOT/.toolchain/zig/zig
has zig && TC_ZIG=$(command -v zig)
tc_cache() { # DIR: a gsimage cache in DIR/gsimage whose zig cache is the shared one
  mkdir -p "$1/gsimage" "$XDG_CACHE_HOME/gsimage/zig"
  ln -sfn "$XDG_CACHE_HOME/gsimage/zig" "$1/gsimage/zig"
}

# Item 3: two cache locations and two HOMEs (one with XDG_CACHE_HOME, one
# without, so the cache is under HOME) give the same image, cgo and pure Go.
tc_cache "$TC/x1"
tc_cache "$TC/h2/.cache"
for prog in cgonet hello; do
  run env -u GOFLAGS SOURCE_DATE_EPOCH=1700000000 HOME="$TC/h1" XDG_CACHE_HOME="$TC/x1" \
    "$GSIMAGE" build -q -t "$prog:a" -o "$TC/L1" "testdata/$prog"
  d1=$OUT rc1=$RC
  run env -u GOFLAGS -u XDG_CACHE_HOME SOURCE_DATE_EPOCH=1700000000 HOME="$TC/h2" \
    "$GSIMAGE" build -q -t "$prog:b" -o "$TC/L2" "testdata/$prog"
  d2=$OUT rc2=$RC
  check "$prog: both cache locations built ($rc1, $rc2)" \
    '[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && contains "$d1" "sha256:" && contains "$d2" "sha256:"'
  check "$prog: same digest with XDG_CACHE_HOME=$TC/x1 and with HOME=$TC/h2 ($d1, $d2)" \
    '[ -n "$d1" ] && [ "$d1" = "$d2" ]'
done
check "the caches really were the two given (Go's and gsimage's)" \
  '[ -d "$TC/x1/go-build" ] && [ -d "$TC/h2/.cache/go-build" ] && [ -d "$TC/x1/gsimage/cc" ] && [ -d "$TC/h2/.cache/gsimage/cc" ]'

# Item 5: two zigs, one cache, at the same time.  The second zig is a
# script that logs whose build ran it; each build must run its own zig.
if [ -x "$TC_ZIG" ]; then
  mkdir -p "$TC/zig2"
  printf '#!/bin/sh\necho "${TC_PROBE:-none}" >>"%s/zig2.log"\nexec "%s" "$@"\n' "$TC" "$TC_ZIG" >"$TC/zig2/zig"
  chmod +x "$TC/zig2/zig"
  : >"$TC/zig2.log"
  tc_cache "$TC/shared"
  env XDG_CACHE_HOME="$TC/shared" TC_PROBE=A GSIMAGE_ZIG="$TC_ZIG" \
    "$GSIMAGE" compile -q -o "$TC/zA" testdata/cgonet >"$TC/zA.out" 2>&1 &
  pa=$!
  env XDG_CACHE_HOME="$TC/shared" TC_PROBE=B GSIMAGE_ZIG="$TC/zig2/zig" \
    "$GSIMAGE" compile -q -o "$TC/zB" testdata/cgonet >"$TC/zB.out" 2>&1 &
  pb=$!
  wait "$pa"; ra=$?
  wait "$pb"; rb=$?
  check "two zigs, one cache, concurrently: both builds succeed ($ra, $rb)" '[ "$ra" = 0 ] && [ "$rb" = 0 ]'
  check "the second zig ran for its own build, never for the other" \
    'grep -qx B "$TC/zig2.log" && ! grep -qvx B "$TC/zig2.log"'
  # (gsimage writes zig's real path: the wrapper runs in the package's directory)
  wrappers=$(cat "$TC/shared/gsimage/cc"/*/zig-cc-x86_64-linux-musl-* 2>/dev/null)
  check "one wrapper per zig, each naming its own" \
    '[ "$(ls "$TC/shared/gsimage/cc" | wc -l)" = 2 ] && contains "$wrappers" "exec '"'"'$(readlink -f "$TC_ZIG")'"'"' cc" &&
     contains "$wrappers" "exec '"'"'$TC/zig2/zig'"'"' cc"'
  check "the same zig version at two paths gives the same binary" \
    '[ -s "$TC/zA/cgonet-linux-amd64" ] && cmp -s "$TC/zA/cgonet-linux-amd64" "$TC/zB/cgonet-linux-amd64"'
else
  skip "two zigs sharing a cache: no zig here (make bootstrap)"
fi

# Item 7: -ldflags in GOFLAGS reaches the binary, merged with --ldflags.
mkdir -p "$TC/ver"
printf 'module example.com/ver\n\ngo 1.19\n' >"$TC/ver/go.mod"
printf 'package main\n\nimport "fmt"\n\nvar version, extra = "dev", "none"\n\nfunc main() { fmt.Println(version, extra) }\n' \
  >"$TC/ver/main.go"
run env GOFLAGS="-ldflags=-X=main.version=from-goflags" "$GSIMAGE" compile -q --cgo off \
  --ldflags "-X main.extra=from-flag" -o "$TC/verbin" "$TC/ver"
check "GOFLAGS=-ldflags=-X=... and --ldflags: the build succeeds" '[ "$RC" = 0 ] && [ -x "$TC/verbin/ver-linux-amd64" ]'
check "GOFLAGS -ldflags and --ldflags both reach the binary" \
  '[ "$("$TC/verbin/ver-linux-amd64")" = "from-goflags from-flag" ]'

# Item 12: --pie gives static-PIE binaries, with full RELRO and BIND_NOW,
# that run, for a cgo and a pure Go program; their load address changes
# from run to run (ASLR), which a non-PIE's does not.
printf 'package main\n\nimport "fmt"\n\nvar x int\n\nfunc main() { fmt.Printf("%%p\\n", &x) }\n' >"$TC/ver/main.go"
for prog in testdata/cgonet testdata/hello "$TC/ver"; do
  name=$(basename "$prog")
  run "$GSIMAGE" compile -q --pie -o "$TC/pie" "$prog"
  bin=$TC/pie/$name-linux-amd64
  check "--pie $name: built" '[ "$RC" = 0 ] && [ -s "$bin" ]'
  run readelf -hlWd "$bin"
  check "--pie $name: readelf says DYN, GNU_RELRO, BIND_NOW and PIE, no INTERP, no NEEDED" \
    '[ "$RC" = 0 ] && contains "$OUT" "DYN (" && contains "$OUT" GNU_RELRO && contains "$OUT" "Flags: NOW PIE" &&
     contains "$OUT" BIND_NOW && ! contains "$OUT" INTERP && ! contains "$OUT" NEEDED'
  # (what gsimage verify says of these: t_verify.sh)
done
check "--pie: the cgo program runs" '[ "$("$TC/pie/cgonet-linux-amd64" | head -1)" = "cgo: 6*7=42" ]'
check "--pie: the pure Go program runs" '[ "$("$TC/pie/hello-linux-amd64")" = "hello from gsimage" ]'
a1=$("$TC/pie/ver-linux-amd64") a2=$("$TC/pie/ver-linux-amd64")
check "--pie: the load address changes between runs ($a1, $a2)" '[ -n "$a1" ] && [ -n "$a2" ] && [ "$a1" != "$a2" ]'
run "$GSIMAGE" compile -q --cgo off -o "$TC/nopie" "$TC/ver"
n1=$("$TC/nopie/ver-linux-amd64" 2>/dev/null) n2=$("$TC/nopie/ver-linux-amd64" 2>/dev/null)
check "without --pie the address is fixed ($n1, $n2): the check above can fail" \
  '[ "$RC" = 0 ] && [ -n "$n1" ] && [ "$n1" = "$n2" ]'
if has qemu-aarch64-static; then
  run "$GSIMAGE" compile -q --pie --platform linux/arm64 -o "$TC/pie" testdata/cgonet
  check "--pie for linux/arm64: static-pie that runs under qemu" \
    '[ "$RC" = 0 ] && "$GSIMAGE" verify --platform linux/arm64 "$TC/pie/cgonet-linux-arm64-v8" | grep -q "static-pie, AArch64, .*PIE, full RELRO, BIND_NOW" &&
     [ "$(qemu-aarch64-static "$TC/pie/cgonet-linux-arm64-v8" | head -1)" = "cgo: 6*7=42" ]'
else
  skip "--pie for linux/arm64: qemu-aarch64-static is not installed"
fi
run "$GSIMAGE" build -q --pie -t pie:one -o "$TC/pieL" testdata/hello
check "build --pie: an image with a static-PIE binary" \
  '[ "$RC" = 0 ] && contains "$OUT" "sha256:" && valid "$TC/pieL"'
true
