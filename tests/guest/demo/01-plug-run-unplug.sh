#!/bin/sh
# The demo's story, foundation part: memory arrives over QMP, a container
# runs in it through crun, and the memory leaves again.
. /hotmem/lib/testlib.sh
say() { echo "$*"; }
mib() { echo $(( $1 / 1024 )); }

say "== guest: $(uname -r), $(mib "$(hm_meminfo_kb MemTotal)") MiB online, $(hm_blocks | wc -l) memory blocks of $(( $(hm_block_size) >> 20 )) MiB"
before=$(hm_blocks | tr '\n' ' ')
say "== VMM: grow virtio-mem by 256 MiB (QMP qom-set requested-size)"
hm_req vmem-resize 256 > /dev/null || hm_fail "virtio-mem did not grow"
new=$(hm_blocks | while read -r n; do case " $before " in *" $n "*) ;; *) echo "$n" ;; esac; done)
for n in $new; do say "   memory$n: $(cat $HM_SYSMEM/memory$n/state)"; done
say "== guest: online the new blocks as movable"
for n in $new; do echo online_movable > $HM_SYSMEM/memory$n/state || hm_fail "online memory$n"; done
say "   MemTotal now $(mib "$(hm_meminfo_kb MemTotal)") MiB"

id=demo-fn1
say "== crun: run container $id (memory.max 160 MiB) that faults 128 MiB"
hm_bundle /tmp/$id /bin/hm-alloc 128 || hm_fail "crun spec"
hm_bundle_set /tmp/$id ".linux.resources.memory.limit = $((160 << 20)) | .linux.cgroupsPath = \"/$id\""
crun run -d --bundle /tmp/$id $id </dev/null || hm_fail "crun run"
cg=$(hm_container_cgroup $id)
hm_wait "[ \$(cat $cg/memory.current) -ge $((128 << 20)) ]" 60 || hm_fail "container did not allocate"
say "   $cg: memory.current $(( $(cat $cg/memory.current) >> 20 )) MiB of memory.max $(( $(cat $cg/memory.max) >> 20 )) MiB"
say "== crun: stop and delete $id"
crun kill $id KILL; hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30; crun delete $id

say "== guest: offline the blocks again; VMM: shrink virtio-mem to 0"
m0=$(hm_vmstat pgmigrate_success)
t0=$(date +%s%N 2>/dev/null || echo 0)
for n in $new; do echo offline > $HM_SYSMEM/memory$n/state || hm_fail "offline memory$n"; done
t1=$(date +%s%N 2>/dev/null || echo 0)
say "   offlined $(echo $new | wc -w) blocks in $(( (t1 - t0) / 1000000 )) ms, $(( $(hm_vmstat pgmigrate_success) - m0 )) pages migrated"
hm_req vmem-resize 0 > /dev/null || hm_fail "virtio-mem did not shrink"
say "   MemTotal back to $(mib "$(hm_meminfo_kb MemTotal)") MiB, $(hm_blocks | wc -l) memory blocks"
exit 0
