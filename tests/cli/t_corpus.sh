#!/usr/bin/env bash
# Two programs of the corpus (testdata/corpus, see tests/corpus/run) built
# through the Go module proxy: golang-migrate with SQLite (go-sqlite3's
# bundled C, cgo) and hey (pure Go).  Verified static, their own smoke
# commands natively, under qemu and runc, layouts validated.  Skips with the
# reason when the proxy cannot be reached.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
export GOTOOLCHAIN=auto
CORPUS_PY="$ROOT/tests/corpus/layout.py"
QEMU=qemu-aarch64-static

# --- can the proxy be reached? ---------------------------------------------
proxy=$(go env GOPROXY 2>/dev/null | cut -d, -f1 | cut -d'|' -f1)
case $proxy in
  http://* | https://*)
    if ! curl -sf --max-time 10 -o /dev/null "$proxy/github.com/rakyll/hey/@v/v0.1.5.info"; then
      skip "corpus: the Go module proxy $proxy cannot be reached"
      exit 0
    fi ;;
  *) skip "corpus: GOPROXY is '$proxy', not a proxy to fetch the corpus from"; exit 0 ;;
esac

# The pins ask for a newer Go than Debian's 1.19, which cannot fetch one.
GOV=$(go env GOVERSION 2>/dev/null)
if [ "$(sed -E 's/^go1\.([0-9]+).*/\1/' <<<"$GOV")" -lt 21 ] 2>/dev/null; then
  skip "corpus: $GOV cannot fetch the Go these modules ask for (GOTOOLCHAIN needs Go >= 1.21)"
  exit 0
fi

# corpus_build NAME DIR PLATFORMS PKG [OPTIONS...]: gsimage build in a copy
# of testdata/corpus/DIR into $WORK/oci-NAME, tag corpus/NAME:test.
corpus_build() {
  local name=$1 dir=$2 plats=$3 pkg=$4
  shift 4
  cp -r "testdata/corpus/$dir" "$WORK/src-$name"
  run env -C "$WORK/src-$name" "$GSIMAGE" build -o "$WORK/oci-$name" -t "corpus/$name:test" \
    --platform "$plats" "$@" "$pkg"
}
# binary NAME ARCH: extract the image's binary to $WORK/bin-NAME-ARCH.
binary() {
  /usr/bin/python3 "$CORPUS_PY" extract "$WORK/oci-$1" "corpus/$1:test" "$2" '*' "$WORK/bin-$1-$2"
}
verified_static() { # FILE PLATFORM
  run "$GSIMAGE" verify --platform "$2" "$1"
  [ "$RC" = 0 ] && contains "$OUT" static
}
validated() { check_valid "$1: oci-validate accepts the layout" "$WORK/oci-$1" -- --tag "corpus/$1:test"; } # NAME
runc_usable || skip "runc: $RUNC_SKIP"

# --- SQLite through go-sqlite3 v1.14.53, cgo with bundled C -----------------
# "version" against an empty database: migrate opens it with SQLite, creates
# its schema_migrations table and finds no migration.
MIGRATE_ARGS=(-path / -database "sqlite3:///tmp/t_corpus-$$.db" version)
corpus_build migrate migrate linux/amd64 github.com/golang-migrate/migrate/v4/cmd/migrate --tags sqlite3
check "migrate (SQLite, cgo): gsimage build through the proxy" [ "$RC" = 0 ]
if binary migrate amd64; then
  B="$WORK/bin-migrate-amd64"
  check "migrate: verified static" verified_static "$B" linux/amd64
  run go version -m "$B"
  check "migrate: cgo on, with go-sqlite3 v1.14.53" \
    'contains "$OUT" "CGO_ENABLED=1" && grep -q "github.com/mattn/go-sqlite3[[:space:]]*v1.14.53" <<<"$OUT"'
  run "$B" "${MIGRATE_ARGS[@]}"
  rm -f "/tmp/t_corpus-$$.db"
  check "migrate: SQLite opens a database natively" contains "$ERR$OUT" "no migration"
else
  fail "migrate: no binary in the image"
fi
validated migrate
if [ -z "$RUNC_SKIP" ]; then
  run_container "$WORK/oci-migrate" corpus/migrate:test "${MIGRATE_ARGS[@]}"
  check "migrate: SQLite opens a database under runc, as nonroot" contains "$ERR$OUT" "no migration"
fi

# --- pure Go: hey, amd64 and arm64 -------------------------------------------
# A load of one request on a closed port: hey reports the error.
HEY_ARGS=(-n 1 -c 1 http://127.0.0.1:9/)
corpus_build hey hey linux/amd64,linux/arm64 github.com/rakyll/hey
check "hey (pure Go): gsimage build for amd64 and arm64 through the proxy" [ "$RC" = 0 ]
for arch in amd64 arm64; do
  if binary hey $arch; then
    check "hey $arch: verified static" verified_static "$WORK/bin-hey-$arch" linux/$arch
  else
    fail "hey $arch: no binary in the image"
  fi
done
run go version -m "$WORK/bin-hey-amd64"
check "hey: pure Go (CGO_ENABLED=0)" contains "$OUT" "CGO_ENABLED=0"
run "$WORK/bin-hey-amd64" "${HEY_ARGS[@]}"
check "hey amd64: runs natively" contains "$OUT" "Error distribution"
if has $QEMU; then
  run $QEMU "$WORK/bin-hey-arm64" "${HEY_ARGS[@]}"
  check "hey arm64: runs under qemu" contains "$OUT" "Error distribution"
else
  skip "hey arm64: $QEMU not installed"
fi
validated hey
if [ -z "$RUNC_SKIP" ]; then
  run_container "$WORK/oci-hey" corpus/hey:test "${HEY_ARGS[@]}"
  check "hey: runs under runc" contains "$OUT" "Error distribution"
fi
