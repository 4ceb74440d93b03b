#!/bin/sh
# Placement: a bound block serves only allocations that may use its NUMA
# node.  A DIMM plugged on node 1 is bound to a cgroup; 16 MiB faulted by a
# task of that cgroup come from the pool when nothing constrains the task or
# its constraint allows node 1, and none of them do when its mempolicy
# (set_mempolicy MPOL_BIND) or its cpuset (cpuset.mems) allows node 0 only.
# Transparent huge pages are off: the kernel asks for a THP on the faulting
# CPU's node only (__GFP_THISNODE), which a block on node 1 never serves, so
# whether a fault got one would depend on node 0's free memory.
. /hotmem/lib/testlib.sh
hm_plug_dimm 128 1 || hm_fail "DIMM on node 1 did not plug"
set -- $HM_NEW
X=$1
[ -e /sys/devices/system/node/node1/memory$X ] || hm_fail "memory$X is not on node 1"
a=$HM_CGROOT/hm-place
mkdir -p $a
cpuset_on=0
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(hm_choice $thp)
echo never > $thp || hm_fail "cannot turn transparent huge pages off"
trap 'echo $thp_was > $thp
	[ $cpuset_on = 1 ] && echo -cpuset > $HM_CGROOT/cgroup.subtree_control
	rmdir $a 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
set -- $(hm_block_pfns $X)
lo=$1 hi=$2

# in_pool NAME CMD...: fault 16 MiB in $a through CMD, print the pages that
# came from the bound block
in_pool() {
	_n=$1; shift
	hm_start_in $a $HM_OUT/place-$_n.out "$@" hm-pfns 16 $lo $hi
	wait $!
	hm_log "$_n: $(cat $HM_OUT/place-$_n.out)" >&2
	grep -q "present=4096" $HM_OUT/place-$_n.out ||
		hm_fail "$_n: allocation failed: $(cat $HM_OUT/place-$_n.out)"
	sed -n 's/.* in=\([0-9]*\).*/\1/p' $HM_OUT/place-$_n.out
}

n=$(in_pool free env) || exit 1
[ "$n" -ge 4000 ] || hm_fail "no constraint: only $n pages from the pool"
n=$(in_pool bind1 env HM_MEMBIND=1) || exit 1
[ "$n" -ge 4000 ] || hm_fail "MPOL_BIND node 1: only $n pages from the pool"
n=$(in_pool bind0 env HM_MEMBIND=0) || exit 1
[ "$n" -eq 0 ] || hm_fail "MPOL_BIND node 0: $n pages from the pool on node 1"

echo +cpuset > $HM_CGROOT/cgroup.subtree_control || hm_fail "cannot enable cpuset"
cpuset_on=1
echo 0 > $a/cpuset.mems || hm_fail "cannot set cpuset.mems"
n=$(in_pool cpuset0 env) || exit 1
[ "$n" -eq 0 ] || hm_fail "cpuset.mems 0: $n pages from the pool on node 1"
echo 0-1 > $a/cpuset.mems || hm_fail "cannot set cpuset.mems"
n=$(in_pool cpuset01 env) || exit 1
[ "$n" -ge 4000 ] || hm_fail "cpuset.mems 0-1: only $n pages from the pool"

hm_expect ok $a/memory.hotplug "-$X"
exit 0
