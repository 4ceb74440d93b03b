#!/bin/sh
# Host memory actually returned.  A container needs more memory than is
# plugged: its hook asks hotmem-provider, which asks hotmem-vmm on the host,
# which grows virtio-mem over QMP; the hook binds the new blocks and the
# container touches 200 MiB.  Once it is deleted its blocks are released,
# virtio-mem shrinks by exactly the released blocks, and the QEMU process's
# resident memory for virtio-mem (its memory backend's Rss, read on the
# host) falls by at least 90% of the container's peak memory.current within
# 30 s.  The process's whole Rss is logged too: under TCG QEMU's own heap
# (translated code) grows by tens of MiB meanwhile, so it falls by less.
. /hotmem/lib/testlib.sh
bs=$(hm_block_size)
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
[ -z "$(hm_blocks offline)" ] || hm_fail "unexpected offline blocks: $(hm_blocks offline)"
id=hm-vmm-rss
trap 'crun delete -f $id >/dev/null 2>&1; hm_req vmem-resize 0 >/dev/null' EXIT
hm_provider_bundle /tmp/$id $id 256 /bin/hm-alloc 200 || hm_fail "bundle"
set -- $(hm_req qemu-rss) || hm_fail "qemu-rss: $*"
rss0=$1 vm0=$2
crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out $HM_OUT/hooks.err; hm_fail "crun run"; }
hm_wait "grep -q ready $HM_OUT/$id.out" 120 || hm_fail "container did not allocate: $(cat $HM_OUT/$id.out)"
cg=$(hm_container_cgroup $id)
mine=$(cat $cg/memory.hotplug)
nb=$(echo $mine | wc -w)
peak=$(cat $cg/memory.peak)
plugged=$(hm_req vmem-size)
set -- $(hm_req qemu-rss)
rss1=$1 vm1=$2
hm_log "running: blocks [$mine] bound, virtio-mem $plugged bytes, memory.peak $peak, QEMU RSS $rss0 -> $rss1, of it virtio-mem's $vm0 -> $vm1"
[ "$nb" = 2 ] || hm_fail "expected 2 blocks bound for 256 MiB, got [$mine]"
[ "$plugged" = $((nb * bs)) ] || hm_fail "virtio-mem $plugged bytes, expected the $nb blocks the hook needed"
[ "$peak" -ge $((200 << 20)) ] || hm_fail "memory.peak $peak below what the container touched"
want=$((peak * 9 / 10))
[ $((vm1 - vm0)) -ge $want ] || hm_fail "virtio-mem's resident memory grew by $((vm1 - vm0)) bytes only, while the container used $peak"
crun kill $id KILL
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete $id || { cat $HM_OUT/hooks.err; hm_fail "crun delete"; }
after=$(hm_req vmem-size)
hm_log "deleted: virtio-mem $plugged -> $after bytes (released $nb blocks of $bs)"
[ "$after" = $((plugged - nb * bs)) ] || hm_fail "virtio-mem $after bytes after the release, expected $((plugged - nb * bs))"
[ "$(hm_vmm_field plugged)" = "$after" ] || hm_fail "hotmem-vmm says plugged=$(hm_vmm_field plugged), QEMU $after"
# QEMU discards unplugged blocks: its RSS falls (poll 30 s)
t0=$(cut -d' ' -f1 /proc/uptime)
i=0
while :; do
	set -- $(hm_req qemu-rss)
	rss2=$1 vm2=$2
	[ $((vm1 - vm2)) -ge $want ] && break
	i=$((i + 1))
	[ $i -le 30 ] || hm_fail "QEMU's RSS for virtio-mem fell by $((vm1 - vm2)) bytes ($vm1 -> $vm2), less than 90% of the container's peak $peak"
	sleep 1
done
hm_log "QEMU RSS for virtio-mem before $vm0, during $vm1, after $vm2: fell by $((vm1 - vm2)) bytes (>= $want, 90% of peak $peak) within $(awk -v a=$t0 '{ printf "%.1f", $1 - a }' /proc/uptime) s"
hm_log "QEMU process RSS before $rss0, during $rss1, after $rss2: fell by $((rss1 - rss2)) bytes; QEMU's own memory grew by $(( (rss2 - vm2) - (rss1 - vm1) )) bytes meanwhile"
exit 0
