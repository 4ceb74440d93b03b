#!/bin/sh
# Fallback policy: past the pool, allocations spill to general memory and are
# counted (memory.stat hotplug_fallback, /proc/vmstat hotplug_pool_fallback).
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
spill=$(( $(hm_vmstat hotplug_pool_fallback) - f0 ))
hm_log "hotplug_fallback $(hm_cg_stat $a hotplug_fallback), vmstat +$spill"
[ "$(hm_cg_stat $a hotplug_fallback)" -ge 1 ] || hm_fail "memory.stat hotplug_fallback not counted"
[ "$spill" -ge 1 ] || hm_fail "vmstat hotplug_pool_fallback not counted"
hm_expect ok $a/memory.hotplug "-$X"
exit 0
