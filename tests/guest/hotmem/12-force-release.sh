#!/bin/sh
# memory.hotplug reads back the ids of the bound blocks, in the order they
# were bound.  Each bound block shows its pages in use (hotplug_used_pages,
# memory.hotplug.blocks).  Releasing a live block with pages in use ("-N")
# is ENOTEMPTY and changes nothing, also as part of a larger write; the old
# forced form "-N force" is gone (EINVAL); writing N to memory.hotplug.evict
# migrates the pages into general memory and releases the block, and the
# process keeps running with its memory.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1 Y=$2
a=$HM_CGROOT/hm-force
mkdir -p $a
trap 'kill $p 2>/dev/null; wait; for n in $X $Y; do echo -$n > $a/memory.hotplug; done 2>/dev/null; rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
pages=$(( $(hm_block_size) / 4096 ))
[ "$(cat $HM_SYSMEM/memory$X/hotplug_used_pages 2>&1)" != 0 ] || hm_fail "an unbound block reads as a pool block"
[ "$(cat $a/memory.hotplug)" = "" ] || hm_fail "memory.hotplug of a new cgroup: '$(cat $a/memory.hotplug)'"
[ $(( $(wc -c < $a/memory.hotplug) )) = 1 ] || hm_fail "memory.hotplug of a new cgroup is not one empty line"

# The ids, in bind order (not sorted), one line.
hm_expect ok $a/memory.hotplug "+$Y"
[ "$(hm_hp_ids $a)" = "$Y" ] || hm_fail "memory.hotplug after +$Y: '$(hm_hp_ids $a)'"
hm_expect ok $a/memory.hotplug "+$X"
[ "$(hm_hp_ids $a)" = "$Y $X" ] || hm_fail "memory.hotplug after +$Y, +$X: '$(hm_hp_ids $a)', expected '$Y $X'"
[ "$(wc -l < $a/memory.hotplug)" = 1 ] || hm_fail "memory.hotplug is not one line: $(cat $a/memory.hotplug)"
[ "$(cut -d' ' -f1 $a/memory.hotplug.blocks | tr '\n' ' ')" = "$Y $X " ] ||
	hm_fail "memory.hotplug.blocks: $(cat $a/memory.hotplug.blocks)"
hm_expect ok $a/memory.hotplug "-$Y"
[ "$(hm_hp_ids $a)" = "$X" ] || hm_fail "memory.hotplug after -$Y: '$(hm_hp_ids $a)'"
hm_expect ok $a/memory.hotplug "-$X"
hm_expect ok $a/memory.hotplug "+$X +$Y"
[ "$(hm_hp_ids $a)" = "$X $Y" ] || hm_fail "memory.hotplug after '+$X +$Y': '$(hm_hp_ids $a)'"
hm_expect ok $a/memory.hotplug "-$Y"

[ "$(cat $HM_SYSMEM/memory$X/hotplug_used_pages)" = 0 ] || hm_fail "fresh pool block in use: $(cat $HM_SYSMEM/memory$X/hotplug_used_pages)"
hm_start_in $a $HM_OUT/force.out hm-touch -H 16; p=$!
hm_wait "grep -q touched $HM_OUT/force.out" 60 || hm_fail "allocation: $(cat $HM_OUT/force.out)"
used=$(cat $HM_SYSMEM/memory$X/hotplug_used_pages)
hm_log "pages in use: $used; $(hm_block_line $a $X)"
[ "$used" -ge 4096 ] || hm_fail "hotplug_used_pages $used < 4096 after 16 MiB"
grep -q "^$X size=134217728 used=$((used * 4096)) free=$((134217728 - used * 4096)) state=bound$" $a/memory.hotplug.blocks ||
	hm_fail "memory.hotplug.blocks disagrees: $(cat $a/memory.hotplug.blocks)"

# "-N" with pages in use: ENOTEMPTY, alone or with other tokens, and nothing
# changes.
snapshot() {
	echo "$(cat $a/memory.hotplug) | $(cat $HM_SYSMEM/memory$X/state) $(hm_owner $X) | $(cat $HM_SYSMEM/memory$Y/state) $(hm_owner $Y)"
}
s0=$(snapshot)
m0=$(hm_vmstat pgmigrate_success)
hm_expect ENOTEMPTY $a/memory.hotplug "-$X"
[ "$(snapshot)" = "$s0" ] || hm_fail "the failed release changed: $(snapshot), was $s0"
hm_expect ENOTEMPTY $a/memory.hotplug "+$Y -$X"
[ "$(snapshot)" = "$s0" ] || hm_fail "the failed '+$Y -$X' changed: $(snapshot), was $s0"
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "a failed release migrated pages"
[ "$(cat $HM_SYSMEM/memory$X/state)" = online ] || hm_fail "busy block went offline"
[ "$(hm_used_pages $X)" = "$used" ] || hm_fail "pages in use changed: $used -> $(hm_used_pages $X)"
# The forced release of the old interface is a malformed write now.
for w in "-$X force" "+$X force" "-$X forced"; do
	hm_expect EINVAL $a/memory.hotplug "$w"
	[ "$(snapshot)" = "$s0" ] || hm_fail "'$w' changed: $(snapshot), was $s0"
done

# memory.hotplug.evict: the pages move out, the block is released.
m0=$(hm_vmstat pgmigrate_success) f0=$(hm_vmstat hotplug_pool_migrate) off0=$(hm_vmstat hotplug_pool_offline)
hm_expect ok $a/memory.hotplug.evict "$X"
moved=$(( $(hm_vmstat pgmigrate_success) - m0 ))
counted=$(( $(hm_vmstat hotplug_pool_migrate) - f0 ))
off=$(( $(hm_vmstat hotplug_pool_offline) - off0 ))
hm_log "evict: $moved pages migrated, hotplug_pool_migrate +$counted, hotplug_pool_offline +$off"
[ "$moved" -ge 4096 ] || hm_fail "evict migrated $moved pages"
[ "$counted" = "$used" ] || hm_fail "hotplug_pool_migrate +$counted, expected +$used"
[ "$off" = "$pages" ] || hm_fail "hotplug_pool_offline +$off, expected $pages pages"
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "memory$X not offline"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = unbound ] || hm_fail "memory$X still bound"
[ -z "$(cat $a/memory.hotplug)" ] || hm_fail "memory.hotplug after the evict: '$(cat $a/memory.hotplug)'"
[ -z "$(cat $a/memory.hotplug.blocks)" ] || hm_fail "memory.hotplug.blocks after the evict: $(cat $a/memory.hotplug.blocks)"
kill -0 $p || hm_fail "the process died"
hm_expect ENOENT $a/memory.hotplug.evict "$X"
exit 0
