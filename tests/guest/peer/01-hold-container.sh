#!/bin/sh
# Run only in the peer VM, which run-vm.py boots when a test of the main VM
# asks `hm_req peer-start` (hook/22-two-vms-budget.sh): a second VM served by
# the same hotmem-vmm, on the same host budget.  A container whose hook has
# hotmem-vmm grow virtio-mem by one block takes that budget; it runs until
# the main VM posts "stop", then is deleted: its poststop releases the block
# and the provider shrinks virtio-mem back to 0.  Posts "running" and
# "stopped" for the main VM, "failed" when anything goes wrong.
. /hotmem/lib/testlib.sh
id=hm-peer
trap 'rc=$?; [ $rc = 0 ] || hm_req peer-post failed >/dev/null
	crun delete -f $id >/dev/null 2>&1; hm_req vmem-resize 0 >/dev/null' EXIT
bs=$(hm_block_size)
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
hm_provider_bundle /tmp/$id $id 100 /bin/hm-alloc 16 || hm_fail "bundle"
crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out $HM_OUT/hooks.err; hm_fail "crun run"; }
size=$(hm_req vmem-size)
hm_log "running: virtio-mem $size bytes (QEMU), hotmem-vmm: $("$HM_PROVIDER" status)"
[ "$size" = "$bs" ] || hm_fail "virtio-mem did not grow by one block: $size"
r=$(hm_req peer-post running) || hm_fail "peer-post running: $r"
r=$(hm_req peer-wait stop 300) || hm_fail "no stop from the main VM: $r"
crun kill $id KILL
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete $id || { cat $HM_OUT/hooks.err; hm_fail "crun delete"; }
size=$(hm_req vmem-size)
hm_log "deleted: virtio-mem $size bytes (QEMU), hotmem-vmm: $("$HM_PROVIDER" status)"
[ "$size" = 0 ] || hm_fail "virtio-mem not given back: $size"
[ "$(hm_vmm_field plugged)" = 0 ] || hm_fail "hotmem-vmm says plugged=$(hm_vmm_field plugged)"
r=$(hm_req peer-post stopped) || hm_fail "peer-post stopped: $r"
exit 0
