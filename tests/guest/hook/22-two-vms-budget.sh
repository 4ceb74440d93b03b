#!/bin/sh
# Two VMs on one host budget, with real QEMUs.  The harness boots a peer VM
# (hm_req peer-start; it runs tests/guest/peer/) and restarts hotmem-vmm
# serving both VMs with a budget of one block, one container's memory.  The
# peer's container takes it (hotmem-vmm grows the peer's virtio-mem); then a
# container of the same size here fails to start: the hook's provider is
# refused for the budget, and the refusal, naming the host budget's bytes,
# is in the file run.oci.hooks.stderr names, crun reports the hook's exit
# code 12 (provider), nothing is plugged or claimed here.  Once the peer's
# container is deleted (its poststop shrinks the peer's virtio-mem to 0),
# the same container here starts: hotmem-vmm charges this VM's block and
# nothing of the peer's (budget_free 0 with this VM's one block plugged, the
# whole budget free again after it is deleted).  The peer's own checks
# (its container ran on one grown block, gave it back) are its results,
# which peer-stop returns.
. /hotmem/lib/testlib.sh
bs=$(hm_block_size)
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
[ -z "$(hm_blocks offline)" ] || hm_fail "unexpected offline blocks: $(hm_blocks offline)"
id=hm-two-vms
peer=
trap 'crun delete -f $id >/dev/null 2>&1; hm_req vmem-resize 0 >/dev/null
	[ -z "$peer" ] || { hm_req peer-stop 60 >/dev/null 2>&1; hm_req vmm-restart >/dev/null; }' EXIT
t0=$(cut -d. -f1 /proc/uptime)
peer=1
r=$(hm_req peer-start $((bs >> 20))) || hm_fail "peer-start: $r"
hm_log "$r"
r=$(hm_req peer-wait running 300) || hm_fail "the peer's container did not start: $r"
hm_log "the peer's container runs after $(( $(cut -d. -f1 /proc/uptime) - t0 ))s: hotmem-vmm says here: $("$HM_PROVIDER" status)"
[ "$(hm_vmm_field budget)" = "$bs" ] || hm_fail "budget=$(hm_vmm_field budget), expected $bs"
[ "$(hm_vmm_field plugged)" = 0 ] || hm_fail "plugged=$(hm_vmm_field plugged) here, expected 0"
[ "$(hm_vmm_field budget_free)" = 0 ] || hm_fail "budget_free=$(hm_vmm_field budget_free) while the peer holds the budget"

# The same container here: refused for the budget.
hm_provider_bundle /tmp/$id $id 100 /bin/hm-alloc 16 || hm_fail "bundle"
rm -f $HM_OUT/hooks.err
if crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null; then
	hm_fail "crun run succeeded while the peer VM holds the budget"
fi
cat $HM_OUT/$id.out $HM_OUT/hooks.err
# the hook asks for what it lacks in whole blocks: one block for 100 MiB
lim=$bs
grep -q "^hotmem-provider: grow $lim: hotmem-vmm refused: budget: host budget of $bs bytes exhausted: $bs plugged in all VMs, 0 free, $bs asked$" \
	$HM_OUT/hooks.err || hm_fail "the provider's refusal naming the budget is not in run.oci.hooks.stderr"
grep -q "^hotmem-hook: $id: provider grow $lim exited with 1$" $HM_OUT/hooks.err || hm_fail "the hook's own line does not name the provider"
grep -q "error executing hook .* (exit code: 12)" $HM_OUT/$id.out || hm_fail "crun did not report the hook's exit code 12"
! crun state $id > /dev/null 2>&1 || hm_fail "the container exists after the refused create"
[ ! -d $HM_CGROOT/$id ] || hm_fail "its cgroup exists after the refused create"
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem $(hm_req vmem-size) bytes after the refusal"
[ -z "$(hm_blocks offline)" ] || hm_fail "offline blocks after the refusal: $(hm_blocks offline)"
[ "$(hm_records)" = 0 ] || hm_fail "ledger not empty after the refusal: $(ls $HM_LEDGER)"

# The peer deletes its container and gives its block back.
r=$(hm_req peer-post stop) || hm_fail "peer-post stop: $r"
r=$(hm_req peer-wait stopped 300) || hm_fail "the peer did not give its block back: $r"
[ "$(hm_vmm_field budget_free)" = "$bs" ] || hm_fail "budget_free=$(hm_vmm_field budget_free) after the peer's shrink, expected $bs"

# The retry runs.
rm -f $HM_OUT/hooks.err
crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out $HM_OUT/hooks.err; hm_fail "crun run after the peer's shrink"; }
size=$(hm_req vmem-size)
hm_log "retry runs: virtio-mem $size bytes (QEMU), hotmem-vmm: $("$HM_PROVIDER" status)"
[ "$size" = "$bs" ] || hm_fail "virtio-mem did not grow by one block: $size"
[ "$(hm_vmm_field plugged)" = "$bs" ] || hm_fail "hotmem-vmm says plugged=$(hm_vmm_field plugged), QEMU $size"
[ "$(hm_vmm_field budget_free)" = 0 ] || hm_fail "budget_free=$(hm_vmm_field budget_free): the budget is not this VM's block alone"
crun kill $id KILL
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete $id || { cat $HM_OUT/hooks.err; hm_fail "crun delete"; }
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not given back: $(hm_req vmem-size)"
[ "$(hm_vmm_field budget_free)" = "$bs" ] || hm_fail "budget_free=$(hm_vmm_field budget_free) at the end, not the whole budget"
peer=
r=$(hm_req peer-stop) || hm_fail "the peer VM: $r"
hm_log "$r; $(( $(cut -d. -f1 /proc/uptime) - t0 ))s in all"
exit 0
