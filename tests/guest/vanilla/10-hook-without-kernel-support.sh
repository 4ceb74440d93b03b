#!/bin/sh
# hotmem-hook on a kernel without memory.hotplug (the vanilla kernel): a
# clear one-line error and exit 6, or, with missing_kernel = passthrough, a
# logged pass-through and exit 0; nothing recorded either way.
. /hotmem/lib/testlib.sh
[ ! -e $HM_SYSMEM/memory0/hotplug_owner ] || hm_fail "this is not a vanilla kernel"
id=hm-nokernel
trap 'hm_fake_container_stop $id' EXIT
hm_fake_container $id 100M
hm_state $id $HM_CPID /tmp/$id | $HM_HOOK createRuntime 2> $HM_OUT/err
rc=$?
cat $HM_OUT/err
[ $rc = 6 ] || hm_fail "exit $rc, expected 6"
[ "$(wc -l < $HM_OUT/err)" = 1 ] || hm_fail "not one line"
grep -q "^hotmem-hook: $id: no /sys/fs/cgroup/$id/memory.hotplug: the kernel lacks memory.hotplug" $HM_OUT/err ||
	hm_fail "unclear message"
printf 'missing_kernel = passthrough\n' > /tmp/pass.conf
hm_state $id $HM_CPID /tmp/$id | HOTMEM_CONFIG=/tmp/pass.conf $HM_HOOK createRuntime 2> $HM_OUT/err ||
	{ cat $HM_OUT/err; hm_fail "passthrough did not succeed"; }
cat $HM_OUT/err
grep -q "passthrough: no /sys/fs/cgroup/$id/memory.hotplug" $HM_OUT/err || hm_fail "passthrough not logged"
[ "$(hm_records)" = 0 ] || hm_fail "ledger not empty"
exit 0
