#!/bin/sh
# A page of a pool that gets hardware-poisoned while in use never comes back
# (memory_failure() keeps it), so the pool must stop counting it as in use:
# once the cgroup's tasks are gone the block is empty and releases without
# migration, as vanilla offlines a block with poisoned pages.
. /hotmem/lib/testlib.sh
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
inj=/sys/kernel/debug/hwpoison/corrupt-pfn
[ -w $inj ] || hm_fail "no $inj (CONFIG_HWPOISON_INJECT)"
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-hwp-used
mkdir -p $a
trap 'kill $p 2>/dev/null; wait; echo -$X > $a/memory.hotplug 2>/dev/null; rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
set -- $(hm_block_pfns $X)
lo=$1 hi=$2
hm_start_in $a $HM_OUT/hwpu.out hm-touch -i 7 -H 16; p=$!
hm_wait "grep -q pfn= $HM_OUT/hwpu.out" 60 || hm_fail "allocation: $(cat $HM_OUT/hwpu.out)"
pfn=$(sed -n 's/^pfn=//p' $HM_OUT/hwpu.out)
[ "$pfn" -ge "$lo" ] && [ "$pfn" -lt "$hi" ] || hm_fail "page $pfn not from the pool [$lo, $hi)"
echo $pfn > $inj 2>/dev/null || hm_log "corrupt-pfn $pfn: write failed"
dmesg | grep -F "$(printf '%#x' $pfn):" | tail -n 2
# The process is killed for its poisoned dirty page (SIGBUS) or goes on.
kill $p 2>/dev/null; wait $p
hm_log "$(tr '\n' ' ' < $HM_OUT/hwpu.out); $(grep "^$X " $a/memory.hotplug.blocks)"
hm_wait "grep -q 'used=0 ' $a/memory.hotplug.blocks" 10 || hm_fail "pool counts the poisoned page as used: $(cat $a/memory.hotplug.blocks)"
m0=$(hm_vmstat pgmigrate_success)
hm_expect ok $a/memory.hotplug "-$X"
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "the release migrated pages"
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "memory$X not offline"
exit 0
