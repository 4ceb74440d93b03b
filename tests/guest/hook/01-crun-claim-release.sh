#!/bin/sh
# The operator's setup: hotmem-hook in config.json (createRuntime, poststop).
# A container with a 100 MiB memory limit gets one 128 MiB block bound to its
# cgroup; its pages lie in that block (pagemap pfns, seen from inside the
# container); `hotmem-hook status` names the owner; after `crun delete` the
# block is offline and unbound again, with zero pages migrated.
. /hotmem/lib/testlib.sh
hm_plug_dimm 512 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
span=$(hm_span_pfns $blocks)
lo=${span% *} hi=${span#* }
id=hm-hook-1
b=/tmp/$id
trap 'crun delete -f $id >/dev/null 2>&1; hm_unplug_dimm $HM_DIMM $blocks' EXIT
hm_hook_bundle "$b" /bin/hm-pfns 32 $lo $hi 600 || hm_fail "bundle"
hm_bundle_set "$b" ".linux.resources.memory.limit = $((100 << 20)) | .linux.cgroupsPath = \"/$id\" |
	.process.capabilities.bounding += [\"CAP_SYS_ADMIN\"] |
	.process.capabilities.effective += [\"CAP_SYS_ADMIN\"] |
	.process.capabilities.permitted += [\"CAP_SYS_ADMIN\"]"
m0=$(hm_vmstat pgmigrate_success)
crun run -d --bundle "$b" "$id" > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out; hm_fail "crun run"; }
hm_wait "grep -q pages= $HM_OUT/$id.out" 60 || hm_fail "container did not report: $(cat $HM_OUT/$id.out)"
cat $HM_OUT/$id.out
grep -q "present=8192 in=8192 out=0" $HM_OUT/$id.out || hm_fail "container pages outside its blocks"
$HM_HOOK status
st=$($HM_HOOK status --json) || hm_fail "status --json"
mine=$(echo "$st" | jq -r --arg id $id '[.blocks[] | select(.container == $id) | .id] | join(" ")')
[ "$(echo $mine | wc -w)" = 1 ] || hm_fail "container owns blocks '$mine', expected one"
case " $blocks " in *" $mine "*) ;; *) hm_fail "block $mine is not one of the plugged $blocks" ;; esac
cgid=$(hm_cgid "$(hm_container_cgroup $id)") || hm_fail "the container's cgroup"
[ "$cgid" = "$(hm_cgid /$id)" ] || hm_fail "the container's cgroup is not /$id"
[ "$(cat $HM_SYSMEM/memory$mine/hotplug_owner)" = "bound $cgid" ] || hm_fail "owner of $mine: $(hm_owner $mine), the container's cgroup id is $cgid"
[ "$(hm_hp_ids $HM_CGROOT/$id)" = "$mine" ] || hm_fail "memory.hotplug of /$id: '$(hm_hp_ids $HM_CGROOT/$id)'"
used=$(echo "$st" | jq -r --arg id $id '.blocks[] | select(.container == $id) | .used_bytes')
[ "$used" -ge $((32 << 20)) ] || hm_fail "status shows $used bytes in use"
crun kill $id KILL
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete $id 2> $HM_OUT/$id.err || { cat $HM_OUT/$id.err; hm_fail "crun delete"; }
hm_expect_clean $blocks
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "release migrated pages"
hm_log "block $mine: claimed, used by the container only, released with 0 pages migrated"
exit 0
