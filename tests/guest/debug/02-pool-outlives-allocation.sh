#!/bin/sh
# An allocation holds its pool while it may sleep (the strict policy
# reclaims and OOM-kills for seconds).  Meanwhile the task is moved out,
# its cgroup removed and the pool's last block offlined: the pool must stay
# valid until the allocation lets go of it, or KASAN reports a
# use-after-free.  The allocation then finds no serving pool and takes
# general memory.
. /hotmem/lib/testlib.sh
hm_dbg_init || hm_fail "no /sys/kernel/debug/memcg_hotplug (CONFIG_MEMCG_HOTPLUG_DEBUG)"
k0=$(hm_kernel_splats | grep -c KASAN)
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-pool-life
mkdir -p $a
rm -f /tmp/hm-go
trap 'hm_park none; kill $p1 $p2 2>/dev/null; wait; rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
# Fill the pool (the rest spills), then make it strict.
echo fallback > $a/memory.hotplug.policy
hm_start_in $a $HM_OUT/life1.out hm-touch -H 136; p1=$!
hm_wait "grep -q touched $HM_OUT/life1.out" 120 || hm_fail "filler: $(cat $HM_OUT/life1.out)"
echo strict > $a/memory.hotplug.policy
# A task that set up its memory outside, moved in, then allocates: it
# needs the full pool and parks holding it.
hm-touch -w /tmp/hm-go 8 > $HM_OUT/life2.out 2>&1 &
p2=$!
sleep 0.2
echo $p2 > $a/cgroup.procs || hm_fail "moving the allocator in"
hm_park alloc
touch /tmp/hm-go
hm_wait_parked 1 || hm_fail "the allocation did not park"
# Away goes everything the pool had.
kill $p1; wait $p1
echo $p2 > $HM_CGROOT/cgroup.procs || hm_fail "moving the allocator out"
rmdir $a || hm_fail "rmdir"
hm_wait "echo offline > $HM_SYSMEM/memory$X/state" 20 || hm_fail "offlining the emptied orphan: $(cat $HM_SYSMEM/memory$X/hotplug_owner)"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = unbound ] || hm_fail "owner after offline"
sleep 1	# RCU grace periods pass: an unreferenced pool is freed now
hm_park none
hm_wait "grep -q touched $HM_OUT/life2.out" 60 || hm_fail "the parked allocation did not finish: $(cat $HM_OUT/life2.out)"
wait $p2
if [ "$(hm_kernel_splats | grep -c KASAN)" != "$k0" ]; then
	hm_fail "$(hm_kernel_splats | grep KASAN | tail -n 1)"
fi
exit 0
