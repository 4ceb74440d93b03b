#!/bin/sh
# gc never takes a live container's blocks: a container whose init moves
# itself into a child cgroup (as systemd's init.scope or docker-in-docker's
# init do) keeps its block bound and its ledger record "bound" while other
# containers start and stop (each hook call runs gc) and while the
# operator's `hotmem-hook gc` runs; when it is deleted, its block is free.
. /hotmem/lib/testlib.sh
hm_plug_dimm 512 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
id=hm-nest
trap 'crun delete -f $id >/dev/null 2>&1; crun delete -f hm-other >/dev/null 2>&1
	hm_unplug_dimm $HM_DIMM $blocks' EXIT
hm_hook_bundle /tmp/$id /bin/sh -c \
	'mkdir /sys/fs/cgroup/init.scope && echo $$ > /sys/fs/cgroup/init.scope/cgroup.procs && echo moved && exec sleep 600' ||
	hm_fail "bundle"
hm_bundle_set /tmp/$id ".linux.resources.memory.limit = $((100 << 20)) | .linux.cgroupsPath = \"/$id\" |
	.linux.namespaces += [{\"type\": \"cgroup\"}] |
	(.mounts[] | select(.type == \"cgroup\") | .options) |= map(select(. != \"ro\"))"
crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out; hm_fail "crun run"; }
hm_wait "grep -q moved $HM_OUT/$id.out" 30 || hm_fail "init did not move: $(cat $HM_OUT/$id.out)"
pid=$(crun state $id | jq -r .pid)
hm_log "init $pid in $(sed -n 's/^0:://p' /proc/$pid/cgroup)"
grep -q "^0::/$id/init.scope$" /proc/$pid/cgroup || hm_fail "init is not in /$id/init.scope"
cgid=$(hm_cgid /$id) || hm_fail "no cgroup /$id"
mine=$(for n in $blocks; do [ "$(cat $HM_SYSMEM/memory$n/hotplug_owner)" = "bound $cgid" ] && echo $n; done)
[ "$(echo $mine | wc -w)" = 1 ] || hm_fail "expected one block bound to /$id, got '$mine'"

still_mine() {
	[ "$(cat $HM_SYSMEM/memory$mine/hotplug_owner)" = "bound $cgid" ] || hm_fail "$1: block $mine is now $(cat $HM_SYSMEM/memory$mine/hotplug_owner)"
	grep -qx "state bound" $HM_LEDGER/$id.rec || hm_fail "$1: record $(cat $HM_LEDGER/$id.rec 2>&1)"
}
for i in 1 2; do
	rm -rf /tmp/hm-other
	hm_hook_bundle /tmp/hm-other /bin/true || hm_fail "bundle other"
	hm_bundle_set /tmp/hm-other ".linux.resources.memory.limit = $((64 << 20)) | .linux.cgroupsPath = \"/hm-other\""
	crun run --bundle /tmp/hm-other hm-other > $HM_OUT/other.out 2>&1 < /dev/null ||
		{ cat $HM_OUT/other.out; hm_fail "crun run other"; }
	still_mine "another container started and stopped ($i)"
	$HM_HOOK gc 2> $HM_OUT/gc.err || { cat $HM_OUT/gc.err; hm_fail "gc"; }
	cat $HM_OUT/gc.err
	still_mine "gc ($i)"
done
crun kill $id KILL
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete $id 2> $HM_OUT/$id.err || { cat $HM_OUT/$id.err; hm_fail "crun delete"; }
hm_expect_clean $blocks
hm_log "block $mine stayed with /$id (init in /$id/init.scope) through two other containers and two gc runs"
exit 0
