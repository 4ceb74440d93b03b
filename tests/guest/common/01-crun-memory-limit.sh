#!/bin/sh
# crun runs a busybox container with a memory limit on cgroup v2; while it
# runs, its cgroup (found from its init pid) shows memory.max = the limit and
# memory.current covering the 32 MiB the container faulted.
. /hotmem/lib/testlib.sh
id=hm-ct-limit
b=/tmp/$id
limit=$((96 * 1024 * 1024))
hm_bundle "$b" /bin/hm-alloc 32 || hm_fail "crun spec"
hm_bundle_set "$b" ".linux.resources.memory.limit = $limit | .linux.cgroupsPath = \"/$id\""
crun run -d --bundle "$b" "$id" > /tmp/$id.out 2>&1 </dev/null || { cat /tmp/$id.out; hm_fail "crun run -d"; }
trap 'crun delete -f $id >/dev/null 2>&1' EXIT
cg=$(hm_container_cgroup "$id") || hm_fail "no cgroup for $id"
hm_log "container cgroup: $cg"
[ "$cg" = "$HM_CGROOT/$id" ] || hm_fail "cgroup $cg, expected $HM_CGROOT/$id"
max=$(cat "$cg/memory.max")
[ "$max" = "$limit" ] || hm_fail "memory.max=$max, want $limit"
# The container faults 32 MiB then sleeps forever: wait for it.
hm_wait "[ \$(cat $cg/memory.current) -ge $((32 * 1024 * 1024)) ]" 60 \
	|| hm_fail "memory.current=$(cat "$cg/memory.current") never reached 32 MiB"
hm_log "memory.max=$max memory.current=$(cat "$cg/memory.current")"
grep -q . "$cg/memory.stat" || hm_fail "empty memory.stat"
crun kill "$id" KILL || hm_fail "crun kill"
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete "$id" || hm_fail "crun delete"
trap - EXIT
[ ! -d "$cg" ] || hm_fail "cgroup $cg still exists after delete"
exit 0
