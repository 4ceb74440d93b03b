#!/bin/sh
# The kernel's own memory-hotplug selftest (tools/testing/selftests/
# memory-hotplug/mem-on-off-test.sh from the same source tree as this kernel),
# run against a DIMM plugged for it, with debugfs for its notifier-error part.
. /hotmem/lib/testlib.sh
st=/hotmem/selftests/mem-on-off-test.sh
[ -f "$st" ] || hm_fail "$st missing from the initramfs"
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
hm_plug_dimm 256 || hm_fail "the DIMM did not plug"
new=$HM_NEW
# Online the DIMM movable first.  The selftest re-onlines what it offlines
# with plain "online"; the VM boots with movable_node, so such a block goes
# back to ZONE_MOVABLE even when it lies outside the zone's span by then,
# and the DIMM can be offlined and unplugged afterwards.  (Without it, the
# block lands in ZONE_NORMAL, takes a slab page and never goes offline.)
for n in $new; do echo online_movable > $HM_SYSMEM/memory$n/state || hm_fail "online_movable memory$n"; done
bash "$st"
rc=$?
hm_log "mem-on-off-test.sh exit $rc"
zones=$(for n in $new; do printf 'memory%s:%s ' $n "$(cat $HM_SYSMEM/memory$n/valid_zones 2>/dev/null)"; done)
hm_log "zones after the selftest: $zones"
# Give the DIMM back: the selftest leaves every block online.
hm_unplug_dimm $HM_DIMM $new || hm_fail "the DIMM does not unplug after the selftest ($zones)"
case $rc in
0) exit 0 ;;
4) hm_fail "selftest skipped itself (ksft_skip): it must run here" ;;
*) hm_fail "mem-on-off-test.sh failed (exit $rc)" ;;
esac
