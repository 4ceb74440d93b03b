#!/bin/sh
# The hook keeps only CAP_SYS_ADMIN (bit 21) permitted when it acts, none
# effective (it raises it only around each memory.hotplug write), none for
# status, has an empty bounding set, no_new_privs, and a seccomp filter under which a
# syscall outside its allow-list (socket(AF_INET)) fails - read by the hook
# itself from /proc/self/status (HOTMEM_DEBUG_SELFCHECK).
. /hotmem/lib/testlib.sh
HOTMEM_DEBUG_SELFCHECK=1 $HM_HOOK gc 2> $HM_OUT/self || hm_fail "gc"
cat $HM_OUT/self
grep -q "CapEff:	0000000000000000" $HM_OUT/self || hm_fail "a capability is effective outside a memory.hotplug write"
grep -q "CapPrm:	0000000000200000" $HM_OUT/self || hm_fail "permitted set"
grep -q "CapBnd:	0000000000000000" $HM_OUT/self || hm_fail "bounding set not empty"
grep -q "NoNewPrivs:	1" $HM_OUT/self || hm_fail "no_new_privs not set"
grep -q "Seccomp:	2" $HM_OUT/self || hm_fail "no seccomp filter"
grep -q "socket(AF_INET)=Operation not permitted" $HM_OUT/self || hm_fail "AF_INET socket allowed"
HOTMEM_DEBUG_SELFCHECK=1 $HM_HOOK status 2> $HM_OUT/self > /dev/null || hm_fail "status"
grep -q "CapEff:	0000000000000000" $HM_OUT/self || hm_fail "status keeps capabilities"
grep -q "CapPrm:	0000000000000000" $HM_OUT/self || hm_fail "status keeps permitted capabilities"
exit 0
