#!/bin/sh
# Bounded stress on the debug kernel: 120 s in make check, N s with
# `make stress DURATION=N` (hotmem.stress_seconds=N; 180 s without it).
# Concurrent binds (re-binding orphans too) and releases (evictions through
# memory.hotplug.evict too), cgroups made and removed with blocks bound
# (orphans), root offlining blocks through sysfs, virtio-mem growing and
# shrinking, hotplug_owner, hotplug_used_pages, memory.hotplug,
# memory.hotplug.blocks, memory.hotplug.effective, memory.events and
# memory.stat readers, policy flips, processes faulting and freeing memory
# in the cgroups, and strict-policy OOM kills.  Afterwards: every block is
# offline and unbound, or bound to exactly one live or orphaned owner (by
# cgroup id) whose memory.hotplug lists it and whose memory.hotplug.blocks
# agrees with the block's own count, and
# everything can be given back; the harness checks the kernel log
# (warnings, KASAN, lockdep) after the test.
. /hotmem/lib/testlib.sh
secs=$(sed -n 's/.*hotmem\.stress_seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
secs=${secs:-${HM_STRESS_SECONDS:-180}}
hm_plug_dimm 512 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
set -- $blocks
nb=$#
cgs="$HM_CGROOT/hm-st-1 $HM_CGROOT/hm-st-2 $HM_CGROOT/hm-st-3"
mkdir -p $cgs
st=/tmp/hm-stress; rm -rf $st; mkdir -p $st
cleanup() {
	touch $st/stop
	wait
	for c in $HM_CGROOT/hm-st-*; do
		[ -d $c ] || continue
		echo 1 > $c/cgroup.kill 2>/dev/null
	done
	sleep 1
	for c in $HM_CGROOT/hm-st-*; do rmdir $c 2>/dev/null; done
	for n in $blocks; do
		[ "$(cat $HM_SYSMEM/memory$n/state)" = online ] &&
			hm_wait "echo offline > $HM_SYSMEM/memory$n/state" 30
	done
	hm_unplug_dimm $HM_DIMM $blocks
	hm_req vmem-resize 0 > /dev/null
}
trap cleanup EXIT
end=$(( $(cut -d. -f1 /proc/uptime) + secs ))
going() { [ ! -e $st/stop ] && [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; }
rnd() { echo $(( $(od -An -N2 -tu2 /dev/urandom) % $1 )); }
blk() { eval "echo \${$(( $(rnd $nb) + 1 ))}"; }
cg() { echo $HM_CGROOT/hm-st-$(( $(rnd 3) + 1 )); }
# loop NAME BODY: run BODY until the deadline, counting operations
loop() {
	( n=0; while going; do eval "$2"; n=$((n + 1)); done; echo $n > $st/$1 ) > /dev/null 2>&1 &
}
loop bind 'echo "+$(blk)" > $(cg)/memory.hotplug'
loop release 'echo "-$(blk)" > $(cg)/memory.hotplug'
loop evict 'sleep 0.5; echo "$(blk)" > $(cg)/memory.hotplug.evict'
loop sysfs 'sleep 0.2; echo offline > $HM_SYSMEM/memory$(blk)/state'
loop readers 'cat $HM_SYSMEM/memory*/hotplug_owner $HM_SYSMEM/memory*/hotplug_used_pages $HM_CGROOT/hm-st-*/memory.hotplug $HM_CGROOT/hm-st-*/memory.hotplug.blocks $HM_CGROOT/hm-st-*/memory.hotplug.effective $HM_CGROOT/hm-st-*/memory.events $HM_CGROOT/hm-st-*/memory.stat'
loop policy 'echo $([ $(rnd 2) = 0 ] && echo strict || echo fallback) > $(cg)/memory.hotplug.policy'
loop alloc 'c=$(cg); sh -c "echo \$\$ > $c/cgroup.procs && exec hm-alloc $(( $(rnd 48) + 1 )) 1"'
loop oom 'c=$(cg); echo strict > $c/memory.hotplug.policy; sh -c "echo \$\$ > $c/cgroup.procs && exec hm-alloc 200 0"'
loop vmem 'hm_req vmem-resize $(( $(rnd 3) * 128 )); sleep 1'
loop churn 'c=$HM_CGROOT/hm-st-tmp$(rnd 4); mkdir -p $c; echo "+$(blk)" > $c/memory.hotplug; sh -c "echo \$\$ > $c/cgroup.procs && exec hm-alloc 8 0"; rmdir $c'
sleep $secs
touch $st/stop
wait
total=0
for f in $st/*; do
	case $f in */stop) continue ;; esac
	hm_log "$(basename $f): $(cat $f) operations"
	total=$((total + $(cat $f)))
done
echo "stress: $total operations in ${secs}s"
[ "$total" -gt 0 ] || hm_fail "no operation done"

# Invariants, before anything is given back.
for n in $blocks; do
	s=$(cat $HM_SYSMEM/memory$n/state) o=$(cat $HM_SYSMEM/memory$n/hotplug_owner)
	case "$s:$o" in
	offline:unbound) continue ;;
	online:bound\ [0-9]*|online:orphan\ [0-9]*) ;;
	*) hm_fail "memory$n: state $s, owner '$o'" ;;
	esac
	owners=0 c=
	for d in $HM_CGROOT/hm-st-*; do
		tr ' ' '\n' < $d/memory.hotplug 2>/dev/null | grep -qx "$n" || continue
		owners=$((owners + 1)) c=$d
	done
	case $o in
	bound*) [ $owners = 1 ] || hm_fail "memory$n is bound ($o) but listed by $owners cgroups"
		[ "$o" = "bound $(hm_cgid $c)" ] ||
			hm_fail "memory$n is '$o' but listed by ${c#$HM_CGROOT/}, whose id is $(hm_cgid $c)" ;;
	orphan*) [ $owners = 0 ] || hm_fail "orphan memory$n listed by $owners cgroups"
		for d in $HM_CGROOT/hm-st-*; do
			[ "$o" != "orphan $(hm_cgid $d)" ] || hm_fail "memory$n is '$o', the id of the live ${d#$HM_CGROOT/}"
		done ;;
	esac
	used=$(cat $HM_SYSMEM/memory$n/hotplug_used_pages)
	if [ "${o%% *}" = bound ]; then
		line=$(grep "^$n " $c/memory.hotplug.blocks)
		case $line in
		*" used=$((used * 4096)) "*" state=bound") ;;
		*) hm_fail "memory$n: hotplug_used_pages $used, memory.hotplug.blocks '$line'" ;;
		esac
	fi
	hm_log "memory$n: $s, $o, $used pages in use"
done
# Everything comes back: kill, remove the cgroups, root offlines the rest.
for c in $HM_CGROOT/hm-st-*; do echo 1 > $c/cgroup.kill; done
sleep 1
for c in $HM_CGROOT/hm-st-*; do hm_wait "rmdir $c" 20 || hm_fail "rmdir $c: $(cat $c/cgroup.procs | tr '\n' ' ')"; done
for n in $blocks; do
	[ "$(cat $HM_SYSMEM/memory$n/state)" = offline ] && continue
	hm_wait "echo offline > $HM_SYSMEM/memory$n/state" 30 || hm_fail "memory$n cannot be offlined: $(cat $HM_SYSMEM/memory$n/hotplug_owner)"
done
hm_all_free $blocks || hm_fail "blocks not free after the stress"
exit 0
