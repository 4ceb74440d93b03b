#!/bin/sh
# crun's hook contract, in the style of crun's tests/test_hooks.py: recording
# hooks placed after hotmem-hook see the state fields, and see that the
# blocks are bound before the container runs (createRuntime) and free again
# at poststop, when crun has already removed the cgroup.  A hook timeout
# (crun kills hotmem-hook while its provider is still growing memory)
# fails the create and leaves nothing claimed once gc has run.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
id=hm-contract
trap 'crun delete -f $id >/dev/null 2>&1; crun delete -f hm-timeout >/dev/null 2>&1; hm_unplug_dimm $HM_DIMM $blocks' EXIT
cat > /tmp/rec.sh <<'REC'
#!/bin/sh
state=$(cat)
cg=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/$(echo "$state" | jq -r .pid)/cgroup 2>/dev/null)
{
	echo "$1 $(echo "$state" | jq -c '{id, status, pid, bundle}')"
	echo "$1 hotplug_blocks=$(cat $cg/memory.hotplug 2>/dev/null | wc -w) cgroup_exists=$([ -d /sys/fs/cgroup/hm-contract ] && echo yes || echo no)"
} >> /hmout/rec.log
REC
chmod +x /tmp/rec.sh
: > $HM_OUT/rec.log
hm_bundle /tmp/$id /bin/true || hm_fail "bundle"
hm_bundle_set /tmp/$id ".linux.resources.memory.limit = $((64 << 20)) | .linux.cgroupsPath = \"/$id\" |
	.hooks = {
	\"createRuntime\": [{\"path\": \"$HM_HOOK\", \"args\": [\"hotmem-hook\", \"createRuntime\"]},
			   {\"path\": \"/tmp/rec.sh\", \"args\": [\"rec\", \"createRuntime\"]}],
	\"poststop\": [{\"path\": \"$HM_HOOK\", \"args\": [\"hotmem-hook\", \"poststop\"]},
		      {\"path\": \"/tmp/rec.sh\", \"args\": [\"rec\", \"poststop\"]}]}"
crun run --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out; hm_fail "crun run"; }
cat $HM_OUT/rec.log
grep -q "^createRuntime {\"id\":\"$id\",\"status\":\"[a-z]*\",\"pid\":[1-9][0-9]*,\"bundle\":\"/tmp/$id\"}" $HM_OUT/rec.log ||
	hm_fail "createRuntime state fields"
grep -q "^createRuntime hotplug_blocks=1 " $HM_OUT/rec.log || hm_fail "block not bound at createRuntime"
grep -q "^poststop {\"id\":\"$id\",\"status\":\"stopped\"" $HM_OUT/rec.log || hm_fail "poststop state"
grep -q "^poststop .*cgroup_exists=no" $HM_OUT/rec.log || hm_fail "cgroup still there at poststop"
hm_expect_clean $blocks

# Timeout: the provider takes 30 s, crun gives the hook 2 (an operator
# whose hook_timeout does not match the runtime's).
printf '#!/bin/sh\nsleep 30\n' > /tmp/slow-provider.sh
chmod +x /tmp/slow-provider.sh
printf 'provider = /tmp/slow-provider.sh\nprovider_timeout = 60\nhook_timeout = 90\n' > /tmp/slow.conf
hm_bundle /tmp/hm-timeout /bin/true || hm_fail "bundle"
hm_bundle_set /tmp/hm-timeout ".annotations = {\"io.hotmem.size\": \"1G\"} | .linux.cgroupsPath = \"/hm-timeout\" |
	.hooks = {\"createRuntime\": [{\"path\": \"$HM_HOOK\", \"args\": [\"hotmem-hook\", \"createRuntime\"],
		\"env\": [\"HOTMEM_CONFIG=/tmp/slow.conf\"], \"timeout\": 2}]}"
t0=$(date +%s)
if crun run --bundle /tmp/hm-timeout hm-timeout > $HM_OUT/timeout.out 2>&1 < /dev/null; then
	hm_fail "create with a timed-out hook succeeded"
fi
cat $HM_OUT/timeout.out
[ $(( $(date +%s) - t0 )) -lt 20 ] || hm_fail "crun did not enforce the hook timeout"
$HM_HOOK gc || hm_fail "gc"
hm_expect_clean $blocks
exit 0
