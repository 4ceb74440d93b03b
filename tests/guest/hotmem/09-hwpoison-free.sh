#!/bin/sh
# A free page of a pool that gets hardware-poisoned is taken out of the pool
# for good, as the buddy allocator does with take_page_off_buddy(): no
# process is ever handed it, and the block still releases without migration.
. /hotmem/lib/testlib.sh
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
inj=/sys/kernel/debug/hwpoison/corrupt-pfn
[ -w $inj ] || hm_fail "no $inj (CONFIG_HWPOISON_INJECT)"
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-hwp-free
mkdir -p $a
trap 'kill $p 2>/dev/null; wait; echo -$X > $a/memory.hotplug 2>/dev/null; rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
echo fallback > $a/memory.hotplug.policy
set -- $(hm_block_pfns $X)
bad=$(( $1 + 4242 ))
# (memory_failure() answers EBUSY when it could not handle the page: the
# pages it hands out are what this test checks)
echo $bad > $inj 2>/dev/null || hm_log "corrupt-pfn $bad: write failed"
dmesg | grep -F "$(printf '%#x' $bad):" | tail -n 2
# The whole pool and more: every free pool page is handed out.
hm_start_in $a $HM_OUT/hwpf.out hm-touch -f $bad -H 136; p=$!
hm_wait "grep -q has_pfn $HM_OUT/hwpf.out" 180 || hm_fail "allocation: $(cat $HM_OUT/hwpf.out)"
hm_log "$(tr '\n' ' ' < $HM_OUT/hwpf.out); $(grep "^$X " $a/memory.hotplug.blocks)"
grep -q has_pfn=0 $HM_OUT/hwpf.out || hm_fail "the poisoned page $bad was handed out"
kill $p; wait $p
hm_wait "grep -q 'used=0 ' $a/memory.hotplug.blocks" 10 || hm_fail "pool not empty: $(cat $a/memory.hotplug.blocks)"
m0=$(hm_vmstat pgmigrate_success)
hm_expect ok $a/memory.hotplug "-$X"
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "the release migrated pages"
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "memory$X not offline"
exit 0
