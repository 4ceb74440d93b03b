#!/bin/sh
# The cgroup2 mount remembered between hook calls ($HM_LEDGER/cgroup2.mount):
# the first create asks libmount (trace step "mountinfo") and records the
# mount's path with its device and inode; a later create uses the record and
# does not parse mountinfo; a record that no longer names the root directory
# of the cgroup2 hierarchy is not used: a bind-mounted subtree (same device,
# other inode), or a directory on another file system laid out like the
# container's cgroup.  Then the hook asks libmount again, binds the block in
# the right cgroup and rewrites the record.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
id=hm-cg2
rec=$HM_LEDGER/cgroup2.mount
trap 'hm_fake_container_stop $id; umount /mnt/hm-sub 2>/dev/null; rmdir $HM_CGROOT/hm-sub 2>/dev/null
	rm -rf /tmp/hm-fakecg; hm_unplug_dimm $HM_DIMM $blocks' EXIT
want="$(stat -c '%d %i' $HM_CGROOT) $HM_CGROOT"

# create WHAT PARSED: a create and a poststop; PARSED (yes/no): whether the
# create must have parsed mountinfo
create() {
	hm_fake_container $id 100M
	hm_state $id $HM_CPID /tmp/$id | HOTMEM_DEBUG_TRACE=1 $HM_HOOK createRuntime 2> $HM_OUT/cg2.err ||
		{ cat $HM_OUT/cg2.err; hm_fail "$1: create"; }
	grep -q "^[0-9]* size=" $HM_CGROOT/$id/memory.hotplug.blocks || hm_fail "$1: no block bound to $id"
	parsed=no
	grep -q "^trace mountinfo " $HM_OUT/cg2.err && parsed=yes
	[ $parsed = $2 ] || hm_fail "$1: mountinfo parsed: $parsed, expected $2"
	[ "$(cat $rec)" = "$want" ] || hm_fail "$1: record '$(cat $rec)', expected '$want'"
	hm_fake_container_stop $id
	hm_state $id 0 /tmp/$id | $HM_HOOK poststop 2> $HM_OUT/cg2.err ||
		{ cat $HM_OUT/cg2.err; hm_fail "$1: poststop"; }
	hm_expect_clean $blocks
	hm_log "$1: mountinfo parsed: $parsed"
}

rm -f $rec
create "no record" yes
create "recorded" no
mkdir -p $HM_CGROOT/hm-sub /mnt/hm-sub || hm_fail "mkdir"
mount --bind $HM_CGROOT/hm-sub /mnt/hm-sub || hm_fail "bind mount"
echo "$(stat -c '%d %i' $HM_CGROOT) /mnt/hm-sub" > $rec
create "record names a bind-mounted subtree" yes
umount /mnt/hm-sub && rmdir $HM_CGROOT/hm-sub || hm_fail "umount"
mkdir -p /tmp/hm-fakecg/$id && : > /tmp/hm-fakecg/$id/memory.hotplug
echo "$(stat -c '%d %i' /tmp/hm-fakecg) /tmp/hm-fakecg" > $rec
create "record names a directory on another file system" yes
[ ! -s /tmp/hm-fakecg/$id/memory.hotplug ] || hm_fail "the hook wrote to the fake cgroup"
exit 0
