#!/bin/sh
# Make /etc/containerd/hotmem-base-spec.json: containerd's default spec
# (`ctr oci spec`) plus the hooks from runtime-patches/crun/hotmem-hooks.jq.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/etc/containerd/hotmem-base-spec.json}
ctr oci spec | jq --arg hook /usr/local/libexec/hotmem/hotmem-hook \
	--arg stderr /var/log/hotmem-hook.log -f "$here/crun/hotmem-hooks.jq" > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
