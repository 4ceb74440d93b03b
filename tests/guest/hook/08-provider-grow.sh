#!/bin/sh
# The provider: with no offline block available, the hook asks the
# configured provider, hotmem-provider, which asks hotmem-vmm on the host
# over the virtio-serial port to grow virtio-mem; the new blocks appear
# offline, the hook binds one and the container runs.  After the container
# is deleted the hook calls the provider to shrink by the block it
# released, and virtio-mem gives the memory back to the host.  QEMU's view
# (hm_req vmem-size) and hotmem-vmm's (status) agree at every step.
. /hotmem/lib/testlib.sh
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
id=hm-provider
trap 'crun delete -f $id >/dev/null 2>&1; hm_req vmem-resize 0 >/dev/null' EXIT
hm_provider_bundle /tmp/$id $id 100 /bin/hm-alloc 16 || hm_fail "bundle"
# No offline block exists before (each test unplugs what it plugged), so
# the hook must ask the provider.
[ -z "$(hm_blocks offline)" ] || hm_fail "unexpected offline blocks: $(hm_blocks offline)"
crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out $HM_OUT/hooks.err; hm_fail "crun run"; }
size=$(hm_req vmem-size)
hm_log "after create: virtio-mem $size bytes (QEMU), hotmem-vmm: $("$HM_PROVIDER" status)"
[ "$size" = $(hm_block_size) ] || hm_fail "virtio-mem did not grow by one block: $size"
[ "$(hm_vmm_field plugged)" = "$size" ] || hm_fail "hotmem-vmm says plugged=$(hm_vmm_field plugged), QEMU $size"
cg=$(hm_container_cgroup $id)
[ "$(wc -w < $cg/memory.hotplug)" = 1 ] || hm_fail "no block bound after growing"
crun kill $id KILL
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete $id || { cat $HM_OUT/hooks.err; hm_fail "crun delete"; }
size=$(hm_req vmem-size)
hm_log "after delete: virtio-mem $size bytes (QEMU), hotmem-vmm: $("$HM_PROVIDER" status)"
[ "$size" = 0 ] || hm_fail "virtio-mem not given back: $size"
[ "$(hm_vmm_field plugged)" = 0 ] || hm_fail "hotmem-vmm says plugged=$(hm_vmm_field plugged)"
[ "$(hm_records)" = 0 ] || hm_fail "ledger not empty"
exit 0
