#!/bin/sh
# The alternative to memory.hotplug, measured: give the container a NUMA node
# of its own (a DIMM on node 1) and confine it there with MPOL_BIND.  Under
# memory pressure, another cgroup's allocations fall back onto that node: the
# default memory policy takes the next node of the zonelist whenever the
# local node is below its low watermark, even while node 0 still has clean
# page cache that kswapd is reclaiming.  The container's node then holds
# foreign pages, and giving it back (offlining its blocks) migrates them.
# With the same DIMM bound to the container by memory.hotplug, the same load
# puts no page in the blocks (the neighbour's overflow is met by reclaim on
# node 0 instead) and the release migrates nothing.
#
# The load, in both phases: the container C holds 64 MiB; node 0 has 96 MiB
# of clean, reclaimable page cache (a file of an ext2 file system on the ram
# disk /dev/ram0, read after a drop_caches); then a neighbour F without any
# restriction faults node 0's MemFree + 48 MiB of anonymous memory and holds
# it.  Without that cache F could fit in phase 2 only by an OOM kill, and in
# phase 1 the offline of C's node could not place F's pages anywhere (it
# looped until killed, and the OOM killer took F).  Transparent huge pages
# are off (a THP fault under the default policy never leaves the local node).
# Results: BENCH numa_alt_* (phase 1) and hotmem_* (phase 2) lines.  How
# many of F's pages fall onto node 1 depends on how fast node 0's reclaim
# keeps up (under TCG about 1.4-2k of the 12k pages of F's overshoot), so
# phase 1 only measures; phase 2 asserts: none of F's pages in C's blocks,
# and nothing migrated when they are released.  A benchmark (make bench,
# hotmem kernel only), not part of make check.
#
# Why MPOL_BIND and not cpuset.mems=1: node 1's memory must be ZONE_MOVABLE
# to be unpluggable, and the kernel calls a cpuset of movable-only nodes an
# unsupported configuration ("Unsupported (movable nodes only) cpuset
# configuration detected"): its tasks' non-movable user allocations fail.  In
# this VM, hm-pfns in cpuset.mems=1 lost its output: the write to its ramfs
# file failed ("page allocation failure: ... GFP_HIGHUSER ... mems_allowed=1").
# MPOL_BIND of movable-only nodes applies to movable allocations only.
. /hotmem/lib/testlib.sh
[ -e $HM_SYSMEM/memory0/hotplug_owner ] || { echo "# no hotmem kernel: no NUMA alternative benchmark"; exit 0; }
OVER=48     # MiB F faults beyond node 0's free memory
CACHE=96    # MiB of clean page cache on node 0
CMIB=64     # MiB C holds
c=$HM_CGROOT/hm-numa-c f=$HM_CGROOT/hm-numa-f
mnt=/tmp/hm-numa-fs
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(hm_choice $thp)
cpid= fpid= HM_DIMM= HM_NEW=

stop() { # stop PID: kill a holder and reap it
	[ -n "$1" ] || return 0
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	stop "$cpid"; stop "$fpid"
	if [ -d $c ] && [ -n "$(cat $c/memory.hotplug 2>/dev/null)" ]; then
		hm_wait "echo \"$(cat $c/memory.hotplug | sed 's/[0-9][0-9]*/-&/g')\" > $c/memory.hotplug" 10 ||
			echo "cleanup: cannot release $(cat $c/memory.hotplug): $(cat $c/memory.hotplug.blocks)"
	fi
	for g in $c $f; do
		[ -d $g ] || continue
		echo 1 > $g/cgroup.kill
		hm_wait "rmdir $g" 10 || echo "cleanup: cannot remove $g: $(cat $g/cgroup.procs | tr '\n' ' ')"
	done
	echo "$thp_was" > $thp
	if mountpoint -q $mnt; then
		rm -f $mnt/cache
		umount $mnt
		# give the ram disk's pages back (brd frees discarded pages)
		blkdiscard /dev/ram0 || echo "cleanup: blkdiscard /dev/ram0 failed"
		hm_log "after the cleanup: node 0: $(node_mem 0)"
	fi
	[ -z "$HM_DIMM" ] || hm_unplug_dimm $HM_DIMM $HM_NEW
}
trap cleanup EXIT

[ -b /dev/ram0 ] || hm_fail "no /dev/ram0 for the page cache"
grep -q '^/dev/ram0 ' /proc/swaps /proc/mounts && hm_fail "/dev/ram0 is in use"
echo never > $thp || hm_fail "cannot turn transparent huge pages off"
hm_plug_dimm 256 1 || hm_fail "DIMM on node 1 did not plug"
set -- $HM_NEW
[ $# = 2 ] || hm_fail "expected 2 blocks, got '$HM_NEW'"
X=$1 Y=$2
for n in $X $Y; do
	[ -e /sys/devices/system/node/node1/memory$n ] || hm_fail "memory$n is not on node 1"
done
set -- $(hm_span_pfns $X $Y)
lo=$1 hi=$2
node0_free_mib() { echo $(( $(awk '$3 == "MemFree:" { print $4 }' /sys/devices/system/node/node0/meminfo) / 1024 )); }
node_mem() { grep -E 'MemFree|FilePages|AnonPages|Shmem:' /sys/devices/system/node/node$1/meminfo | tr -s ' ' | cut -d' ' -f3-5 | tr '\n' ' '; }
pgsteal() { echo $(( $(hm_vmstat pgsteal_kswapd) + $(hm_vmstat pgsteal_direct) )); }

# hold CGROUP NAME MIB [VAR=VALUE...]: start hm-pfns (with the environment
# VAR=VALUE...) in CGROUP faulting MIB MiB and holding them; sets HOLD_PID;
# waits for its count ("pages= present= in= out=", in = pages in the DIMM's
# blocks) and logs it; fails when the process died first (OOM-killed).
hold() {
	hc=$1 hn=$2 hmib=$3
	shift 3
	rm -f $HM_OUT/numa-$hn.out
	hm_start_in $hc $HM_OUT/numa-$hn.out env "$@" hm-pfns $hmib $lo $hi 3600
	HOLD_PID=$!
	hm_wait "grep -q pages= $HM_OUT/numa-$hn.out || ! kill -0 $HOLD_PID" 300
	# (a page that compaction is migrating reads as not present: allow 2 MiB)
	hp=$(sed -n 's/.* present=\([0-9]*\) .*/\1/p' $HM_OUT/numa-$hn.out)
	kill -0 $HOLD_PID 2>/dev/null && [ "${hp:-0}" -ge $((hmib * 256 - 512)) ] || {
		hm_log "node 0: $(node_mem 0); node 1: $(node_mem 1)"
		dmesg | grep -A 60 'invoked oom-killer' | grep -E 'invoked|Node|Movable|DMA32|free:|lowmem|Killed' | head -40
		hm_fail "$hn ($hmib MiB) did not get its memory (oom_kill=$(awk '$1 == "oom_kill" { print $2 }' $hc/memory.events)): $(cat $HM_OUT/numa-$hn.out)"
	}
	hm_log "$hn ($hmib MiB): $(cat $HM_OUT/numa-$hn.out)"
}
in_of() { sed -n 's/.* in=\([0-9]*\).*/\1/p' $HM_OUT/numa-$1.out; }
out_of() { sed -n 's/.* out=\([0-9]*\).*/\1/p' $HM_OUT/numa-$1.out; }

# cache: node 0 gets $CACHE MiB of clean page cache: a file of an ext2 file
# system on /dev/ram0 (the ram disk's own pages are not page cache), read
# back after the page cache was dropped.
cache() {
	if ! mountpoint -q $mnt; then
		mkdir -p $mnt
		mke2fs -F /dev/ram0 > /dev/null 2>&1 || hm_fail "mke2fs /dev/ram0"
		mount -t ext2 /dev/ram0 $mnt || hm_fail "mount /dev/ram0"
		dd if=/dev/zero of=$mnt/cache bs=1M count=$CACHE 2>/dev/null || hm_fail "writing $mnt/cache"
	fi
	sync
	echo 1 > /proc/sys/vm/drop_caches
	hm_log "before the cache: node 0: $(node_mem 0); node 1: $(node_mem 1)"
	cat $mnt/cache > /dev/null || hm_fail "reading $mnt/cache"
	hm_log "after the cache: node 0: $(node_mem 0); node 1: $(node_mem 1)"
	[ "$(node0_free_mib)" -ge 64 ] || hm_fail "node 0 has only $(node0_free_mib) MiB free: too small a VM for this test"
}

# neighbour PHASE: F faults node 0's free memory + $OVER MiB; sets FOREIGN
# (F's pages in the DIMM's blocks) and STEAL (pages reclaimed meanwhile).
neighbour() {
	fmib=$(( $(node0_free_mib) + OVER ))
	s0=$(pgsteal) k0=$(hm_vmstat oom_kill)
	hold $f F-$1 $fmib
	fpid=$HOLD_PID
	FOREIGN=$(in_of F-$1) STEAL=$(( $(pgsteal) - s0 ))
	[ "$(hm_vmstat oom_kill)" = "$k0" ] || hm_fail "$1: the load OOM-killed $(( $(hm_vmstat oom_kill) - k0 )) task(s)"
	hm_log "$1: F faulted $fmib MiB: $FOREIGN pages in C's blocks, $STEAL pages reclaimed meanwhile;" \
		"node 0 free $(node0_free_mib) MiB, node 1 free $(( $(awk '$3 == "MemFree:" { print $4 }' /sys/devices/system/node/node1/meminfo) / 1024 )) MiB"
}

# --- Phase 1: node per container (MPOL_BIND node 1), blocks onlined unbound --
for n in $X $Y; do
	echo online_movable > $HM_SYSMEM/memory$n/state || hm_fail "online_movable memory$n"
done
mkdir -p $c $f
hold $c C-alt $CMIB HM_MEMBIND=1
cpid=$HOLD_PID
[ "$(out_of C-alt)" = 0 ] || hm_fail "MPOL_BIND node 1: C's pages are not all on node 1"
cache
neighbour numa_alt
hm_bench numa_alt_foreign_pages $FOREIGN
hm_bench numa_alt_reclaimed_pages $STEAL
[ "$FOREIGN" -gt 0 ] || hm_log "node per container: none of F's pages fell back onto node 1 this time (reclaim kept up)"

# Give C's memory back: C exits, its node is offlined while F holds.
stop "$cpid"; cpid=
m0=$(hm_vmstat pgmigrate_success)
r=$(timeout 120 hm-timed-write $HM_SYSMEM/memory$X/state offline $HM_SYSMEM/memory$Y/state offline)
mig=$(( $(hm_vmstat pgmigrate_success) - m0 ))
hm_log "node per container: offlining memory$X memory$Y: $r; pgmigrate_success +$mig"
case $r in ok*) ;; *) hm_fail "offlining C's node: $r" ;; esac
ns=$(echo "$r" | hm_ns_of)
hm_bench numa_alt_offline_ns $ns
hm_bench numa_alt_offline_migrated_pages $mig
[ "$mig" -gt 0 ] || [ "$FOREIGN" = 0 ] || hm_log "offlining C's node with $FOREIGN foreign pages on it migrated nothing (they were freed meanwhile)"
stop "$fpid"; fpid=
hm_wait "rmdir $c" 10 && hm_wait "rmdir $f" 10 || hm_fail "rmdir after phase 1"

# --- Phase 2: memory.hotplug: the same blocks bound to C -------------------
mkdir -p $c $f
hm_expect ok $c/memory.hotplug "+$X +$Y"
hold $c C-hp $CMIB
cpid=$HOLD_PID
[ "$(out_of C-hp)" = 0 ] || hm_fail "memory.hotplug: C's pages are not all in its blocks"
cache
neighbour hotmem
hm_bench hotmem_foreign_pages $FOREIGN
hm_bench hotmem_reclaimed_pages $STEAL
[ "$FOREIGN" = 0 ] || hm_fail "memory.hotplug: $FOREIGN of F's pages landed in C's blocks"
hm_log "C's blocks: $(cat $c/memory.hotplug.blocks | tr '\n' ';')"

# Give C's memory back: C exits, its blocks are released while F holds.
stop "$cpid"; cpid=
hm_wait "[ \$(grep -c 'used=0 ' $c/memory.hotplug.blocks) = 2 ]" 10 ||
	hm_fail "C's blocks still in use after it exited: $(cat $c/memory.hotplug.blocks | tr '\n' ';')"
m0=$(hm_vmstat pgmigrate_success) p0=$(hm_vmstat hotplug_pool_migrate)
r=$(timeout 120 hm-timed-write $c/memory.hotplug "-$X -$Y")
mig=$(( $(hm_vmstat pgmigrate_success) - m0 )) pmig=$(( $(hm_vmstat hotplug_pool_migrate) - p0 ))
hm_log "memory.hotplug: releasing memory$X memory$Y: $r; pgmigrate_success +$mig, hotplug_pool_migrate +$pmig"
case $r in ok*) ;; *) hm_fail "releasing C's blocks: $r" ;; esac
hm_bench hotmem_release_ns "$(echo "$r" | hm_ns_of)"
hm_bench hotmem_release_migrated_pages $mig
[ "$mig" = 0 ] && [ "$pmig" = 0 ] || hm_fail "releasing C's blocks migrated pages (pgmigrate_success +$mig, hotplug_pool_migrate +$pmig)"
hm_all_free $X $Y || hm_fail "C's blocks are not offline and unbound after the release"
stop "$fpid"; fpid=
exit 0
