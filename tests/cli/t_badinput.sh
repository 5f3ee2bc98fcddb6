#!/usr/bin/env bash
# Bad inputs, one table: each is refused with the right exit status (2 for
# a usage error, 1 for a failure), exactly one "gsimage: error: " line that
# says what is wrong, no crash, and an existing layout left byte for byte
# as it was.  The one exception to "one line" is a Go compile error: Go's
# own output comes first, then the one gsimage error line, last.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

RO_MOUNTS=()
IMMUTABLE=()
cleanup_script() {
  local m
  for m in "${RO_MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
  for m in "${IMMUTABLE[@]}"; do chattr -i "$m" 2>/dev/null; done
}

L=$WORK/layout
run "$GSIMAGE" build -q -t keep:me -o "$L" testdata/hello
if [ "$RC" != 0 ]; then
  fail "setup: building the layout to keep (rc=$RC): $ERR"
  exit 1
fi
tree_state "$L" >"$WORK/layout.sum"
KEEP_LAYOUT=$L # refused (lib.sh) checks it is left as it was, every time

B=("$GSIMAGE" build -o "$L")
H=testdata/hello

# T_BADINPUT_ONLY=outputs runs only the output-file targets (symlinks,
# FIFOs, devices, modes): the mutation suite's short run.
ONLY_OUTPUTS=
if [ "${T_BADINPUT_ONLY:-}" = outputs ]; then
  ONLY_OUTPUTS=1
  skip "T_BADINPUT_ONLY=outputs: only the output-file targets run"
fi
if [ -z "$ONLY_OUTPUTS" ]; then

# --- package -----------------------------------------------------------------
mkdir -p "$WORK/nomod"
printf 'package main\n\nfunc main() {}\n' >"$WORK/nomod/main.go"
refused "package: no such directory" 2 "'$WORK/nosuch' does not exist" - "${B[@]}" "$WORK/nosuch"
refused "package: directory without go.mod" 1 "go.mod" - "${B[@]}" "$WORK/nomod"
refused "package: not a main package" 2 "not a main package" - "${B[@]}" testdata/notmain
refused_go "package: Go compile error" "undefined: undefinedFunction" "${B[@]}" testdata/broken

# --- references -----------------------------------------------------------
tag129=$(printf 'x%.0s' $(seq 129))
refused "-t ''" 2 "invalid reference '': empty" - "${B[@]}" -t '' $H
refused "-t UPPER/case" 2 "must be lowercase" - "${B[@]}" -t UPPER/case $H
refused "-t a::b" 2 "invalid tag ':b'" - "${B[@]}" -t a::b $H
refused "-t with a 129-character tag" 2 "tag longer than 128 characters" - "${B[@]}" -t "app:$tag129" $H
refused "-t app@sha256:..." 2 "digests are not accepted" - \
  "${B[@]}" -t "app@sha256:$(printf '1%.0s' $(seq 64))" $H
refused "a bad -t after a good one" 2 "invalid reference 'Bad'" - "${B[@]}" -t ok:1 -t Bad $H

# --- platforms ------------------------------------------------------------
refused "--platform windows/amd64" 2 "unsupported platform 'windows/amd64'; supported: linux/amd64" - \
  "${B[@]}" --platform windows/amd64 $H
refused "--platform linux/sparc" 2 "unsupported platform 'linux/sparc'" - "${B[@]}" --platform linux/sparc $H
refused "--platform ''" 2 "empty platform" - "${B[@]}" --platform '' $H
refused "--platform linux/amd64,linux/amd64" 2 "linux/amd64 given twice" - \
  "${B[@]}" --platform linux/amd64,linux/amd64 $H
refused "--platform linux/arm64,linux/arm64/v8" 2 "linux/arm64/v8 given twice" - \
  "${B[@]}" --platform linux/arm64,linux/arm64/v8 $H
refused "--platform with a trailing comma" 2 "empty platform" - "${B[@]}" --platform linux/amd64, $H

# --- flags ----------------------------------------------------------------
refused "unknown flag --frobnicate" 2 "unknown option '--frobnicate'" - "${B[@]}" --frobnicate $H
refused "-t at the end" 2 "option '-t' needs a value" - "${B[@]}" $H -t
refused "--platform at the end" 2 "option '--platform' needs a value" - "${B[@]}" $H --platform
refused "-o ''" 2 "empty '-o'" - "$GSIMAGE" build -o '' $H
refused "--env without '='" 2 "invalid '--env FOO'; give KEY=VALUE" - "${B[@]}" --env FOO $H
refused "--label without '='" 2 "invalid '--label FOO'; give KEY=VALUE" - "${B[@]}" --label FOO $H
refused "--compression lz4" 2 "unknown compression 'lz4'" - "${B[@]}" --compression lz4 $H
refused "--compression-level -1" 2 "invalid '--compression-level -1'" - "${B[@]}" --compression-level -1 $H
refused "--compression-level abc" 2 "invalid '--compression-level abc'" - "${B[@]}" --compression-level abc $H
refused "--compression-level 12 for gzip" 2 "for gzip; give 0 to 9" - "${B[@]}" --compression-level 12 $H
refused "--expose 70000" 2 "invalid '--expose 70000'" - "${B[@]}" --expose 70000 $H
refused "--workdir relative" 2 "invalid '--workdir relative'; give an absolute path" - \
  "${B[@]}" --workdir relative $H
refused "--cgo maybe" 2 "invalid '--cgo maybe'" - "${B[@]}" --cgo maybe $H
refused "--compiler tinygo" 2 "invalid '--compiler tinygo'" - "${B[@]}" --compiler tinygo $H
refused "--cc ''" 2 "empty '--cc'" - "${B[@]}" --cc '' $H
refused "an unknown command" 2 "unknown command 'frobnicate'" - "$GSIMAGE" frobnicate $H
refused "two packages" 2 "build takes one package, got 2" - "${B[@]}" $H testdata/cgonet
refused "compile: two packages" 2 "compile takes one package" - \
  "$GSIMAGE" compile -o "$WORK/bin" $H testdata/cgonet
refused "SOURCE_DATE_EPOCH=abc" 2 "invalid SOURCE_DATE_EPOCH 'abc'" - env SOURCE_DATE_EPOCH=abc "${B[@]}" $H

# --- --add ----------------------------------------------------------------
refused "--add: missing source" 2 "source '$WORK/nosuch' does not exist" - "${B[@]}" --add "$WORK/nosuch:x" $H
refused "--add: absolute destination" 2 "destination '/etc' is absolute" - "${B[@]}" --add x:/etc $H
refused "--add: '..' escape" 2 "destination '../../etc' escapes the image root" - \
  "${B[@]}" --add x:../../etc $H

# --- output directory -------------------------------------------------------
: >"$WORK/regular"
refused "-o is a regular file" 1 "'$WORK/regular' is not a directory" - "$GSIMAGE" build -o "$WORK/regular" $H
check "-o regular file: left empty" [ ! -s "$WORK/regular" ]
mkdir -p "$WORK/notlayout" && echo keep >"$WORK/notlayout/a.txt"
tree_state "$WORK/notlayout" >"$WORK/notlayout.sum"
refused "-o is a non-empty dir that is not a layout" 1 "is not empty and not an OCI image layout" \
  "$WORK/notlayout" "$GSIMAGE" build -o "$WORK/notlayout" $H
cp -a "$L" "$WORK/corrupt"
printf '{"schemaVersion": 2, "manifests": [' >"$WORK/corrupt/index.json"
tree_state "$WORK/corrupt" >"$WORK/corrupt.sum"
refused "-o has a corrupted index.json" 1 "'$WORK/corrupt/index.json' is corrupted" \
  "$WORK/corrupt" "$GSIMAGE" build -o "$WORK/corrupt" $H
check "corrupted index.json: its bytes are kept" \
  [ "$(cat "$WORK/corrupt/index.json")" = '{"schemaVersion": 2, "manifests": [' ]
refused "inspect: corrupted index.json" 1 "index.json' is corrupted" "$WORK/corrupt" \
  "$GSIMAGE" inspect "$WORK/corrupt"

# Read-only: root ignores mode bits, so use a read-only tmpfs, or else
# chattr +i; skip when neither works here.
RO=$WORK/ro
mkdir -p "$RO"
ro_how=""
if mount -t tmpfs -o ro,size=1m tmpfs "$RO" 2>/dev/null; then
  RO_MOUNTS+=("$RO")
  ro_how="read-only tmpfs"
elif chattr +i "$RO" 2>/dev/null; then
  IMMUTABLE+=("$RO")
  if touch "$RO/probe" 2>/dev/null; then rm -f "$RO/probe"; else ro_how="chattr +i"; fi
fi
if [ -n "$ro_how" ]; then
  refused "-o is read-only ($ro_how)" 1 "choose a writable -o directory" - "$GSIMAGE" build -o "$RO" $H
  check "read-only -o: still empty" [ -z "$(ls -A "$RO")" ]
  refused "-o is a new directory under a read-only one" 1 "choose a writable -o directory" - \
    "$GSIMAGE" build -o "$RO/sub" $H
else
  skip "-o read-only: cannot mount a read-only tmpfs nor chattr +i here (not root, or no support)"
fi
# An existing layout that cannot be written: refused before compiling.
ROL=$WORK/rolayout
mkdir -p "$ROL"
if mount -t tmpfs -o size=8m tmpfs "$ROL" 2>/dev/null; then
  RO_MOUNTS+=("$ROL")
  cp -a "$L/." "$ROL/"
  tree_state "$ROL" >"$WORK/rolayout.sum"
  if mount -o remount,ro "$ROL" 2>/dev/null; then
    refused "-o is an existing layout on a read-only mount" 1 "cannot write to OCI layout '$ROL'" \
      "$ROL" "$GSIMAGE" build -o "$ROL" $H
    check "read-only layout: refused before compiling" '! contains "$ERR" "compiling"'
  else
    skip "-o read-only layout: cannot remount a tmpfs read-only here"
  fi
else
  skip "-o read-only layout: cannot mount a tmpfs here"
fi

# --- toolchain ------------------------------------------------------------
refused "go missing from PATH" 1 "'go' not found in PATH" - \
  env -u GSIMAGE_GO PATH=/nonexistent "${B[@]}" $H
refused "GSIMAGE_GO=/nonexistent" 1 "GSIMAGE_GO='/nonexistent' is not an executable" - \
  env GSIMAGE_GO=/nonexistent "${B[@]}" $H
refused "zig missing for a cgo build" 1 "GSIMAGE_ZIG='/nonexistent/zig' is not an executable" - \
  env PATH="$(dirname "$(command -v go)"):/usr/bin:/bin" GSIMAGE_ZIG=/nonexistent/zig "${B[@]}" testdata/cgonet
refused "a dynamic cgo result is refused" 1 "dynamically linked: interpreter" - \
  "${B[@]}" --cc "$ROOT/tests/cli/dynamic-cc" testdata/cgonet

# --- inspect --------------------------------------------------------------
refused "inspect: a directory that is not a layout" 1 "is not an OCI image layout" "$WORK/notlayout" \
  "$GSIMAGE" inspect "$WORK/notlayout"
refused "inspect: a missing tag" 1 "no tag 'nosuch'" - "$GSIMAGE" inspect "$L:nosuch"
refused "inspect: no such directory" 1 "'$WORK/nosuch' does not exist" - "$GSIMAGE" inspect "$WORK/nosuch"

# --- output files and layouts: never clobbered, refused before compiling ---
refused "--digest-file inside the layout (index.json)" 2 "is inside the OCI layout" - \
  "$GSIMAGE" build -q -o "$L" --digest-file "$L/index.json" testdata/hello
refused "--metadata-file inside the layout, by a path through .." 2 "is inside the OCI layout" - \
  "$GSIMAGE" build -q -o "$L" --metadata-file "$L/blobs/../x.json" testdata/hello
mkdir -p "$WORK/adir"
refused "--docker-archive is an existing directory" 2 "is a directory" - \
  "$GSIMAGE" build -q -o "$L" --docker-archive "$WORK/adir" testdata/hello
check "...refused before compiling" '[ "$RC" = 2 ] && [ -n "$ERR" ] && ! contains "$ERR" "compiling"'
refused "--add of a tree that holds the layout" 2 "contains the OCI layout" - \
  "$GSIMAGE" build -q -o "$L" --add "$WORK:data" testdata/hello
refused "--binary-path /etc/passwd shadows an essential" 2 "would shadow a file of the essentials" - \
  "$GSIMAGE" build -q -o "$L" --binary-path /etc/passwd testdata/hello
refused "--binary-path /tmp shadows an essential" 2 "would shadow a file of the essentials" - \
  "$GSIMAGE" build -q -o "$L" --binary-path /tmp testdata/hello
refused "pack: a dynamic binary into a new layout" 1 "dynamically linked" - \
  "$GSIMAGE" pack -o "$WORK/newlayout" /bin/ls
check "...leaves no layout behind" '[ ! -e "$WORK/newlayout" ]'
refused "build: a usage error into a new layout" 2 "not a main package" - \
  "$GSIMAGE" build -o "$WORK/newlayout2" testdata/notmain
check "...leaves no layout behind" '[ ! -e "$WORK/newlayout2" ]'

fi # ONLY_OUTPUTS

# Targets that must be written through or keep their mode, not replaced.
O=$WORK/outputs
mkdir -p "$O"
if mknod "$O/null" c 1 3 2>/dev/null; then
  run "$GSIMAGE" build -q -o "$O/L" --digest-file "$O/null" testdata/hello
  check "--digest-file to a character device writes through it" \
    '[ "$RC" = 0 ] && [ -c "$O/null" ]'
  run "$GSIMAGE" build -q -o "$O/L" --docker-archive "$O/null" --oci-archive "$O/null" testdata/hello
  check "--docker-archive and --oci-archive to a character device write through it" \
    '[ "$RC" = 0 ] && [ -c "$O/null" ]'
else
  skip "--digest-file to a character device: cannot mknod here"
fi
printf 'old\n' >"$O/archive.tar"
chmod 600 "$O/archive.tar"
run "$GSIMAGE" build -q -o "$O/L" --oci-archive "$O/archive.tar" testdata/hello
check "--oci-archive keeps a 0600 file's mode and replaces its content" \
  '[ "$RC" = 0 ] && [ "$(stat -c %a "$O/archive.tar")" = 600 ] && tar -tf "$O/archive.tar" | grep -qx index.json'

# An archive on stdout stays a clean tar: the digest goes to stderr.
"$GSIMAGE" build -q -o "$O/L" --oci-archive - testdata/hello >"$O/stdout.tar" 2>"$O/stderr"
RC=$? OUT="" ERR=$(cat "$O/stderr")
check "--oci-archive - writes only the tar to stdout, the digest to stderr" \
  '[ "$RC" = 0 ] && tar -tf "$O/stdout.tar" | grep -qx index.json &&
   grep -qx "sha256:[0-9a-f]\{64\}" "$O/stderr"'
"$GSIMAGE" build -o "$O/L" --metadata-file - testdata/hello >"$O/meta.json" 2>"$O/stderr"
RC=$? OUT="" ERR=$(cat "$O/stderr")
check "--metadata-file - writes only the JSON to stdout, the digests to stderr" \
  '[ "$RC" = 0 ] && python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$O/meta.json" &&
   grep -q "^linux/amd64 sha256:" "$O/stderr"'
run "$GSIMAGE" build -q -o "$O/L" --oci-archive - --digest-file - testdata/hello
check "two outputs on stdout are a usage error" \
  '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "both write to stdout"'

printf 'old\n' >"$O/secret"
chmod 600 "$O/secret"
run "$GSIMAGE" build -q -o "$O/L" --digest-file "$O/secret" testdata/hello
check "--digest-file keeps a 0600 file's mode and writes the digest" \
  '[ "$RC" = 0 ] && [ "$(stat -c %a "$O/secret")" = 600 ] && [ -n "$OUT" ] && printf "%s\n" "$OUT" | cmp - "$O/secret"'
ln -s secret "$O/link"
# The target holds more bytes than a digest line, and not the digest: what
# is left after the write shows whether it was replaced or written over.
head -c 300 /dev/zero | tr '\0' x >"$O/secret"
run "$GSIMAGE" build -q -o "$O/L" --digest-file "$O/link" testdata/hello
check "--digest-file through a symlink keeps the link and replaces its target's bytes with the digest" \
  '[ "$RC" = 0 ] && [ -L "$O/link" ] && [ "$(readlink "$O/link")" = secret ] &&
   [ "$(stat -c %a "$O/secret")" = 600 ] && printf "%s\n" "$OUT" | grep -qx "sha256:[0-9a-f]\{64\}" &&
   printf "%s\n" "$OUT" | cmp - "$O/secret"'
mkfifo "$O/fifo"
(timeout 60 cat "$O/fifo" >"$O/fifo.out") &
reader=$!
run timeout 60 "$GSIMAGE" build -q -o "$O/L" --digest-file "$O/fifo" testdata/hello
wait $reader
check "--digest-file to a FIFO writes through it and keeps the FIFO" \
  '[ "$RC" = 0 ] && [ -p "$O/fifo" ] && [ "$(cat "$O/fifo.out")" = "$OUT" ]'
run "$GSIMAGE" build -q -o "$O/L" --metadata-file - testdata/hello
check "--metadata-file - writes the JSON to standard output, -q's digest to stderr" \
  '[ "$RC" = 0 ] && printf "%s\n" "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"tags\"]==[\"hello:latest\"]" &&
   printf "%s\n" "$ERR" | grep -qx "sha256:[0-9a-f]\{64\}"'

if [ -z "$ONLY_OUTPUTS" ]; then
# --- toolchain hardening (issue 11: items 4, 6, 7, 12) -------------------------
# A FIFO with no writer made open() wait forever; timeout turns a hang into
# exit 124, which fails the status check.
mkfifo "$WORK/fifo"
refused "pack: a FIFO is refused, not waited on" 1 "not a regular file (a FIFO)" - \
  timeout 20 "$GSIMAGE" pack -o "$L" "$WORK/fifo"
# A relative cache would put Go's build cache inside the package (go runs
# there): refused before anything runs, and nothing appears in the tree.
rm -rf "$WORK/relpkg" && cp -r testdata/hello "$WORK/relpkg"
refused "a relative XDG_CACHE_HOME" 2 "XDG_CACHE_HOME='relcache' is not an absolute path" - \
  env XDG_CACHE_HOME=relcache "${B[@]}" "$WORK/relpkg"
check "a relative XDG_CACHE_HOME: nothing created in the package or here" \
  '[ ! -e "$WORK/relpkg/relcache" ] && [ ! -e relcache ]'
refused "a relative HOME without XDG_CACHE_HOME" 2 "HOME='relhome' is not an absolute path" - \
  env -u XDG_CACHE_HOME HOME=relhome "${B[@]}" "$WORK/relpkg"
check "a relative HOME: nothing created in the package or here" \
  '[ ! -e "$WORK/relpkg/relhome" ] && [ ! -e relhome ]'
refused "GOFLAGS -ldflags with a package pattern" 2 "give the flags with --ldflags" - \
  env GOFLAGS=-ldflags=all=-w "${B[@]}" $H
refused "--pie for linux/386" 2 "--pie is not supported for linux/386" - \
  "${B[@]}" --pie --platform linux/amd64,linux/386 $H
refused "--pie with --cgo off" 2 "--pie links with the C toolchain, which needs cgo" - \
  "${B[@]}" --pie --cgo off $H
refused "--pie with --compiler gccgo" 2 "--pie needs --compiler gc" - "${B[@]}" --pie --compiler gccgo $H
refused "--pie with --cc musl-gcc" 2 "--pie cannot use --cc musl-gcc" - "${B[@]}" --pie --cc musl-gcc $H

# Go's own trouble is not called the package's (issue 11: item 11), and
# fits in one line: go list (Go 1.19) or go build (Go >= 1.20, whose go list
# needs no build cache) says it.
refused "no HOME and no XDG_CACHE_HOME: go names its build cache, not a refused package" 1 \
  "build cache is required" - \
  env -u HOME -u XDG_CACHE_HOME "$GSIMAGE" build -q -o "$L" testdata/hello
# One entry per image name (issue 11: item 11).
T=$WORK/twospell
run "$GSIMAGE" build -q --sbom none -t hello:v1 -o "$T" testdata/hello
run "$GSIMAGE" build -q --sbom none -t docker.io/library/hello:v1 -o "$T" testdata/hello
check "hello:v1 and docker.io/library/hello:v1 are one entry, not two with one image name" \
  '[ "$RC" = 0 ] && [ "$(grep -o "io.containerd.image.name" "$T/index.json" | wc -l)" = 1 ] && grep -q "\"org.opencontainers.image.ref.name\":\"docker.io/library/hello:v1\"" "$T/index.json"'

fi # ONLY_OUTPUTS

check "the kept layout still has its tag" \
  'run "$GSIMAGE" inspect "$L:keep:me"; [ "$RC" = 0 ] && contains "$OUT" "keep:me"'
echo "bad inputs tried: $N"
true
