#!/bin/sh
# Each bound block shows its pages in use (hotplug_used_pages).  Releasing a
# live block with pages in use is EBUSY and changes nothing; the forced form
# "-N force" (alone in its write) migrates them into general memory, and the
# process keeps running with its memory.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1 Y=$2
a=$HM_CGROOT/hm-force
mkdir -p $a
trap 'kill $p 2>/dev/null; wait; for n in $X $Y; do echo -$n > $a/memory.hotplug; done 2>/dev/null; rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
[ "$(cat $HM_SYSMEM/memory$X/hotplug_used_pages 2>&1)" != 0 ] || hm_fail "an unbound block reads as a pool block"
hm_expect ok $a/memory.hotplug "+$X"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_used_pages)" = 0 ] || hm_fail "fresh pool block in use: $(cat $HM_SYSMEM/memory$X/hotplug_used_pages)"
hm_start_in $a $HM_OUT/force.out hm-touch -H 16; p=$!
hm_wait "grep -q touched $HM_OUT/force.out" 60 || hm_fail "allocation: $(cat $HM_OUT/force.out)"
used=$(cat $HM_SYSMEM/memory$X/hotplug_used_pages)
hm_log "pages in use: $used; $(grep "^$X " $a/memory.hotplug)"
[ "$used" -ge 4096 ] || hm_fail "hotplug_used_pages $used < 4096 after 16 MiB"
grep -q "^$X size=134217728 used=$((used * 4096)) " $a/memory.hotplug || hm_fail "memory.hotplug disagrees: $(cat $a/memory.hotplug)"
hm_expect EBUSY $a/memory.hotplug "-$X"
[ "$(cat $HM_SYSMEM/memory$X/state)" = online ] || hm_fail "busy block went offline"
hm_expect EINVAL $a/memory.hotplug "-$X force +$Y"
hm_expect EINVAL $a/memory.hotplug "+$X force"
hm_expect EINVAL $a/memory.hotplug "-$X forced"
m0=$(hm_vmstat pgmigrate_success) f0=$(hm_vmstat hotplug_pool_migrate)
hm_expect ok $a/memory.hotplug "-$X force"
moved=$(( $(hm_vmstat pgmigrate_success) - m0 ))
counted=$(( $(hm_vmstat hotplug_pool_migrate) - f0 ))
hm_log "forced release: $moved pages migrated, hotplug_pool_migrate +$counted"
[ "$moved" -ge 4096 ] || hm_fail "forced release migrated $moved pages"
[ "$counted" = "$used" ] || hm_fail "hotplug_pool_migrate +$counted, expected +$used"
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "memory$X not offline"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = unbound ] || hm_fail "memory$X still bound"
kill -0 $p || hm_fail "the process died"
exit 0
