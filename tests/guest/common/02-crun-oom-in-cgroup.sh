#!/bin/sh
# A container that faults past its memory.max is OOM-killed inside its own
# cgroup (memory.events oom_kill), and the VM goes on.
. /hotmem/lib/testlib.sh
id=hm-ct-oom
b=/tmp/$id
hm_bundle "$b" /bin/hm-alloc 64 0 || hm_fail "crun spec"
hm_bundle_set "$b" ".linux.resources.memory.limit = $((32 * 1024 * 1024)) | .linux.cgroupsPath = \"/$id\""
crun run -d --bundle "$b" "$id" </dev/null || hm_fail "crun run -d"
trap 'crun delete -f $id >/dev/null 2>&1' EXIT
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 60 || hm_fail "container survived"
kills=$(awk '$1 == "oom_kill" { print $2 }' "$HM_CGROOT/$id/memory.events")
hm_log "memory.events oom_kill=$kills"
[ "${kills:-0}" -ge 1 ] || hm_fail "no oom_kill in the container's cgroup"
crun delete "$id" || hm_fail "crun delete"
exit 0
