# Shared helpers for the CLI tests.  Each t_*.sh sources this file, runs the
# real ./gsimage against real tools, and records results with check (or
# pass/fail/skip).  Every helper lives here, once; a script defines only
# what no other script needs.
#
# How to add a CLI test (five minutes):
#   1. Pick the script of the command you test (t_build.sh, t_push.sh,
#      t_resolve.sh, t_verify.sh, t_gc.sh, ...), or copy the first lines of
#      one (". lib.sh", "cd $ROOT") into a new tests/cli/t_NAME.sh.
#   2. Run the command with `run "$GSIMAGE" ...`: $OUT, $ERR and $RC hold
#      what it did.  Work only under $WORK (removed at exit).
#   3. Assert with `check "what must hold" '[ "$RC" = 0 ] && contains "$OUT" x'`.
#      The description is the check's name: make it unique in its script.
#      A tool that is missing here is `skip "why"`, never a pass; input
#      that is missing (an earlier step failed) makes the check fail.
#   4. Layouts: `valid DIR`, `tags DIR`, `layout get DIR REF config`, ...
#      (tests/cli/layout.py walks layouts for every script; add a
#      subcommand there rather than a Python heredoc here).
#   5. Plant the bug your check guards against, see it fail, revert.
#
# Running one check alone: name it after the script, with a colon, or in
# ONLY (its description as printed after PASS/FAIL, or that description in
# lower case with every run of other characters as "_"):
#   tests/cli/run 't_push.sh:push prints DEST@sha256:<top digest>'
#   ONLY=push_prints_dest_sha256_top_digest tests/cli/run t_push.sh
# The steps before it still run (they make what it looks at); the script
# stops right after it.  A shell pattern (ONLY='push*') runs the whole
# script and reports only the checks it matches.  A name that matches no
# check fails.
set -u
exec </dev/null # CI may run us with no standard input at all; runc and co. read it

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GSIMAGE=${GSIMAGE:-$ROOT/gsimage}
RESULTS=${RESULTS:-$(mktemp)}
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gsimage-$TEST_NAME.XXXXXX")
# One cache for all tests (zig builds musl once per target), kept in build/.
export XDG_CACHE_HOME="${GSIMAGE_TEST_CACHE:-$ROOT/build/test-cache}"
mkdir -p "$XDG_CACHE_HOME"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
LAYOUT_PY="$ROOT/tests/cli/layout.py"

# At exit: the script's own cleanup_script (when it defines one: mounts,
# containers), the servers it started, then $WORK.
cleanup() {
  declare -F cleanup_script >/dev/null && cleanup_script
  stop_servers
  rm -rf "$WORK"
}
trap cleanup EXIT

# slug TEXT: TEXT in lower case, every run of other characters as "_".
slug() { printf '%s' "$1" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\{1,\}/_/g; s/^_//; s/_$//'; }
# selected DESC: true when ONLY is unset or names DESC (see the top).
selected() {
  [ -z "${ONLY:-}" ] && return 0
  local s
  s=$(slug "$1")
  case "$ONLY" in
    *[*?[]*) [[ $1 == $ONLY || $s == $ONLY ]] ;;
    *) [ "$1" = "$ONLY" ] || [ "$s" = "$ONLY" ] || [ "$s" = "$(slug "$ONLY")" ] ;;
  esac
}
# record RESULT DESC: print and count one result; with an exact ONLY, the
# script has nothing more to do once that check ran.
record() {
  selected "$2" || return 0
  echo "$(tr a-z A-Z <<<"$1") $TEST_NAME: $2"
  echo "$1" >>"$RESULTS"
  case "${ONLY:-*}" in *[*?[]*) ;; *) DONE_ONLY=1 ;; esac
}
DONE_ONLY=
finish_only() { [ -z "$DONE_ONLY" ] || exit 0; }
pass() { record pass "$*"; finish_only; }
fail() { record fail "$*"; finish_only; }
skip() { record skip "$*"; finish_only; }

# The cache may be shared with other builds running at the same time (one
# warm cache for several checkouts): look only at go's work directories
# whose gsimage is gone, out/tmp/run-* whose lock is missing or free.
dead_work_dirs() {
  local d
  for d in "$XDG_CACHE_HOME"/gsimage/out/tmp/run-*; do
    [ -e "$d" ] || continue
    if [ ! -e "$d/lock" ] || flock -n "$d/lock" true; then echo "$d"; fi
  done
}

# run CMD...: captures stdout, stderr and status in $OUT, $ERR, $RC.
run() {
  "$@" >"$WORK/.out" 2>"$WORK/.err"
  RC=$?
  OUT=$(cat "$WORK/.out")
  ERR=$(cat "$WORK/.err")
}

# check DESC CMD...: pass when the command succeeds, else fail and show the
# last run's output.  With a single argument it is eval'ed, so compound
# conditions go in single quotes: check "x" '[ "$RC" = 2 ] && one_error_line'
check() {
  local desc=$1 ok
  shift
  if [ $# = 1 ]; then eval "$1" && ok=1 || ok=0; else "$@" && ok=1 || ok=0; fi
  if [ $ok = 1 ]; then
    record pass "$desc"
  else
    record fail "$desc"
    selected "$desc" &&
      printf '  rc=%s\n  stdout: %s\n  stderr: %s\n' "${RC:-}" "${OUT:-}" "${ERR:-}" | head -40
  fi
  finish_only
}

has() { command -v "$1" >/dev/null 2>&1; }
# elf ARGS... FILE: readelf's output in $ELF; false when FILE is missing or
# empty or readelf fails, so "! grep ... <<<$ELF" never passes on no input.
elf() {
  local f=${*: -1}
  ELF=
  [ -s "$f" ] && ELF=$(readelf "$@" 2>&1) && [ -n "$ELF" ]
}
contains() { case "$1" in *"$2"*) return 0 ;; esac; return 1; }
# One line on stderr that starts with "gsimage: error: ".
one_error_line() {
  [ "$(printf '%s\n' "$ERR" | grep -c '^gsimage: error: ')" = 1 ] &&
    [ "$(printf '%s\n' "$ERR" | grep -vc '^gsimage: ')" = 0 ]
}

# json FILE EXPR: print EXPR, python over the document d; FILE - is stdin.
json() {
  "$PY" -c 'import json,sys; d=json.load(sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# build ARGS...: run gsimage build -q ARGS (sets OUT, ERR, RC).
build() { run "$GSIMAGE" build -q "$@"; }

# --- layouts: tests/cli/layout.py walks them (see its --help) ---------------
layout() { "$PY" "$LAYOUT_PY" "$@"; }
blob() { echo "$1/blobs/sha256/${2#sha256:}"; } # DIR DIGEST: the blob's path
tags() { layout tags "$1" | sort; }              # "REF DIGEST", "- DIGEST" when untagged
nblobs() { find "$1/blobs/sha256" -type f | wc -l; }
# flip_byte FILE: invert the bits of FILE's middle byte (same size, new hash).
flip_byte() { "$PY" -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=0xff; open(p,"wb").write(b)' "$1"; }
temps() { find "$1" -name '.gsimage-tmp-*' | wc -l; } # gsimage's temp files left
# file_sums DIR: the sha256 of every regular file under DIR (contents only).
file_sums() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum); }
# tree_state DIR: every entry's mode, size and name, and every file's sha256
# (so a changed permission or a new empty directory shows too).
tree_state() {
  (cd "$1" && find . -exec stat -c '%A %s %n' {} + | LC_ALL=C sort &&
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# kill_trial NAME CMD...: one kill trial over: counts it in $killed, and in
# $survived when CMD (the script's "is everything intact") succeeds.
killed=0 survived=0
kill_trial() {
  local name=$1
  shift
  killed=$((killed + 1))
  if "$@"; then survived=$((survived + 1)); else echo "  kill $name broke the layout"; fi
}

# --- refusals: one error line, the right status, layouts untouched -----------
# refused DESC STATUS PHRASE EXTRA CMD...: run CMD; it must exit STATUS with
# exactly one "gsimage: error: " line (and nothing else) containing PHRASE,
# not crash, and leave $KEEP_LAYOUT (when set) and EXTRA (a layout, or -)
# as their tree_state in $WORK/<basename>.sum says.  Counts in $N.
N=0
refused() {
  local desc=$1 want=$2 phrase=$3 extra=$4 why=""
  shift 4
  N=$((N + 1))
  run "$@"
  check_refusal "$want" "$extra"
  # -a: a name that is not UTF-8 must not turn the message into "binary"
  printf '%s\n' "$ERR" | grep -a '^gsimage: error: ' | grep -aqF -- "$phrase" ||
    why="$why error line lacks '$phrase';"
  one_error_line || why="$why not exactly one 'gsimage: error:' line and nothing else;"
  verdict "$desc"
}
# refused_go DESC GO_MESSAGE CMD...: a Go compile error.  Go's output comes
# first and contains GO_MESSAGE; the last line is the one gsimage error.
refused_go() {
  local desc=$1 gomsg=$2 why=""
  shift 2
  N=$((N + 1))
  run "$@"
  check_refusal 1 -
  printf '%s\n' "$ERR" | grep -v '^gsimage: ' | grep -qF -- "$gomsg" ||
    why="$why Go's message '$gomsg' not shown;"
  [ "$(printf '%s\n' "$ERR" | grep -c '^gsimage: error: ')" = 1 ] ||
    why="$why not exactly one gsimage error line;"
  printf '%s\n' "$ERR" | tail -1 | grep -q '^gsimage: error: go build failed' ||
    why="$why the last line is not the gsimage error;"
  verdict "$desc"
}
# Shared by refused and refused_go: status, crash, layouts.  Appends to $why.
check_refusal() {
  local want=$1 extra=$2 d
  [ "$RC" = "$want" ] || why="$why exit $RC, want $want;"
  [ "$RC" -lt 128 ] || why="$why killed by a signal;"
  ! printf '%s\n' "$ERR" | grep -qE 'Segmentation fault|AddressSanitizer|runtime error:|core dumped' ||
    why="$why crash report on stderr;"
  for d in ${KEEP_LAYOUT:+"$KEEP_LAYOUT"} ${extra#-}; do
    tree_state "$d" | cmp -s - "$WORK/$(basename "$d").sum" || why="$why layout $d changed;"
  done
}
verdict() { # DESC: pass, or fail with $why
  if [ -z "$why" ]; then
    pass "$1"
  else
    record fail "$1:$why"
    printf '  rc=%s\n  stderr: %s\n' "$RC" "$ERR" | head -20
    finish_only
  fi
}

# The shared validator lives in ../shared next to the repository: found
# from the repository root as given and as resolved, from git's toplevel,
# and from the main repository of a worktree, so that a clone or worktree
# anywhere finds the shared/ beside it.  Debian's python3-jsonschema is
# enough to run it (the bootstrap installs it).
find_validator() {
  local d c top common
  local -a dirs=("$ROOT" "$(cd "$ROOT" && pwd -P)")
  if top=$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null); then dirs+=("$top"); fi
  if common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
    dirs+=("$(dirname "$common")")
  fi
  for d in "${dirs[@]}"; do
    c="$d/../shared/tools/oci-validate"
    if [ -f "$c" ]; then (cd "$(dirname "$c")" && echo "$(pwd -P)/oci-validate"); return 0; fi
  done
  return 1
}
VALIDATE=$(find_validator) || VALIDATE=
validate_layout() { # DIR [args...] -> sets VALIDATE_STATUS: ok | skip:<why> | fail
  local dir=$1
  shift
  if [ -z "$VALIDATE" ]; then
    VALIDATE_STATUS="skip:no ../shared/tools/oci-validate next to $ROOT or its git repository"
    return
  fi
  local py out rc
  # python3 on PATH first; Debian's own when that one lacks jsonschema.
  for py in python3 /usr/bin/python3; do
    out=$("$py" "$VALIDATE" "$dir" "$@" 2>&1); rc=$?
    if [ $rc = 2 ] && contains "$out" "needs python3 jsonschema"; then continue; fi
    if [ $rc = 0 ]; then VALIDATE_STATUS=ok; else VALIDATE_STATUS=fail; echo "$out" | head -20; fi
    return
  done
  VALIDATE_STATUS="skip:$VALIDATE needs python3-jsonschema ($(echo "$out" | head -1)); run 'make bootstrap'"
}

# valid DIR [ARGS...]: the shared validator (given $VALID_ARGS and ARGS)
# finds the layout valid; only when it cannot run, layout.py check, after a
# skip that says so once.
FALLBACK_NOTED=
valid() {
  local dir=$1
  shift
  validate_layout "$dir" ${VALID_ARGS:-} "$@"
  case $VALIDATE_STATUS in
    ok) return 0 ;;
    fail) return 1 ;;
  esac
  if [ -z "$FALLBACK_NOTED" ]; then
    FALLBACK_NOTED=1
    skip "oci-validate: ${VALIDATE_STATUS#skip:}; layouts are checked only by tests/cli/layout.py"
  fi
  layout check "$dir" >/dev/null
}
# check_valid DESC DIR... [-- ARGS...]: a check that each DIR's blobs hash
# to their names and the shared validator (given ARGS) accepts it.  Without
# the validator the check is a skip that says why, not a pass on less.
check_valid() {
  local desc=$1 d
  local -a dirs=() args=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do dirs+=("$1"); shift; done
  [ $# -gt 0 ] && shift && args=("$@")
  for d in "${dirs[@]}"; do
    if ! layout intact "$d" >/dev/null; then
      record fail "$desc"
      echo "  $d has no index.json, no blobs, or a blob that does not hash to its name"
      finish_only
      return
    fi
  done
  for d in "${dirs[@]}"; do
    validate_layout "$d" "${args[@]}"
    case $VALIDATE_STATUS in
      ok) ;;
      skip:*) skip "$desc: ${VALIDATE_STATUS#skip:}"; return ;;
      *) record fail "$desc"; echo "  oci-validate ${args[*]} rejects $d"; finish_only; return ;;
    esac
  done
  pass "$desc"
}

# Servers a test starts (a registry, containerd) go in SERVER_PIDS; the EXIT
# trap (cleanup) stops them.
SERVER_PIDS=()
stop_servers() {
  local p
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  SERVER_PIDS=()
}
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# recording_skopeo: $WORK/skopeo, a skopeo that succeeds and logs one line
# per run to $WORK/skopeo.log, its arguments separated by spaces ($WORK
# has none); push's private snapshot layout (TMPDIR/gsimage-push-UID/
# run-XXXXXX) is logged as SNAPSHOT.
recording_skopeo() {
  cat >"$WORK/skopeo" <<SH
#!/bin/sh
printf '%s\n' "\$*" | sed -E 's|oci:/[^ :]*/gsimage-push-[0-9]+/run-[A-Za-z0-9]{6}:|oci:SNAPSHOT:|' >>"$WORK/skopeo.log"
exit 0
SH
  chmod +x "$WORK/skopeo"
}

# need_registry WHAT: docker-registry, skopeo and curl, and a registry on
# 127.0.0.1 whose address is in $REG; else a skip (the tools are missing)
# or a failure (it did not start) that names WHAT, and the script ends.
need_registry() {
  if ! has docker-registry || ! has skopeo || ! has curl; then
    skip "$1: docker-registry, skopeo or curl not installed"
    exit 0
  fi
  if ! start_registry reg; then
    fail "$1: the test registry did not start: $(tail -3 "$WORK/reg.log")"
    exit 0
  fi
  REG=127.0.0.1:$PORT
}

# start_registry NAME [HTPASSWD]: docker-registry on 127.0.0.1 only, its
# data under $WORK/NAME; sets PORT.  Fails when it does not answer.
start_registry() {
  local name=$1 htpasswd=${2:-}
  PORT=$(free_port)
  mkdir -p "$WORK/$name"
  {
    printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$WORK/$name"
    [ -n "$htpasswd" ] && printf 'auth:\n  htpasswd:\n    realm: test\n    path: %s\n' "$htpasswd"
    printf 'http:\n  addr: 127.0.0.1:%s\n' "$PORT"
  } >"$WORK/$name.yml"
  docker-registry serve "$WORK/$name.yml" >"$WORK/$name.log" 2>&1 &
  SERVER_PIDS+=($!)
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/" && return 0
    sleep 0.2
  done
  return 1
}

# runc_usable: empty RUNC_SKIP when runc can run a container here (root,
# runc and umoci installed), else the reason in RUNC_SKIP.
runc_usable() {
  RUNC_SKIP=
  if ! has runc; then RUNC_SKIP="runc not installed"
  elif ! has umoci; then RUNC_SKIP="umoci not installed"
  elif [ "$(id -u)" != 0 ]; then RUNC_SKIP="runc and umoci unpack need root here (uid $(id -u))"
  fi
  [ -z "$RUNC_SKIP" ]
}

# run_container LAYOUT REF [ARGS...]: unpack tag REF (of an index: the
# host's platform, through skopeo) with umoci into a bundle under $WORK, without a terminal,
# replace the arguments after the entrypoint with ARGS when given, and run
# it under runc (its state under $WORK/runc) with a timeout.  Sets
# OUT/ERR/RC as run does; RC=125 when the bundle could not be made.
N_RUN_CONTAINER=0
run_container() {
  local dir=$1 ref=$2 bundle id
  shift 2
  N_RUN_CONTAINER=$((N_RUN_CONTAINER + 1))
  bundle="$WORK/bundle-$N_RUN_CONTAINER"
  id="gsimage-$TEST_NAME-$$-$N_RUN_CONTAINER"
  # umoci unpacks one image: take the host's platform out of an index
  local arch single="$WORK/single-$N_RUN_CONTAINER"
  arch=$(go env GOARCH 2>/dev/null || echo amd64)
  if has skopeo && skopeo copy --override-arch "$arch" "oci:$dir:$ref" "oci:$single:$ref" \
      >"$WORK/.umoci" 2>&1; then
    dir=$single
  fi
  if ! umoci unpack --image "$dir:$ref" "$bundle" >>"$WORK/.umoci" 2>&1; then
    RC=125 OUT="" ERR="umoci unpack: $(tail -3 "$WORK/.umoci")"
    return
  fi
  if ! /usr/bin/python3 - "$bundle/config.json" "$@" <<'PYEOF'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["terminal"] = False
if args:
    c["process"]["args"] = c["process"]["args"][:1] + args
json.dump(c, open(path, "w"))
PYEOF
  then
    RC=125 OUT="" ERR="could not edit $bundle/config.json"
    return
  fi
  run timeout 60 runc --root "$WORK/runc" run -b "$bundle" "$id"
  runc --root "$WORK/runc" delete -f "$id" >/dev/null 2>&1
  rm -rf "$bundle" "$single"
}

# --- crane: a second registry client on every push ---------------------------
# CRANE: .toolchain/bin/crane (scripts/bootstrap installs it), else one on
# PATH, else empty.
CRANE=
for c in "$ROOT/.toolchain/bin/crane" "$(command -v crane 2>/dev/null)"; do
  if [ -n "$c" ] && [ -x "$c" ]; then CRANE=$c; break; fi
done

# crane_check WHAT LAYOUT TOP DEST: after gsimage pushed the image whose top
# digest in LAYOUT is TOP to DEST (host:port/repo[:tag], plain HTTP on
# 127.0.0.1), crane, which shares no code with skopeo, reads it back:
# `validate --remote` (every blob fetched and digested), `manifest` of the
# top and of each platform manifest and `config` of each byte for byte equal
# to the layout's blobs, and `ls` listing the referrers-fallback tag
# sha256-<hex> that the layout has for any of those manifests.  One check
# per property, named after WHAT.  No crane: a failure, since the bootstrap
# installs it.
crane_check() {
  local what=$1 dir=$2 top=$3 dest=$4 repo d good
  if [ -z "$CRANE" ]; then
    fail "$what: crane: not installed; run 'make bootstrap' (it builds crane into .toolchain/bin)"
    return
  fi
  repo=${dest%@*}
  case "${repo##*/}" in *:*) repo=${repo%:*} ;; esac
  run "$CRANE" validate --insecure --remote "$repo@$top"
  check "$what: crane validate --remote passes" '[ "$RC" = 0 ] && contains "$OUT" "PASS: "'
  # manifests: the top one and, for an index, its children
  local -a mans cfgs tags
  read -r -a mans <<<"$("$PY" "$LAYOUT_PY" parts "$dir" "$top" manifests)"
  good=1
  for d in "${mans[@]}"; do
    run "$CRANE" manifest --insecure "$repo@$d"
    if [ "$RC" != 0 ] || ! cmp -s "$WORK/.out" "$dir/blobs/sha256/${d#sha256:}"; then
      good=0; echo "  crane manifest $repo@$d: rc=$RC, not the layout's blob: $(head -c 200 "$WORK/.err")"
    fi
  done
  check "$what: crane manifest is byte for byte the layout's (${#mans[@]} manifests)" \
    '[ "$good" = 1 ] && [ "${#mans[@]}" -ge 1 ]'
  read -r -a cfgs <<<"$("$PY" "$LAYOUT_PY" parts "$dir" "$top" configs)"
  good=1
  local i
  for ((i = 0; i < ${#cfgs[@]}; i += 2)); do
    run "$CRANE" config --insecure "$repo@${cfgs[i]}"
    if [ "$RC" != 0 ] || ! cmp -s "$WORK/.out" "$dir/blobs/sha256/${cfgs[i+1]#sha256:}"; then
      good=0; echo "  crane config $repo@${cfgs[i]}: rc=$RC, not blob ${cfgs[i+1]}: $(head -c 200 "$WORK/.err")"
    fi
  done
  check "$what: crane config is byte for byte the layout's ($((${#cfgs[@]} / 2)) configs)" \
    '[ "$good" = 1 ] && [ "${#cfgs[@]}" -ge 2 ]'
  # the layout's referrers-fallback tags of these manifests
  read -r -a tags <<<"$("$PY" "$LAYOUT_PY" parts "$dir" "$top" referrers)"
  if [ "${#tags[@]}" = 0 ]; then
    skip "$what: crane ls: the layout has no referrers-fallback tag for this image"
    return
  fi
  run "$CRANE" ls --insecure "$repo"
  good=1
  for d in "${tags[@]}"; do grep -qx "$d" "$WORK/.out" || good=0; done
  check "$what: crane ls lists the referrers-fallback tags (${#tags[@]})" '[ "$RC" = 0 ] && [ "$good" = 1 ]'
}
