#!/bin/sh
# Strict policy (the default): a process that faults past its cgroup's pool
# is OOM-killed inside that cgroup; it does not spill into general memory,
# and the VM and a neighbour cgroup are unharmed.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-strict n=$HM_CGROOT/hm-neighbour
mkdir -p $a $n
trap 'kill $pn 2>/dev/null; wait; rmdir $a $n 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
[ "$(cat $a/memory.hotplug.policy)" = strict ] || hm_fail "default policy is not strict"
hm_expect ok $a/memory.hotplug "+$X"
hm_start_in $n $HM_OUT/sn.out hm-alloc 32; pn=$!
hm_start_in $a $HM_OUT/sa.out hm-alloc 200 0; pa=$!
wait $pa
rc=$?
hm_log "hm-alloc 200 in a 128 MiB pool: exit $rc ($(cat $HM_OUT/sa.out))"
[ $rc = 137 ] || hm_fail "allocator was not SIGKILLed (exit $rc)"
kills=$(awk '$1 == "oom_kill" { print $2 }' $a/memory.events)
[ "${kills:-0}" -ge 1 ] || hm_fail "no oom_kill in the cgroup's memory.events"
[ "$(hm_cg_stat $a hotplug_pool_fallback)" = 0 ] || hm_fail "strict pool spilled ($(hm_cg_stat $a hotplug_pool_fallback) pages)"
[ "$(hm_event $a hotplug_fallback)" = 0 ] || hm_fail "strict pool spilled (memory.events hotplug_fallback $(hm_event $a hotplug_fallback))"
ooms=$(hm_event $a hotplug_oom)
[ "${ooms:-0}" -ge 1 ] || hm_fail "no hotplug_oom in the cgroup's memory.events ('$ooms')"
hm_wait "grep -q ready $HM_OUT/sn.out" 30 || hm_fail "neighbour did not allocate"
kill -0 $pn || hm_fail "neighbour was killed"
grep -q "used=0 " $a/memory.hotplug.blocks || hm_fail "pool not empty after the OOM kill"
hm_expect ok $a/memory.hotplug "-$X"
exit 0
