#!/bin/sh
# The hooks.d route: podman (Debian's, with crun) reads the containers
# hooks.d 1.0.0 files that `make -C oci-hook install` installed, and runs
# hotmem-hook for a container that carries the io.hotmem.size annotation
# and for no other.  The annotated container gets one block bound to its
# cgroup, its pages lie in it, and after `podman rm` the block is offline
# and unbound with zero pages migrated.  (CRI-O reads the same files through
# the same containers library.)
. /hotmem/lib/testlib.sh
hooksd=/etc/containers/oci/hooks.d
[ -x /usr/bin/podman ] || hm_fail "podman is not in the initramfs"
[ -f $hooksd/hotmem-createRuntime.json ] && [ -f $hooksd/hotmem-poststop.json ] ||
	hm_fail "make install did not put the hooks.d files in $hooksd"
mkdir -p /tmp/podman/tmp
# Storage, cgroups and events that need no daemon, image or systemd.
pm() {
	podman --root /tmp/podman/root --runroot /tmp/podman/run --tmpdir /tmp/podman/tmp \
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file \
		--runtime /usr/bin/crun --hooks-dir $hooksd "$@"
}
hm_plug_dimm 512 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
span=$(hm_span_pfns $blocks)
lo=${span% *} hi=${span#* }
trap 'pm rm -f -t 0 hm-pod-1 hm-pod-2 >/dev/null 2>&1; hm_unplug_dimm $HM_DIMM $blocks' EXIT
m0=$(hm_vmstat pgmigrate_success)

# Not annotated (but with a memory limit, which the hook would size a claim
# by): the hooks' "when" does not match, so nothing is claimed.
pm run -d --name hm-pod-2 --network none --memory 100m --rootfs /hotmem/rootfs /bin/sleep 600 \
	> /dev/null || hm_fail "podman run without the annotation"
[ "$(pm inspect --format '{{.State.Running}}' hm-pod-2)" = true ] || hm_fail "hm-pod-2 is not running"
hm_expect_clean $blocks
pm rm -f -t 0 hm-pod-2 > /dev/null || hm_fail "podman rm hm-pod-2"
hm_log "no annotation: no hook, nothing claimed"

pm run -d --name hm-pod-1 --network none --annotation io.hotmem.size=100M --cap-add SYS_ADMIN \
	--rootfs /hotmem/rootfs /bin/hm-pfns 32 $lo $hi 600 > $HM_OUT/pod.id 2> $HM_OUT/pod.err ||
	{ cat $HM_OUT/pod.err; hm_fail "podman run with io.hotmem.size"; }
id=$(cat $HM_OUT/pod.id)
hm_wait "pm logs hm-pod-1 2>/dev/null | grep -q pages=" 120 ||
	hm_fail "container did not report: $(pm logs hm-pod-1 2>&1)"
pm logs hm-pod-1
pm logs hm-pod-1 | grep -q "present=8192 in=8192 out=0" || hm_fail "container pages outside the blocks"
st=$($HM_HOOK status --json) || hm_fail "status --json"
mine=$(echo "$st" | jq -r --arg id "$id" '[.blocks[] | select(.container == $id) | .id] | join(" ")')
[ "$(echo $mine | wc -w)" = 1 ] || hm_fail "container $id owns blocks '$mine', expected one: $st"
case " $blocks " in *" $mine "*) ;; *) hm_fail "block $mine is not one of the plugged $blocks" ;; esac
hm_log "podman container ${id%${id#????????????}}: block $mine, $(cat $HM_SYSMEM/memory$mine/hotplug_owner)"

# podman runs poststop hooks itself, when it cleans the container up.
pm stop -t 0 hm-pod-1 > /dev/null || hm_fail "podman stop"
pm rm hm-pod-1 > /dev/null || hm_fail "podman rm"
hm_wait "hm_all_free $blocks" 30 || hm_fail "blocks not released after podman rm: $($HM_HOOK status)"
hm_expect_clean $blocks
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "release migrated pages"
hm_log "block $mine: claimed via hooks.d, released at podman's poststop, 0 pages migrated"
exit 0
