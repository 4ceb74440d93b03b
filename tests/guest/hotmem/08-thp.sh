#!/bin/sh
# With THP on, a bound cgroup gets huge pages from its pool (whole free
# pageblocks), and they come back whole.
. /hotmem/lib/testlib.sh
thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -e $thp ] || hm_fail "no THP in this kernel"
old=$(hm_choice $thp)
echo always > $thp
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-thp
mkdir -p $a
trap 'echo $old > $thp; rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
set -- $(hm_block_pfns $X)
hm_start_in $a $HM_OUT/ta.out hm-pfns 64 $1 $2 3; pa=$!
sleep 1
thp_bytes=$(hm_cg_stat $a anon_thp)
wait $pa
hm_log "$(cat $HM_OUT/ta.out), anon_thp=$thp_bytes"
grep -q "in=16384 out=0" $HM_OUT/ta.out || hm_fail "THP pages outside the pool"
[ "${thp_bytes:-0}" -ge $((32 << 20)) ] || hm_fail "no huge pages from the pool (anon_thp=$thp_bytes)"
grep -q "used=0 " $a/memory.hotplug.blocks || hm_fail "huge pages did not come back"
hm_expect ok $a/memory.hotplug "-$X"
exit 0
