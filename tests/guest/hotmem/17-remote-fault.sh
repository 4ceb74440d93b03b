#!/bin/sh
# A task of a bound cgroup that writes into another process's memory
# (through /proc/PID/mem, as a debugger does; process_vm_writev() takes the
# same remote-fault path) faults those pages in the other process: they are
# charged to the other process's cgroup and must not come from the writer's
# pool.
. /hotmem/lib/testlib.sh
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-remote-a b=$HM_CGROOT/hm-remote-b
mkdir -p $a $b
trap 'kill $pt 2>/dev/null; wait; echo -$X > $b/memory.hotplug 2>/dev/null; rmdir $a $b 2>/dev/null
	hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $b/memory.hotplug "+$X"
hm_start_in $a $HM_OUT/remote-target.out hm-remote target 32; pt=$!
hm_wait "grep -q addr= $HM_OUT/remote-target.out" 30 || hm_fail "target: $(cat $HM_OUT/remote-target.out)"
addr=$(sed -n 's/.*addr=\([0-9a-fx]*\).*/\1/p' $HM_OUT/remote-target.out)
an0=$(hm_cg_stat $a anon) u0=$(hm_used_pages $X)
hm_start_in $b $HM_OUT/remote-writer.out hm-remote write $pt $addr 32
wait $! || hm_fail "writer: $(cat $HM_OUT/remote-writer.out)"
an=$(( $(hm_cg_stat $a anon) - an0 ))
hm_log "$(cat $HM_OUT/remote-writer.out) into a process of A: A's anon +$((an >> 20)) MiB; memory$X: $u0 -> $(hm_used_pages $X) pages in use"
grep -q "wrote=33554432" $HM_OUT/remote-writer.out || hm_fail "writer: $(cat $HM_OUT/remote-writer.out)"
[ $an -ge $((30 << 20)) ] || hm_fail "the written pages are not charged to A (anon +$an)"
[ $(( $(hm_used_pages $X) - u0 )) -lt 256 ] || hm_fail "the other process's pages came from the writer's pool ($(hm_used_pages $X) pages in use)"
kill $pt; wait $pt 2> /dev/null
hm_expect ok $b/memory.hotplug "-$X"
exit 0
