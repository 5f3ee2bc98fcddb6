#!/usr/bin/env bash
# Scratch images that work in production: the essentials layer (nonroot
# user, /tmp, CA bundle, /etc/hosts), --bare, --add, --ca-certs with a real
# TLS handshake, layer sharing, the image configuration flags, docker and
# OCI archives, and --add paths that must be refused.  Containers run under
# the real runc from bundles made by the real umoci.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

RUNC_ROOT="$WORK/runc"
SERVER_PID=
CONTAINERS=()
cleanup_script() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  for c in "${CONTAINERS[@]}"; do runc --root "$RUNC_ROOT" delete -f "$c" >/dev/null 2>&1; done
}

ADD_DATA=testdata/prodcheck/data:srv/data

# --- small helpers --------------------------------------------------------

# oci DIR REF WHAT [ARCH]: the manifest, config or layer digests of tag REF
# (ARCH picks from an index; default amd64) as JSON.
oci() { layout get "$@"; }
# pyq JSON EXPR: true when EXPR (python, the document is j) holds.
pyq() { "$PY" -c 'import json,sys; j=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

# pyget JSON EXPR: print repr(EXPR), to embed in another pyq expression.
pyget() { "$PY" -c 'import json,sys; j=json.loads(sys.argv[1]); print(repr(eval(sys.argv[2])))' "$1" "$2"; }

# line NAME: the "NAME: ..." line of the last container run.
line() { printf '%s\n' "$OUT" | grep "^$1: " | head -1; }
line_ok() { contains "$(line "$1")" "$1: ok"; }
line_fail() { contains "$(line "$1")" "$1: FAIL: ${2:-}"; }


# container NAME DIR REF [hostnet] [-- ARGS...]: unpack tag REF of layout
# DIR with umoci into a bundle, make it non-interactive (and share the
# host's network namespace with hostnet), replace the process arguments
# after the entrypoint with ARGS, and run it under runc with a timeout.
# Sets OUT/ERR/RC from runc; RC=125 when the bundle could not be made.
N_CONTAINER=0
container() {
  local name=$1 dir=$2 ref=$3 hostnet=0 bundle
  shift 3
  if [ "${1:-}" = hostnet ]; then hostnet=1; shift; fi
  [ "${1:-}" = -- ] && shift
  bundle="$WORK/bundle-$name"
  rm -rf "$bundle"
  if ! umoci unpack --image "$dir:$ref" "$bundle" >"$WORK/.umoci" 2>&1; then
    RC=125 OUT="" ERR="umoci unpack: $(tail -3 "$WORK/.umoci")"
    return
  fi
  if ! "$PY" - "$bundle/config.json" "$hostnet" "$@" <<'EOF'
import json, sys
path, hostnet, args = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
c = json.load(open(path))
c["process"]["terminal"] = False
if hostnet:
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
if args:
    c["process"]["args"] = c["process"]["args"][:1] + args
json.dump(c, open(path, "w"))
EOF
  then
    RC=125 OUT="" ERR="could not edit $bundle/config.json"
    return
  fi
  N_CONTAINER=$((N_CONTAINER + 1))
  local id="gsimage-prod-$$-$N_CONTAINER"
  CONTAINERS+=("$id")
  run timeout 60 runc --root "$RUNC_ROOT" run -b "$bundle" "$id"
  runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1
}

# --- can runc run a container here at all? ------------------------------
L="$WORK/oci"
RUNC_SKIP=
if ! has runc; then RUNC_SKIP="runc not installed"
elif ! has umoci; then RUNC_SKIP="umoci not installed"
elif [ "$(id -u)" != 0 ]; then RUNC_SKIP="runc and umoci unpack need root here (uid $(id -u))"
else
  build -o "$L" -t probe:bare --bare testdata/hello
  if [ "$RC" != 0 ]; then
    RUNC_SKIP="could not build the probe image: $(printf '%s' "$ERR" | tail -1)"
  else
    container probe "$L" probe:bare
    [ "$RC" = 0 ] && [ "$OUT" = "hello from gsimage" ] ||
      RUNC_SKIP="runc cannot start a trivial container here (rc=$RC: $(printf '%s' "$ERR" | tail -2 | tr '\n' ' '))"
  fi
fi
# runc_checks DESC: false (after a skip with the reason) when runc is unusable.
runc_ok() { [ -z "$RUNC_SKIP" ] && return 0; skip "$1: $RUNC_SKIP"; return 1; }

# --- 1. default essentials: everything works as nonroot ------------------
build -o "$L" -t prod:default --add "$ADD_DATA" testdata/prodcheck
check "build prodcheck with the default essentials and --add" [ "$RC" = 0 ]
CFG=$(oci "$L" prod:default config)
check "default image runs as 65532:65532" pyq "$CFG" 'j["config"]["User"] == "65532:65532"'
check "default image sets SSL_CERT_FILE to the bundle" \
  pyq "$CFG" '"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in j["config"]["Env"]'
if runc_ok "default image under runc"; then
  container default "$L" prod:default
  check "default: prodcheck exits 0 under runc" [ "$RC" = 0 ]
  check "default: process runs as uid/gid 65532" '[ "$(line uid)" = "uid: ok 65532:65532" ]'
  check "default: os/user Current() is nonroot with its home" \
    '[ "$(line user)" = "user: ok uid=65532 name=nonroot home=/home/nonroot" ]'
  check "default: os/user LookupId(65532) finds nonroot" '[ "$(line lookupid)" = "lookupid: ok name=nonroot" ]'
  check "default: os.CreateTemp(\"\") works in /tmp" 'contains "$(line tmp)" "tmp: ok /tmp/prodcheck-"'
  check "default: nonroot can write its home directory" '[ "$(line home)" = "home: ok /home/nonroot" ]'
  hostcerts=$(grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt 2>/dev/null)
  check "default: system cert pool holds the host's $hostcerts CAs" '[ "$(line certs)" = "certs: ok $hostcerts" ]'
  check "default: file added with --add is readable" '[ "$(line data)" = "data: ok hello from an added file" ]'
  check "default: localhost resolves from the image's /etc/hosts" 'line_ok dns && contains "$(line dns)" 127.0.0.1'
  check "default: no zoneinfo without --tzdata" 'line_fail tz'
  R="$WORK/bundle-default/rootfs"
  check "default rootfs: /tmp is 1777 root:root" '[ "$(stat -c %a:%u:%g "$R/tmp")" = 1777:0:0 ]'
  check "default rootfs: /home/nonroot is 700 owned by 65532" \
    '[ "$(stat -c %a:%u:%g "$R/home/nonroot")" = 700:65532:65532 ]'
  check "default rootfs: CA bundle is the host's, byte for byte" \
    cmp -s "$R/etc/ssl/certs/ca-certificates.crt" /etc/ssl/certs/ca-certificates.crt
  check "default rootfs: --add file is 0644 root:root" \
    '[ "$(stat -c %a:%u:%g "$R/srv/data/hello.txt")" = 644:0:0 ]'
fi

# --- the same with cgo: musl's getpwuid and getaddrinfo -----------------
build -o "$L" -t prod:cgo --cgo on --add "$ADD_DATA" testdata/prodcheck
check "build prodcheck with --cgo on" [ "$RC" = 0 ]
if runc_ok "cgo image under runc"; then
  container cgo "$L" prod:cgo
  check "cgo: prodcheck exits 0 under runc" [ "$RC" = 0 ]
  check "cgo: musl getpwuid finds nonroot" \
    '[ "$(line user)" = "user: ok uid=65532 name=nonroot home=/home/nonroot" ] && line_ok lookupid'
  check "cgo: /tmp, home, certs and --add file work" 'line_ok tmp && line_ok home && line_ok certs && line_ok data'
  check "cgo: musl resolves localhost" 'line_ok dns'
fi

# --- --tzdata ------------------------------------------------------------
build -o "$L" -t prod:tz --tzdata --add "$ADD_DATA" testdata/prodcheck
check "build prodcheck with --tzdata" [ "$RC" = 0 ]
if runc_ok "--tzdata image under runc"; then
  container tz "$L" prod:tz
  check "--tzdata: time.LoadLocation(Europe/Berlin) works" '[ "$(line tz)" = "tz: ok Europe/Berlin" ]'
fi

# --- 2. --bare: only the binary and --add; the expected failures --------
build -o "$L" -t prod:bare --bare --add "$ADD_DATA" testdata/prodcheck
check "build prodcheck --bare" [ "$RC" = 0 ]
LAYERS=$(oci "$L" prod:bare layers)
check "--bare image has exactly one layer" pyq "$LAYERS" 'len(j) == 1'
CFG=$(oci "$L" prod:bare config)
check "--bare image does not set SSL_CERT_FILE" \
  pyq "$CFG" 'not any(e.startswith("SSL_CERT_FILE=") for e in j["config"]["Env"])'
if runc_ok "--bare image under runc"; then
  container bare "$L" prod:bare
  check "--bare: prodcheck still runs" [ "$RC" = 0 ]
  check "--bare: user lookup fails without /etc/passwd" \
    'line_fail lookupid && { contains "$(line lookupid)" "unknown userid" || contains "$(line lookupid)" /etc/passwd; }'
  check "--bare: os/user Current() fails" 'line_fail user'
  check "--bare: os.CreateTemp fails (no /tmp)" 'line_fail tmp && contains "$(line tmp)" /tmp/'
  check "--bare: system cert pool is empty" 'line_fail certs'
  check "--bare: localhost does not resolve" 'line_fail dns'
  check "--bare: the --add file still works" '[ "$(line data)" = "data: ok hello from an added file" ]'
  check "--bare rootfs holds only the binary and the added tree" \
    '[ "$(cd "$WORK/bundle-bare/rootfs" && find . -type f | sort | tr "\n" " ")" = "./srv/data/hello.txt ./usr/local/bin/prodcheck " ]'
fi

# --- 4. TLS end to end: --ca-certs with a test CA, --no-ca-certs --------
tls_skip=
has openssl || tls_skip="openssl not installed"
has go || tls_skip="${tls_skip:-go not installed (needed for the test server)}"
if [ -z "$tls_skip" ]; then
  T="$WORK/tls"
  mkdir -p "$T"
  if ! {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 \
      -subj "/CN=gsimage test CA" &&
      openssl req -newkey rsa:2048 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" -subj "/CN=localhost" &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$T/ext.cnf" &&
      openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
        -out "$T/srv.pem" -days 2 -extfile "$T/ext.cnf"
  } >"$T/openssl.log" 2>&1; then
    tls_skip="openssl could not make the test certificates: $(tail -2 "$T/openssl.log" | tr '\n' ' ')"
  elif ! (cd testdata/tlsserver && timeout 120 go build -o "$T/tlsserver" .) >"$T/go.log" 2>&1; then
    tls_skip="go build testdata/tlsserver failed: $(tail -2 "$T/go.log" | tr '\n' ' ')"
  fi
fi
if [ -n "$tls_skip" ]; then
  skip "TLS end to end: $tls_skip"
else
  "$T/tlsserver" "$T/srv.pem" "$T/srv.key" "$T/port" 2>"$T/server.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
  PORT=$(cat "$T/port" 2>/dev/null)
  check "test HTTPS server listens on 127.0.0.1" '[ -n "$PORT" ] && kill -0 "$SERVER_PID"'

  build -o "$L" -t prod:testca --ca-certs "$T/ca.pem" testdata/prodcheck
  check "build with --ca-certs test CA" [ "$RC" = 0 ]
  build -o "$L" -t prod:noca --no-ca-certs testdata/prodcheck
  check "build with --no-ca-certs" [ "$RC" = 0 ]
  CFG=$(oci "$L" prod:noca config)
  check "--no-ca-certs image does not set SSL_CERT_FILE" \
    pyq "$CFG" 'not any(e.startswith("SSL_CERT_FILE=") for e in j["config"]["Env"])'
  if [ -n "$PORT" ] && runc_ok "TLS end to end under runc"; then
    container testca "$L" prod:testca hostnet -- "https://127.0.0.1:$PORT/"
    check "--ca-certs: prodcheck exits 0 on the host network" [ "$RC" = 0 ]
    check "--ca-certs: the pool is exactly the test CA" '[ "$(line certs)" = "certs: ok 1" ]'
    check "--ca-certs: HTTPS GET to 127.0.0.1 verifies the chain, as nonroot" \
      '[ "$(line https)" = "https: ok hello over tls" ] && [ "$(line uid)" = "uid: ok 65532:65532" ]'
    container testca-name "$L" prod:testca hostnet -- "https://localhost:$PORT/"
    check "--ca-certs: HTTPS GET to localhost (DNS SAN, /etc/hosts) verifies" \
      '[ "$(line https)" = "https: ok hello over tls" ]'
    container noca "$L" prod:noca hostnet -- "https://127.0.0.1:$PORT/"
    check "--no-ca-certs: the pool is empty" 'line_fail certs'
    check "--no-ca-certs: HTTPS GET fails with x509 unknown authority" \
      'line_fail https && contains "$(line https)" "x509: certificate signed by unknown authority"'
    container default-tls "$L" prod:default hostnet -- "https://127.0.0.1:$PORT/"
    check "host CA bundle alone does not trust the test CA" \
      'contains "$(line https)" "x509: certificate signed by unknown authority"'
  fi
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
fi

# --- 5. the essentials layer is shared between apps ----------------------
L2="$WORK/oci2"
build -o "$L2" -t hello:default testdata/hello
check "build hello with the default essentials into a second layout" [ "$RC" = 0 ]
ESS_PROD=$(oci "$L" prod:default layers)
ESS_HELLO=$(oci "$L2" hello:default layers)
check "hello and prodcheck share the first (essentials) layer" \
  '[ "$("$PY" -c "import json,sys; print(json.loads(sys.argv[1])[0])" "$ESS_PROD")" = "$("$PY" -c "import json,sys; print(json.loads(sys.argv[1])[0])" "$ESS_HELLO")" ]'
check "their app layers differ" \
  '[ "$("$PY" -c "import json,sys; print(json.loads(sys.argv[1])[1])" "$ESS_PROD")" != "$("$PY" -c "import json,sys; print(json.loads(sys.argv[1])[1])" "$ESS_HELLO")" ]'
first() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1])[0])' "$(oci "$1" "$2" layers)"; }
E_DEFAULT=$(first "$L2" hello:default)
run "$GSIMAGE" inspect --json "$L2:hello:default"
check "gsimage inspect --json agrees on the essentials digest" \
  'pyq "$OUT" "j[0][\"images\"][0][\"layers\"][0][\"digest\"] == \"$E_DEFAULT\""'
SOURCE_DATE_EPOCH=1700000000 build -o "$L2" -t hello:epoch testdata/hello
check "the essentials layer does not depend on SOURCE_DATE_EPOCH" '[ "$(first "$L2" hello:epoch)" = "$E_DEFAULT" ]'
build -o "$L2" -t hello:tz --tzdata testdata/hello
check "--tzdata gives a different essentials layer" \
  '[ "$RC" = 0 ] && [ "$(first "$L2" hello:tz)" != "$E_DEFAULT" ] && [ "$(first "$L2" hello:tz)" = "$(first "$L" prod:tz)" ]'
build -o "$L2" -t hello:noca --no-ca-certs testdata/hello
check "--no-ca-certs gives a different essentials layer" \
  '[ "$RC" = 0 ] && [ "$(first "$L2" hello:noca)" != "$E_DEFAULT" ] && [ "$(first "$L2" hello:noca)" != "$(first "$L2" hello:tz)" ]'
if [ -z "$tls_skip" ]; then
  check "--ca-certs gives a different essentials layer" '[ "$(first "$L" prod:testca)" != "$E_DEFAULT" ]'
fi
build -o "$L2" -t hello:bare --bare testdata/hello
check "--bare hello has exactly one layer, not the essentials" \
  '[ "$RC" = 0 ] && pyq "$(oci "$L2" hello:bare layers)" "len(j) == 1" && [ "$(first "$L2" hello:bare)" != "$E_DEFAULT" ]'
run "$GSIMAGE" build -o "$L2" --bare --ca-certs /etc/hostname testdata/hello
check "--bare with --ca-certs is a usage error" '[ "$RC" = 2 ] && one_error_line'

# --- 6. image configuration flags ----------------------------------------
build -o "$L2" -t hello:cfg --entrypoint /app --entrypoint -v --cmd serve --cmd --port=8080 \
  --env FOO=bar --env PATH=/app-bin --user 1000:1000 --workdir /srv/data --label a=b \
  --label org.example.team=infra --annotation x=y --annotation org.opencontainers.image.version=9.9 \
  --expose 8080 --expose 53/udp --stop-signal SIGINT --binary-path /app testdata/hello
check "build with every configuration flag" [ "$RC" = 0 ]
CFG=$(oci "$L2" hello:cfg config)
MAN=$(oci "$L2" hello:cfg manifest)
check "config Entrypoint is exactly --entrypoint" pyq "$CFG" 'j["config"]["Entrypoint"] == ["/app", "-v"]'
check "config Cmd is exactly --cmd" pyq "$CFG" 'j["config"]["Cmd"] == ["serve", "--port=8080"]'
check "config Env: --env PATH replaces the default in place, then SSL_CERT_FILE, FOO" \
  pyq "$CFG" 'j["config"]["Env"] == ["PATH=/app-bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "FOO=bar"]'
check "config User, WorkingDir and StopSignal" \
  pyq "$CFG" 'j["config"]["User"] == "1000:1000" and j["config"]["WorkingDir"] == "/srv/data" and j["config"]["StopSignal"] == "SIGINT"'
check "config Labels are exactly the --label pairs" \
  pyq "$CFG" 'j["config"]["Labels"] == {"a": "b", "org.example.team": "infra"}'
check "config ExposedPorts: 8080/tcp and 53/udp" \
  pyq "$CFG" 'j["config"]["ExposedPorts"] == {"8080/tcp": {}, "53/udp": {}}'
check "history names the binary path" pyq "$CFG" '"/app" in j["history"][-1]["created_by"]'
check "manifest annotations: created, title, base.name and the custom one" \
  pyq "$MAN" '{k: j["annotations"].get(k) for k in ("org.opencontainers.image.created", "org.opencontainers.image.title", "org.opencontainers.image.base.name", "x")} == {"org.opencontainers.image.created": "1970-01-01T00:00:00Z", "org.opencontainers.image.title": "hello", "org.opencontainers.image.base.name": "scratch", "x": "y"}'
check "--annotation overrides org.opencontainers.image.version" \
  pyq "$MAN" 'j["annotations"]["org.opencontainers.image.version"] == "9.9"'
if runc_ok "--binary-path image under runc"; then
  build -o "$L2" -t hello:binpath --binary-path /app testdata/hello
  container binpath "$L2" hello:binpath
  check "--binary-path /app: the entrypoint runs" '[ "$RC" = 0 ] && [ "$OUT" = "hello from gsimage" ]'
fi
CFG=$(oci "$L2" hello:default config)
check "without flags: no Cmd, Labels, ExposedPorts or StopSignal" \
  pyq "$CFG" 'not any(k in j["config"] for k in ("Cmd", "Labels", "ExposedPorts", "StopSignal")) and j["config"]["Entrypoint"] == ["/usr/local/bin/hello"] and j["config"]["WorkingDir"] == "/"'
for bad in "--expose 0" "--expose 80/sctp" "--env =x" "--label nokey" "--workdir srv" \
  "--stop-signal TERM" "--binary-path /usr/bin/" "--binary-path /"; do
  # shellcheck disable=SC2086
  run "$GSIMAGE" build -o "$L2" $bad testdata/hello
  check "bad '$bad' is a usage error" '[ "$RC" = 2 ] && one_error_line'
done

# --- 7. docker-archive and oci-archive ------------------------------------
if has skopeo; then
  build -o "$L2" -t arch:one --docker-archive "$WORK/one.tar" --oci-archive "$WORK/oci.tar" testdata/hello
  check "build with --docker-archive and --oci-archive" [ "$RC" = 0 ]
  TOP=$OUT
  CFG=$(oci "$L2" arch:one config)
  run skopeo inspect "docker-archive:$WORK/one.tar"
  check "skopeo inspects the docker archive (amd64)" '[ "$RC" = 0 ] && pyq "$OUT" "j[\"Architecture\"] == \"amd64\""'
  WANT=$(pyget "$CFG" 'j["rootfs"]["diff_ids"]')
  check "docker archive layers equal the OCI config's diff_ids" pyq "$OUT" "j['Layers'] == $WANT"
  check "docker archive manifest.json names the tag" \
    'contains "$(tar -xOf "$WORK/one.tar" manifest.json)" "\"docker.io/library/arch:one\""'
  run skopeo inspect "oci-archive:$WORK/oci.tar:arch:one"
  check "skopeo inspects the oci archive by tag" '[ "$RC" = 0 ] && pyq "$OUT" "j[\"Digest\"] == \"$TOP\""'
  if runc_ok "docker archive round trip under runc"; then
    run skopeo copy "docker-archive:$WORK/one.tar" "oci:$WORK/fromdocker:back"
    check "skopeo copies the docker archive to a layout" [ "$RC" = 0 ]
    container fromdocker "$WORK/fromdocker" back
    check "the image from the docker archive runs under runc" '[ "$RC" = 0 ] && [ "$OUT" = "hello from gsimage" ]'
  fi

  build -o "$L2" -t arch:two --platform linux/amd64,linux/arm64 \
    --docker-archive "$WORK/two.tar" --docker-platform linux/arm64 testdata/hello
  check "two platforms with --docker-platform linux/arm64" [ "$RC" = 0 ]
  run skopeo inspect --config "docker-archive:$WORK/two.tar"
  check "docker archive config says arm64" '[ "$RC" = 0 ] && pyq "$OUT" "j[\"architecture\"] == \"arm64\""'
  CFG=$(oci "$L2" arch:two config arm64)
  WANT=$(pyget "$CFG" 'j["rootfs"]["diff_ids"]')
  check "arm64 archive diff_ids equal the arm64 OCI config's" pyq "$OUT" "j['rootfs']['diff_ids'] == $WANT"
  run "$GSIMAGE" build -o "$L2" -t arch:bad --docker-archive "$WORK/bad.tar" --docker-platform linux/riscv64 testdata/hello
  check "--docker-platform not among the built platforms is refused" \
    '[ "$RC" != 0 ] && one_error_line && [ ! -e "$WORK/bad.tar" ]'
  run "$GSIMAGE" build -o "$L2" --docker-platform linux/arm64 testdata/hello
  check "--docker-platform without --docker-archive is a usage error" '[ "$RC" = 2 ] && one_error_line'
else
  skip "docker-archive / oci-archive: skopeo not installed"
fi

# --- 8. --add paths that must be refused, layout untouched ---------------
mkdir -p "$WORK/escape/sub"
echo fine >"$WORK/escape/sub/ok.txt"
ln -s /etc/passwd "$WORK/escape/sub/passwd"
mkdir -p "$WORK/updir/a"
ln -s ../../outside "$WORK/updir/a/up"
# up -> .. stays inside, but up/../.. climbs out: only resolving shows it
mkdir -p "$WORK/sneaky/a"
ln -s .. "$WORK/sneaky/a/up"
ln -s up/../.. "$WORK/sneaky/a/link"
mkdir -p "$WORK/badname"
echo x >"$WORK/badname/$(printf 'h\377x')"
BEFORE=$(file_sums "$L")
for case in "missing source|$WORK/missing:srv/x" "'..' destination|testdata/prodcheck/data:../etc" \
  "destination climbing out through ..|testdata/prodcheck/data:srv/../../etc" \
  "absolute destination|testdata/prodcheck/data:/etc" "symlink to /etc/passwd in the tree|$WORK/escape:srv/escape" \
  "relative symlink out of the tree|$WORK/updir:srv/updir" \
  "symlink out of the tree through another link|$WORK/sneaky:srv/sneaky" \
  "file name that is not UTF-8|$WORK/badname:srv/badname" \
  "directory over the binary's path|testdata/prodcheck/data:usr/local/bin/prodcheck"; do
  what=${case%%|*} spec=${case#*|}
  # --tzdata --no-ca-certs: a new essentials layer, which must not be written either
  run "$GSIMAGE" build -o "$L" -t prod:bad --tzdata --no-ca-certs --add "$spec" testdata/prodcheck
  check "--add with a $what is refused with one error line" '[ "$RC" != 0 ] && one_error_line'
  check "--add with a $what leaves the layout byte-identical" '[ "$(file_sums "$L")" = "$BEFORE" ]'
done
run "$GSIMAGE" build -o "$L" --add "$WORK/escape:srv/escape" testdata/prodcheck
check "a symlink escape is refused before compiling, naming the link's target" \
  '[ "$RC" = 2 ] && contains "$ERR" "/etc/passwd" && ! contains "$ERR" compiling'
SNEAKY_MSG="symlink '$WORK/sneaky/a/link' points to 'up/../..', outside '$WORK/sneaky'"
run "$GSIMAGE" build -o "$L" --add "$WORK/sneaky:srv/sneaky" testdata/prodcheck
check "a symlink escaping through another link is a usage error naming it" \
  '[ "$RC" = 2 ] && contains "$ERR" "$SNEAKY_MSG"'
# named with the bad byte shown as U+FFFD
BADNAME_MSG="'$WORK/badname/h$(printf '\357\277\275')x' has a name that is not valid UTF-8"
run "$GSIMAGE" build -o "$L" --add "$WORK/badname:srv/badname" testdata/prodcheck
check "a file name that is not UTF-8 is a usage error naming it, before compiling" \
  '[ "$RC" = 2 ] && contains "$ERR" "$BADNAME_MSG" && ! contains "$ERR" compiling'

# --- the flags are documented --------------------------------------------
run "$GSIMAGE" build --help
for flag in --entrypoint --cmd --env --user --workdir --label --annotation --expose --stop-signal \
  --binary-path --bare --ca-certs --no-ca-certs --tzdata --add --docker-archive --docker-platform \
  --oci-archive; do
  contains "$OUT" "  $flag " || missing="${missing:-} $flag"
done
check "build --help lists every configuration, file system and export flag${missing:+ (missing:$missing)}" \
  '[ "$RC" = 0 ] && [ -z "${missing:-}" ]'

