#!/usr/bin/env bash
# gsimage resolve on Kubernetes YAML: first against a recording skopeo
# (GSIMAGE_SKOPEO), its output compared as raw bytes (never through $(...),
# which strips trailing newlines); then against the real skopeo and a
# docker-registry on 127.0.0.1, and containerd pulling and running the
# resolved reference, the way a Kubernetes node does.  Every server listens
# on 127.0.0.1 only and is stopped at the end.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

REPO=registry.example.com/team
recording_skopeo
export GSIMAGE_SKOPEO="$WORK/skopeo"
L=$WORK/oci

# --- resolve -R: files joined as one stream, every byte kept ------------------
# a.yaml has no final newline; c/c.yaml starts with its own separator.
K=$WORK/k8s-stream # (the registry part below has its own k8s/)
mkdir -p "$K/c"
printf 'a: 1\nimage: gsimage://./testdata/hello' >"$K/a.yaml"
printf 'b: 2 # gsimage://./testdata/hello is not a value\nimage: "gsimage://./testdata/hello"\n' >"$K/b.yaml"
printf -- '---\nc: 3\n' >"$K/c/c.yaml"
rm -f "$WORK/skopeo.log"
"$GSIMAGE" resolve -q --cgo off -o "$L" -R -f "$K" --repo "$REPO" --insecure >"$WORK/resolved" 2>"$WORK/resolve.err"
RC=$? OUT=$(head -c 2000 "$WORK/resolved") ERR=$(cat "$WORK/resolve.err")
IMG=$(grep -o "$REPO/hello@sha256:[0-9a-f]\{64\}" "$WORK/resolved" | head -1)
printf 'a: 1\nimage: %s\n---\nb: 2 # gsimage://./testdata/hello is not a value\nimage: "%s"\n---\nc: 3\n' \
  "$IMG" "$IMG" >"$WORK/resolved.want"
check "resolve -R: a file without a final newline gets one before the next document's ---" \
  '[ "$RC" = 0 ] && [ -n "$IMG" ] && cmp "$WORK/resolved.want" "$WORK/resolved"'
[ -s "$WORK/resolved" ] && diff "$WORK/resolved.want" "$WORK/resolved" | head -10
check "resolve pushed the package once, with --preserve-digests" \
  '[ "$(grep -c "^--command-timeout=10m copy --all --preserve-digests .* docker://$REPO/hello" "$WORK/skopeo.log")" = 1 ]'
"$GSIMAGE" resolve -q --cgo off -o "$L" -f "$K/a.yaml" --repo "$REPO" --insecure >"$WORK/one" 2>"$WORK/resolve.err"
RC=$? OUT=$(cat "$WORK/one") ERR=$(cat "$WORK/resolve.err")
check "resolve of one file without a final newline adds none" \
  '[ "$RC" = 0 ] && cmp <(printf "a: 1\nimage: %s" "$IMG") "$WORK/one"'

# --- issue 16: options checked before any work ---------------------------------
E=$WORK/early
mkdir -p "$E"
printf 'image: gsimage://./testdata/hello\n' >"$E/one.yaml"
rm -f "$WORK/skopeo.log"
run "$GSIMAGE" resolve -q --cgo off -o "$E/oci" -f "$E/one.yaml" --repo "$REPO" -t 'bad tag!'
check "resolve -t with a bad tag: a usage error before anything is built" \
  '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "bad tag!" && [ ! -e "$E/oci" ] && [ ! -e "$WORK/skopeo.log" ]'
run "$GSIMAGE" resolve -q --cgo off -o "$E/oci" -f "$E/one.yaml" --repo "Registry.example.com/Team"
check "resolve --repo with uppercase: a usage error before anything is built" \
  '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "Team" && [ ! -e "$E/oci" ] && [ ! -e "$WORK/skopeo.log" ]'

# --- issue 16: one package however its path is spelled; ko:// stays ko:// ------
printf 'a: gsimage://./testdata/hello\nb: gsimage://./testdata/hello/\nc: ko://testdata/../testdata/hello\nd: gsimage://%s/testdata/hello\n' \
  "$ROOT" >"$E/spellings.yaml"
rm -f "$WORK/skopeo.log"
"$GSIMAGE" resolve -q --cgo off -o "$L" -f "$E/spellings.yaml" --repo "$REPO" >"$E/spellings.out" 2>"$E/err"
RC=$? OUT=$(cat "$E/spellings.out") ERR=$(cat "$E/err")
check "./testdata/hello, ./testdata/hello/, .. and an absolute path: one image" \
  '[ "$RC" = 0 ] && [ "$(grep -o "$REPO/hello@sha256:[0-9a-f]\{64\}" "$E/spellings.out" | sort -u | wc -l)" = 1 ] && [ "$(grep -c "@sha256:" "$E/spellings.out")" = 4 ]'
check "... built and pushed once" \
  '[ -s "$WORK/skopeo.log" ] && [ "$(grep -c "^--command-timeout=10m copy --all --preserve-digests .* docker://$REPO/hello" "$WORK/skopeo.log")" = 1 ]'
printf 'a: 1\nimage: ko://./testdata/no-such-program\n' >"$E/ko.yaml"
run "$GSIMAGE" resolve -q --cgo off -o "$L" -f "$E/ko.yaml" --repo "$REPO"
check "a ko:// reference is reported as ko://" \
  '[ "$RC" != 0 ] && one_error_line && contains "$ERR" "line 2: ko://./testdata/no-such-program" && ! contains "$ERR" "gsimage://"'

# --- issue 16: the joined stream stays valid YAML -----------------------------
J=$WORK/join
mkdir -p "$J"
printf 'a: 1\n' >"$J/1.yaml"
printf '%%YAML 1.1\n---\nb: 2\n' >"$J/2.yaml"
printf '# leading comment\n---\nc: 3\n' >"$J/3.yaml"
printf '# only a comment\n' >"$J/4.yaml"
printf '\xEF\xBB\xBFe: 5\n...\n' >"$J/5.yaml"
printf 'f: 6' >"$J/6.yaml"
"$GSIMAGE" resolve -q -f "$J" --repo "$REPO" >"$J/out" 2>"$J/err"
RC=$? OUT=$(cat "$J/out") ERR=$(cat "$J/err")
printf 'a: 1\n...\n%%YAML 1.1\n---\nb: 2\n# leading comment\n---\nc: 3\n# only a comment\n---\ne: 5\n...\n---\nf: 6' >"$J/want"
check "%YAML after a document gets '...', a leading comment no extra '---', a later BOM goes" \
  '[ "$RC" = 0 ] && cmp "$J/want" "$J/out"'
[ -s "$J/out" ] && diff "$J/want" "$J/out" | head -10
check "... and the stream parses as the six documents" \
  '[ "$(python3 -c "import sys,yaml; print(list(yaml.safe_load_all(open(sys.argv[1]))))" "$J/out")" = "[{'"'"'a'"'"': 1}, {'"'"'b'"'"': 2}, {'"'"'c'"'"': 3}, {'"'"'e'"'"': 5}, {'"'"'f'"'"': 6}]" ]'

# --- issue 16: -R does not follow directory symlinks --------------------------
S=$WORK/loop
mkdir -p "$S/sub/deeper"
printf 'x: 1\n' >"$S/x.yaml"
printf 'y: 2\n' >"$S/sub/deeper/y.yaml"
ln -s .. "$S/sub/up"
ln -s "$S" "$S/sub/deeper/top"
ln -s ../x.yaml "$S/sub/x-link.yaml"
run timeout 60 "$GSIMAGE" resolve -q -R -f "$S" --repo "$REPO"
check "resolve -R: a link to .. is not followed, a link to a file is read" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$(printf "y: 2\n---\nx: 1\n---\nx: 1")" ]'
run timeout 60 "$GSIMAGE" resolve -q -R -f "$S/sub/up" --repo "$REPO"
check "resolve -R -f LINK: a link given with -f is followed (as find -H does)" \
  '[ "$RC" = 0 ] && [ "$OUT" = "$(printf "y: 2\n---\nx: 1\n---\nx: 1")" ]'

# --- issue 16: unbounded input ------------------------------------------------
run timeout 20 "$GSIMAGE" resolve -q -f /dev/zero --repo "$REPO"
check "resolve -f /dev/zero: a one-line error, quickly" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "/dev/zero" && contains "$ERR" "MiB"'
head -c 200000 /dev/zero | tr '\0' '[' >"$E/deep.yaml"
run timeout 20 "$GSIMAGE" resolve -q -f "$E/deep.yaml" --repo "$REPO"
check "200,000 nested '[': a one-line error, quickly" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "deep.yaml" && contains "$ERR" "deeper than 1000"'
printf 'a: |\n  gsimage://./testdata/hello\n  more\n' >"$E/block.yaml"
run "$GSIMAGE" resolve -q -f "$E/block.yaml" --repo "$REPO"
check "a block scalar holding a reference: one line" \
  '[ "$RC" = 1 ] && one_error_line && contains "$ERR" "block scalar"'

# --- issue 16: no secrets from the git remote in the image --------------------
if has git; then
  G=$WORK/gitsrc
  cp -r testdata/hello "$G"
  git -C "$G" init -q && git -C "$G" add . &&
    git -C "$G" -c user.name=t -c user.email=t@example.com commit -q -m init
  git -C "$G" remote add origin 'https://USERX:PASSWORDX@github.com:8443/x/y.git?access_token=SECRET#FRAGX'
  printf 'image: gsimage://%s\n' "$G" >"$E/git.yaml"
  "$GSIMAGE" resolve -q --cgo off -o "$E/git-oci" -f "$E/git.yaml" --repo "$REPO" >"$E/git.out" 2>"$E/err"
  RC=$? OUT=$(cat "$E/git.out") ERR=$(cat "$E/err")
  source_of() { python3 -c 'import json,sys
idx=json.load(open(sys.argv[1]+"/index.json"))
d=[m for m in idx["manifests"] if m["mediaType"].endswith("image.manifest.v1+json")][0]
m=json.load(open(sys.argv[1]+"/blobs/sha256/"+d["digest"][7:]))
print(m.get("annotations",{}).get("org.opencontainers.image.source","<none>"))' "$1"; }
  check "a remote with user, password, query and fragment: scheme, host, port and path only" \
    '[ "$RC" = 0 ] && [ "$(source_of "$E/git-oci")" = "https://github.com:8443/x/y.git" ] && ! grep -rq -e SECRET -e USERX -e PASSWORDX -e FRAGX "$E/git-oci/blobs"'
  git -C "$G" remote set-url origin 'git@github.com:x/y.git'
  rm -rf "$E/git-oci"
  "$GSIMAGE" resolve -q --cgo off -o "$E/git-oci" -f "$E/git.yaml" --repo "$REPO" >"$E/git.out" 2>"$E/err"
  RC=$? OUT=$(cat "$E/git.out") ERR=$(cat "$E/err")
  check "an scp-like remote becomes ssh://host/path, without the user" \
    '[ "$RC" = 0 ] && [ "$(source_of "$E/git-oci")" = "ssh://github.com/x/y.git" ]'
  git -C "$G" remote set-url origin 'https://exa mple.com/x?access_token=SECRET'
  rm -rf "$E/git-oci"
  "$GSIMAGE" resolve --cgo off -o "$E/git-oci" -f "$E/git.yaml" --repo "$REPO" >"$E/git.out" 2>"$E/err"
  RC=$? OUT=$(cat "$E/git.out") ERR=$(cat "$E/err")
  check "a remote that does not parse is left out, with a warning that does not show it" \
    '[ "$RC" = 0 ] && [ "$(source_of "$E/git-oci")" = "<none>" ] && grep -q "^gsimage: warning: .*remote" "$E/err" && ! grep -q SECRET "$E/err"'
else
  skip "git remote URLs: git not installed"
fi

# --- issue 16: the man page's SYNOPSIS, one command a line ----------------------
if has mandoc && has col; then
  SYN=$(mandoc -T ascii -O width=300 man/gsimage.1 | col -bx | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | sed '/^ *$/d')
  check "man SYNOPSIS: every line starts one command, none holds two (resolve and gc)" \
    '[ -n "$SYN" ] && ! grep -v "^ *gsimage " <<<"$SYN" && ! grep "gsimage.*gsimage" <<<"$SYN" && grep -q "^ *gsimage gc " <<<"$SYN"'
else
  skip "man SYNOPSIS: mandoc or col not installed"
fi

# --- the real skopeo and registry ----------------------------------------------
unset GSIMAGE_SKOPEO
rm -rf "$L"
need_registry "resolve against a registry"

# --- resolve -------------------------------------------------------------------
mkdir -p "$WORK/k8s/sub"
cat >"$WORK/k8s/deploy.yaml" <<'YAML'
# hello, resolved by gsimage — comments, quoting and order stay: é ü
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, labels: {app: hello}}   # flow style
spec:
  template:
    spec:
      containers:
        - name: plain
          image: gsimage://./testdata/hello    # a comment after it
        - name: single
          image: 'ko://./testdata/hello'
        - name: double
          image: "gsimage://./testdata/hello"
        - name: untouched
          image: "registry.example.com/other:1"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  note: "mentions gsimage://x but does not start with it? it does not"
YAML
cp "$WORK/k8s/deploy.yaml" "$WORK/k8s/sub/again.yml"
run "$GSIMAGE" resolve -q --cgo off -o "$L" -f "$WORK/k8s/deploy.yaml" --repo "$REG/team" --insecure
RESOLVED=$OUT
IMG=$(printf '%s\n' "$RESOLVED" | grep -o "$REG/team/hello@sha256:[0-9a-f]*" | head -1)
check "resolve replaces the references with REPO/<name>@sha256:<digest>" \
  '[ "$RC" = 0 ] && [ -n "$IMG" ] && [ "$(printf "%s\n" "$RESOLVED" | grep -c "$IMG")" = 3 ]'
printf '%s\n' "$RESOLVED" >"$WORK/resolved.yaml"
sed -e "s|gsimage://./testdata/hello|$IMG|; s|ko://./testdata/hello|$IMG|" "$WORK/k8s/deploy.yaml" >"$WORK/expected.yaml"
check "every other byte is kept: comments, quoting, flow style, separators" \
  cmp -s "$WORK/expected.yaml" "$WORK/resolved.yaml"
run skopeo inspect --raw --tls-verify=false "docker://$IMG"
check "the resolved reference is in the registry" '[ "$RC" = 0 ]'
crane_check "resolve" "$L" "${IMG##*@}" "$IMG"

run "$GSIMAGE" resolve -q --cgo off -o "$L" -f "$WORK/k8s" --repo "$REG/team" --insecure
check "a directory without -R reads its own YAML files only" \
  '[ "$RC" = 0 ] && [ "$(printf "%s\n" "$OUT" | grep -c "$IMG")" = 3 ]'
run "$GSIMAGE" resolve -q --cgo off -o "$L" -R -f "$WORK/k8s" --repo "$REG/team" --insecure
check "-R reads subdirectories too, as one stream" \
  '[ "$RC" = 0 ] && [ "$(printf "%s\n" "$OUT" | grep -c "$IMG")" = 6 ] && [ "$(printf "%s\n" "$OUT" | grep -c "^---$")" = 3 ]'
run sh -c "'$GSIMAGE' resolve -q --cgo off -o '$L' -f - --repo '$REG/team' --insecure <'$WORK/k8s/deploy.yaml'"
check "-f - reads standard input" '[ "$RC" = 0 ] && [ "$OUT" = "$RESOLVED" ]'

printf 'a: [unclosed\nb: gsimage://./testdata/hello\n' >"$WORK/bad.yaml"
run "$GSIMAGE" resolve -q -f "$WORK/bad.yaml" --repo "$REG/team" --insecure
check "YAML that does not parse: one error line naming file and line, no output" \
  '[ "$RC" != 0 ] && one_error_line && contains "$ERR" "bad.yaml'"'"' line 2" && [ -z "$OUT" ]'
printf 'ok: 1\n---\nimage: gsimage://./testdata/nosuch\n' >"$WORK/unknown.yaml"
run "$GSIMAGE" resolve -q -f "$WORK/unknown.yaml" --repo "$REG/team" --insecure
check "an unknown package: one error line naming file and line, no output" \
  '[ "$RC" != 0 ] && one_error_line && contains "$ERR" "unknown.yaml'"'"' line 3" && [ -z "$OUT" ]'
printf 'image: gsimage://./testdata/broken\n' >"$WORK/broken.yaml"
run "$GSIMAGE" resolve -q -f "$WORK/broken.yaml" --repo "$REG/team" --insecure
check "a failed build: the error names file and line, no output on stdout" \
  '[ "$RC" != 0 ] && printf "%s\n" "$ERR" | tail -1 | grep -q "broken.yaml'"'"' line 1" && [ -z "$OUT" ]'
run "$GSIMAGE" resolve -f "$WORK/k8s/deploy.yaml"
check "no --repo is a usage error" '[ "$RC" = 2 ] && one_error_line && contains "$ERR" "--repo"'

# --- containerd: the runtime path a Kubernetes node takes ----------------------
if has containerd && has ctr && has runc; then
  C=$WORK/containerd
  mkdir -p "$C"
  cat >"$C/config.toml" <<TOML
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$C/containerd.sock"
TOML
  containerd --config "$C/config.toml" >"$C/log" 2>&1 &
  SERVER_PIDS+=($!)
  for _ in $(seq 50); do [ -S "$C/containerd.sock" ] && break; sleep 0.2; done
  run timeout 120 ctr -a "$C/containerd.sock" images pull --plain-http "$IMG"
  check "containerd pulls the resolved reference from the registry" '[ "$RC" = 0 ]'
  run timeout 120 ctr -a "$C/containerd.sock" run --rm "$IMG" gsimage-test-$$
  check "containerd runs it and the program prints its greeting" \
    '[ "$RC" = 0 ] && contains "$OUT" "hello from gsimage"'
else
  skip "containerd: containerd, ctr or runc not installed"
fi
