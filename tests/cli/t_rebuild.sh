#!/usr/bin/env bash
# No-op and incremental rebuilds: binaries linked at stable paths in the
# cache, layers reused from the layer cache.  The caches are only hints: a
# reused layer gives the same image as a fresh build, a corrupted blob or
# cache entry is rebuilt with a warning, an edited source gives the new
# binary, concurrent builds of one key both succeed, and deleting the cache
# is safe.  Pure Go (--cgo off) with a cache of its own, so no zig is needed.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Go's own build cache stays the warm shared one; gsimage's is fresh.
GOCACHE=$(go env GOCACHE) && export GOCACHE
export XDG_CACHE_HOME="$WORK/cache"
export SOURCE_DATE_EPOCH=1700000000
cp -r testdata/hello "$WORK/hello" # outside git: no VCS stamp
B=(build --cgo off --platform linux/amd64 -t app:1)
L="$WORK/oci"

top() { printf '%s\n' "$OUT" | tail -1; }
app_layer() { blob "$1" "$(layout get "$1" app:1 app-layer)"; } # DIR: the app layer's blob, the last layer
runs_as() { # DIR WANT: umoci unpack, run the binary, compare its output
  local b="$WORK/bundle.$RANDOM"
  umoci unpack --rootless --image "$1:app:1" "$b" >/dev/null 2>&1 &&
    [ "$("$b/rootfs/usr/local/bin/hello")" = "$2" ]
}

# --- a reused layer gives a byte-identical image -----------------------------
run "$GSIMAGE" "${B[@]}" -q -o "$L" "$WORK/hello"
first=$(top)
check "first build" '[ "$RC" = 0 ] && [ -n "$first" ]'
LAYER_ENTRIES=$XDG_CACHE_HOME/gsimage/entries/layer
check "the layer cache has entries" '[ -n "$(ls "$LAYER_ENTRIES"/* 2>/dev/null)" ]'
layer=$(app_layer "$L")
ino=$(stat -c %i "$layer")
layer_size=$(stat -c %s "$layer")
run "$GSIMAGE" "${B[@]}" -q -o "$L" "$WORK/hello"
check "a no-op rebuild gives the same digest" '[ "$RC" = 0 ] && [ "$(top)" = "$first" ]'
check "a no-op rebuild reuses the layer blob in place" '[ "$(stat -c %i "$layer")" = "$ino" ]'
run env XDG_CACHE_HOME="$WORK/cache-fresh" "$GSIMAGE" "${B[@]}" -q -o "$WORK/fresh" "$WORK/hello"
check "a fresh layout with a fresh cache gives the same top digest" \
  '[ "$RC" = 0 ] && [ "$(top)" = "$first" ] && cmp -s "$layer" "$(app_layer "$WORK/fresh")"'
check_valid "the rebuilt layout is valid" "$L" -- --tag app:1

# --- a corrupted blob in the layout is rewritten -----------------------------
flip_byte "$layer"
check "the corruption keeps the size and changes the hash" \
  '[ "$(stat -c %s "$layer")" = "$layer_size" ] &&
   [ "$(sha256sum <"$layer" | cut -d" " -f1)" != "${layer##*/}" ]'
run "$GSIMAGE" "${B[@]}" -o "$L" "$WORK/hello"
check "a corrupted cached blob is rewritten, with a warning" \
  '[ "$RC" = 0 ] && [ "$(top)" = "$first" ] && contains "$ERR" "writing the layer again"'
check_valid "the layout after the rewrite is valid" "$L" -- --tag app:1
check "the image with the rewritten layer runs" runs_as "$L" "hello from gsimage"

# --- a corrupted or foreign cache entry is ignored ---------------------------
n_entries=$(ls "$LAYER_ENTRIES"/* 2>/dev/null | wc -l)
for f in "$LAYER_ENTRIES"/*; do echo 'garbage {' >"$f"; done
run "$GSIMAGE" "${B[@]}" -o "$L" "$WORK/hello"
check "a garbage cache entry is ignored with a warning" \
  '[ "$RC" = 0 ] && [ "$(top)" = "$first" ] && contains "$ERR" "ignoring cache entry" &&
   contains "$ERR" "not a gsimage cache entry"'
# as many entries as before, each a cache entry again (a missing file is an
# error, not a pass)
rewritten() {
  local f n=0
  for f in "$LAYER_ENTRIES"/*; do
    [ "$(head -1 "$f")" = gsimage-cache-v2 ] || return 1
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] && [ "$n" = "$n_entries" ]
}
check "the garbage entries are rewritten" '[ "$n_entries" -gt 0 ] && rewritten'
# A well-formed entry pointing at another blob (an edited entry): the
# value's check no longer matches.
edit_value() { # the first hex digit of the value (the layer's digest), changed
  "$PY" -c 'import sys
p = sys.argv[1]; t = open(p).read()
k = t.index("\n", t.index("\nvalue ") + 1) + 1 + len("sha256:")
open(p, "w").write(t[:k] + ("1" if t[k] == "0" else "0") + t[k + 1:])' "$1"
}
edited_entries=0
for f in "$LAYER_ENTRIES"/*; do edit_value "$f" && edited_entries=$((edited_entries + 1)); done
run "$GSIMAGE" "${B[@]}" -o "$L" "$WORK/hello"
check "an edited cache entry fails its check and is rebuilt" \
  '[ "$edited_entries" -gt 0 ] && [ "$RC" = 0 ] && [ "$(top)" = "$first" ] &&
   contains "$ERR" "does not match its check"'
check_valid "the layout is still valid" "$L" -- --tag app:1

# --- a stale cache after other source is checked out -------------------------
sed -i 's/hello from gsimage/hello after the edit/' "$WORK/hello/main.go"
run "$GSIMAGE" "${B[@]}" -q -o "$L" "$WORK/hello"
edited=$(top)
check "an edited source gives a new image" '[ "$RC" = 0 ] && [ "$edited" != "$first" ]'
check "the new image runs the new binary" runs_as "$L" "hello after the edit"
sed -i 's/hello after the edit/hello from gsimage/' "$WORK/hello/main.go"
run "$GSIMAGE" "${B[@]}" -q -o "$L" "$WORK/hello"
check "going back to the old source gives the old image" '[ "$RC" = 0 ] && [ "$(top)" = "$first" ]'
check "and it runs the old binary" runs_as "$L" "hello from gsimage"

# --- two concurrent builds of the same key -----------------------------------
sed -i 's/hello from gsimage/hello, concurrently/' "$WORK/hello/main.go"
"$GSIMAGE" "${B[@]}" -q -o "$WORK/c1" "$WORK/hello" >"$WORK/c1.out" 2>"$WORK/c1.err" &
p1=$!
"$GSIMAGE" "${B[@]}" -q -o "$WORK/c2" "$WORK/hello" >"$WORK/c2.out" 2>"$WORK/c2.err" &
p2=$!
"$GSIMAGE" "${B[@]}" -q -o "$L" "$WORK/hello" >"$WORK/c3.out" 2>"$WORK/c3.err"
rc3=$?
wait $p1; rc1=$?
wait $p2; rc2=$?
OUT="$(cat "$WORK/c1.out") $(cat "$WORK/c2.out") $(cat "$WORK/c3.out")"
ERR="$(cat "$WORK/c1.err" "$WORK/c2.err" "$WORK/c3.err")"
RC="$rc1 $rc2 $rc3"
check "three concurrent builds of the same key all succeed, with one digest" \
  '[ "$RC" = "0 0 0" ] && [ "$(cat "$WORK/c1.out")" = "$(cat "$WORK/c2.out")" ] &&
   [ "$(cat "$WORK/c1.out")" = "$(cat "$WORK/c3.out")" ]'
check_valid "their layouts are valid" "$WORK/c1" "$WORK/c2" "$L" -- --tag app:1
check "the concurrently built image runs the new binary" runs_as "$WORK/c2" "hello, concurrently"

# --- several platforms at once give what one after the other gives ---------
P=(build -q --cgo off --platform linux/amd64,linux/arm64 -t app:1)
run "$GSIMAGE" "${P[@]}" -j 1 -o "$WORK/j1" "$WORK/hello"
j1=$(top)
run "$GSIMAGE" "${P[@]}" -j 2 -o "$WORK/j2" "$WORK/hello"
check "-j 2 and -j 1 build the same two-platform image" '[ "$RC" = 0 ] && [ "$(top)" = "$j1" ]'
sed -i 's/hello, concurrently/hello, in parallel/' "$WORK/hello/main.go"
run "$GSIMAGE" "${P[@]}" -j 2 -o "$WORK/j2" "$WORK/hello"
check "-j 2 relinks both platforms after an edit" '[ "$RC" = 0 ] && [ -n "$j1" ] && [ "$(top)" != "$j1" ]'
check_valid "the relinked two-platform layout is valid" "$WORK/j2" -- --tag app:1
sed -i 's/hello, in parallel/hello, concurrently/' "$WORK/hello/main.go"
run "$GSIMAGE" build -j 0 "$WORK/hello"
check "-j 0 is a usage error" '[ "$RC" = 2 ] && one_error_line'

# --- deleting the cache is safe ---------------------------------------------
want=$(cat "$WORK/c1.out")
rm -rf "$XDG_CACHE_HOME"
run "$GSIMAGE" "${B[@]}" -q -o "$L" "$WORK/hello"
check "a build after deleting the cache gives the same image" \
  '[ "$RC" = 0 ] && [ "$(top)" = "$want" ]'
check_valid "the layout is valid after it" "$L" -- --tag app:1

# --- the go list memo: a no-op build waits for no go list --------------------
# go logged by a wrapper (GSIMAGE_GO): the real go, each subcommand noted.
cp -r testdata/hello "$WORK/memo"
cat >"$WORK/go-logged" <<SH
#!/bin/sh
echo "\$1" >>"$WORK/go.log"
exec $(command -v go) "\$@"
SH
chmod +x "$WORK/go-logged"
golists() { grep -c '^list$' "$WORK/go.log" 2>/dev/null || true; }
M=(env GSIMAGE_GO="$WORK/go-logged" "$GSIMAGE" build --cc musl-gcc --platform linux/amd64 -t app:1
  -o "$WORK/memo-oci")
sleep 2 # the memo is only kept for sources older than a second
run "${M[@]}" "$WORK/memo"
check "a build lists the package" '[ "$RC" = 0 ] && [ "$(golists)" = 1 ] && contains "$ERR" "pure Go"'
plain=$(top)
: >"$WORK/go.log"
run "${M[@]}" -q "$WORK/memo"
check "a no-op rebuild runs go build but no go list, and gives the same image" \
  '[ "$RC" = 0 ] && [ "$(top)" = "$plain" ] && [ "$(golists)" = 0 ] &&
   grep -qx build "$WORK/go.log"'
# A cgo file: skipped by the CGO_ENABLED=0 build the memo starts, so the
# binary stays the same; the new file in the package directory must still
# send gsimage back to go list, which says cgo.
cat >"$WORK/memo/answer.go" <<'GO'
package main

// int answer(void) { return 42; }
import "C"

var _ = C.answer
GO
: >"$WORK/go.log"
run "${M[@]}" "$WORK/memo"
check "a new cgo file is seen although the memo said pure Go" \
  '[ "$RC" = 0 ] && [ "$(golists)" = 1 ] && contains "$ERR" "cgo with musl-gcc" &&
   [ "$(top)" != "$plain" ]'
rm "$WORK/memo/answer.go"
: >"$WORK/go.log"
run "${M[@]}" -q "$WORK/memo"
check "removing it gives the pure Go image again" \
  '[ "$RC" = 0 ] && [ "$(top)" = "$plain" ] && [ "$(golists)" = 1 ]'
sed -i 's/^package main$/package notmain/' "$WORK/memo/main.go"
run "${M[@]}" -q "$WORK/memo"
check "a package that stopped being main is refused despite the memo" \
  '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "not a main package"'
sed -i 's/^package notmain$/package main/' "$WORK/memo/main.go"
damaged=0
for f in "$XDG_CACHE_HOME"/gsimage/entries/golist/*; do
  [ -f "$f" ] && printf 'gsimage-cache-v2\nkey 3\nabc' >"$f" && damaged=$((damaged + 1))
done
: >"$WORK/go.log"
run "${M[@]}" "$WORK/memo"
check "a damaged memo is no memo" \
  '[ "$damaged" -gt 0 ] && [ "$RC" = 0 ] && [ "$(top)" = "$plain" ] && [ "$(golists)" = 1 ]'

# A two-package program: go list -deps names the dependency's directory
# first and the main package's last.  A cgo file added to the main package
# must still be seen (each source directory is checked, not the first).
cp -r testdata/hello "$WORK/memo2"
mkdir -p "$WORK/memo2/greet"
printf 'package greet\n\nconst Hello = "hello from two packages"\n' >"$WORK/memo2/greet/greet.go"
cat >"$WORK/memo2/main.go" <<'GO'
package main

import (
	"fmt"

	"example.com/hello/greet"
)

func main() { fmt.Println(greet.Hello) }
GO
M2=(env GSIMAGE_GO="$WORK/go-logged" "$GSIMAGE" build --cc musl-gcc --platform linux/amd64 -t app:1
  -o "$WORK/memo2-oci")
sleep 2 # the memo is only kept for sources older than a second
: >"$WORK/go.log"
run "${M2[@]}" "$WORK/memo2"
two=$(top)
check "a two-package program: built as pure Go, listed once" \
  '[ "$RC" = 0 ] && [ -n "$two" ] && [ "$(golists)" = 1 ] && contains "$ERR" "pure Go"'
: >"$WORK/go.log"
run "${M2[@]}" -q "$WORK/memo2"
check "a two-package program: its no-op rebuild runs no go list" \
  '[ "$RC" = 0 ] && [ "$(top)" = "$two" ] && [ "$(golists)" = 0 ] && grep -qx build "$WORK/go.log"'
cat >"$WORK/memo2/answer.go" <<'GO'
package main

// int answer(void) { return 42; }
import "C"

var _ = C.answer
GO
: >"$WORK/go.log"
run "${M2[@]}" "$WORK/memo2"
check "a two-package program: a cgo file added to the main package is seen" \
  '[ "$RC" = 0 ] && [ "$(golists)" = 1 ] && contains "$ERR" "cgo with musl-gcc" && [ "$(top)" != "$two" ]'

# --- git checkout of other source: the caches never serve the old binary ---
G="$WORK/repo"
cp -r testdata/hello "$G"
git -C "$G" init -q && git -C "$G" add -A &&
  git -C "$G" -c user.name=t -c user.email=t@t commit -qm one &&
  sed -i 's/hello from gsimage/hello from commit two/' "$G/main.go" &&
  git -C "$G" -c user.name=t -c user.email=t@t commit -qam two &&
  git -C "$G" checkout -q HEAD~1
C=(build --cgo off --platform linux/amd64 -t app:1 -q -o "$WORK/git-oci")
run "$GSIMAGE" "${C[@]}" "$G"
one=$(top)
check "a build in a git checkout" '[ "$RC" = 0 ] && runs_as "$WORK/git-oci" "hello from gsimage"'
git -C "$G" checkout -q master 2>/dev/null || git -C "$G" checkout -q main
run "$GSIMAGE" "${C[@]}" "$G"
check "after git checkout of the next commit: its binary" \
  '[ "$RC" = 0 ] && [ "$(top)" != "$one" ] && runs_as "$WORK/git-oci" "hello from commit two"'
git -C "$G" checkout -q HEAD~1
run "$GSIMAGE" "${C[@]}" "$G"
check "after git checkout back: the first image, digest for digest" \
  '[ "$RC" = 0 ] && [ "$(top)" = "$one" ] && runs_as "$WORK/git-oci" "hello from gsimage"'

# --- a cached binary changed in place is not packed (issue 16, item 11) ---
# Go trusts an unchanged build ID; gsimage checks the size and sha256 it
# recorded when it kept the binary.  One byte in the middle changes, the
# size and mtime stay: the next build into a new layout (no layer to
# reuse) must warn, link again and give the first image.
T=(build --cgo off --platform linux/amd64 -t app:1 "$WORK/hello")
run "$GSIMAGE" "${T[@]}" -o "$WORK/tamper-a"
tamper_top=$(top)
tamper_key=$(grep -l "" "$XDG_CACHE_HOME"/gsimage/out/*/hello-linux-amd64.sum 2>/dev/null | head -1)
check "a kept binary has its record" '[ "$RC" = 0 ] && [ -s "$tamper_key" ]'
run "$GSIMAGE" "${T[@]}" -o "$WORK/tamper-a"
check "an untouched kept binary is reused without a warning" \
  '[ "$RC" = 0 ] && [ "$(top)" = "$tamper_top" ] && ! contains "$ERR" "warning"'
tampered=0
for f in "$XDG_CACHE_HOME"/gsimage/out/*/hello-linux-amd64; do
  [ -f "$f" ] || continue
  python3 - "$f" <<'PY' && tampered=$((tampered + 1))
import os, sys
p = sys.argv[1]
st = os.stat(p)
with open(p, "r+b") as f:
    f.seek(st.st_size // 2)
    b = f.read(1)
    f.seek(st.st_size // 2)
    f.write(bytes([b[0] ^ 0xff]))
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
done
run "$GSIMAGE" "${T[@]}" -o "$WORK/tamper-b"
check "a kept binary changed in place is built again, with a warning" \
  '[ "$tampered" -gt 0 ] && [ "$RC" = 0 ] && [ "$(top)" = "$tamper_top" ] &&
   contains "$ERR" "warning: the cached binary" && contains "$ERR" "building it again"'
