#!/bin/sh
# Install the Debian packages hotmem needs, when any is missing.
# A no-op (no apt-get at all) when everything is present.
set -eu

pkgs="linux-source-6.12 qemu-system-x86 busybox-static crun jq python3 cpio
      libyajl-dev libseccomp-dev libcap-dev libmount-dev pkg-config
      gcc libc6-dev make patch git flex bison bc libelf-dev libssl-dev xz-utils
      clang libclang-rt-14-dev clang-format util-linux podman conmon dpkg-dev
      systemd python3-yaml containerd python3-grpcio python3-grpc-tools python3-protobuf
      gnuplot-nox"

missing=
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

echo "deps: installing:$missing" >&2
if [ "$(id -u)" = 0 ]; then
	sudo=
elif command -v sudo >/dev/null; then
	sudo=sudo
else
	echo "deps: error: need root (or sudo) to install:$missing" >&2
	exit 1
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
