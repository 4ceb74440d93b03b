#!/bin/sh
# A memcg OOM report formats memory.stat with oom_lock held.  While a
# memory.hotplug writer is held inside a bind (where it onlines memory and
# may allocate), an OOM elsewhere must still complete: the OOM path takes no
# lock that a writer holds across allocations or onlining.
. /hotmem/lib/testlib.sh
hm_dbg_init || hm_fail "no /sys/kernel/debug/memcg_hotplug (CONFIG_MEMCG_HOTPLUG_DEBUG)"
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-oomlock-a b=$HM_CGROOT/hm-oomlock-b
mkdir -p $a $b
trap 'hm_park none; kill $pb 2>/dev/null; wait; echo -$X > $a/memory.hotplug 2>/dev/null; rmdir $a $b 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_park bind_online
(echo +$X > $a/memory.hotplug; echo "rc=$?" > $HM_OUT/oomlock-w) &
w=$!
hm_wait_parked 1 || hm_fail "the bind did not park"
echo 16M > $b/memory.max
echo 0 > $b/memory.swap.max 2>/dev/null
hm_start_in $b $HM_OUT/oomlock-b.out hm-alloc 64 0; pb=$!
# The victim must die while the writer is still held (20 s: an OOM kill
# takes well under a second here; a blocked OOM report never ends).
i=0
while kill -0 $pb 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
alive=0
kill -0 $pb 2>/dev/null && alive=1
[ "$(cat $HM_DBG/parked)" = 1 ] || hm_fail "the writer was not held throughout"
hm_park none
wait $w
wait $pb 2>/dev/null
[ $alive = 0 ] || hm_fail "the OOM in $b did not finish while a bind was in progress"
kills=$(awk '$1 == "oom_kill" { print $2 }' $b/memory.events)
[ "${kills:-0}" -ge 1 ] || hm_fail "no oom_kill in $b"
grep -q rc=0 $HM_OUT/oomlock-w || hm_fail "the bind failed: $(cat $HM_OUT/oomlock-w)"
hm_expect ok $a/memory.hotplug "-$X"
exit 0
