#!/bin/sh
# hotmem-reclaimd grows a running container through the real provider: the
# container (100Mi asked, memory limit 300 MiB, 128 MiB blocks) ramps to
# 200 MiB; when the kernel's memory.events say its pool is running full,
# hotmem-reclaimd (run as its unit says, with a configuration naming
# hotmem-provider) has hotmem-vmm grow virtio-mem by one block and binds
# it, so the container gets there without an OOM kill; once it exits,
# hotmem-reclaimd releases both blocks and virtio-mem goes back to 0 in
# QEMU's view and in hotmem-vmm's.
. /hotmem/lib/testlib.sh
unit=/usr/local/lib/systemd/system/hotmem-reclaimd.service
cmd=$(sed -n 's/^ExecStart=//p' $unit)
[ -n "$cmd" ] || hm_fail "no ExecStart in $unit"
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
[ -z "$(hm_blocks offline)" ] || hm_fail "unexpected offline blocks: $(hm_blocks offline)"
bs=$(hm_block_size)
[ "$bs" = $((128 << 20)) ] || hm_fail "this test assumes 128 MiB blocks, not $bs"
id=hm-rcd-vmm
log=$HM_OUT/rcd-vmm.log
rpid=
cleanup() {
	[ -n "$rpid" ] && kill $rpid 2>/dev/null && wait $rpid 2>/dev/null
	crun delete -f $id >/dev/null 2>&1
	hm_req vmem-resize 0 >/dev/null
}
trap cleanup EXIT
hm_provider_bundle /tmp/$id $id 300 /bin/hm-ramp 200 4 400 || hm_fail "bundle"
hm_bundle_set /tmp/$id '.annotations["io.hotmem.size"] = "100Mi"'
HOTMEM_CONFIG=/tmp/provider.conf $cmd --interval 200 > $log 2>&1 &
rpid=$!
hm_wait "grep -q 'watching the ledger' $log" 10 || { cat $log; hm_fail "hotmem-reclaimd did not start"; }
crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null ||
	{ cat $HM_OUT/$id.out $HM_OUT/hooks.err; hm_fail "crun run"; }
[ "$(hm_req vmem-size)" = $bs ] || hm_fail "the hook's provider did not plug one block"
hm_wait "grep -q '$id: grew by block' $log" 120 || { cat $log; hm_fail "$id was not grown"; }
size=$(hm_req vmem-size)
hm_log "grown: virtio-mem $size bytes (QEMU), hotmem-vmm: $("$HM_PROVIDER" status)"
[ "$size" = $((2 * bs)) ] || hm_fail "virtio-mem is $size bytes, expected two blocks"
[ "$(grep -c '^[0-9]* size=' $HM_CGROOT/$id/memory.hotplug.blocks)" = 2 ] ||
	hm_fail "the container's cgroup has not two blocks: $(cat $HM_CGROOT/$id/memory.hotplug.blocks)"
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 120 || hm_fail "$id did not finish"
tail -n 1 $HM_OUT/$id.out
grep -q "^done 200" $HM_OUT/$id.out || { cat $log; hm_fail "$id did not get to 200 MiB"; }
oomk=$(awk '$1 == "oom_kill" { print $2 }' $HM_CGROOT/$id/memory.events)
[ "$oomk" = 0 ] || hm_fail "$id saw $oomk OOM kills"
# exited, not deleted: hotmem-reclaimd releases and has the provider shrink
hm_wait "[ \"\$(hm_req vmem-size)\" = 0 ]" 60 ||
	{ cat $log; hm_fail "virtio-mem not given back after the exit: $(hm_req vmem-size)"; }
[ "$(hm_vmm_field plugged)" = 0 ] || hm_fail "hotmem-vmm says plugged=$(hm_vmm_field plugged)"
grep -E "$id: (grew|released|container exited)" $log
crun delete $id || { cat $HM_OUT/hooks.err; hm_fail "crun delete"; }
[ "$(hm_records)" = 0 ] || hm_fail "ledger not empty"
exit 0
