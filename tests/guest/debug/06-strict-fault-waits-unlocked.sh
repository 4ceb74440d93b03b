#!/bin/sh
# A page fault that finds its strict pool full waits for the OOM victim
# (another task of the cgroup) without holding mmap_lock or the VMA lock:
# while it is parked just before the OOM kill, another thread of the same
# process changes the protection of the faulting mapping (both locks, for
# writing).  Then the victim is killed, the fault is retried and completes,
# and no "VM_FAULT_OOM leaked" message is printed.
# HM_PARK_POINT (default oom_wait) names the park point, so that the same
# check can be pointed at where an older kernel waited.
. /hotmem/lib/testlib.sh
hm_dbg_init || hm_fail "no /sys/kernel/debug/memcg_hotplug (CONFIG_MEMCG_HOTPLUG_DEBUG)"
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-oomwait
mkdir -p $a
rm -f /tmp/hm-oomgo
trap 'hm_park none; kill $pv $pf 2>/dev/null; wait; echo -$X > $a/memory.hotplug 2>/dev/null; rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
[ "$(cat $a/memory.hotplug.policy)" = strict ] || hm_fail "default policy is not strict"
leaks0=$(dmesg | grep -c "VM_FAULT_OOM leaked")
# The victim: the largest task of the cgroup, holding most of the pool.
hm_start_in $a $HM_OUT/oomwait-victim.out hm-alloc 96; pv=$!
hm_wait "grep -q ready $HM_OUT/oomwait-victim.out" 60 || hm_fail "victim: $(cat $HM_OUT/oomwait-victim.out)"
hm_park "${HM_PARK_POINT:-oom_wait}" || hm_fail "no park point ${HM_PARK_POINT:-oom_wait}"
hm_start_in $a $HM_OUT/oomwait-faulter.out hm-fault-mmap 64 /tmp/hm-oomgo; pf=$!
hm_wait_parked 1 || hm_fail "the fault did not park at ${HM_PARK_POINT:-oom_wait}"
touch /tmp/hm-oomgo
hm_wait "grep -q 'mprotect ok' $HM_OUT/oomwait-faulter.out" 20 ||
	hm_fail "mprotect of the faulting mapping did not complete while the fault waited for the OOM kill"
hm_log "mprotect done while the fault was parked"
hm_park none
wait $pv
rc=$?
[ $rc = 137 ] || hm_fail "the victim was not SIGKILLed (exit $rc)"
hm_wait "grep -q touched $HM_OUT/oomwait-faulter.out" 60 || hm_fail "the fault did not complete: $(cat $HM_OUT/oomwait-faulter.out)"
wait $pf
rc=$?
[ $rc = 0 ] || hm_fail "the faulting process exited $rc"
leaks=$(dmesg | grep -c "VM_FAULT_OOM leaked")
[ "$leaks" = "$leaks0" ] || hm_fail "VM_FAULT_OOM leaked to the fault handler ($((leaks - leaks0)) times)"
[ "$(hm_cg_stat $a hotplug_pool_fallback)" = 0 ] || hm_fail "strict pool spilled ($(hm_cg_stat $a hotplug_pool_fallback) pages)"
[ "$(hm_event $a hotplug_fallback)" = 0 ] || hm_fail "strict pool spilled (memory.events hotplug_fallback $(hm_event $a hotplug_fallback))"
kills=$(awk '$1 == "oom_kill" { print $2 }' $a/memory.events)
ooms=$(hm_event $a hotplug_oom)
hm_log "victim killed, fault completed; oom_kill=$kills hotplug_oom=$ooms"
[ "${kills:-0}" -ge 1 ] || hm_fail "no oom_kill in the cgroup's memory.events"
[ "${ooms:-0}" -ge 1 ] || hm_fail "no hotplug_oom in the cgroup's memory.events ('$ooms')"
exit 0
