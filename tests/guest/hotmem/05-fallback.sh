#!/bin/sh
# Fallback policy: past the pool, allocations spill to general memory and are
# counted: their pages in memory.stat hotplug_pool_fallback and /proc/vmstat
# hotplug_pool_fallback, the spills in memory.events hotplug_fallback.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-fallback
mkdir -p $a
trap 'rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect EINVAL $a/memory.hotplug.policy "sometimes"
hm_expect ok $a/memory.hotplug.policy fallback
[ "$(cat $a/memory.hotplug.policy)" = fallback ] || hm_fail "policy not set"
hm_expect ok $a/memory.hotplug "+$X"
f0=$(hm_vmstat hotplug_pool_fallback)
set -- $(hm_block_pfns $X)
hm_start_in $a $HM_OUT/fa.out hm-pfns 160 $1 $2
wait $!
hm_log "$(cat $HM_OUT/fa.out)"
grep -q "present=40960" $HM_OUT/fa.out || hm_fail "allocation past the pool failed: $(cat $HM_OUT/fa.out)"
in=$(sed -n 's/.* in=\([0-9]*\).*/\1/p' $HM_OUT/fa.out)
[ "$in" -ge 30000 ] || hm_fail "only $in pages came from the pool"
out=$(sed -n 's/.* out=\([0-9]*\).*/\1/p' $HM_OUT/fa.out)
spill=$(( $(hm_vmstat hotplug_pool_fallback) - f0 ))
cgspill=$(hm_cg_stat $a hotplug_pool_fallback) events=$(hm_event $a hotplug_fallback)
hm_log "memory.stat hotplug_pool_fallback $cgspill, vmstat +$spill, memory.events hotplug_fallback $events, $out pages outside the pool"
[ "$out" -ge $((40960 - 32768)) ] || hm_fail "only $out pages outside a 128 MiB pool"
# Pages, not allocation calls: every page outside the pool was spilled.
[ "${cgspill:-0}" -ge "$out" ] || hm_fail "memory.stat hotplug_pool_fallback $cgspill < $out pages spilled"
[ "$spill" -ge "$out" ] || hm_fail "vmstat hotplug_pool_fallback +$spill < $out pages spilled"
[ "${events:-0}" -ge 1 ] || hm_fail "memory.events hotplug_fallback not counted ('$events')"
hm_expect ok $a/memory.hotplug "-$X"
exit 0
