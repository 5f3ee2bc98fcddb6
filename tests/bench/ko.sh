# Sourced by tests/bench/run: gsimage side by side with ko (issue 15,
# section 3), on the same pure-Go programs:
#   hello   testdata/hello
#   httpd   testdata/httpd
#   gojq    github.com/itchyny/gojq/cmd/gojq, a public CLI: its module's
#           source comes from the Go module proxy, pinned by
#           tests/bench/ko/gojq/go.mod and go.sum (only those are committed)
# Each program is copied out of the tree (no VCS stamp for either tool).
# ko gets a base image equivalent to gsimage's scratch essentials: the very
# essentials layer of a gsimage image (same bytes), with gsimage's config
# (user 65532, PATH, SSL_CERT_FILE) and no entrypoint, pushed to a
# docker-registry on 127.0.0.1 and named by digest in KO_DEFAULTBASEIMAGE
# (ko speaks plain HTTP to a loopback registry by itself: no flag needed).
# KO_DOCKER_REPO names that registry too: with --push=false and no repo, ko
# would load the image into a Docker daemon (ko.local).
# Both tools write an OCI layout to local disk: `gsimage build -q -o DIR`
# against `ko build --push=false --bare --oci-layout-path DIR`, both with
# their defaults otherwise (gsimage: -s -w, SPDX and CycloneDX attached;
# ko: unstripped, SPDX generated); the size is also given against ko with
# `defaultLdflags: [-s, -w]` in a .ko.yaml (KO_CONFIG_PATH).
# Rows, per program (medians of interleaved runs, the order alternating):
#   cold      a fresh GOCACHE for both, and for gsimage a fresh cache of its
#             own too; a fresh output layout; BENCH_KO_COLD_RUNS runs (3)
#   no-op     the same build again into the same layout, RUNS runs
#   edit      a one-line edit that changes the binary (a string variable
#             appended to a .go file, a new value for each build), RUNS
#   bytes     what a node pulls for the amd64 image: compressed layers +
#             config + manifest
#   digest    the program copied into two checkout directories, built by
#             each tool from each: are the two image digests the same?
#   SBOM      what each tool's SPDX document records
# And the cgo program testdata/cgonet: gsimage builds it and its image's
# entrypoint runs (in a chroot of the image's root file system when run
# as root, else the binary natively); ko's result with CGO_ENABLED=1.
# BENCH_KO_PROGRAMS picks some of "hello httpd gojq cgonet" (the default:
# all), KO another ko binary.
# Needs: ROOT, G, W, RUNS, ms, median, summarize, bench_pid (from run);
# ko (scripts/bootstrap installs it into .toolchain/bin), docker-registry,
# skopeo, python3; the Go module proxy for gojq (skipped without it).

# ko takes an --oci-layout-path for a repository name too, and refuses one
# with capital letters: mktemp's are mixed case, so the ko rows work in a
# directory of their own, named by the process id.
KO_W="${TMPDIR:-/tmp}/gsimage-bench-ko-$$"
case $KO_W in *[A-Z]*) KO_W="/tmp/gsimage-bench-ko-$$" ;; esac

ko_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ko_met() { awk -v r="$1" -v g="$2" 'BEGIN { print r <= g ? "met" : "MISSED" }'; }

# ko_image_bytes LAYOUT DIGEST: compressed layers + config + manifest of
# the image manifest DIGEST in LAYOUT.
ko_image_bytes() {
  python3 - "$1" "$2" <<'PY'
import json, os, sys
layout, digest = sys.argv[1], sys.argv[2]
path = os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])
m = json.load(open(path))
print(os.path.getsize(path) + m["config"]["size"] + sum(l["size"] for l in m["layers"]))
PY
}

# ko_sbom_summary FILE: one line on what an SPDX document records.
ko_sbom_summary() {
  python3 - "$1" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
pkgs = d.get("packages", [])
purls = {}
for p in pkgs:
    for r in p.get("externalRefs", []):
        if r.get("referenceType") == "purl":
            purls[r["referenceLocator"]] = p
mods = [u for u in purls if u.startswith("pkg:golang/") and not u.startswith("pkg:golang/stdlib")]
std = [u for u in purls if u.startswith("pkg:golang/stdlib@")]
gov = sorted(set(re.findall(r"go1\.\d+(?:\.\d+)?", text)))
main = [p for p in pkgs if p.get("primaryPackagePurpose") == "APPLICATION"] or \
       [purls[u] for u in mods if "(devel)" in u]
mv = "none"
if main:
    mv = main[0].get("versionInfo") or next((r["referenceLocator"].split("@", 1)[1].split("?")[0]
          for r in main[0].get("externalRefs", []) if "@" in r["referenceLocator"]), "none")
# the C side: musl or a C compiler named by a package or its purl
c = [(p["name"] + " " + (p.get("versionInfo") or "")).strip() for p in pkgs
     if re.search(r"musl|zig|clang|gcc", p["name"] + " ".join(
         r.get("referenceLocator", "") for r in p.get("externalRefs", [])), re.I)]
print("%d packages, %d Go modules; stdlib: %s; Go version: %s; main module version: %s; C side: %s"
      % (len(pkgs), len(mods), std[0].split("@")[1] if std else "no",
         ",".join(gov) if gov else "no", mv, "; ".join(c) if c else "none"))
PY
}

# ko_base: the essentials layer of a gsimage image as a base image for ko,
# pushed to a loopback registry; sets KO_BASE (REG/base@sha256:...).
ko_base() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$KO_W/registry"
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$KO_W/registry" "$port" >"$KO_W/registry.yml"
  docker-registry serve "$KO_W/registry.yml" >"$KO_W/registry.log" 2>&1 &
  bench_pid $!
  local i
  for i in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break
    [ "$i" = 50 ] && { echo "bench: ko: the loopback registry did not start: $(tail -2 "$KO_W/registry.log")" >&2; return 1; }
    sleep 0.2
  done
  KO_REG=127.0.0.1:$port
  "$G" build -q -t ess:bench -o "$KO_W/ess-src" "$ROOT/testdata/hello" >/dev/null ||
    { echo "bench: ko: building the essentials for the base image failed" >&2; return 1; }
  local base
  base=$(python3 - "$KO_W/ess-src" "ess:bench" "$KO_W/base" <<'PY'
import hashlib, json, os, sys
src, ref, dst = sys.argv[1:4]
def path(layout, d):
    return os.path.join(layout, "blobs", "sha256", d.split(":", 1)[1])
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(dst, "blobs", "sha256"), exist_ok=True)
    with open(path(dst, d), "wb") as f:
        f.write(data)
    return d
idx = json.load(open(os.path.join(src, "index.json")))
desc = next(x for x in idx["manifests"]
            if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref)
man = json.load(open(path(src, desc["digest"])))
cfg = json.load(open(path(src, man["config"]["digest"])))
ess = man["layers"][0]  # gsimage's first layer: the scratch essentials
for k in ("Entrypoint", "Cmd", "Labels"):
    cfg["config"].pop(k, None)
cfg["rootfs"]["diff_ids"] = cfg["rootfs"]["diff_ids"][:1]
cfg["history"] = [{"created": cfg.get("created", "1970-01-01T00:00:00Z"),
                   "comment": "gsimage scratch essentials"}]
cdata = json.dumps(cfg, separators=(",", ":"), sort_keys=True).encode()
put(open(path(src, ess["digest"]), "rb").read())
mt = "application/vnd.oci.image.manifest.v1+json"
mdata = json.dumps({"schemaVersion": 2, "mediaType": mt,
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": put(cdata), "size": len(cdata)},
                    "layers": [ess]}, separators=(",", ":")).encode()
md = put(mdata)
with open(os.path.join(dst, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(os.path.join(dst, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": [{"mediaType": mt, "digest": md, "size": len(mdata),
                              "platform": {"architecture": cfg["architecture"], "os": cfg["os"]},
                              "annotations": {"org.opencontainers.image.ref.name": "base"}}]}, f)
print(md)
PY
  ) || { echo "bench: ko: making the base image failed" >&2; return 1; }
  skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$KO_W/base:base" \
    "docker://$KO_REG/base:essentials" >/dev/null ||
    { echo "bench: ko: pushing the base image to $KO_REG failed" >&2; return 1; }
  KO_BASE="$KO_REG/base@$base"
}

# ko_gs SRC PKG OUT [ENV...]: gsimage build of PKG (relative to SRC) into
# OUT; the digest in KO_DIGEST.
ko_gs() {
  local src=$1 pkg=$2 out=$3
  shift 3
  KO_DIGEST=$(cd "$src" && env "$@" "$G" build -q -t app:bench -o "$out" "$pkg" 2>"$KO_W/err") ||
    { echo "bench: gsimage build of $src/$pkg failed: $(tail -3 "$KO_W/err")" >&2; return 1; }
  KO_DIGEST=$(printf '%s\n' "$KO_DIGEST" | tail -1)
}
# ko_ko SRC PKG OUT [ENV...]: ko build of PKG in SRC into the layout OUT;
# the digest in KO_DIGEST.
ko_ko() {
  local src=$1 pkg=$2 out=$3
  shift 3
  KO_DIGEST=$(cd "$src" && env KO_DEFAULTBASEIMAGE="$KO_BASE" KO_DOCKER_REPO="$KO_REG/ko" "$@" \
    "$KO" build --push=false --bare --oci-layout-path "$out" "$pkg" 2>"$KO_W/err") ||
    { echo "bench: ko build of $src/$pkg failed: $(grep -v '^[0-9/]* [0-9:]* ' "$KO_W/err" | tail -3)" >&2; return 1; }
  KO_DIGEST=${KO_DIGEST##*@}
}

# ko_edit FILE N: a one-line edit that changes the binary: a package-level
# string variable with a new value, read at init so the linker keeps it.
ko_edit() {
  sed -i '/benchEdit/d' "$1"
  printf 'var benchEdit = "%s"; func init() { if len(benchEdit) == 0 { println() } }\n' "$2" >>"$1"
}

# ko_program NAME SRC PKG EDITFILE: every row for one program; SRC is
# copied, never built in place.
ko_program() {
  local name=$1 orig=$2 pkg=$3 editfile=$4 d="$KO_W/$1" i t tool
  mkdir -p "$d/a" "$d/second-checkout/x"
  cp -r "$orig" "$d/src"
  cp -r "$orig" "$d/a/$name"
  cp -r "$orig" "$d/second-checkout/x/$name"
  chmod -R u+w "$d"
  # the module cache stays warm for both
  (cd "$d/src" && go mod download) >/dev/null 2>"$KO_W/err" ||
    { echo "bench: ko: go mod download for $name failed: $(tail -2 "$KO_W/err")" >&2; return 1; }

  # cold: fresh caches and layouts, alternating which tool goes first
  : >"$d/cold-g"; : >"$d/cold-ko"
  for i in $(seq "${BENCH_KO_COLD_RUNS:-3}"); do
    local order="g ko"; [ $((i % 2)) = 0 ] && order="ko g"
    for tool in $order; do
      local c="$d/cache-$tool-$i"
      mkdir -p "$c"
      t=$(date +%s%N)
      "ko_${tool/g/gs}" "$d/src" "$pkg" "$d/cold-out-$tool-$i" XDG_CACHE_HOME="$c" GOCACHE="$c/go-build"
      ms "$t" >>"$d/cold-$tool"
      chmod -R u+w "$c" 2>/dev/null; rm -rf "$c" "$d/cold-out-$tool-$i"
    done
  done

  # no-op: the same layout again; both warm first
  ko_gs "$d/src" "$pkg" "$d/out-g"; ko_ko "$d/src" "$pkg" "$d/out-ko"
  : >"$d/noop-g"; : >"$d/noop-ko"
  for i in $(seq "$RUNS"); do
    local order="g ko"; [ $((i % 2)) = 0 ] && order="ko g"
    for tool in $order; do
      t=$(date +%s%N); "ko_${tool/g/gs}" "$d/src" "$pkg" "$d/out-$tool"; ms "$t" >>"$d/noop-$tool"
    done
  done
  local bytes_g bytes_ko bytes_sw
  ko_gs "$d/src" "$pkg" "$d/out-g"; bytes_g=$(ko_image_bytes "$d/out-g" "$KO_DIGEST")
  ko_ko "$d/src" "$pkg" "$d/out-ko"; bytes_ko=$(ko_image_bytes "$d/out-ko" "$KO_DIGEST")
  # and ko told to strip as gsimage does (-s -w), for the size alone
  ko_ko "$d/src" "$pkg" "$d/out-ko-sw" KO_CONFIG_PATH="$KO_W/strip"
  bytes_sw=$(ko_image_bytes "$d/out-ko-sw" "$KO_DIGEST")

  # one-line edit: each build sees a file it has not seen
  : >"$d/edit-g"; : >"$d/edit-ko"
  for i in $(seq "$RUNS"); do
    local order="g ko"; [ $((i % 2)) = 0 ] && order="ko g"
    for tool in $order; do
      ko_edit "$d/src/$editfile" "$tool$i-$$"
      t=$(date +%s%N); "ko_${tool/g/gs}" "$d/src" "$pkg" "$d/out-$tool"; ms "$t" >>"$d/edit-$tool"
    done
  done
  grep -q "benchEdit = \"[a-z]*$RUNS-$$\"" "$d/src/$editfile" ||
    { echo "bench: ko: the edit of $name did not apply" >&2; return 1; }

  # the digest across two checkout directories
  local ga gb ka kb
  ko_gs "$d/a/$name" "$pkg" "$d/dir-g-a"; ga=$KO_DIGEST
  ko_gs "$d/second-checkout/x/$name" "$pkg" "$d/dir-g-b"; gb=$KO_DIGEST
  ko_ko "$d/a/$name" "$pkg" "$d/dir-ko-a"; ka=$KO_DIGEST
  ko_ko "$d/second-checkout/x/$name" "$pkg" "$d/dir-ko-b"; kb=$KO_DIGEST

  # what the SBOMs record
  local sg sk
  "$G" sbom --format spdx "$d/dir-g-a:app:bench" >"$d/gsimage.spdx.json"
  sg=$(ko_sbom_summary "$d/gsimage.spdx.json")
  (cd "$d/a/$name" && KO_DEFAULTBASEIMAGE="$KO_BASE" KO_DOCKER_REPO="$KO_REG/ko" \
    "$KO" build --push=false --bare --oci-layout-path "$d/sbom-ko" --sbom-dir "$d/sbom-ko.d" "$pkg" >/dev/null 2>&1)
  sk=$(ko_sbom_summary "$(ls "$d"/sbom-ko.d/*.spdx.json | head -1)")

  local cg cko ng nko eg eko r
  cg=$(median <"$d/cold-g"); cko=$(median <"$d/cold-ko")
  ng=$(median <"$d/noop-g"); nko=$(median <"$d/noop-ko")
  eg=$(median <"$d/edit-g"); eko=$(median <"$d/edit-ko")
  echo "gsimage vs ko: $name; medians in ms (cold: ${BENCH_KO_COLD_RUNS:-3} runs, others $RUNS, interleaved)"
  printf '  %-16s %10s %10s %7s\n' "" gsimage ko ratio
  printf '  %-16s %10s %10s %7s\n' "cold build" "$cg" "$cko" "$(ko_ratio "$cg" "$cko")" \
    "no-op rebuild" "$ng" "$nko" "$(ko_ratio "$ng" "$nko")" \
    "one-line edit" "$eg" "$eko" "$(ko_ratio "$eg" "$eko")" \
    "image bytes" "$bytes_g" "$bytes_ko" "$(awk -v a="$bytes_g" -v b="$bytes_ko" 'BEGIN { printf "%.3f", a / b }')" \
    "  ko -s -w" "$bytes_g" "$bytes_sw" "$(awk -v a="$bytes_g" -v b="$bytes_sw" 'BEGIN { printf "%.3f", a / b }')"
  printf '  digest, two checkout directories: gsimage %s (%s, %s), ko %s (%s, %s)\n' \
    "$([ "$ga" = "$gb" ] && echo identical || echo DIFFERENT)" "${ga:7:12}" "${gb:7:12}" \
    "$([ "$ka" = "$kb" ] && echo identical || echo DIFFERENT)" "${ka:7:12}" "${kb:7:12}"
  printf '  SBOM, gsimage: %s\n  SBOM, ko:      %s\n' "$sg" "$sk"

  r=$(ko_ratio "$cg" "$cko")
  summarize "vs ko, $name: cold build ms" "$cg" "ko $cko" "$r" "-" "-"
  r=$(ko_ratio "$ng" "$nko")
  summarize "vs ko, $name: no-op rebuild ms" "$ng" "ko $nko" "$r" "<= 0.5" "$(ko_met "$r" 0.5)"
  r=$(ko_ratio "$eg" "$eko")
  summarize "vs ko, $name: one-line edit ms" "$eg" "ko $eko" "$r" "<= 0.5" "$(ko_met "$r" 0.5)"
  r=$(awk -v a="$bytes_g" -v b="$bytes_ko" 'BEGIN { printf "%.3f", a / b }')
  summarize "vs ko, $name: image bytes pulled" "$bytes_g" "ko $bytes_ko" "$r" "<= 1" "$(ko_met "$r" 1)"
  summarize "vs ko, $name: bytes, ko with -s -w" "$bytes_g" "ko $bytes_sw" \
    "$(awk -v a="$bytes_g" -v b="$bytes_sw" 'BEGIN { printf "%.3f", a / b }')" "-" "-"
  summarize "vs ko, $name: digest, 2 checkout dirs" \
    "$([ "$ga" = "$gb" ] && echo identical || echo different)" \
    "ko $([ "$ka" = "$kb" ] && echo identical || echo different)" "-" "identical" \
    "$([ "$ga" = "$gb" ] && echo met || echo MISSED)"
  summarize "vs ko, $name: SBOM" "$(ko_sbom_brief "$sg")" "ko $(ko_sbom_brief "$sk")" "-" "-" "-"
  rm -rf "$d"
}
# ko_sbom_brief LINE: the summary line cut to fit a table cell.
ko_sbom_brief() {
  printf '%s\n' "$1" | sed -e 's/ packages, \([0-9]*\) Go modules/ pkgs, \1 mods/' \
    -e 's/; main module version: [^;]*//' -e 's/Go version: /go: /' -e 's/; C side: none//' \
    -e 's/; C side: .*/; C side: yes/'
}

# ko_run_image LAYOUT DIGEST: unpack the image into LAYOUT.root and run its
# entrypoint there (chroot, as the image's user) when root, else natively;
# prints "runs ..." or "fails ..." and the first line of its output.
ko_run_image() {
  python3 - "$1" "$2" "$1.root" <<'PY'
import json, os, subprocess, sys
layout, digest, root = sys.argv[1:4]
def path(d):
    return os.path.join(layout, "blobs", "sha256", d.split(":", 1)[1])
m = json.load(open(path(digest)))
cfg = json.load(open(path(m["config"]["digest"])))["config"]
os.makedirs(root)
for l in m["layers"]:
    subprocess.run(["tar", "-xzf", path(l["digest"]), "-C", root], check=True,
                   stderr=subprocess.DEVNULL)
ep = cfg["Entrypoint"][0]
if os.getuid() == 0:
    argv, how = ["chroot", "--userspec=" + cfg.get("User", "0"), root, ep], "in its image (chroot)"
else:
    argv, how = [root + ep], "natively"
try:
    p = subprocess.run(argv, capture_output=True, text=True)
    rc, out = p.returncode, (p.stdout or p.stderr).strip().splitlines()
except OSError as e:
    rc, out = 127, [str(e)]
print("%s %s: %s" % ("runs" if rc == 0 else "fails (exit %d)" % rc, how, out[0] if out else ""))
PY
}
# ko_entry_verify LAYOUT DIGEST: gsimage verify of the entrypoint that
# ko_run_image unpacked, without the file name.
ko_entry_verify() {
  local ep
  ep=$(python3 - "$1" "$2" <<'PY'
import json, os, sys
def path(d):
    return os.path.join(sys.argv[1], "blobs", "sha256", d.split(":", 1)[1])
m = json.load(open(path(sys.argv[2])))
print(json.load(open(path(m["config"]["digest"])))["config"]["Entrypoint"][0])
PY
  )
  # exit 1 for a binary that is not static: the finding is what counts
  { "$G" verify "$1.root$ep" 2>/dev/null || true; } | sed 's/^[^:]*: //'
}

# ko_cgo: testdata/cgonet, gsimage and ko (CGO_ENABLED unset and =1).
ko_cgo() {
  local d="$KO_W/cgonet" gres kres gshort=FAILS kshort=fails run ver
  cp -r "$ROOT/testdata/cgonet" "$d"
  if ko_gs "$d" . "$d/oci-g"; then
    run=$(ko_run_image "$d/oci-g" "$KO_DIGEST"); ver=$(ko_entry_verify "$d/oci-g" "$KO_DIGEST")
    gres="builds; $run; $ver"; gshort="builds, ${run%% *}, ${ver%%,*}"
  else
    gres="FAILS"
  fi
  if ko_ko "$d" . "$d/oci-ko0" 2>/dev/null; then kres="CGO_ENABLED unset: builds"; else
    kres="CGO_ENABLED unset: fails ($(grep -o 'build constraints exclude all Go files' "$KO_W/err" || tail -1 "$KO_W/err"))"
  fi
  if ko_ko "$d" . "$d/oci-ko" CGO_ENABLED=1; then
    run=$(ko_run_image "$d/oci-ko" "$KO_DIGEST"); ver=$(ko_entry_verify "$d/oci-ko" "$KO_DIGEST")
    kres="$kres; CGO_ENABLED=1: builds; $run; $ver"; kshort="builds, ${run%% *}, ${ver%%,*}"
  else
    kres="$kres; CGO_ENABLED=1: fails"
  fi
  echo "cgo (testdata/cgonet):"
  printf '  gsimage: %s\n  ko:      %s\n' "$gres" "$kres"
  summarize "vs ko, cgonet (cgo): result" "$gshort" "ko (CGO_ENABLED=1) $kshort" "-" \
    "builds, runs, static" "$([ "$gshort" = "builds, runs, static" ] && echo met || echo MISSED)"
  rm -rf "$d"
}

bench_ko_rows() {
  KO=${KO:-$ROOT/.toolchain/bin/ko}
  [ -x "$KO" ] || KO=$(command -v ko || true)
  if [ -z "$KO" ]; then
    echo "gsimage vs ko: SKIP, ko not installed (scripts/bootstrap installs it through the Go module proxy)"
    summarize "vs ko" "-" "-" "-" "-" "SKIP: no ko"
    return 0
  fi
  local t
  for t in docker-registry skopeo curl python3; do
    command -v "$t" >/dev/null || { echo "gsimage vs ko: SKIP, $t not installed"; summarize "vs ko" "-" "-" "-" "-" "SKIP: no $t"; return 0; }
  done
  rm -rf "$KO_W" && mkdir "$KO_W" # a stale one: an earlier run with this pid
  ko_base || return 1
  mkdir "$KO_W/strip" # a ko configuration that strips, for one size row
  printf 'defaultLdflags:\n- -s\n- -w\n' >"$KO_W/strip/.ko.yaml"
  echo "gsimage vs ko ($("$KO" version), $(go env GOVERSION)): base $KO_BASE, the essentials layer of gsimage"
  local programs=" ${BENCH_KO_PROGRAMS:-hello httpd gojq cgonet} " gojq=""
  case $programs in *" hello "*) ko_program hello "$ROOT/testdata/hello" . main.go ;; esac
  case $programs in *" httpd "*) ko_program httpd "$ROOT/testdata/httpd" . main.go ;; esac
  case $programs in *" gojq "*) ;; *) gojq=skip ;; esac
  if [ "$gojq" = skip ]; then
    :
  elif gojq=$(cd "$ROOT/tests/bench/ko/gojq" && { go mod download -json github.com/itchyny/gojq 2>&1 || true; } |
      python3 -c 'import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    d = {}
if not d.get("Dir"):
    print(d.get("Error", "no answer"), file=open(sys.argv[1], "w"))
    sys.exit(1)
print(d["Dir"])' "$KO_W/err"); then
    ko_program gojq "$gojq" ./cmd/gojq cli/cli.go
  else
    echo "gsimage vs ko: gojq SKIP, the Go module proxy cannot be reached: $(tail -1 "$KO_W/err")"
    summarize "vs ko, gojq" "-" "-" "-" "-" "SKIP: no proxy"
  fi
  case $programs in *" cgonet "*) ko_cgo ;; esac
}
