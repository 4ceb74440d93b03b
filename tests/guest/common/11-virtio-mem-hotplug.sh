#!/bin/sh
# virtio-mem grown over QMP (requested-size) adds offline memory blocks; they
# online as movable and offline again; shrinking back to 0 removes them.
. /hotmem/lib/testlib.sh
bs=$(hm_block_size)
before=$(hm_blocks | tr '\n' ' ')
size=$(hm_req vmem-resize 256) || hm_fail "vmem-resize 256: $size"
[ "$size" = $((256 * 1024 * 1024)) ] || hm_fail "virtio-mem size $size"
new=$(hm_blocks | while read -r n; do case " $before " in *" $n "*) ;; *) echo "$n" ;; esac; done)
hm_log "virtio-mem plugged 256 MiB: blocks $(echo $new)"
[ "$(echo $new | wc -w)" = $((256 * 1024 * 1024 / bs)) ] || hm_fail "unexpected new blocks: $new"
for n in $new; do
	[ "$(cat $HM_SYSMEM/memory$n/state)" = offline ] || hm_fail "memory$n not offline"
	echo online_movable > $HM_SYSMEM/memory$n/state || hm_fail "online_movable memory$n"
done
# The plugged memory is usable: fault most of it in a process.
hm-alloc 200 0 > /dev/null || hm_fail "allocating into the new memory"
for n in $new; do
	echo offline > $HM_SYSMEM/memory$n/state || hm_fail "offline memory$n"
done
size=$(hm_req vmem-resize 0) || hm_fail "vmem-resize 0: $size"
[ "$size" = 0 ] || hm_fail "virtio-mem did not shrink: $size"
hm_wait "[ ! -e $HM_SYSMEM/memory$(echo $new | cut -d' ' -f1) ]" 30 || hm_fail "blocks remain after shrink"
exit 0
