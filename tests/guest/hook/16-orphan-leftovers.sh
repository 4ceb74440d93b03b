#!/bin/sh
# An orphan whose cgroup left pages behind (a tmpfs file it wrote): poststop
# waits, within release_timeout, until hotplug_used_pages reads 0 and then
# offlines the block without migration; when the pages are still there
# after the wait, it offlines the block anyway, the kernel migrating them,
# and says how many pages moved.  Either way the block comes back.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
id=hm-leftover
mkdir -p /tmp/hm-left && mount -t tmpfs tmpfs /tmp/hm-left
trap 'hm_fake_container_stop $id; rm -f /tmp/hm-left/f; umount /tmp/hm-left; hm_unplug_dimm $HM_DIMM $blocks' EXIT

# run_case KEEP: a container writes 8 MiB to tmpfs and is gone; poststop;
# KEEP=no deletes the file while poststop waits.
run_case() {
	hm_fake_container $id 100M
	hm_state $id $HM_CPID /tmp/$id | $HM_HOOK createRuntime 2> $HM_OUT/left.err || { cat $HM_OUT/left.err; hm_fail "create"; }
	blk=$(cat $HM_CGROOT/$id/memory.hotplug)
	[ -n "$blk" ] || hm_fail "no block bound"
	cgid=$(hm_cgid $id)
	[ "$(hm_owner $blk)" = "bound $cgid" ] || hm_fail "memory$blk: $(hm_owner $blk), /$id is $cgid"
	sh -c "echo \$\$ > $HM_CGROOT/$id/cgroup.procs && dd if=/dev/urandom of=/tmp/hm-left/f bs=1M count=8 2>/dev/null"
	sum0=$(md5sum < /tmp/hm-left/f)
	hm_fake_container_stop $id
	[ "$(hm_owner $blk)" = "orphan $cgid" ] || hm_fail "memory$blk after the cgroup's removal: $(hm_owner $blk), expected orphan $cgid"
	used=$(cat $HM_SYSMEM/memory$blk/hotplug_used_pages)
	[ "$used" = 2048 ] || hm_fail "orphan memory$blk: $used pages in use, expected 2048"
	m0=$(hm_vmstat pgmigrate_success)
	hm_state $id 0 /tmp/$id | $HM_HOOK poststop > $HM_OUT/left.err 2>&1 &
	ps=$!
	sleep 1
	[ "$(cat $HM_SYSMEM/memory$blk/state)" = online ] || hm_fail "poststop did not wait for the orphan"
	[ "$1" = no ] && rm /tmp/hm-left/f
	wait $ps || { cat $HM_OUT/left.err; hm_fail "poststop failed"; }
	cat $HM_OUT/left.err
	hm_expect_clean $blocks
	moved=$(( $(hm_vmstat pgmigrate_success) - m0 ))
	hm_log "keep=$1: $moved pages migrated"
}

run_case no
[ "$moved" = 0 ] || hm_fail "the emptied orphan was offlined with migration ($moved pages)"
grep -q "still in use" $HM_OUT/left.err && hm_fail "poststop says pages were in use"

run_case yes
[ "$moved" -ge 2048 ] || hm_fail "only $moved pages migrated"
grep -q "block $blk: 2048 pages still in use after the wait; offlined by migrating them" $HM_OUT/left.err ||
	hm_fail "poststop did not say how many pages moved"
[ "$(md5sum < /tmp/hm-left/f)" = "$sum0" ] || hm_fail "the tmpfs file changed"
exit 0
