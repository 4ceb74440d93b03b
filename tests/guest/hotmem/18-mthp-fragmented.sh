#!/bin/sh
# mTHP in a pool: a 64 KiB mTHP takes a whole free pageblock of the pool.
# Once no pageblock is free, the pool still has free pages: the fault must
# fall back to single pages from the pool, not spill to general memory,
# even under the fallback policy.  A task faults 100 MiB in a 128 MiB pool
# with 64 KiB mTHP on (PMD-size THP off): every page lies in the block,
# some of them came as mTHPs, and nothing spilled.
. /hotmem/lib/testlib.sh
thp=/sys/kernel/mm/transparent_hugepage
m=$thp/hugepages-64kB
[ -e $m/enabled ] || hm_fail "no 64 KiB mTHP in this kernel"
thp_was=$(hm_choice $thp/enabled) m_was=$(hm_choice $m/enabled)
echo never > $thp/enabled && echo always > $m/enabled || hm_fail "cannot set the THP sizes"
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-mthp
mkdir -p $a
trap 'echo $thp_was > $thp/enabled; echo $m_was > $m/enabled
	echo -$X > $a/memory.hotplug 2>/dev/null; rmdir $a 2>/dev/null
	hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
echo fallback > $a/memory.hotplug.policy
set -- $(hm_block_pfns $X)
f0=$(cat $m/stats/anon_fault_alloc)
hm_start_in $a $HM_OUT/mthp.out hm-pfns 100 $1 $2
wait $!
mthp=$(( $(cat $m/stats/anon_fault_alloc) - f0 ))
spill=$(hm_cg_stat $a hotplug_pool_fallback) events=$(hm_event $a hotplug_fallback)
hm_log "$(cat $HM_OUT/mthp.out); 64 KiB mTHPs: $mthp; hotplug_pool_fallback=$spill, memory.events hotplug_fallback=$events"
grep -q "pages=25600 present=25600 in=25600 out=0" $HM_OUT/mthp.out ||
	hm_fail "pages outside the pool: $(cat $HM_OUT/mthp.out)"
[ "$mthp" -ge 1 ] || hm_fail "no 64 KiB mTHP was allocated"
[ "$spill" = 0 ] || hm_fail "$spill pages spilled from a pool with free pages"
[ "$events" = 0 ] || hm_fail "memory.events hotplug_fallback $events from a pool with free pages"
hm_wait "grep -q 'used=0 ' $a/memory.hotplug.blocks" 10 || hm_fail "pages still in use: $(cat $a/memory.hotplug.blocks)"
hm_expect ok $a/memory.hotplug "-$X"
exit 0
