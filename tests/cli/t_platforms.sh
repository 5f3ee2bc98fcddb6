#!/usr/bin/env bash
# Every other row of the platform table: pure-Go and cgo binaries built
# through zig for arm/v7, riscv64, ppc64le and 386, static by readelf (and
# by gsimage verify in t_verify.sh) and run (under qemu-user, or natively
# where the kernel runs them: 386 on amd64).
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
PLATFORMS=linux/arm/v7,linux/riscv64,linux/ppc64le,linux/386

run "$GSIMAGE" compile -q --platform "$PLATFORMS" -o "$WORK/bin" testdata/hello
check "pure Go for $PLATFORMS" [ "$RC" = 0 ]
run "$GSIMAGE" compile -q --platform "$PLATFORMS" -o "$WORK/bin" testdata/cgonet
check "cgo with zig cc for $PLATFORMS" [ "$RC" = 0 ]

runner() { # BINARY QEMU: how to run it here, or nothing
  if "$1" >/dev/null 2>&1; then echo native; return; fi
  if has "$2"; then echo "$2"; fi
}
for spec in "linux/arm/v7 arm-v7 qemu-arm-static" "linux/riscv64 riscv64 qemu-riscv64-static" \
  "linux/ppc64le ppc64le qemu-ppc64le-static" "linux/386 386 qemu-i386-static"; do
  set -- $spec
  for prog in hello cgonet; do
    b="$WORK/bin/$prog-linux-$2"
    check "$prog for $1: no INTERP, no NEEDED" \
      'elf -lW "$b" && grep -q LOAD <<<"$ELF" && ! grep -q INTERP <<<"$ELF" && elf -dW "$b" && ! grep -q NEEDED <<<"$ELF"'
    how=$(runner "$b" "$3")
    if [ -z "$how" ]; then skip "$prog for $1: cannot run it here ($3 not installed)"; continue; fi
    if [ "$how" = native ]; then run timeout 60 "$b"; else run timeout 60 "$how" "$b"; fi
    if [ $prog = hello ]; then
      check "$prog for $1 runs ($how)" [ "$OUT" = "hello from gsimage" ]
    else
      check "$prog for $1 runs ($how): C, resolver and os/user" \
        'contains "$OUT" "cgo: 6*7=42" && contains "$OUT" "lookup localhost: ok" && contains "$OUT" "user: uid=$(id -u)"'
    fi
  done
done
true
