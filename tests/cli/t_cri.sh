#!/usr/bin/env bash
# A Kubernetes node's path, with the real clients: crictl talks CRI to
# containerd (Debian's 1.6, and 2.x when scripts/bootstrap could build it
# into .toolchain/bin), which pulls gsimage images by digest from
# docker-registry on 127.0.0.1, starts a host-network pod whose sandbox
# process is testdata/pause built by gsimage, then creates, starts, reads
# the logs of and inspects the container, as a kubelet does.  Nothing comes
# from outside this machine; every server is stopped at the end.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
PY=/usr/bin/python3

# Every containerd started here, with its socket: cri_stop_all removes the
# pods through CRI first, so that no shim or mount outlives the test.
CRI_DIRS=()
cri_stop_all() {
  local c p
  for c in "${CRI_DIRS[@]}"; do
    if [ -S "$c/containerd.sock" ]; then
      timeout 60 "$CRICTL" --config "$WORK/crictl.yaml" -r "unix://$c/containerd.sock" rmp -fa >/dev/null 2>&1
    fi
  done
  stop_servers_keep_work
  for c in "${CRI_DIRS[@]}"; do
    # a shim left behind (containerd killed mid-way): ours name our socket
    for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $c/containerd.sock" 2>/dev/null); do
      kill -9 "$p" 2>/dev/null
    done
    awk -v d="$c/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null; done
  done
  rm -rf "$WORK"
}
stop_servers_keep_work() {
  local p
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  SERVER_PIDS=()
}
trap cri_stop_all EXIT

CRICTL=
for c in "$ROOT/.toolchain/bin/crictl" "$(command -v crictl 2>/dev/null)"; do
  if [ -n "$c" ] && [ -x "$c" ]; then CRICTL=$c; break; fi
done
if [ "$(id -u)" != 0 ]; then
  skip "cri: containerd's CRI runs pods as root only (uid $(id -u))"
  exit 0
fi
for t in docker-registry skopeo curl runc; do
  if ! has $t; then fail "cri: $t is not installed; run 'make bootstrap'"; exit 0; fi
done
if [ ! -x /usr/bin/containerd ] || [ -z "$CRICTL" ]; then
  fail "cri: /usr/bin/containerd or crictl is missing; run 'make bootstrap' (Debian's containerd, crictl into .toolchain/bin)"
  exit 0
fi
need_registry "cri"

# --- the pause program: PID 1 of a PID namespace, as in a pod ---------------
run "$GSIMAGE" compile -q --cgo off -o "$WORK/bin" testdata/pause
PAUSE_BIN=$OUT
if [ "$RC" != 0 ] || [ ! -x "$PAUSE_BIN" ]; then
  fail "setup: compiling testdata/pause (rc=$RC): $ERR"
  exit 0
fi
unshare --pid --fork --kill-child "$PAUSE_BIN" >"$WORK/pause.log" 2>&1 &
UNSHARE=$!
P1=
for _ in $(seq 50); do
  P1=$(pgrep -P "$UNSHARE")
  [ -n "$P1" ] && grep -q waiting "$WORK/pause.log" && break
  sleep 0.1
done
# an orphan of the namespace goes to its PID 1: pause must reap it
nsenter -t "$P1" -p -- sh -c 'sleep 1 & exit 0'
sleep 0.3
ADOPTED=$(ps -o comm= --ppid "$P1")
sleep 1.2
ZOMBIES=$(ps -o stat=,comm= --ppid "$P1" | grep -c '^Z')
kill -TERM "$P1"
wait "$UNSHARE"
RC=$? OUT=$(cat "$WORK/pause.log") ERR="adopted: $ADOPTED; zombies: $ZOMBIES"
check "pause as PID 1 adopts an orphan and reaps it: no zombie" \
  '[ "$ADOPTED" = sleep ] && [ "$ZOMBIES" = 0 ]'
check "pause exits 0 on SIGTERM" '[ "$RC" = 0 ] && contains "$OUT" "terminated, exiting"'

# --- the images, built and pushed by gsimage --------------------------------
L=$WORK/oci
build_push() { # NAME TAG DIR [build options...]: sets DIG (the pushed top digest)
  local name=$1 tag=$2 src=$3
  shift 3
  DIG=
  run "$GSIMAGE" build -q --cgo off -t "$name:$tag" -o "$L" "$@" "$src"
  [ "$RC" = 0 ] || { fail "setup: building $name:$tag (rc=$RC): $ERR"; return 1; }
  run "$GSIMAGE" push -q --insecure "$L:$name:$tag" "$REG/$name:$tag"
  [ "$RC" = 0 ] || { fail "setup: pushing $name:$tag (rc=$RC): $ERR"; return 1; }
  DIG=${OUT##*@}
  crane_check "push $name:$tag" "$L" "$DIG" "$REG/$name:$tag"
}
build_push pause 1 testdata/pause || exit 0
PAUSE_IMAGE=$REG/pause:1
build_push hello v1 testdata/hello --platform linux/amd64,linux/arm64 || exit 0
HELLO=$REG/hello@$DIG
build_push rootuser v1 testdata/hello --user root || exit 0
ROOTUSER=$REG/rootuser@$DIG
build_push uidzero v1 testdata/hello --user 0:0 || exit 0
UIDZERO=$REG/uidzero@$DIG
# the arm64 variant: its own manifest in the index
ARM64=$("$PY" -c 'import json,sys
idx=json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2][7:]))
print(next(m["digest"] for m in idx["manifests"] if m["platform"]["architecture"]=="arm64"))' "$L" "${HELLO##*@}")

# The Deployment a user applies, resolved by gsimage: the pod runs with the
# image's own user (runAsNonRoot, no runAsUser) on a read-only root.
cat >"$WORK/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello}
spec:
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      hostNetwork: true
      securityContext: {runAsNonRoot: true}
      containers:
      - name: hello
        image: gsimage://./testdata/hello
        securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
YAML
run "$GSIMAGE" resolve -q --cgo off -o "$L" -f "$WORK/deploy.yaml" --repo "$REG/team" --insecure
RESOLVED=$(printf '%s\n' "$OUT" | sed -n 's/^ *image: *\(.*@sha256:[0-9a-f]\{64\}\)$/\1/p')
if [ "$RC" != 0 ] || [ -z "$RESOLVED" ]; then
  fail "setup: gsimage resolve of the Deployment (rc=$RC): $ERR"
  exit 0
fi
crane_check "resolve" "$L" "${RESOLVED##*@}" "$RESOLVED"

# --- a kubelet, in shell ------------------------------------------------------
# crictl reads /etc/crictl.yaml unless given its own (empty) config
: >"$WORK/crictl.yaml"
cri() { "$CRICTL" --config "$WORK/crictl.yaml" -r "unix://$SOCK" -i "unix://$SOCK" --timeout 60s "$@"; }

# start_containerd NAME BINARY CONFIG_VERSION: its own root, state, socket
# and registry hosts (plain HTTP to the loopback registry) under $WORK/NAME;
# the CRI plugin with the gsimage pause image as sandbox image.  Pods ask
# for an oom_score_adj below containerd's own, which needs CAP_SYS_RESOURCE
# (a container such as CI's may lack it; runc then fails with "can't get
# final child's PID from pipe"): restrict_oom_score_adj keeps them at or
# above it, as kind's nested nodes do.  Sets SOCK.
start_containerd() {
  local name=$1 bin=$2 ver=$3 c=$WORK/$1
  mkdir -p "$c/certs.d/$REG" "$c/cni/bin" "$c/cni/net.d" "$c/pods"
  CRI_DIRS+=("$c")
  SOCK=$c/containerd.sock
  printf 'server = "http://%s"\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' \
    "$REG" "$REG" >"$c/certs.d/$REG/hosts.toml"
  if [ "$ver" = 2 ]; then
    cat >"$c/config.toml" <<TOML
version = 2
root = "$c/root"
state = "$c/state"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$c/certs.d"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$c/cni/bin"
    conf_dir = "$c/cni/net.d"
TOML
  else
    cat >"$c/config.toml" <<TOML
version = 3
root = "$c/root"
state = "$c/state"
disabled_plugins = ["io.containerd.nri.v1.nri"]
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"
[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "$PAUSE_IMAGE"
[plugins."io.containerd.cri.v1.images".registry]
  config_path = "$c/certs.d"
[plugins."io.containerd.cri.v1.runtime"]
  restrict_oom_score_adj = true
[plugins."io.containerd.cri.v1.runtime".cni]
  bin_dirs = ["$c/cni/bin"]
  conf_dir = "$c/cni/net.d"
TOML
  fi
  # its own shim first: containerd finds containerd-shim-runc-v2 on PATH
  PATH="$(dirname "$bin"):$PATH" "$bin" --config "$c/config.toml" >"$c/log" 2>&1 &
  SERVER_PIDS+=($!)
  for _ in $(seq 100); do
    [ -S "$SOCK" ] && cri version >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# run_pod WHAT IMAGE [CONTAINER_SECURITY_CONTEXT_JSON]: runp (host network),
# create, start, wait, logs, inspect; then stop and remove the pod.  Sets
# LOGS, EXIT_CODE, SPEC (the OCI spec containerd gave runc, as JSON),
# SANDBOX (the sandbox's image and argv) and POD_ERR (the first CRI error,
# with the step that failed).
N_POD=0
run_pod() {
  local what=$1 image=$2 sc=${3:-"{}"} n pod ctr cid pid state
  N_POD=$((N_POD + 1)) n=$N_POD
  pod=$WORK/pod-$n.json ctr=$WORK/ctr-$n.json
  LOGS= EXIT_CODE= SPEC= POD_ERR= SANDBOX=
  mkdir -p "$WORK/$CRI_NAME/pods/$n"
  cat >"$pod" <<JSON
{"metadata": {"name": "gsimage-$n", "namespace": "gsimage-test", "uid": "gsimage-$$-$n", "attempt": 0},
 "log_directory": "$WORK/$CRI_NAME/pods/$n",
 "linux": {"security_context": {"namespace_options": {"network": 2}}}}
JSON
  cat >"$ctr" <<JSON
{"metadata": {"name": "app"}, "image": {"image": "$image"}, "log_path": "app.log",
 "linux": {"security_context": $sc}}
JSON
  run cri runp "$pod"
  [ "$RC" = 0 ] || { POD_ERR="runp: $ERR"; return 1; }
  pid=$OUT
  run cri create "$pid" "$ctr" "$pod"
  [ "$RC" = 0 ] || { POD_ERR="create: $ERR"; cri rmp -f "$pid" >/dev/null 2>&1; return 1; }
  cid=$OUT
  run cri start "$cid"
  [ "$RC" = 0 ] || { POD_ERR="start: $ERR"; cri rmp -f "$pid" >/dev/null 2>&1; return 1; }
  for _ in $(seq 150); do
    state=$(cri inspect -o go-template --template '{{.status.state}}' "$cid" 2>/dev/null)
    [ "$state" = CONTAINER_EXITED ] && break
    sleep 0.2
  done
  LOGS=$(cri logs "$cid" 2>&1)
  cri inspect "$cid" >"$WORK/inspect-$n.json" 2>&1
  EXIT_CODE=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"]["exitCode"])' "$WORK/inspect-$n.json" 2>/dev/null)
  SPEC=$("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["info"]["runtimeSpec"]))' "$WORK/inspect-$n.json" 2>/dev/null)
  cri inspectp "$pid" >"$WORK/inspectp-$n.json" 2>&1
  SANDBOX=$("$PY" -c 'import json,sys; i=json.load(open(sys.argv[1]))["info"]
print(i.get("image", ""), " ".join(i["runtimeSpec"]["process"]["args"]))' "$WORK/inspectp-$n.json" 2>/dev/null)
  run cri rmp -f "$pid"
  [ "$state" = CONTAINER_EXITED ] || POD_ERR="the container did not exit (state ${state:-unknown})"
  # what a failed check shows
  RC=$EXIT_CODE OUT="logs: $LOGS" ERR=$POD_ERR
  [ -z "$POD_ERR" ]
}

spec_has() { # PYTHON_EXPR on s, the runtime spec: true when it holds
  "$PY" -c 'import json,sys; s=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$SPEC" "$1" 2>/dev/null
}

# kubelet_nonroot IMAGE: what a kubelet does for runAsNonRoot without
# runAsUser (verifyRunAsNonRoot): the user comes from the CRI ImageStatus,
# uid 0 is refused, a user name is refused as unverifiable.  containerd
# itself does not enforce runAsNonRoot; CRI has no such field.  Sets
# IMG_STATUS (uid and username as the CRI reports them) and NONROOT_ERR.
kubelet_nonroot() {
  local uid user
  NONROOT_ERR=
  run cri inspecti -o json "$1"
  if [ "$RC" != 0 ]; then NONROOT_ERR="ImageStatus: $ERR"; return 1; fi
  uid=$("$PY" -c 'import json,sys; u=json.loads(sys.argv[1])["status"].get("uid"); print("" if u is None else u["value"])' "$OUT")
  user=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["status"].get("username",""))' "$OUT")
  IMG_STATUS="CRI ImageStatus: uid=${uid:-<none>} username=${user:-<none>}"
  if [ -n "$uid" ] && [ "$uid" = 0 ]; then
    NONROOT_ERR="container has runAsNonRoot and image will run as root"
  elif [ -z "$uid" ] && [ -n "$user" ]; then
    NONROOT_ERR="container has runAsNonRoot and image has non-numeric user ($user), cannot verify user is non-root"
  elif [ -z "$uid" ]; then
    NONROOT_ERR="the CRI reports no user for the image"
  fi
  [ -z "$NONROOT_ERR" ]
}

cri_suite() { # NAME: the whole flow against the containerd on $SOCK
  CRI_NAME=$1
  local v
  v=$(cri version 2>/dev/null | awk '/RuntimeVersion/ {print $2}')
  echo "   $CRI_NAME: containerd $v through crictl $(go version -m "$CRICTL" 2>/dev/null | awk '$1 == "mod" {print $3}')"

  run cri pull "$HELLO"
  check "$CRI_NAME: crictl pull by digest from the loopback registry" '[ "$RC" = 0 ]'
  run_pod "$CRI_NAME" "$HELLO"
  check "$CRI_NAME: runp (host network, gsimage pause), create, start; logs: the program's output" \
    '[ -z "$POD_ERR" ] && [ "$LOGS" = "hello from gsimage" ]'
  check "$CRI_NAME: inspect: exit code 0" '[ "$EXIT_CODE" = 0 ]'
  check "$CRI_NAME: the process runs as the image's own user 65532:65532" \
    spec_has 's["process"]["user"]["uid"] == 65532 and s["process"]["user"]["gid"] == 65532'
  OUT=$SANDBOX
  check "$CRI_NAME: the pod's sandbox is gsimage's pause, from the loopback registry ($SANDBOX)" \
    '[ "$SANDBOX" = "$PAUSE_IMAGE /usr/local/bin/pause" ]'

  # the Deployment, as a kubelet reads it: resolved digest, runAsNonRoot
  # checked against the image's user, read-only root filesystem
  run cri pull "$RESOLVED"
  check "$CRI_NAME: crictl pull of the digest gsimage resolve wrote into the Deployment" '[ "$RC" = 0 ]'
  kubelet_nonroot "$RESOLVED"
  check "$CRI_NAME: runAsNonRoot: the CRI reports the image's user as numeric 65532 ($IMG_STATUS)" \
    '[ -z "$NONROOT_ERR" ] && contains "$IMG_STATUS" "uid=65532 "'
  run_pod "$CRI_NAME" "$RESOLVED" '{"readonly_rootfs": true, "no_new_privs": true}'
  check "$CRI_NAME: the Deployment's pod (readonly_rootfs, image user) runs: logs and exit code 0" \
    '[ -z "$POD_ERR" ] && [ "$LOGS" = "hello from gsimage" ] && [ "$EXIT_CODE" = 0 ]'
  check "$CRI_NAME: ... with a read-only root and uid 65532 in the runtime spec" \
    spec_has 's["root"].get("readonly") is True and s["process"]["user"]["uid"] == 65532'

  # images that must not run
  for img in "$ROOTUSER" "$UIDZERO"; do
    run cri pull "$img"
    if [ "$RC" != 0 ]; then fail "$CRI_NAME: pulling $img: $ERR"; continue; fi
    kubelet_nonroot "$img"
    RC=1 OUT="$IMG_STATUS" ERR="$NONROOT_ERR"
    check "$CRI_NAME: runAsNonRoot refuses ${img%@*}'s user ($IMG_STATUS)" \
      '[ -n "$NONROOT_ERR" ] && contains "$NONROOT_ERR" "container has runAsNonRoot and image"'
    echo "   kubelet: $NONROOT_ERR"
  done
  run cri pull "$REG/hello:no-such-tag"
  check "$CRI_NAME: a tag that does not exist: the pull fails with the CRI's NotFound" \
    '[ "$RC" != 0 ] && contains "$ERR" "NotFound" && contains "$ERR" "not found"'
  echo "   CRI: $(printf '%s\n' "$ERR" | tail -1 | cut -c1-300)"
  run_pod "$CRI_NAME" "$REG/hello:no-such-tag"
  check "$CRI_NAME: ... and create, which does not pull, fails with the CRI's error" \
    '[ -n "$POD_ERR" ] && contains "$POD_ERR" "create:"'
  echo "   CRI: $(printf '%s\n' "$POD_ERR" | tail -1 | cut -c1-300)"

  # arm64, where binfmt runs it through qemu
  if [ "$(go env GOARCH 2>/dev/null)" = arm64 ]; then
    skip "$CRI_NAME: arm64 variant: the host is arm64, the pods above ran it"
  elif ! grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
    skip "$CRI_NAME: arm64 variant: no enabled binfmt handler /proc/sys/fs/binfmt_misc/qemu-aarch64 (binfmt_misc $(mountpoint -q /proc/sys/fs/binfmt_misc && echo mounted || echo 'not mounted'))"
  else
    run cri pull "$REG/hello@$ARM64"
    check "$CRI_NAME: arm64: crictl pull of the arm64 manifest by digest" '[ "$RC" = 0 ]'
    run_pod "$CRI_NAME" "$REG/hello@$ARM64"
    check "$CRI_NAME: arm64: the pod runs it through qemu: logs and exit code 0" \
      '[ -z "$POD_ERR" ] && [ "$LOGS" = "hello from gsimage" ] && [ "$EXIT_CODE" = 0 ]'
  fi
}

# --- containerd 1.6 (Debian), then 2.x (built by the bootstrap) ---------------
if start_containerd c16 /usr/bin/containerd 2; then
  cri_suite containerd-1.6
else
  fail "containerd 1.6 did not answer CRI on $SOCK: $(tail -5 "$WORK/c16/log")"
fi
C2=$ROOT/.toolchain/bin/containerd
if [ ! -x "$C2" ] || [ ! -x "$ROOT/.toolchain/bin/containerd-shim-runc-v2" ]; then
  skip "containerd 2.x: not in .toolchain/bin (scripts/bootstrap builds it through the Go module proxy and said why it could not)"
elif start_containerd c2 "$C2" 3; then
  cri_suite "containerd-$("$C2" --version | awk '{print $3}' | cut -d+ -f1)"
else
  fail "containerd 2.x did not answer CRI on $SOCK: $(tail -5 "$WORK/c2/log")"
fi
exit 0
