#!/bin/sh
# Benchmark: what hotmem costs a task whose cgroup has no bound block.
#
# While any block is bound, every page freed in the system is looked up
# (is it a pool's?) and every user allocation walks the task's cgroup and
# its ancestors (is a pool serving it?); with nothing bound, a static key
# turns both hooks into no-ops.  A task in a cgroup without a binding
# faults and frees 4 KiB pages (hm-faultbench: 64 MiB mapped, written page
# by page and unmapped, 4 times; transparent huge pages off, so that each
# page is a fault of its own), RUNS times in each state, alternating:
#   bound  another cgroup has a block bound (hotmem kernel only)
#   none   nothing bound (on the hotmem kernel: that block released again)
#   online the same block onlined movable and not bound: the reference for
#          what one more online block costs the allocator whoever owns it
#          (a bound block's zone is in every zonelist, its pages are not in
#          the buddy allocator)
# Single runs vary by +-15% under TCG: the host compares medians and shows
# the spread (tests/tools/bench.sh), and compares the hotmem kernel's
# "none" with the vanilla kernel's (the same runs, in the vanilla VM).
# Output: "BENCH cost_<state>_ns_<i> <ns per page>" lines.
. /hotmem/lib/testlib.sh
RUNS=15
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(hm_choice $thp)
u=$HM_CGROOT/hm-cost-unbound
b=$HM_CGROOT/hm-cost-bound
mkdir -p $u $b
hotmem=0
[ -e $b/memory.hotplug ] && hotmem=1
X=
cleanup() {
	echo "$thp_was" > $thp
	[ -n "$X" ] && grep -q "^$X " $b/memory.hotplug.blocks 2>/dev/null &&
		echo "-$X" > $b/memory.hotplug
	[ -n "$X" ] && [ "$(cat $HM_SYSMEM/memory$X/state)" = online ] &&
		echo offline > $HM_SYSMEM/memory$X/state
	rmdir $u $b 2>/dev/null
	[ -n "$X" ] && hm_unplug_dimm $HM_DIMM $HM_NEW
}
trap cleanup EXIT
echo never > $thp || hm_fail "cannot turn transparent huge pages off"
if [ $hotmem = 1 ]; then
	hm_plug_dimm 128 || hm_fail "DIMM did not plug"
	set -- $HM_NEW
	X=$1
fi

# one STATE I: a run in the unbound cgroup, in ns per page
one() {
	_r=$(sh -c "echo \$\$ > $u/cgroup.procs && exec hm-faultbench 64 4") ||
		hm_fail "hm-faultbench: $_r"
	_pages=$(echo "$_r" | sed -n 's/.*pages=\([0-9]*\).*/\1/p')
	hm_bench "cost_$1_ns_$2" $(( $(echo "$_r" | hm_ns_of) / _pages ))
}

one warmup 0 > /dev/null
run=1
while [ $run -le $RUNS ]; do
	if [ $hotmem = 1 ]; then
		hm_expect ok $b/memory.hotplug "+$X"
		one bound $run
		hm_expect ok $b/memory.hotplug "-$X"
		# the hooks are switched off by a worker once the last block went
		sleep 1
	fi
	one none $run
	if [ -n "$X" ]; then
		echo online_movable > $HM_SYSMEM/memory$X/state || hm_fail "online memory$X"
		one online $run
		hm_wait "echo offline > $HM_SYSMEM/memory$X/state" 30 || hm_fail "offline memory$X"
	fi
	run=$((run + 1))
done
exit 0
