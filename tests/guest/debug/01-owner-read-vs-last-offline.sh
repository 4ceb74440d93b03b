#!/bin/sh
# hotplug_owner read on one CPU while the last orphaned block of a pool is
# offlined on the other: the reader found the block before the offline
# erased it and reads the pool's cgroup id after the pool was put.  The
# pool must live until the reader is done (it is freed after an RCU grace
# period), or KASAN reports a use-after-free.  Park points hold the offline just before
# it drops the pool and make the reader spin between lookup and use.
. /hotmem/lib/testlib.sh
hm_dbg_init || hm_fail "no /sys/kernel/debug/memcg_hotplug (CONFIG_MEMCG_HOTPLUG_DEBUG)"
k0=$(hm_kernel_splats | grep -c KASAN)
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
c=$HM_CGROOT/hm-owner-uaf
mkdir -p $c
trap 'hm_park none; echo 0 > $HM_DBG/owner_delay_ms; rmdir $c 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $c/memory.hotplug "+$X"
cid=$(hm_cgid $c)
rmdir $c || hm_fail "rmdir"
hm_wait "grep -qx 'orphan $cid' $HM_SYSMEM/memory$X/hotplug_owner" 10 || hm_fail "not an orphan of $cid: $(hm_owner $X)"

hm_park offline
(echo offline > $HM_SYSMEM/memory$X/state; echo "rc=$?" > $HM_OUT/uaf-off) &
off=$!
hm_wait_parked 1 || hm_fail "the offline did not reach MEM_OFFLINE"
d0=$(cat $HM_DBG/owner_delays)
echo 1500 > $HM_DBG/owner_delay_ms
cat $HM_SYSMEM/memory$X/hotplug_owner > $HM_OUT/uaf-owner 2>&1 &
rd=$!
hm_wait "[ \$(cat $HM_DBG/owner_delays) -gt $d0 ]" 30 || hm_fail "the reader did not find the block"
hm_park none
wait $off
wait $rd
echo 0 > $HM_DBG/owner_delay_ms
hm_log "offline: $(cat $HM_OUT/uaf-off); reader saw: $(cat $HM_OUT/uaf-owner)"
grep -q 'rc=0' $HM_OUT/uaf-off || hm_fail "offline of the orphan failed"
grep -qx "orphan $cid" $HM_OUT/uaf-owner || hm_fail "reader saw '$(cat $HM_OUT/uaf-owner)'"
if [ "$(hm_kernel_splats | grep -c KASAN)" != "$k0" ]; then
	hm_fail "$(hm_kernel_splats | grep KASAN | tail -n 1)"
fi
exit 0
