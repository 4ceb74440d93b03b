#!/bin/bash
# Build the test VM's initramfs (an uncompressed newc cpio).
#
#   tests/vm/mkinitramfs.sh OUT.cpio KERNEL_OUTDIR [HOOK_BINARY]
#
# Contents: static busybox, bash, crun, jq, podman and conmon, and the hook
# with their shared libraries (the hook also as `make install` puts it);
# hotmem-provider (vmm/, static); the
# guest init and test library; every guest test suite (tests/guest/<suite>/);
# the guest programs (tests/guest/src/*.c, built static); the selftests built
# with the kernel in KERNEL_OUTDIR; a busybox root file system for
# containers at /hotmem/rootfs.
set -euo pipefail

out=${1:?usage: mkinitramfs.sh OUT.cpio KERNEL_OUTDIR [HOOK_BINARY]}
kdir=${2:?usage: mkinitramfs.sh OUT.cpio KERNEL_OUTDIR [HOOK_BINARY]}
hook=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${HOTMEM_BUILD:-$top/build}
stage=$(mktemp -d "$build/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }

# copy_elf BIN DEST: a dynamically linked program and every library it loads.
copy_elf() {
	install -D -m 0755 "$1" "$stage$2"
	# (a static program, the hook by default, has no libraries to copy)
	{ ldd "$1" 2>/dev/null || true; } | { grep -oE '/[^ ]+' || true; } | while read -r lib; do
		[ -e "$stage$lib" ] || install -D -m 0755 "$lib" "$stage$lib"
	done
}

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/lib,usr/lib64,etc,proc,sys,dev,run,tmp,root}
mkdir -p "$stage"/hotmem/{bin,lib,tests,selftests,rootfs/bin}
ln -s usr/lib "$stage/lib" 2>/dev/null || true
ln -s usr/lib64 "$stage/lib64" 2>/dev/null || true

install -m 0755 /bin/busybox "$stage/bin/busybox"
case $(ldd /bin/busybox 2>&1 || true) in
*"not a dynamic"*) ;;
*) die "/bin/busybox is not static (install busybox-static)" ;;
esac
copy_elf /bin/bash /bin/bash
copy_elf /usr/bin/crun /usr/bin/crun
copy_elf /usr/bin/jq /usr/bin/jq
# busybox-static has neither flock nor mountpoint: take util-linux's.
copy_elf /usr/bin/flock /usr/bin/flock
copy_elf /usr/bin/mountpoint /usr/bin/mountpoint
# podman, to run the installed containers hooks.d files the way podman and
# CRI-O read them (tests/guest/hook/09-podman-hooksd.sh).
copy_elf /usr/bin/podman /usr/bin/podman
copy_elf /usr/bin/conmon /usr/bin/conmon
install -D -m 0644 /usr/share/containers/containers.conf "$stage/usr/share/containers/containers.conf"
install -D -m 0644 /etc/containers/policy.json "$stage/etc/containers/policy.json"
# The hook as `make -C oci-hook install` lays it out (binary, config, hooks.d
# JSON, man page), and at /usr/sbin with its shared libraries for the tests;
# its test build (HOTMEM_DEBUG_KILL_AT, built next to it) at
# /usr/sbin/hotmem-hook-test for the fault-injection tests.
if [ -n "$hook" ]; then
	make -s -C "$top/oci-hook" install DESTDIR="$stage" PREFIX=/usr/local >/dev/null ||
		die "make -C oci-hook install failed"
	copy_elf "$hook" /usr/sbin/hotmem-hook
	[ -x "$hook-test" ] || die "$hook-test is missing (make -C oci-hook)"
	copy_elf "$hook-test" /usr/sbin/hotmem-hook-test
fi
# hotmem-provider where `make -C vmm install` puts it: the guest's side of
# hotmem-vmm, which alone resizes virtio-mem in the test VM (run-vm.py).
make -s -C "$top/vmm" >/dev/null || die "make -C vmm failed"
install -D -m 0755 "$top/vmm/build/hotmem-provider" "$stage/usr/local/libexec/hotmem/hotmem-provider"
# For debugging by hand: HOTMEM_EXTRA_BINS="/usr/bin/strace ..." adds programs.
for b in ${HOTMEM_EXTRA_BINS:-}; do copy_elf "$b" "$b"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$stage/etc/group"
# test_memcontrol's test_memcg_sock resolves "localhost" (glibc's built-in files NSS)
printf '127.0.0.1 localhost\n::1 localhost\n' > "$stage/etc/hosts"

install -m 0755 "$top/tests/vm/guest/init" "$stage/init"
install -m 0755 "$top/tests/vm/guest/run-suites.sh" "$stage/hotmem/lib/run-suites.sh"
install -m 0644 "$top/tests/vm/guest/testlib.sh" "$stage/hotmem/lib/testlib.sh"
# The operator's crun configuration, used as is by the hook tests.
install -m 0644 "$top/runtime-patches/crun/hotmem-hooks.jq" "$stage/hotmem/lib/hotmem-hooks.jq"

# Guest test suites: every directory of tests/guest but the sources.
for d in "$top"/tests/guest/*/; do
	suite=$(basename "$d")
	case $suite in src) continue ;; esac
	mkdir -p "$stage/hotmem/tests/$suite"
	for f in "$d"*; do
		[ -f "$f" ] || continue
		if [ -x "$f" ]; then
			install -m 0755 "$f" "$stage/hotmem/tests/$suite/"
		else
			install -m 0644 "$f" "$stage/hotmem/tests/$suite/"
		fi
	done
done

# Guest programs, static so they also run inside containers.
for c in "$top"/tests/guest/src/*.c; do
	[ -f "$c" ] || continue
	prog=$(basename "$c" .c)
	gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o "$stage/hotmem/bin/$prog" "$c" \
		|| die "guest program $prog does not build"
	install -m 0755 "$stage/hotmem/bin/$prog" "$stage/hotmem/rootfs/bin/$prog"
done

# Selftests of the same source tree as the kernel.
[ -d "$kdir/selftests" ] && cp -a "$kdir/selftests/." "$stage/hotmem/selftests/"

# Container root file system: busybox and its applets.
install -m 0755 /bin/busybox "$stage/hotmem/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$stage/hotmem/rootfs/bin/$applet" ] || ln -s busybox "$stage/hotmem/rootfs/bin/$applet"
done
mkdir -p "$stage"/hotmem/rootfs/{proc,sys,dev,tmp,etc,run}
cp "$stage/etc/passwd" "$stage/etc/group" "$stage/hotmem/rootfs/etc/"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1))" >&2
