#!/usr/bin/env bash
# --optimize size|speed: the C-heavy cgo module testdata/ckit built each
# way is static, runs its self-test, and size is smaller than speed; the
# user's CGO_CFLAGS win, with one note on stderr; the SBOM records both.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
unset CGO_CFLAGS

is_static() { # FILE: no interpreter, no dynamic section
  elf -lW "$1" && ! grep -q 'INTERP\|DYNAMIC' <<<"$ELF"
}
selftest_ok() { # FILE: runs, last line "selftest ok", same lines as $REF
  run "$1"
  [ "$RC" = 0 ] && [ "$(tail -1 <<<"$OUT")" = "selftest ok" ] &&
    { [ -z "${REF:-}" ] || [ "$OUT" = "$REF" ]; }
}

REF=
for m in size speed; do
  run "$GSIMAGE" compile --optimize $m -o "$WORK/$m" testdata/ckit
  check "compile ckit --optimize $m exits 0" [ "$RC" = 0 ]
  check "--optimize $m: no CGO_CFLAGS note without CGO_CFLAGS" '[ "$RC" = 0 ] && ! contains "$ERR" "CGO_CFLAGS"'
  bin="$WORK/$m/ckit-linux-amd64"
  check "--optimize $m binary is static" is_static "$bin"
  check "--optimize $m binary passes its self-test" selftest_ok "$bin"
  [ -z "$REF" ] && [ "$RC" = 0 ] && REF=$OUT
done
size=$(stat -c %s "$WORK/size/ckit-linux-amd64" 2>/dev/null || echo 0)
speed=$(stat -c %s "$WORK/speed/ckit-linux-amd64" 2>/dev/null || echo 0)
check "size ($size B) is smaller than speed ($speed B)" '[ "$size" -gt 0 ] && [ "$size" -lt "$speed" ]'
# -fno-unwind-tables: the C objects have no .eh_frame entries of their own
# (what is left in the size binary is musl's and runtime/cgo's assembly).
ehf() { # FILE -> size of .eh_frame in bytes, 0 when there is none
  local h
  h=$(readelf -SW "$1" 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == ".eh_frame") print $(i + 4) }')
  echo $((16#${h:-0}))
}
check "size drops the C unwind tables" \
  '[ -s "$WORK/size/ckit-linux-amd64" ] && [ -s "$WORK/speed/ckit-linux-amd64" ] && [ "$(ehf "$WORK/size/ckit-linux-amd64")" -lt "$(ehf "$WORK/speed/ckit-linux-amd64")" ]'

# The default is speed: same bytes as --optimize speed.
run "$GSIMAGE" compile -q -o "$WORK/default" testdata/ckit
check "the default is --optimize speed" cmp -s "$WORK/default/ckit-linux-amd64" "$WORK/speed/ckit-linux-amd64"

run "$GSIMAGE" compile --optimize fast -o "$WORK/bad" testdata/ckit
check "--optimize fast is a usage error" '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "size or speed"'

# The user's CGO_CFLAGS win, whatever the mode; one note, not with -q.
CGO_CFLAGS="-O1 -g0" run "$GSIMAGE" compile --optimize size -o "$WORK/user" testdata/ckit
check "CGO_CFLAGS set: compile exits 0" [ "$RC" = 0 ]
check "CGO_CFLAGS set: one note on stderr" \
  '[ "$(grep -c "CGO_CFLAGS is set" <<<"$ERR")" = 1 ] && contains "$ERR" "-O1 -g0" && contains "$ERR" "--optimize size"'
check "CGO_CFLAGS set: binary is static" is_static "$WORK/user/ckit-linux-amd64"
check "CGO_CFLAGS set: binary passes its self-test" selftest_ok "$WORK/user/ckit-linux-amd64"
# cmp exits 1 for "differ", 2 when a file is missing: only 1 counts.
differ() { cmp -s "$1" "$2"; [ $? = 1 ]; }
check "CGO_CFLAGS set: not the --optimize size binary" \
  '[ -s "$WORK/user/ckit-linux-amd64" ] && [ -s "$WORK/size/ckit-linux-amd64" ] &&
   differ "$WORK/user/ckit-linux-amd64" "$WORK/size/ckit-linux-amd64"'
CGO_CFLAGS="-O1 -g0" run "$GSIMAGE" compile -q --optimize size -o "$WORK/user" testdata/ckit
check "CGO_CFLAGS set: -q keeps the note off stderr" '[ "$RC" = 0 ] && [ -z "$ERR" ]'

# The SBOM records the mode and the flags used.
sbom_has() { # DIR WANT...
  local d=$1
  shift
  run "$GSIMAGE" sbom --format cyclonedx "$d:ck"
  [ "$RC" = 0 ] || return 1
  for w in "$@"; do contains "$OUT" "$w" || return 1; done
}
run "$GSIMAGE" build -q --optimize size --no-ca-certs -t ck -o "$WORK/oci" testdata/ckit
check "build --optimize size exits 0" [ "$RC" = 0 ]
check "SBOM records optimize size and its CGO_CFLAGS" \
  sbom_has "$WORK/oci" '"gsimage:c:optimize","value":"size"' '-Oz -Xclang -Oz -ffunction-sections'
CGO_CFLAGS="-O1" run "$GSIMAGE" build -q --no-ca-certs -t ck -o "$WORK/oci2" testdata/ckit
check "CGO_CFLAGS set: build exits 0" [ "$RC" = 0 ]
check "CGO_CFLAGS set: SBOM records the user's flags, no mode" \
  'sbom_has "$WORK/oci2" "\"gsimage:c:cgo-cflags\",\"value\":\"-O1\"" && ! contains "$OUT" "gsimage:c:optimize"'
