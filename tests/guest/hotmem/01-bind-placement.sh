#!/bin/sh
# Binding a hot-plugged block to a cgroup: the cgroup's pages all lie in the
# block, and the pages of another process allocating at the same time never
# do.  memory.hotplug, memory.hotplug.blocks, memory.stat and hotplug_owner
# (by the cgroup's id) report it.
. /hotmem/lib/testlib.sh
[ -e /sys/kernel/mm ] || true
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-place-a b=$HM_CGROOT/hm-place-b
mkdir -p $a $b
trap 'rmdir $a $b 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = unbound ] || hm_fail "owner before bind: $(cat $HM_SYSMEM/memory$X/hotplug_owner)"
alloc0=$(hm_vmstat hotplug_pool_alloc)
hm_expect ok $a/memory.hotplug "+$X"
[ "$(cat $HM_SYSMEM/memory$X/state)" = online ] || hm_fail "bound block is not online"
grep -q Movable $HM_SYSMEM/memory$X/valid_zones || hm_fail "bound block not in ZONE_MOVABLE"
owner=$(cat $HM_SYSMEM/memory$X/hotplug_owner)
[ "$owner" = "bound $(hm_cgid $a)" ] || hm_fail "hotplug_owner: '$owner', the cgroup's id is $(hm_cgid $a)"
[ "$(hm_owner $X)" != "bound $(hm_cgid $b)" ] || hm_fail "hotplug_owner names the other cgroup"
ids=$(hm_hp_ids $a)
[ "$ids" = "$X" ] || hm_fail "memory.hotplug: '$ids', expected '$X'"
line=$(cat $a/memory.hotplug.blocks)
hm_log "memory.hotplug: $ids; memory.hotplug.blocks: $line"
echo "$line" | grep -q "^$X size=134217728 used=0 free=134217728 state=bound$" || hm_fail "memory.hotplug.blocks: '$line'"

set -- $(hm_block_pfns $X)
hm_start_in $a $HM_OUT/pa.out hm-pfns 64 $1 $2 3
hm_start_in $b $HM_OUT/pb.out hm-pfns 64 $1 $2 3
wait
hm_log "a (bound): $(cat $HM_OUT/pa.out)"
hm_log "b (other): $(cat $HM_OUT/pb.out)"
grep -q "present=16384 in=16384 out=0" $HM_OUT/pa.out || hm_fail "bound cgroup's pages outside its block: $(cat $HM_OUT/pa.out)"
grep -q "in=0 " $HM_OUT/pb.out || hm_fail "another process got pages of the bound block: $(cat $HM_OUT/pb.out)"
[ $(( $(hm_vmstat hotplug_pool_alloc) - alloc0 )) -ge 16384 ] || hm_fail "hotplug_pool_alloc did not count the pages"
[ "$(hm_cg_stat $a hotplug_bound)" = 134217728 ] || hm_fail "memory.stat hotplug_bound: $(hm_cg_stat $a hotplug_bound)"
# Everything exited: the pool is whole again.
grep -q "^$X .*used=0 " $a/memory.hotplug.blocks || hm_fail "pages not back in the pool: $(cat $a/memory.hotplug.blocks)"
hm_expect ok $a/memory.hotplug "-$X"
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "released block is not offline"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = unbound ] || hm_fail "owner after release"
[ "$(cat $a/memory.hotplug)" = "" ] || hm_fail "memory.hotplug not empty after release: '$(cat $a/memory.hotplug)'"
[ -z "$(cat $a/memory.hotplug.blocks)" ] || hm_fail "memory.hotplug.blocks not empty after release"
exit 0
