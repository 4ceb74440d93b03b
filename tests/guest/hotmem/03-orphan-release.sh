#!/bin/sh
# crun removes a container's cgroup before its poststop hook runs: rmdir with
# a bound block succeeds, the block becomes an orphan (hotplug_owner), takes
# back its pages, serves nobody, and root releases it by offlining it via
# sysfs - EBUSY while a page is in use, then with zero migration.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-orphan
mkdir -p $a
trap 'rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
# A tmpfs file written from the cgroup keeps a page of the block in use
# after the cgroup is gone.
mkdir -p /tmp/orph && mount -t tmpfs tmpfs /tmp/orph
sh -c "echo \$\$ > $a/cgroup.procs && dd if=/dev/zero of=/tmp/orph/f bs=1M count=8 2>/dev/null"
grep -q "used=8388608 " $a/memory.hotplug || hm_fail "tmpfs pages not from the pool: $(cat $a/memory.hotplug)"
hm_expect EBUSY $HM_SYSMEM/memory$X/state offline
rmdir $a || hm_fail "rmdir of a cgroup with a bound block"
# The memcg goes offline asynchronously after rmdir (css_offline).
hm_wait "grep -q '^orphan' $HM_SYSMEM/memory$X/hotplug_owner" 30
owner=$(cat $HM_SYSMEM/memory$X/hotplug_owner)
[ "$owner" = "orphan /hm-orphan" ] || hm_fail "hotplug_owner after rmdir: '$owner'"
hm_expect EBUSY $HM_SYSMEM/memory$X/state offline
[ "$(cat $HM_SYSMEM/memory$X/state)" = online ] || hm_fail "busy orphan went offline"
# Nobody else is served from an orphan.
set -- $(hm_block_pfns $X)
out=$(hm-pfns 32 $1 $2)
echo "$out" | grep -q "in=0 " || hm_fail "orphan block served a new allocation: $out"
rm /tmp/orph/f && umount /tmp/orph
m0=$(hm_vmstat pgmigrate_success)
hm_expect ok $HM_SYSMEM/memory$X/state offline
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "offlining the orphan migrated pages"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = unbound ] || hm_fail "owner after release"
exit 0
