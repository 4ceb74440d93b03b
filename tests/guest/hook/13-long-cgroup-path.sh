#!/bin/sh
# A container whose cgroup path is 320 characters long (kind and systemd
# slices nest that deep) gets its block bound, and at delete the block is
# released for real: offline and unbound, the ledger empty.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
id=hm-long
a=hm-long.slice
b=$(printf 'b%.0s' $(seq 1 100))
c=$(printf 'c%.0s' $(seq 1 100))
cg=/$a/$b/$c/
while [ ${#cg} -lt 320 ]; do cg=${cg}d; done
[ ${#cg} = 320 ] || hm_fail "path is ${#cg} characters"
trap 'crun delete -f $id >/dev/null 2>&1; rmdir $HM_CGROOT$cg $HM_CGROOT/$a/$b/$c $HM_CGROOT/$a/$b $HM_CGROOT/$a 2>/dev/null
	hm_unplug_dimm $HM_DIMM $blocks' EXIT
hm_hook_bundle /tmp/$id /bin/sleep 600 || hm_fail "bundle"
hm_bundle_set /tmp/$id ".linux.resources.memory.limit = $((64 << 20)) | .linux.cgroupsPath = \"$cg\""
crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out $HM_OUT/hooks.err; hm_fail "crun run"; }
cgid=$(hm_cgid "$cg") || hm_fail "no cgroup $cg"
[ "$cgid" = "$(hm_cgid "$(hm_container_cgroup $id)")" ] || hm_fail "the container is not in $cg"
mine=$(for n in $blocks; do [ "$(cat $HM_SYSMEM/memory$n/hotplug_owner)" = "bound $cgid" ] && echo $n; done)
[ "$(echo $mine | wc -w)" = 1 ] || hm_fail "expected one block bound to the 320-character cgroup, got '$mine'"
crun kill $id KILL
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete $id 2> $HM_OUT/$id.err || { cat $HM_OUT/$id.err; hm_fail "crun delete"; }
cat $HM_OUT/hooks.err 2>/dev/null | tail -n 3
hm_expect_clean $blocks
hm_log "block $mine bound to and released from a ${#cg}-character cgroup path"
exit 0
