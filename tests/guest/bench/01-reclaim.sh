#!/bin/sh
# Benchmark: reclaiming hot-plugged memory while neighbours still run.
#
# 1 GiB of virtio-mem memory is plugged (8 blocks).  Six processes, each in
# its own cgroup, fault 100 MiB at once; three exit; the memory of the three
# is reclaimed (three rounds; the medians count):
#   hotmem kernel:  each cgroup has one bound block; the exited cgroups are
#                   removed and their (orphaned) blocks offlined via sysfs;
#   vanilla kernel: 6 blocks are online_movable; 3 of them are offlined.
# Reference on both: offlining 3 never-used blocks, right after onlining them
# (warm) and after a 1 s pause (cold; see below), before anything else, and
# once more after the reclaim, in its conditions.  All times are measured
# in this VM; the host compares ratios (tests/tools/bench.sh), never seconds.
# Output: "BENCH <key> <value>" lines.
. /hotmem/lib/testlib.sh
# ref_offline KEY PAUSE BLOCKS...: online the never-used BLOCKS movable, wait
# PAUSE seconds, then time offlining them all (ref_ns) and count what that
# migrated (ref_migrated).
ref_offline() {
	_key=$1 _pause=$2; shift 2
	_args=
	for _n in "$@"; do
		echo online_movable > $HM_SYSMEM/memory$_n/state || hm_fail "online memory$_n ($_key)"
		_args="$_args $HM_SYSMEM/memory$_n/state offline"
	done
	[ "$_pause" = 0 ] || sleep "$_pause"
	_m0=$(hm_vmstat pgmigrate_success)
	_r=$(hm-timed-write $_args) || hm_fail "reference offline ($_key): $_r"
	ref_ns=$(echo "$_r" | hm_ns_of)
	ref_migrated=$(( $(hm_vmstat pgmigrate_success) - _m0 ))
}
# offline_all WHEN BLOCKS...: every block offline, waiting up to 30 s for
# each: a removed cgroup's block is offlinable once it is an orphan (async).
offline_all() {
	_when=$1; shift
	for _n in "$@"; do
		hm_wait "[ \"\$(cat $HM_SYSMEM/memory$_n/state)\" = offline ] || echo offline > $HM_SYSMEM/memory$_n/state" 30 ||
			hm_fail "memory$_n stays online $_when"
	done
}
# ref_bench KEY: the last ref_offline's results as BENCH lines.
ref_bench() {
	hm_bench empty_offline_$1_ns "$ref_ns"
	hm_bench empty_offline_$1_migrated "$ref_migrated"
}

before=$(hm_blocks | tr '\n' ' ')
hm_req vmem-resize 1024 > /dev/null || hm_fail "virtio-mem did not grow to 1 GiB"
blocks=$(hm_blocks | while read -r n; do case " $before " in *" $n "*) ;; *) echo "$n" ;; esac; done | tr '\n' ' ')
set -- $blocks
[ $# = 8 ] || hm_fail "expected 8 new blocks, got: $blocks"
hotmem=$(hm_hotmem_kernel) || hm_fail "cannot create a cgroup"
hm_bench kernel "$( [ $hotmem = 1 ] && echo hotmem || echo vanilla )"

# --- reference: offline 3 never-used blocks --------------------------------
# Offlining right after onlining ("warm") is faster than at any later moment
# ("cold"): the first online or offline after a pause took 30-50 ms longer
# here, likely mem_hotplug_lock's RCU grace period.  The reclaims below come
# after the functions ran, like a cold offline; but a block left online for a
# while also collects a few stray pages (migrated when it goes).  So both.
ref_offline warm 0 $1 $2 $3
ref_bench warm
ref_offline cold 1 $1 $2 $3
ref_bench cold

# --- ROUNDS times: six functions, three exit, their memory is reclaimed -------
# One reclaim takes ~10 ms on the hotmem kernel and varied by 1.5-2x between
# runs (the removed cgroups are taken offline asynchronously, and the
# emulator's vCPUs share two host cores): the medians of three rounds count,
# and the most pages any round migrated.
ROUNDS=3
: > /tmp/reclaim.ns
: > /tmp/reclaim.migrated
: > /tmp/after.ns
: > /tmp/after.migrated
round=0
while [ $round -lt $ROUNDS ]; do
	round=$((round + 1))
	i=0
	for n in "$@"; do
		i=$((i + 1)); [ $i -le 6 ] || break
		cg=$HM_CGROOT/hm-bench-$i
		mkdir -p "$cg"
		if [ $hotmem = 1 ]; then
			echo "+$n" > "$cg/memory.hotplug" || hm_fail "bind memory$n to $cg (round $round)"
			eval "blk$i=$n"
		fi
	done
	if [ $hotmem = 0 ]; then
		# As much movable memory as the six functions need (6 blocks for
		# 600 MiB): the survivors' pages are then spread over the blocks
		# that are given back, as on a VM sized to its load.
		for n in $1 $2 $3 $4 $5 $6; do
			echo online_movable > $HM_SYSMEM/memory$n/state || hm_fail "online memory$n (round $round)"
		done
	fi
	for i in 1 2 3 4 5 6; do
		sh -c "echo \$\$ > $HM_CGROOT/hm-bench-$i/cgroup.procs && exec hm-alloc 100" > $HM_OUT/bench-$i.out 2>&1 &
		eval "pid$i=$!"
	done
	for i in 1 2 3 4 5 6; do
		hm_wait "grep -q ready $HM_OUT/bench-$i.out" 300 || hm_fail "function $i did not fault its 100 MiB: $(cat $HM_OUT/bench-$i.out)"
	done
	for i in 1 2 3; do eval "kill \$pid$i"; done
	for i in 1 2 3; do eval "wait \$pid$i"; done
	for i in 1 2 3; do rmdir $HM_CGROOT/hm-bench-$i 2>/dev/null || true; done

	# reclaim the memory of the three
	m0=$(hm_vmstat pgmigrate_success)
	if [ $hotmem = 1 ]; then
		# The cgroups are gone (as with crun at poststop): their blocks
		# are orphans, released by offlining them.
		r=$(hm-timed-write $HM_SYSMEM/memory$blk1/state offline $HM_SYSMEM/memory$blk2/state offline \
			$HM_SYSMEM/memory$blk3/state offline) || hm_fail "hotmem release: $r"
	else
		r=$(hm-timed-write $HM_SYSMEM/memory$6/state offline $HM_SYSMEM/memory$5/state offline \
			$HM_SYSMEM/memory$4/state offline) || hm_fail "vanilla offline: $r"
	fi
	echo "$r" | hm_ns_of >> /tmp/reclaim.ns
	echo $(( $(hm_vmstat pgmigrate_success) - m0 )) >> /tmp/reclaim.migrated

	# Reference after the reclaim: the same 3 blocks, onlined unused, in
	# the reclaim's conditions (after the functions ran, the survivors
	# still running, a 1 s pause): on the hotmem kernel the first bind
	# made onlining and offlining stop waiting for an RCU grace period
	# (kernel patch 4), so there the references taken before any bind are
	# not like for like.
	if [ $hotmem = 1 ]; then
		ref_offline after 1 $blk1 $blk2 $blk3
	else
		ref_offline after 1 $6 $5 $4
	fi
	echo "$ref_ns" >> /tmp/after.ns
	echo "$ref_migrated" >> /tmp/after.migrated
	echo "# round $round: reclaim $(tail -n 1 /tmp/reclaim.ns) ns, $(tail -n 1 /tmp/reclaim.migrated) pages migrated"

	# the survivors go too; every block offline again for the next round
	for i in 4 5 6; do eval "kill \$pid$i"; done
	wait
	for i in 4 5 6; do rmdir $HM_CGROOT/hm-bench-$i 2>/dev/null || true; done
	offline_all "after round $round" $1 $2 $3 $4 $5 $6
done
most() { sort -n "$1" | tail -n 1; }
hm_bench reclaim_ns "$(hm_median < /tmp/reclaim.ns)"
hm_bench reclaim_migrated "$(most /tmp/reclaim.migrated)"
hm_bench empty_offline_after_ns "$(hm_median < /tmp/after.ns)"
hm_bench empty_offline_after_migrated "$(most /tmp/after.migrated)"

# --- page-fault throughput, bound vs unbound cgroup (hotmem only) ------------
# Five alternating runs each of faulting 100 MiB; the median time counts.
if [ $hotmem = 1 ]; then
	b=$HM_CGROOT/hm-bench-bound u=$HM_CGROOT/hm-bench-unbound
	mkdir -p $b $u
	echo "+$7" > $b/memory.hotplug || hm_fail "bind memory$7"
	for run in 1 2 3 4 5; do
		for cg in $b $u; do
			sh -c "echo \$\$ > $cg/cgroup.procs && exec hm-alloc 100 0" | hm_ns_of >> /tmp/$(basename $cg).times
		done
	done
	hm_bench fault_bound_ns "$(hm_median < /tmp/hm-bench-bound.times)"
	hm_bench fault_unbound_ns "$(hm_median < /tmp/hm-bench-unbound.times)"
fi

# --- leave the VM as we found it for the next benchmark -----------------------
for cg in $HM_CGROOT/hm-bench-*; do rmdir $cg 2>/dev/null; done
offline_all "at the end" "$@"
hm_req vmem-resize 0 > /dev/null || hm_fail "virtio-mem did not shrink"
exit 0
