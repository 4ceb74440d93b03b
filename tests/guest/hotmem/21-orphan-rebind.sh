#!/bin/sh
# A live cgroup re-binds an orphaned block with "+N", as it is: the block
# left by a removed cgroup (with a tmpfs file of it still in use) moves to
# the new cgroup's pool without being offlined, serves the new cgroup's
# tasks at once, takes the old file's pages back when the file goes, and is
# released without migration.  A block bound to a live cgroup cannot be
# taken that way (EEXIST).
. /hotmem/lib/testlib.sh
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-rebind-a b=$HM_CGROOT/hm-rebind-b c=$HM_CGROOT/hm-rebind-c
mnt=/tmp/hm-rebindfs
mkdir -p $a $b $c $mnt
trap 'umount $mnt 2>/dev/null; echo -$X > $b/memory.hotplug 2>/dev/null; rmdir $a $b $c 2>/dev/null
	hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
owner() { cat $HM_SYSMEM/memory$X/hotplug_owner; }
hm_expect ok $a/memory.hotplug "+$X"
aid=$(hm_cgid $a) bid=$(hm_cgid $b)
[ "$(owner)" = "bound $aid" ] || hm_fail "owner after the bind: $(owner), the cgroup's id is $aid"
mount -t tmpfs -o size=64m tmpfs $mnt || hm_fail "mount tmpfs"
hm_start_in $a $HM_OUT/rebind-w.out dd if=/dev/zero of=$mnt/left bs=1M count=16
wait $! || hm_fail "writing the file: $(cat $HM_OUT/rebind-w.out)"
rmdir $a || hm_fail "rmdir of the first cgroup"
[ "$(owner)" = "orphan $aid" ] || hm_fail "not an orphan of $aid after rmdir: $(owner)"
left=$(hm_used_pages $X)
[ "$left" -ge 4096 ] || hm_fail "the file's pages are not in the block ($left)"
m0=$(hm_vmstat pgmigrate_success) off0=$(hm_vmstat hotplug_pool_offline)
hm_expect ok $b/memory.hotplug "+$X"
hm_log "re-bound: $(owner), $left pages of the old file still in use"
[ "$(owner)" = "bound $bid" ] || hm_fail "owner after the re-bind: $(owner), expected bound $bid"
[ "$(hm_hp_ids $b)" = "$X" ] || hm_fail "memory.hotplug after the re-bind: '$(hm_hp_ids $b)'"
grep -q "^$X size=134217728 used=$((left * 4096)) .*state=bound$" $b/memory.hotplug.blocks ||
	hm_fail "memory.hotplug.blocks after the re-bind: $(cat $b/memory.hotplug.blocks)"
[ "$(hm_used_pages $X)" = "$left" ] || hm_fail "pages in use changed by the re-bind: $left -> $(hm_used_pages $X)"
[ "$(hm_vmstat hotplug_pool_offline)" = "$off0" ] || hm_fail "the re-bind offlined the block (hotplug_pool_offline $off0 -> $(hm_vmstat hotplug_pool_offline))"
hm_expect EEXIST $c/memory.hotplug "+$X"
# The new cgroup's tasks are served from it at once.
set -- $(hm_block_pfns $X)
hm_start_in $b $HM_OUT/rebind-b.out hm-pfns 32 $1 $2
wait $!
hm_log "new owner's task: $(cat $HM_OUT/rebind-b.out)"
grep -q "in=8192 out=0" $HM_OUT/rebind-b.out || hm_fail "the new owner's pages: $(cat $HM_OUT/rebind-b.out)"
hm_expect ENOTEMPTY $b/memory.hotplug "-$X"
rm $mnt/left
hm_wait "[ \$(hm_used_pages $X) = 0 ]" 10 || hm_fail "the old file's pages did not come back ($(hm_used_pages $X) in use)"
hm_expect ok $b/memory.hotplug "-$X"
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "pages were migrated"
off=$(( $(hm_vmstat hotplug_pool_offline) - off0 ))
[ "$off" = $(( $(hm_block_size) / 4096 )) ] || hm_fail "hotplug_pool_offline +$off after the release, expected $(( $(hm_block_size) / 4096 )) pages"
[ "$(owner)" = unbound ] || hm_fail "owner after the release: $(owner)"
exit 0
