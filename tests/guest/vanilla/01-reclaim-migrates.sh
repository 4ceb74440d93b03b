#!/bin/sh
# The baseline that hotmem's 02-reclaim-no-migration is measured against:
# without hotmem, two processes fault 100 MiB each into hot-plugged movable
# memory, one exits, and offlining the blocks must migrate the other's live
# pages (pgmigrate_success grows).
. /hotmem/lib/testlib.sh
[ ! -e $HM_SYSMEM/memory0/hotplug_owner ] || hm_fail "this is not a vanilla kernel"
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
trap 'kill $pb 2>/dev/null; wait; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
for n in $HM_NEW; do echo online_movable > $HM_SYSMEM/memory$n/state || hm_fail "online memory$n"; done
hm-alloc 100 > $HM_OUT/va.out 2>&1 & pa=$!
hm-alloc 100 > $HM_OUT/vb.out 2>&1 & pb=$!
hm_wait "grep -q ready $HM_OUT/va.out && grep -q ready $HM_OUT/vb.out" 120 || hm_fail "allocations did not finish"
kill $pa; wait $pa
m0=$(hm_vmstat pgmigrate_success)
for n in $HM_NEW; do
	echo offline > $HM_SYSMEM/memory$n/state || hm_fail "offline memory$n"
done
migrated=$(( $(hm_vmstat pgmigrate_success) - m0 ))
hm_log "offlining the blocks migrated $migrated pages"
[ "$migrated" -gt 1000 ] || hm_fail "expected the live process's pages to migrate, got $migrated"
kill -0 $pb || hm_fail "the live process died"
exit 0
