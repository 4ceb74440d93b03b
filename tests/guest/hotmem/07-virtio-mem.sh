#!/bin/sh
# virtio-mem blocks bind like DIMM blocks.  When the VMM shrinks virtio-mem,
# the driver gives back offline (released) blocks and never touches bound
# ones, even though they are online and in use.
. /hotmem/lib/testlib.sh
before=$(hm_blocks | tr '\n' ' ')
hm_req vmem-resize 512 >/dev/null || hm_fail "virtio-mem did not grow"
new=$(hm_new_blocks "$before")
set -- $new
[ $# = 4 ] || hm_fail "expected 4 virtio-mem blocks, got: $new"
X=$1 Y=$2
a=$HM_CGROOT/hm-vmem
mkdir -p $a
trap 'kill $pa 2>/dev/null; wait; for n in $X $Y; do echo -$n > $a/memory.hotplug; done 2>/dev/null; rmdir $a; hm_req vmem-resize 0 >/dev/null' EXIT
hm_expect ok $a/memory.hotplug "+$X +$Y"
set -- $(hm_block_pfns $X)
lo=$1
set -- $(hm_block_pfns $Y)
hi=$2
hm_start_in $a $HM_OUT/va.out hm-pfns 160 $lo $hi 600; pa=$!
hm_wait "grep -q pages= $HM_OUT/va.out" 120 || hm_fail "allocation in virtio-mem pool"
hm_log "$(cat $HM_OUT/va.out)"
grep -q "present=40960 in=40960 " $HM_OUT/va.out || hm_fail "pages outside the bound virtio-mem blocks"
size=$(hm_req vmem-resize 256) || hm_fail "virtio-mem did not shrink to 256 MiB: $size"
for n in $X $Y; do
	[ "$(cat $HM_SYSMEM/memory$n/state 2>/dev/null)" = online ] || hm_fail "bound memory$n was taken away"
done
grep -q "^$X .*state=bound" $a/memory.hotplug.blocks || hm_fail "pool lost memory$X"
kill -0 $pa || hm_fail "the cgroup's process died"
kill $pa; wait $pa
hm_expect ok $a/memory.hotplug "-$X -$Y"
size=$(hm_req vmem-resize 0) || hm_fail "virtio-mem did not shrink to 0: $size"
exit 0
