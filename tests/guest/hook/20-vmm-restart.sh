#!/bin/sh
# hotmem-vmm restarted in the middle of the VM's life loses nothing and
# counts nothing twice: it re-reads virtio-mem's sizes over QMP.  A
# container holds two blocks that hotmem-vmm grew for it; hotmem-vmm is
# restarted with a budget of 512 MiB; it reports the 256 MiB plugged and
# 256 MiB of budget free; a grow to exactly the budget succeeds and one
# step (2 MiB) more is refused for the budget; the container's poststop
# after the restart gives its blocks back through the new hotmem-vmm, and
# the whole budget is free again.
. /hotmem/lib/testlib.sh
M=1048576
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
[ -z "$(hm_blocks offline)" ] || hm_fail "unexpected offline blocks: $(hm_blocks offline)"
id=hm-vmm-restart
trap 'crun delete -f $id >/dev/null 2>&1; hm_req vmem-resize 0 >/dev/null; hm_req vmm-restart >/dev/null' EXIT
hm_provider_bundle /tmp/$id $id 256 /bin/hm-alloc 64 || hm_fail "bundle"
crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out $HM_OUT/hooks.err; hm_fail "crun run"; }
[ "$(hm_req vmem-size)" = $((256 * M)) ] || hm_fail "virtio-mem $(hm_req vmem-size) bytes, expected 256 MiB grown for the container"
r=$(hm_req vmm-restart 512) || hm_fail "restart: $r"
hm_log "hotmem-vmm restarted ($r): $("$HM_PROVIDER" status)"
[ "$(hm_vmm_field plugged)" = $((256 * M)) ] || hm_fail "after the restart hotmem-vmm says plugged=$(hm_vmm_field plugged), not 256 MiB"
[ "$(hm_vmm_field budget_free)" = $((256 * M)) ] || hm_fail "after the restart budget_free=$(hm_vmm_field budget_free), not 256 MiB"
size=$(hm_req vmem-resize 512) || hm_fail "grow to the budget refused: $size"
[ "$size" = $((512 * M)) ] || hm_fail "grow to the budget: $size"
out=$(hm_req vmem-resize 514) && hm_fail "a grow beyond the budget was granted: $out"
hm_log "beyond the budget: $out"
case $out in *"refused: budget: host budget of $((512 * M)) bytes exhausted: $((512 * M)) plugged"*) ;;
*) hm_fail "refusal does not name the budget: $out" ;; esac
[ "$(hm_req vmem-size)" = $((512 * M)) ] || hm_fail "virtio-mem $(hm_req vmem-size) after the refusal"
size=$(hm_req vmem-resize 256) || hm_fail "shrink back to the container's 256 MiB: $size"
crun kill $id KILL
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete $id || { cat $HM_OUT/hooks.err; hm_fail "crun delete"; }
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "poststop after the restart did not shrink: $(hm_req vmem-size) bytes"
[ "$(hm_vmm_field budget_free)" = $((512 * M)) ] || hm_fail "budget_free=$(hm_vmm_field budget_free) at the end, not the whole 512 MiB"
r=$(hm_req vmm-restart) || hm_fail "restart with the harness's budget: $r"
exit 0
