#!/bin/sh
# Pages that migration moves out of a pool into general memory are counted
# in /proc/vmstat hotplug_pool_moved_out: a task of a cgroup bound to a
# block on NUMA node 1 moves its 16 MiB to node 0 with move_pages(2).  The
# targets are general memory (a migration target never comes from a pool),
# the block empties, and every moved page is counted.
. /hotmem/lib/testlib.sh
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(hm_choice $thp)
echo never > $thp || hm_fail "cannot turn transparent huge pages off"
hm_plug_dimm 128 1 || hm_fail "DIMM on node 1 did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-movedout
mkdir -p $a
trap 'echo $thp_was > $thp; echo -$X > $a/memory.hotplug 2>/dev/null; rmdir $a 2>/dev/null
	hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
c0=$(hm_vmstat hotplug_pool_moved_out)
[ -n "$c0" ] || hm_fail "no hotplug_pool_moved_out in /proc/vmstat"
a0=$(hm_vmstat hotplug_pool_alloc)
hm_start_in $a $HM_OUT/moved.out hm-move 16 0
wait $! || hm_fail "hm-move: $(cat $HM_OUT/moved.out)"
moved=$(sed -n 's/^moved=\([0-9]*\).*/\1/p' $HM_OUT/moved.out)
counted=$(( $(hm_vmstat hotplug_pool_moved_out) - c0 ))
pooled=$(( $(hm_vmstat hotplug_pool_alloc) - a0 ))
hm_log "$(cat $HM_OUT/moved.out); $pooled pages came from the pool; hotplug_pool_moved_out +$counted"
[ "$pooled" -ge 4096 ] || hm_fail "the task's pages did not come from the pool ($pooled)"
[ "${moved:-0}" -ge 4000 ] || hm_fail "move_pages moved ${moved:-0} pages"
[ "$counted" -ge "$moved" ] || hm_fail "$moved pages moved out of the pool, $counted counted"
hm_wait "grep -q 'used=0 ' $a/memory.hotplug.blocks" 10 || hm_fail "pages still in use: $(cat $a/memory.hotplug.blocks)"
hm_expect ok $a/memory.hotplug "-$X"
exit 0
