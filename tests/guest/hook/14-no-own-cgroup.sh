#!/bin/sh
# A container without a cgroup of its own (crun's "disabled" cgroup manager,
# as podman --cgroups=disabled uses) runs in the runtime's cgroup; the hook
# refuses to bind blocks there with one clear line, and nothing is claimed.
# A container whose pid is not in its linux.cgroupsPath is refused too.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
id=hm-nocg
rt=$HM_CGROOT/hm-runtime
trap 'crun delete -f $id >/dev/null 2>&1; rmdir $rt 2>/dev/null; hm_unplug_dimm $HM_DIMM $blocks' EXIT
mkdir -p $rt || hm_fail "mkdir $rt"
hm_hook_bundle /tmp/$id /bin/true || hm_fail "bundle"
hm_bundle_set /tmp/$id ".annotations[\"io.hotmem.size\"] = \"100Mi\" | del(.linux.resources) |
	del(.linux.cgroupsPath)"
rm -f $HM_OUT/hooks.err
# the "runtime" (crun here) runs in /hm-runtime, as containerd would in its service's cgroup
if sh -c "echo \$\$ > $rt/cgroup.procs && exec crun --cgroup-manager=disabled run --bundle /tmp/$id $id" \
	> $HM_OUT/$id.out 2>&1 < /dev/null; then
	cat $HM_OUT/$id.out $HM_OUT/hooks.err
	hm_fail "crun run succeeded with the blocks in the runtime's cgroup"
fi
cat $HM_OUT/$id.out $HM_OUT/hooks.err
[ "$(wc -l < $HM_OUT/hooks.err)" = 1 ] || hm_fail "not one line from the hook"
grep -q "^hotmem-hook: $id: the container's cgroup /hm-runtime is the runtime's own" $HM_OUT/hooks.err ||
	hm_fail "the hook's line does not say why"
[ -z "$(cat $rt/memory.hotplug)" ] || hm_fail "blocks bound to the runtime's cgroup: $(cat $rt/memory.hotplug)"
crun delete -f $id > /dev/null 2>&1
hm_expect_clean $blocks
exit 0
