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
# The recording skopeo: one line per run, its arguments separated by
# spaces ($WORK has none), and success.
cat >"$WORK/skopeo" <<SH
#!/bin/sh
printf '%s\n' "\$*" >>"$WORK/skopeo.log"
exit 0
SH
chmod +x "$WORK/skopeo"
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
  '[ "$(grep -c "^copy --all --preserve-digests .* docker://$REPO/hello" "$WORK/skopeo.log")" = 1 ]'
"$GSIMAGE" resolve -q --cgo off -o "$L" -f "$K/a.yaml" --repo "$REPO" --insecure >"$WORK/one" 2>"$WORK/resolve.err"
RC=$? OUT=$(cat "$WORK/one") ERR=$(cat "$WORK/resolve.err")
check "resolve of one file without a final newline adds none" \
  '[ "$RC" = 0 ] && cmp <(printf "a: 1\nimage: %s" "$IMG") "$WORK/one"'

# --- the real skopeo and registry ----------------------------------------------
unset GSIMAGE_SKOPEO
rm -rf "$L"
if ! has docker-registry || ! has skopeo || ! has curl; then
  skip "resolve against a registry: docker-registry, skopeo or curl not installed"
  exit 0
fi
if ! start_registry reg; then
  fail "the test registry did not start: $(tail -3 "$WORK/reg.log")"
  exit 0
fi
REG=127.0.0.1:$PORT

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
