# Sourced by tests/bench/run: the edit-build loop rows (issue 10, section 1).
#   no-op    gsimage build of testdata/cgonet into the same layout, nothing
#            changed, vs the same go build (zig CC, same flags, same -o)
#   edit     a one-line edit of main.go, then gsimage build, vs the same
#            edit, then that go build (a compile and a relink each)
# The go build is the exact command gsimage runs, argv and environment,
# taken from strace and replayed in the package directory.
# Needs: ROOT, G, W, RUNS, ms, median (from run); strace and python3.
# With summarize (from run) defined, the two rows go into its summary.

# Capture gsimage's go build for PKG (into layout OUT) as NUL-separated
# $W/go.argv and $W/go.env.
rebuild_capture_go_build() {
  local pkg=$1 out=$2
  strace -f -v -s 1000000 -e trace=execve -o "$W/strace.txt" \
    "$G" build -q -o "$out" "$pkg" >/dev/null
  python3 - "$W/strace.txt" "$W/go.argv" "$W/go.env" <<'PY'
import ast, re, sys
for line in open(sys.argv[1]):
    m = re.search(r'execve\("[^"]*/go", (\[.*?\]), (\[.*\])\) = 0', line)
    if not m:
        continue
    argv = ast.literal_eval(m.group(1))
    if len(argv) > 1 and argv[1] == "build":
        env = ast.literal_eval(m.group(2))
        # gsimage's GOTMPDIR lives as long as that gsimage: give the
        # replay its own, beside it (same file system, so go renames its
        # output into place as it does for gsimage; not run-*, which
        # gsimage reaps).
        env = ["GOTMPDIR=" + e[len("GOTMPDIR="):].rsplit("/", 1)[0] + "/bench-replay"
               if e.startswith("GOTMPDIR=") else e for e in env]
        open(sys.argv[2], "w").write("\0".join(argv) + "\0")
        open(sys.argv[3], "w").write("\0".join(env) + "\0")
        sys.exit(0)
sys.exit("bench: no go build in gsimage's strace")
PY
}

rebuild_go_build() { # PKG: gsimage's go build, replayed
  local -a argv env
  local e
  mapfile -d '' argv <"$W/go.argv"
  mapfile -d '' env <"$W/go.env"
  for e in "${env[@]}"; do
    case $e in GOTMPDIR=*) mkdir -p "${e#GOTMPDIR=}" ;; esac
  done
  (cd "$1" && env -i "${env[@]}" "${argv[@]}" >/dev/null 2>"$W/replay.err") ||
    { echo "bench: the replayed go build failed: $(head -3 "$W/replay.err")" >&2; return 1; }
}

rebuild_edit() { # PKG N: a one-line edit that changes the binary
  sed -i "s/^\(\tfmt.Printf(\"cgo: 6\*7=%d\)[^\\]*\\\\n\"/\1 edit $2\\\\n\"/" "$1/main.go"
}

bench_rebuild_rows() {
  command -v strace >/dev/null || { echo "bench: strace not installed (apt-get install strace)"; return 1; }
  local pkg="$W/cgonet" out="$W/rebuild-oci" i t
  cp -r "$ROOT/testdata/cgonet" "$pkg" # outside git: no VCS stamp for either
  rebuild_capture_go_build "$pkg" "$out"
  "$G" build -q -o "$out" "$pkg" >/dev/null # warm: the layer cache too
  : >"$W/noop-g"; : >"$W/noop-go"; : >"$W/edit-g"; : >"$W/edit-go"
  for i in $(seq "$RUNS"); do
    t=$(date +%s%N); "$G" build -q -o "$out" "$pkg" >/dev/null; ms "$t" >>"$W/noop-g"
    t=$(date +%s%N); rebuild_go_build "$pkg"; ms "$t" >>"$W/noop-go"
  done
  for i in $(seq "$RUNS"); do
    rebuild_edit "$pkg" "g$i-$$"
    t=$(date +%s%N); "$G" build -q -o "$out" "$pkg" >/dev/null; ms "$t" >>"$W/edit-g"
    rebuild_edit "$pkg" "go$i-$$"
    t=$(date +%s%N); rebuild_go_build "$pkg"; ms "$t" >>"$W/edit-go"
  done
  grep -q "edit go$RUNS-$$" "$pkg/main.go" || { echo "bench: the edit did not apply"; return 1; }
  local ng ngo eg ego
  ng=$(median <"$W/noop-g"); ngo=$(median <"$W/noop-go")
  eg=$(median <"$W/edit-g"); ego=$(median <"$W/edit-go")
  echo "edit-build loop: testdata/cgonet, zig cc, $RUNS runs each, interleaved; medians in ms"
  printf '  %-44s %6s ms   %-18s %6s ms   ratio %s\n' \
    "no-op rebuild: gsimage build" "$ng" "go build no-op" "$ngo" \
    "$(awk -v a="$ng" -v b="$ngo" 'BEGIN { printf "%.2f", a / b }')" \
    "one-line edit: gsimage build" "$eg" "go build relink" "$ego" \
    "$(awk -v a="$eg" -v b="$ego" 'BEGIN { printf "%.2f", a / b }')"
  if declare -F summarize >/dev/null; then
    local r
    r=$(awk -v a="$ng" -v b="$ngo" 'BEGIN { printf "%.2f", a / b }')
    summarize "no-op rebuild, cgonet: ms" "$ng" "go build $ngo" "$r" "<= 1.2" \
      "$(awk -v r="$r" 'BEGIN { print r <= 1.2 ? "met" : "MISSED" }')"
    r=$(awk -v a="$eg" -v b="$ego" 'BEGIN { printf "%.2f", a / b }')
    summarize "one-line edit, cgonet: ms" "$eg" "go build $ego" "$r" "<= 1.2" \
      "$(awk -v r="$r" 'BEGIN { print r <= 1.2 ? "met" : "MISSED" }')"
  fi
}
