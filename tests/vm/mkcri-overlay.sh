#!/bin/bash
# The CRI test's additions to the test VM's initramfs (tests/guest/cri/):
#
#   tests/vm/mkcri-overlay.sh OUT.cpio BASE.cpio
#
# writes OUT.cpio = BASE.cpio followed by a second newc archive (the kernel
# unpacks both) with Debian's containerd 1.6 (containerd, the runc v2 shim,
# ctr) and its packaged config.toml, the Kubernetes node installer's payload
# (hotmem-install.sh, the hook, hotmem-reclaimd, runtime-patches/) under
# /hotmem/cri/, and two images for `ctr images import`: the pod sandbox ("pause") and the app (busybox and hm-touch).
# Kept out of the main initramfs: the binaries are ~80 MB, and only the
# VM that runs the cri suite needs them.
set -euo pipefail
out=${1:?usage: mkcri-overlay.sh OUT.cpio BASE.cpio}
base=${2:?usage: mkcri-overlay.sh OUT.cpio BASE.cpio}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${HOTMEM_BUILD:-$top/build}
mkdir -p "$build"
stage=$(mktemp -d "$build/cri-overlay.XXXXXX")
trap 'rm -rf "$stage"' EXIT
die() { echo "mkcri-overlay: error: $*" >&2; exit 1; }

for b in containerd containerd-shim-runc-v2 ctr; do
	[ -x /usr/bin/$b ] || die "/usr/bin/$b is missing (install containerd)"
	install -D -m 0755 /usr/bin/$b "$stage/usr/bin/$b"
done
# Only libc, which the base initramfs has (bash and crun need it).
for b in containerd containerd-shim-runc-v2 ctr; do
	ldd /usr/bin/$b | grep -oE '/[^ ]+' | grep -qvE 'libc\.so|ld-linux' &&
		die "/usr/bin/$b needs libraries beyond libc"
done
d=$stage/hotmem/cri
# The node installer's payload, laid out as its image has it
# (runtime-patches/kubernetes/installer/Containerfile).
pl=$d/payload
hb=$top/oci-hook/build
[ -x "$hb/hotmem-hook" ] && [ -x "$hb/hotmem-reclaimd" ] || die "build the hook first (make -C oci-hook)"
install -D -m 0755 "$hb/hotmem-hook" "$hb/hotmem-reclaimd" -t "$pl"
install -D -m 0644 "$top/oci-hook/hotmem.conf" -t "$pl"
install -D -m 0755 "$top/runtime-patches/kubernetes/hotmem-install.sh" -t "$pl"
install -D -m 0644 "$top"/oci-hook/hooks.d/*.json -t "$pl/hooks.d"
install -D -m 0644 "$top"/oci-hook/systemd/* -t "$pl/systemd"
for sub in cri-o containerd crun; do
	install -D -m 0644 "$top"/runtime-patches/$sub/* -t "$pl/$sub"
done
# The node's config.toml as Debian's containerd package ships it.
[ -f /etc/containerd/config.toml ] || die "/etc/containerd/config.toml is missing (install containerd)"
install -D -m 0644 /etc/containerd/config.toml "$d/debian-config.toml"

cc() { gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o "$1" "$2"; }
cc "$stage/pause" "$top/tests/vm/cri/pause.c"
cc "$stage/hm-touch" "$top/tests/guest/src/hm-touch.c"
mk="$top/tests/vm/cri/mkimage.py"
python3 "$mk" "$d/pause.tar" hotmem.test/pause:1 /pause "$stage/pause=/pause"
python3 "$mk" "$d/app.tar" hotmem.test/app:1 "/bin/sleep 3600" \
	/bin/busybox=/bin/busybox "$stage/hm-touch=/bin/hm-touch" \
	"/bin/sh->busybox" "/bin/sleep->busybox" "/bin/cat->busybox"
rm "$stage/pause" "$stage/hm-touch"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$stage.cpio"
cat "$base" "$stage.cpio" > "$out.tmp"
rm -f "$stage.cpio"
mv "$out.tmp" "$out"
