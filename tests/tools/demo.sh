#!/bin/bash
# `make demo`: the main job, as a short transcript.  Boots the test VM on the
# hotmem kernel, then on the vanilla kernel, runs the same story in each
# (tests/guest/demo/): functions start as crun containers in memory that
# hotmem-vmm plugged over QMP, three of them end, their memory is reclaimed
# and unplugged, and the host sees QEMU's resident memory fall.  Ends with
# the two side by side.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${HOTMEM_BUILD:-$top/build}
mkdir -p "$build/logs"
kernels=${HOTMEM_DEMO_KERNELS:-hotmem vanilla}
for v in $kernels; do
	echo
	echo "=== the $v kernel (console log: $build/logs/demo-$v.log)"
	python3 "$top/tests/vm/run-vm.py" --name "$v" --kernel "$build/out/$v/bzImage" \
		--initrd "$build/out/$v/initramfs.cpio" --suites demo --timeout 900 \
		--log "$build/logs/demo-$v.log" --append "quiet" --demo || exit 1
done
echo
echo "=== reclaiming the memory of 3 ended functions while a 4th keeps running"
printf '%-8s %8s %12s %16s   %s\n' kernel blocks "time (ms)" "pages migrated" \
	"QEMU RSS MiB before/running/after (virtio-mem's)"
for v in $kernels; do
	line=$(grep -ao '@@HM DEMO .*' "$build/logs/demo-$v.log" | tail -n 1)
	[ -n "$line" ] || { echo "no result from the $v run"; exit 1; }
	eval "${line#@@HM DEMO }"
	printf '%-8s %8s %12s %16s   %s\n' "$kernel" "$blocks" "$ms" "$migrated" "$rss ($vmem)"
done
echo "(QEMU without KVM: compare the two rows, not the absolute times; 'make bench' measures ratios)"
