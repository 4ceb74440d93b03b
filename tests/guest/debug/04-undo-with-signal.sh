#!/bin/sh
# A write that fails after binding a block undoes the bind, even when the
# writer has a signal pending (memory offlining backs off with -EINTR on
# any signal): the block ends offline and unbound, the write returns the
# first error, and the kernel does not warn.
. /hotmem/lib/testlib.sh
hm_dbg_init || hm_fail "no /sys/kernel/debug/memcg_hotplug (CONFIG_MEMCG_HOTPLUG_DEBUG)"
inj=/sys/kernel/debug/notifier-error-inject/memory/actions/MEM_GOING_OFFLINE/error
[ -w $inj ] || hm_fail "no memory notifier error injection"
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1 Y=$2
a=$HM_CGROOT/hm-undo-sig
mkdir -p $a
trap 'hm_park none; echo 0 > $inj; for n in $X $Y; do echo -$n > $a/memory.hotplug; done 2>/dev/null; rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$Y"
# The release of Y fails (injected), after X was bound: the write undoes X.
echo -5 > $inj
hm_park write_undo
# The shell writes itself, with a handler for SIGUSR1: a signal sent while
# it is in the write stays pending there.
sh -c "trap 'echo usr1' USR1; echo '+$X -$Y' > $a/memory.hotplug; echo rc=\$?" > $HM_OUT/undo-w 2>&1 &
w=$!
hm_wait_parked 1 || hm_fail "the write did not reach its undo"
echo 0 > $inj
kill -USR1 $w || hm_fail "signalling the writer"
hm_park none
wait $w
hm_log "write: $(cat $HM_OUT/undo-w)"
grep -q 'rc=1' $HM_OUT/undo-w && grep -q 'Input/output error' $HM_OUT/undo-w || hm_fail "write result: $(cat $HM_OUT/undo-w)"
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "memory$X left $(cat $HM_SYSMEM/memory$X/state) ($(cat $HM_SYSMEM/memory$X/hotplug_owner))"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = unbound ] || hm_fail "memory$X owner: $(cat $HM_SYSMEM/memory$X/hotplug_owner)"
grep -q "^$Y .*state=bound" $a/memory.hotplug.blocks || hm_fail "memory$Y lost: $(cat $a/memory.hotplug.blocks)"
hm_expect ok $a/memory.hotplug "-$Y"
exit 0
