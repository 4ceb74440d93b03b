#!/bin/sh
# The demo's story.  hotmem-vmm on the host grows the VM by 512 MiB of
# virtio-mem (asked by hotmem-provider); four functions run as crun
# containers in it, one long-lived; three end; their memory is reclaimed and
# hotmem-vmm shrinks the VM again.  The QEMU process's resident memory on the
# host is shown before, while the four run, and after the shrink.
#   hotmem kernel: hotmem-hook (in each container's config.json) binds
#     blocks per container at create and releases them at poststop;
#   vanilla kernel: the blocks are onlined movable for everyone, and giving
#     back the three functions' memory means offlining blocks that hold
#     pages of the long-lived one.
# The last line ("@@HM DEMO ...") is what `make demo` compares.
. /hotmem/lib/testlib.sh
say() { echo "$*"; }
mib() { echo $(( $1 / 1024 )); }
# QEMU's resident memory on the host, in MiB: the process's, virtio-mem's part
rss() { set -- $(hm_req qemu-rss); echo "$(($1 >> 20)) $(($2 >> 20))"; }
say_rss() { _r=$1; shift; set -- $_r "$*"; say "   host: QEMU resident $1 MiB, of it virtio-mem $2 MiB ($3)"; }
if [ -e $HM_SYSMEM/memory0/hotplug_owner ]; then kernel=hotmem; else kernel=vanilla; fi

say "== [$kernel] guest $(uname -r): $(mib "$(hm_meminfo_kb MemTotal)") MiB, memory blocks of $(( $(hm_block_size) >> 20 )) MiB"
before=$(hm_blocks | tr '\n' ' ')
rss0=$(rss)
say_rss "$rss0" before
say "== hotmem-vmm (host): grow virtio-mem by 512 MiB (hotmem-provider -> hotmem-vmm -> QMP)"
hm_req vmem-resize 512 > /dev/null || hm_fail "virtio-mem did not grow"
hm_wait "[ \$(hm_new_blocks \"$before\" | wc -w) -ge 4 ]" 30 || hm_fail "no new blocks"
new=$(hm_new_blocks "$before")
say "   new blocks: $(for n in $new; do printf 'memory%s(%s) ' $n "$(cat $HM_SYSMEM/memory$n/state)"; done)"
if [ $kernel = vanilla ]; then
	say "== guest: online them as movable (shared by everyone)"
	for n in $new; do echo online_movable > $HM_SYSMEM/memory$n/state || hm_fail "online memory$n"; done
fi

fns="fn-long fn-1 fn-2 fn-3"
for id in $fns; do
	hm_bundle /tmp/$id /bin/hm-alloc 64 || hm_fail "crun spec"
	hm_bundle_set /tmp/$id ".linux.resources.memory.limit = $((100 << 20)) | .linux.cgroupsPath = \"/$id\" |
		.annotations = {\"run.oci.hooks.stderr\": \"/hmout/hooks.log\"}"
	[ $kernel = hotmem ] && hm_bundle_set /tmp/$id ".hooks = {
		\"createRuntime\": [{\"path\": \"$HM_HOOK\", \"args\": [\"hotmem-hook\", \"createRuntime\"]}],
		\"poststop\": [{\"path\": \"$HM_HOOK\", \"args\": [\"hotmem-hook\", \"poststop\"]}]}"
done
: > /hmout/hooks.log
say "== crun: start 4 functions (memory limit 100 MiB each, each faults 64 MiB)"
for id in $fns; do
	crun run -d --bundle /tmp/$id $id < /dev/null > /hmout/$id.out 2>&1 || { cat /hmout/$id.out; hm_fail "crun run $id"; }
	cg=$HM_CGROOT/$id
	hm_wait "[ \$(cat $cg/memory.current) -ge $((64 << 20)) ]" 60 || hm_fail "$id did not allocate"
done
sed 's/^/   /' /hmout/hooks.log; : > /hmout/hooks.log
rss1=$(rss)
say_rss "$rss1" "4 functions running"
if [ $kernel = hotmem ]; then
	say "== hotmem-hook status"
	$HM_HOOK status | sed 's/^/   /'
else
	say "== vanilla has no owners: any process's pages may land in any of the new blocks"
fi

say "== functions fn-1, fn-2, fn-3 end (crun kill + delete)"
m0=$(hm_vmstat pgmigrate_success)
for id in fn-1 fn-2 fn-3; do
	crun kill $id KILL
	hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30
	crun delete $id
done
if [ $kernel = hotmem ]; then
	# hotmem-hook released the blocks at poststop and timed it.
	sed 's/^/   /' /hmout/hooks.log
	reclaim=$(for n in $new; do [ "$(cat $HM_SYSMEM/memory$n/state)" = offline ] && echo $n; done | wc -w)
	ms=$(sed -n 's/.*released [0-9]* blocks of .* in \([0-9.]*\) ms/\1/p' /hmout/hooks.log |
		awk '{ s += $1 } END { printf "%d", s }')
else
	say "== guest: offline 3 blocks, as many as hotmem gives back"
	reclaim=0
	t0=$(hm-now)
	for n in $new; do
		[ $reclaim -lt 3 ] || break
		echo offline > $HM_SYSMEM/memory$n/state && reclaim=$((reclaim + 1))
	done
	ms=$(( ($(hm-now) - t0) / 1000000 ))
fi
migrated=$(( $(hm_vmstat pgmigrate_success) - m0 ))
say "   $reclaim blocks ($(( reclaim * $(hm_block_size) >> 20 )) MiB) reclaimed in $ms ms, $migrated pages migrated"
say "== hotmem-vmm (host): shrink virtio-mem by $(( reclaim * $(hm_block_size) >> 20 )) MiB"
hm_req vmem-resize $(( 512 - (reclaim * $(hm_block_size) >> 20) )) > /dev/null || hm_fail "virtio-mem did not shrink"
rss2=$(rss)
say_rss "$rss2" "after the shrink"
say "   MemTotal $(mib "$(hm_meminfo_kb MemTotal)") MiB; fn-long still running: $(crun state fn-long | jq -r .status)"
crun kill fn-long KILL; hm_wait "[ \"\$(crun state fn-long | jq -r .status)\" = stopped ]" 30; crun delete fn-long
for n in $new; do [ "$(cat $HM_SYSMEM/memory$n/state 2>/dev/null)" = online ] && echo offline > $HM_SYSMEM/memory$n/state; done
hm_req vmem-resize 0 > /dev/null
echo "@@HM DEMO kernel=$kernel blocks=$reclaim ms=$ms migrated=$migrated rss=${rss0% *}/${rss1% *}/${rss2% *} vmem=${rss0#* }/${rss1#* }/${rss2#* }"
[ $kernel = vanilla ] || [ $migrated = 0 ] || hm_fail "hotmem migrated pages"
exit 0
