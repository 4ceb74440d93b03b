#!/bin/bash
# `make demo`: the main job, as a short transcript.  Boots the test VM on the
# hotmem kernel and runs the demo suite (tests/guest/demo/): a container runs
# through crun, memory is plugged over QMP, arrives, and leaves again.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${HOTMEM_BUILD:-$top/build}
mkdir -p "$build/logs"
for v in ${HOTMEM_DEMO_KERNELS:-hotmem}; do
	echo "=== hotmem demo on the $v kernel (console log: $build/logs/demo-$v.log)"
	python3 "$top/tests/vm/run-vm.py" --name "$v" --kernel "$build/out/$v/bzImage" \
		--initrd "$build/out/$v/initramfs.cpio" --suites demo --timeout 900 \
		--log "$build/logs/demo-$v.log" --append "quiet" --demo || exit 1
done
