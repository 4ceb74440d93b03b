#!/bin/sh
# crun removes a container's cgroup before its poststop hook runs: rmdir with
# a bound block succeeds, the block is an orphan at once (hotplug_owner), takes
# back its pages, serves nobody, and root releases it by offlining it via
# sysfs: with zero migration once it is empty (hotplug_used_pages 0), and
# whatever is left in it otherwise, by migrating the leftovers into general
# memory, as vanilla would (counted in pgmigrate_success and
# hotplug_pool_migrate).
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1 Y=$2
a=$HM_CGROOT/hm-orphan
b=$HM_CGROOT/hm-orphan2
mkdir -p $a $b
trap 'rmdir $a $b 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT

# What crun and the hook do: the cgroup's tasks allocated from the block and
# exited, crun removes the cgroup, poststop offlines the block right away.
hm_expect ok $b/memory.hotplug "+$Y"
set -- $(hm_block_pfns $Y)
out=$(sh -c "echo \$\$ > $b/cgroup.procs && exec hm-pfns 32 $1 $2")
echo "$out" | grep -q "present=8192 in=8192 out=0" || hm_fail "pages outside block $Y: $out"
rmdir $b || hm_fail "rmdir of a cgroup with a bound block"
m0=$(hm_vmstat pgmigrate_success)
hm_expect ok $HM_SYSMEM/memory$Y/state offline
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "offlining the emptied orphan migrated pages"
[ "$(cat $HM_SYSMEM/memory$Y/hotplug_owner)" = unbound ] || hm_fail "owner of $Y after release"

hm_expect ok $a/memory.hotplug "+$X"
# A tmpfs file written from the cgroup keeps a page of the block in use
# after the cgroup is gone.
mkdir -p /tmp/orph && mount -t tmpfs tmpfs /tmp/orph
sh -c "echo \$\$ > $a/cgroup.procs && dd if=/dev/urandom of=/tmp/orph/f bs=1M count=8 2>/dev/null"
sum0=$(md5sum < /tmp/orph/f)
grep -q "^$X .*used=8388608 " $a/memory.hotplug.blocks || hm_fail "tmpfs pages not from the pool: $(cat $a/memory.hotplug.blocks)"
hm_expect EBUSY $HM_SYSMEM/memory$X/state offline
# the cgroup's id, while it exists: hotplug_owner keeps naming it by id
aid=$(hm_cgid $a)
[ "$(hm_owner $X)" = "bound $aid" ] || hm_fail "hotplug_owner before rmdir: '$(hm_owner $X)', the cgroup's id is $aid"
rmdir $a || hm_fail "rmdir of a cgroup with a bound block"
# An orphan as soon as rmdir returns, though the memcg itself goes offline
# later (css_offline): crun runs poststop hooks right after the rmdir.
owner=$(cat $HM_SYSMEM/memory$X/hotplug_owner)
[ "$owner" = "orphan $aid" ] || hm_fail "hotplug_owner after rmdir: '$owner', expected 'orphan $aid'"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_used_pages)" = 2048 ] || hm_fail "orphan pages in use: $(cat $HM_SYSMEM/memory$X/hotplug_used_pages)"
# Nobody else is served from an orphan.
set -- $(hm_block_pfns $X)
out=$(hm-pfns 32 $1 $2)
echo "$out" | grep -q "in=0 " || hm_fail "orphan block served a new allocation: $out"
# Root gets the block back all the same: the tmpfs pages move out.
m0=$(hm_vmstat pgmigrate_success) f0=$(hm_vmstat hotplug_pool_migrate)
hm_expect ok $HM_SYSMEM/memory$X/state offline
moved=$(( $(hm_vmstat pgmigrate_success) - m0 ))
counted=$(( $(hm_vmstat hotplug_pool_migrate) - f0 ))
hm_log "offlining the busy orphan: $moved pages migrated, hotplug_pool_migrate +$counted"
[ "$moved" -ge 2048 ] || hm_fail "only $moved pages migrated"
[ "$counted" = 2048 ] || hm_fail "hotplug_pool_migrate +$counted, expected +2048"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = unbound ] || hm_fail "owner after release"
[ "$(md5sum < /tmp/orph/f)" = "$sum0" ] || hm_fail "the tmpfs file changed"
rm /tmp/orph/f && umount /tmp/orph
exit 0
