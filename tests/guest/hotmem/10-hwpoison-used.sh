#!/bin/sh
# A page of a pool that gets hardware-poisoned while in use never comes back
# (memory_failure() keeps it), so the pool must stop counting it as in use:
# once the cgroup's tasks are gone the block is empty and releases, as
# vanilla offlines a block with poisoned pages.
. /hotmem/lib/testlib.sh
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-hwp-used
mkdir -p $a
trap 'echo -$X > $a/memory.hotplug 2>/dev/null; rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
set -- $(hm_block_pfns $X)
lo=$1 hi=$2
sh -c "echo \$\$ > $a/cgroup.procs && exec hm-touch -p 7 16" > $HM_OUT/hwpu.out 2>&1
hm_log "$(tr '\n' ' ' < $HM_OUT/hwpu.out)"
grep -q poisoned $HM_OUT/hwpu.out || hm_fail "MADV_HWPOISON: $(cat $HM_OUT/hwpu.out)"
pfn=$(sed -n 's/^pfn=//p' $HM_OUT/hwpu.out)
[ "$pfn" -ge "$lo" ] && [ "$pfn" -lt "$hi" ] || hm_fail "page $pfn not from the pool [$lo, $hi)"
hm_log "$(grep "^$X " $a/memory.hotplug)"
hm_wait "grep -q 'used=0 ' $a/memory.hotplug" 10 || hm_fail "pool counts the poisoned page as used: $(cat $a/memory.hotplug)"
m0=$(hm_vmstat pgmigrate_success)
hm_expect ok $a/memory.hotplug "-$X"
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "the release migrated pages"
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "memory$X not offline"
exit 0
