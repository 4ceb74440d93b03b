#!/bin/sh
# A lost poststop (the runtime treats a failed poststop as a warning) costs
# minutes, not forever: the gc pass that the installed hotmem-gc.service
# runs (every 5 minutes, from hotmem-gc.timer; the test VM has no systemd,
# so its ExecStart line is run as written) releases the blocks of a
# container that is gone, and keeps those of one that lives.
. /hotmem/lib/testlib.sh
unit=/usr/local/lib/systemd/system/hotmem-gc.service
[ -f $unit ] && [ -f ${unit%.service}.timer ] || hm_fail "make install did not install the gc service and timer"
cmd=$(sed -n 's/^ExecStart=//p' $unit)
[ -n "$cmd" ] || hm_fail "no ExecStart in $unit"
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
trap 'hm_fake_container_stop hm-lost; hm_fake_container_stop hm-live; hm_unplug_dimm $HM_DIMM $blocks' EXIT
hm_fake_container hm-live 100Mi
live=$HM_CPID
hm_state hm-live $live /tmp/hm-live | $HM_HOOK createRuntime || hm_fail "create hm-live"
hm_fake_container hm-lost 100Mi
hm_state hm-lost $HM_CPID /tmp/hm-lost | $HM_HOOK createRuntime || hm_fail "create hm-lost"
# hm-lost stops, and its poststop never runs
hm_fake_container_stop hm-lost
[ "$(hm_records)" = 2 ] || hm_fail "expected two records"
hm_log "running the service's command: $cmd"
$cmd 2> $HM_OUT/gc.err || { cat $HM_OUT/gc.err; hm_fail "$cmd"; }
cat $HM_OUT/gc.err
[ "$(hm_records)" = 1 ] && [ -f $HM_LEDGER/hm-live.rec ] || hm_fail "ledger after gc: $(ls $HM_LEDGER)"
grep -q "^[0-9]* size=" $HM_CGROOT/hm-live/memory.hotplug.blocks || hm_fail "gc took the live container's block"
hm_fake_container_stop hm-live
hm_state hm-live 0 /tmp/hm-live | $HM_HOOK poststop || hm_fail "poststop hm-live"
hm_expect_clean $blocks
exit 0
