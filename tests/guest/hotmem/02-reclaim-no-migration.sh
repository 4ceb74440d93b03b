#!/bin/sh
# Two cgroups each own a bound block and fault 100 MiB; one exits.  Its
# block reports used=0 and is released with zero pages migrated, while the
# other cgroup keeps running in its own block.  (tests/guest/vanilla/ runs the
# same scenario without hotmem and asserts that pages migrate.)
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1 Y=$2
a=$HM_CGROOT/hm-rec-a b=$HM_CGROOT/hm-rec-b
mkdir -p $a $b
trap 'kill $pb 2>/dev/null; wait; rmdir $a $b 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
hm_expect ok $b/memory.hotplug "+$Y"
hm_start_in $a $HM_OUT/ra.out hm-alloc 100; pa=$!
hm_start_in $b $HM_OUT/rb.out hm-alloc 100; pb=$!
hm_wait "grep -q ready $HM_OUT/ra.out && grep -q ready $HM_OUT/rb.out" 120 || hm_fail "allocations did not finish"
hm_log "a: $(cat $a/memory.hotplug.blocks)"
hm_log "b: $(cat $b/memory.hotplug.blocks)"
used=$(sed -n 's/.*used=\([0-9]*\).*/\1/p' $a/memory.hotplug.blocks)
[ "$used" -ge $((100 << 20)) ] || hm_fail "cgroup a uses $used bytes of its block, expected >= 100 MiB"
# Release while in use: ENOTEMPTY, nothing migrated, nothing changed.
m0=$(hm_vmstat pgmigrate_success)
before=$(cat $a/memory.hotplug.blocks)
hm_expect ENOTEMPTY $a/memory.hotplug "-$X"
[ "$(cat $a/memory.hotplug.blocks)" = "$before" ] || hm_fail "failed release changed the pool"
[ "$(hm_hp_ids $a)" = "$X" ] || hm_fail "failed release changed memory.hotplug: '$(hm_hp_ids $a)'"
kill $pa; wait $pa
hm_wait "grep -q 'used=0 ' $a/memory.hotplug.blocks" 10 || hm_fail "pages did not come back: $(cat $a/memory.hotplug.blocks)"
off0=$(hm_vmstat hotplug_pool_offline)
r=$(hm-timed-write $a/memory.hotplug "-$X") || hm_fail "release: $r"
migrated=$(( $(hm_vmstat pgmigrate_success) - m0 ))
hm_log "released memory$X in $(echo "$r" | sed 's/.*ns=//') ns, $migrated pages migrated"
[ "$migrated" = 0 ] || hm_fail "$migrated pages migrated"
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "memory$X not offline"
# hotplug_pool_offline counts the pages offlined: the whole block.
off=$(( $(hm_vmstat hotplug_pool_offline) - off0 ))
[ "$off" = $(( $(hm_block_size) / 4096 )) ] || hm_fail "hotplug_pool_offline +$off, expected $(( $(hm_block_size) / 4096 )) pages"
# The neighbour is untouched.
kill -0 $pb || hm_fail "neighbour died"
grep -q "^$Y .*used=1" $b/memory.hotplug.blocks || hm_fail "neighbour's block changed: $(cat $b/memory.hotplug.blocks)"
exit 0
