#!/bin/sh
# Benchmark: reclaim sweep.  0.5, 1 and 2 GiB of hot-plugged memory are
# given back to the host while other functions keep running, three rounds
# each, through virtio-mem and hotmem-vmm (hm_req vmem-resize: the guest's
# hotmem-provider asks hotmem-vmm, which lowers virtio-mem's requested size
# over QMP and waits until the guest's driver has unplugged it).
#
# Each round plugs S + 512 MiB of virtio-mem (128 MiB blocks, at most 1 GiB
# at a time, each block onlined or bound as it comes).  One
# "function" per block, each in its own cgroup, faults 100 MiB; the S/128
# functions of the first blocks end; S is reclaimed, timed from their end
# until virtio-mem has shrunk by S:
#   vanilla kernel, config "virtio-mem": every block online_movable; virtio-mem's
#       requested size is lowered by S and the guest's driver offlines (and
#       migrates) and unplugs what it chooses;
#   vanilla kernel, config "offline": the guest offlines the S/128 last
#       blocks (migrating what lies there), then virtio-mem unplugs them;
#   hotmem kernel, config "hotmem": each function's cgroup has its block
#       bound; the ended functions' cgroups are removed (as crun does) and
#       their orphaned blocks offlined, then virtio-mem unplugs them;
#   both kernels, reference "never-used": S plugged and onlined movable,
#       never used, then unplugged the same way (the driver offlines it).
# Measured per round: the time (ns), pages migrated (pgmigrate_success), and
# the guest's busy CPU time during the reclaim (/proc/stat, all CPUs;
# nothing else runs then: the surviving functions sleep).  Output: "BENCH
# sweep_<config>_<MiB>_{ns,migrated,cpu_ms}_<round> <value>" lines; the host
# computes ratios (tests/tools/bench.sh).  Skipped with
# rcupdate.rcu_expedited=1: bench.sh runs it once, with the defaults.
. /hotmem/lib/testlib.sh
grep -q 'rcu_expedited=1' /proc/cmdline && hm_skip "run once, with the kernel's default command line"
SIZES="512 1024 2048"
ROUNDS=3
SURVIVORS=4
bs_mib=$(( $(hm_block_size) >> 20 ))
[ "$bs_mib" = 128 ] || hm_fail "this benchmark assumes 128 MiB blocks, not $bs_mib MiB"
hotmem=$(hm_hotmem_kernel) || hm_fail "cannot create a cgroup"
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
boot=$(hm_blocks | tr '\n' ' ')

busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
tick_ms=10  # /proc/stat counts USER_HZ ticks: 100 per second on x86

# plug MIB PREPARE: grow virtio-mem by MIB in steps of at most 1 GiB,
# running "PREPARE BLOCK INDEX" for each new block as it comes (the guest's
# virtio-mem driver adds no more than 1 GiB of memory that is not online,
# its offline_threshold); sets $blocks to the new blocks, in order.
plug() {
	_have=$(( $(hm_req vmem-size) >> 20 ))
	_goal=$((_have + $1))
	blocks=
	_i=0
	while [ $_have -lt $_goal ]; do
		_to=$((_have + 1024))
		[ $_to -gt $_goal ] && _to=$_goal
		_r=$(hm_req vmem-resize $_to 2>&1) || hm_fail "virtio-mem did not grow to $_to MiB: $_r"
		_have=$(( $(hm_req vmem-size) >> 20 ))
		[ $_have = $_to ] || hm_fail "virtio-mem is $_have MiB, not $_to"
		for _n in $(hm_new_blocks "$boot $blocks"); do
			_i=$((_i + 1))
			$2 $_n $_i
			blocks="$blocks $_n"
		done
	done
	[ "$(echo $blocks | wc -w)" = $(($1 / bs_mib)) ] || hm_fail "expected $(($1 / bs_mib)) new blocks, got: $blocks"
}
# PREPARE functions: online the block movable (vanilla; the reference), or
# bind it to the cgroup of function INDEX (hotmem)
movable() { echo online_movable > $HM_SYSMEM/memory$1/state || hm_fail "online memory$1"; }
bind() {
	mkdir -p $HM_CGROOT/hm-sweep-$2
	echo "+$1" > $HM_CGROOT/hm-sweep-$2/memory.hotplug || hm_fail "bind memory$1 to hm-sweep-$2"
}

# reclaim CONFIG MIB ROUND CMD...: run CMD (which gives MIB back), then
# shrink virtio-mem to what remains; print the BENCH lines.
reclaim() {
	_cfg=$1 _mib=$2 _round=$3; shift 3
	_left=$(( $(hm_req vmem-size) / 1048576 - _mib ))
	hm_req mark "$_cfg-$_mib" > /dev/null   # in the host's QEMU RSS samples
	_m0=$(hm_vmstat pgmigrate_success)
	_c0=$(busy_ticks)
	_t0=$(hm-now)
	"$@" || hm_fail "$_cfg $_mib MiB round $_round: $*"
	hm_req vmem-resize $_left > /dev/null || hm_fail "$_cfg $_mib MiB round $_round: virtio-mem did not shrink to $_left MiB"
	_t1=$(hm-now)
	_c1=$(busy_ticks)
	_m1=$(hm_vmstat pgmigrate_success)
	[ "$(hm_req vmem-size)" = $((_left << 20)) ] || hm_fail "$_cfg: virtio-mem is $(hm_req vmem-size) bytes, not $_left MiB"
	hm_bench sweep_${_cfg}_${_mib}_ns_$_round $((_t1 - _t0))
	hm_bench sweep_${_cfg}_${_mib}_migrated_$_round $((_m1 - _m0))
	hm_bench sweep_${_cfg}_${_mib}_cpu_ms_$_round $(( (_c1 - _c0) * tick_ms ))
}

# offline_blocks BLOCKS...: offline each, in one timed write sequence
offline_blocks() {
	_args=
	for _n in "$@"; do _args="$_args $HM_SYSMEM/memory$_n/state offline"; done
	hm-timed-write $_args > /dev/null
}
nothing() { :; }

# functions: one 100 MiB function per block of $blocks, function i in
# cgroup hm-sweep-<i> (on the hotmem kernel the one its block is bound to)
functions() {
	_i=0
	for _n in $blocks; do
		_i=$((_i + 1))
		mkdir -p $HM_CGROOT/hm-sweep-$_i
		hm_start_in $HM_CGROOT/hm-sweep-$_i $HM_OUT/sweep-$_i.out hm-alloc 100
		eval "fpid$_i=$!"
	done
	_i=0
	for _n in $blocks; do
		_i=$((_i + 1))
		hm_wait "grep -q ready $HM_OUT/sweep-$_i.out" 300 ||
			hm_fail "function $_i did not fault its 100 MiB: $(cat $HM_OUT/sweep-$_i.out)"
	done
}
# end_functions FIRST LAST: those functions end, their cgroups go
end_functions() {
	_i=$1
	while [ $_i -le $2 ]; do
		[ -d $HM_CGROOT/hm-sweep-$_i ] && eval "kill \$fpid$_i 2>/dev/null; wait \$fpid$_i 2>/dev/null"
		_i=$((_i + 1))
	done
	_i=$1
	while [ $_i -le $2 ]; do
		[ -d $HM_CGROOT/hm-sweep-$_i ] && { hm_wait "rmdir $HM_CGROOT/hm-sweep-$_i" 10 ||
			hm_fail "cgroup hm-sweep-$_i stays"; }
		_i=$((_i + 1))
	done
}
# everything back: the survivors end, every block offline, virtio-mem 0
reset() {
	n=$(echo $blocks | wc -w)
	end_functions 1 $n
	for _n in $blocks; do
		[ -e $HM_SYSMEM/memory$_n ] || continue
		hm_wait "[ \"\$(cat $HM_SYSMEM/memory$_n/state)\" = offline ] || echo offline > $HM_SYSMEM/memory$_n/state" 30 ||
			hm_fail "memory$_n stays online"
	done
	hm_req vmem-resize 0 > /dev/null || hm_fail "virtio-mem did not shrink to 0"
}
trap 'for c in $HM_CGROOT/hm-sweep-*; do [ -d $c ] && { cat $c/cgroup.procs | xargs -r kill -9; sleep 0.2; rmdir $c; }; done 2>/dev/null; hm_req vmem-resize 0 >/dev/null' EXIT

hm_bench sweep_kernel "$( [ $hotmem = 1 ] && echo hotmem || echo vanilla )"
for mib in $SIZES; do
	nend=$((mib / bs_mib))
	round=0
	while [ $round -lt $ROUNDS ]; do
		round=$((round + 1))
		# the reference: S plugged, onlined, never used, given back
		plug $mib movable
		sleep 1
		reclaim neverused $mib $round nothing
		reset

		if [ $hotmem = 1 ]; then
			configs=hotmem
		else
			configs="virtiomem offline"
		fi
		for cfg in $configs; do
			if [ $hotmem = 1 ]; then
				plug $((mib + SURVIVORS * bs_mib)) bind
			else
				plug $((mib + SURVIVORS * bs_mib)) movable
			fi
			functions
			ending=$(echo $blocks | cut -d' ' -f1-$nend)
			last=$(echo $blocks | tr ' ' '\n' | tail -n $nend | tr '\n' ' ')
			end_functions 1 $nend
			case $cfg in
			virtiomem) reclaim $cfg $mib $round nothing ;;
			offline)   reclaim $cfg $mib $round offline_blocks $last ;;
			hotmem)    reclaim $cfg $mib $round offline_blocks $ending ;;
			esac
			echo "# $cfg $mib MiB round $round done"
			reset
		done
	done
done
exit 0
