#!/bin/sh
# Memory that outlives the cgroup's tasks stays in the pool they allocated
# it from, and the block comes back as soon as that memory is freed.  Per
# path: a SysV shared memory segment written by a task of the cgroup and
# left behind, a memfd written by a task of the cgroup and kept open by a
# task outside it, and a task moved out of the cgroup with its memory.
# Each time: the pages are the block's (hotplug_used_pages), a release is
# ENOTEMPTY while they live, and once they are freed the block is released
# without migrating a page.
. /hotmem/lib/testlib.sh
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-leak
mkdir -p $a
shmid= holder= mover=
trap '[ -n "$shmid" ] && hm-shm sysv-rm $shmid
	kill $holder $mover 2>/dev/null; wait
	echo -$X > $a/memory.hotplug 2>/dev/null; rmdir $a 2>/dev/null
	hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT

# left_behind WHAT: the pages stay in the block while WHAT lives
left_behind() {
	_u=$(hm_used_pages $X)
	hm_log "$1: $_u pages of memory$X in use"
	[ "$_u" -ge 4096 ] || hm_fail "$1: only $_u pages in the block (16 MiB written)"
	hm_expect ENOTEMPTY $a/memory.hotplug "-$X"
	[ "$(hm_hp_ids $a)" = "$X" ] || hm_fail "$1: memory.hotplug after the failed release: '$(hm_hp_ids $a)'"
	[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = "bound $(hm_cgid $a)" ] ||
		hm_fail "$1: memory$X: $(cat $HM_SYSMEM/memory$X/hotplug_owner)"
}
# released WHAT: WHAT is gone: the block empties and is released unmigrated
released() {
	hm_wait "[ \$(cat $HM_SYSMEM/memory$X/hotplug_used_pages) = 0 ]" 30 ||
		hm_fail "$1: $(hm_used_pages $X) pages still in use once it is gone"
	_m0=$(hm_vmstat pgmigrate_success)
	hm_expect ok $a/memory.hotplug "-$X"
	[ "$(hm_vmstat pgmigrate_success)" = "$_m0" ] || hm_fail "$1: the release migrated pages"
	[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "$1: memory$X not offline"
}

# SysV shm: the segment outlives its writer until IPC_RMID.
hm_expect ok $a/memory.hotplug "+$X"
hm_start_in $a $HM_OUT/leak-sysv.out hm-shm sysv 16
wait $! || hm_fail "sysv: $(cat $HM_OUT/leak-sysv.out)"
shmid=$(sed -n 's/^shmid=//p' $HM_OUT/leak-sysv.out)
[ -n "$shmid" ] || hm_fail "sysv: $(cat $HM_OUT/leak-sysv.out)"
left_behind "SysV shm"
hm-shm sysv-rm $shmid || hm_fail "sysv: IPC_RMID failed"
shmid=
released "SysV shm"

# memfd: written by a child in the cgroup, kept open by its parent outside.
hm_expect ok $a/memory.hotplug "+$X"
hm-shm memfd 16 $a/cgroup.procs > $HM_OUT/leak-memfd.out 2>&1 &
holder=$!
hm_wait "grep -q filled $HM_OUT/leak-memfd.out" 60 || hm_fail "memfd: $(cat $HM_OUT/leak-memfd.out)"
[ -z "$(cat $a/cgroup.procs)" ] || hm_fail "memfd: the writer is still in the cgroup"
left_behind "memfd"
kill $holder; wait $holder 2>/dev/null
holder=
released "memfd"

# A task moved out of the cgroup keeps its memory (memcg does not move
# charges on cgroup v2); its pages leave the pool when it frees them.
hm_expect ok $a/memory.hotplug "+$X"
hm_start_in $a $HM_OUT/leak-move.out hm-touch -H 16; mover=$!
hm_wait "grep -q touched $HM_OUT/leak-move.out" 60 || hm_fail "moved task: $(cat $HM_OUT/leak-move.out)"
echo $mover > $HM_CGROOT/cgroup.procs || hm_fail "cannot move the task out"
left_behind "moved task"
kill $mover; wait $mover 2>/dev/null
mover=
released "moved task"
exit 0
