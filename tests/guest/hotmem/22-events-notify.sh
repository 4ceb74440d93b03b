#!/bin/sh
# memory.events of a cgroup with a pool counts hotplug_low (an allocation
# took the pool's free memory below 1/8 of its pages; raised again only
# once the pool was back at a quarter), hotplug_oom (the full strict pool
# invoked the OOM killer; "oom" counts it too) and hotplug_fallback (the
# full pool spilled to general memory).  Each increment wakes a poll() on
# memory.events (hm-events-wait: POLLPRI|POLLERR, as kernfs notifies), of
# the pool's cgroup and of its parent, whose memory.events counts them
# (hierarchical) while its memory.events.local does not.
. /hotmem/lib/testlib.sh
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
p=$HM_CGROOT/hm-ev c=$HM_CGROOT/hm-ev/pool
mkdir -p $p
echo +memory > $p/cgroup.subtree_control || hm_fail "memory controller for the children of $p"
mkdir -p $c
pids= w=
trap 'kill $pids $w 2>/dev/null; wait; echo -$X > $c/memory.hotplug 2>/dev/null; rmdir $c $p 2>/dev/null
	hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
for cg in $c $p; do
	for f in memory.events memory.events.local; do
		for k in hotplug_low hotplug_oom hotplug_fallback; do
			[ -n "$(hm_event $cg $k $f)" ] || hm_fail "no $k in ${cg#$HM_CGROOT/}/$f: $(tr '\n' ' ' < $cg/$f)"
		done
	done
done
hm_expect ok $c/memory.hotplug "+$X"
MiB=$((1 << 20))

# count KEY: "c c_local p p_local", the four counters of KEY
count() { echo "$(hm_event $c $1) $(hm_event $c $1 memory.events.local) $(hm_event $p $1) $(hm_event $p $1 memory.events.local)"; }
# rose KEY BEFORE MIN [MAX]: since BEFORE (count's output), KEY rose by MIN
# to MAX (default: MIN) in the pool cgroup's memory.events and .local, by the
# same in the parent's memory.events, by nothing in the parent's .local.
rose() {
	set -- "$1" $2 "$3" "${4:-$3}"
	_k=$1 _c0=$2 _cl0=$3 _p0=$4 _pl0=$5 _min=$6 _max=$7
	set -- $(count $_k)
	_d=$(( $1 - _c0 ))
	hm_log "$_k: pool +$_d, pool local +$(( $2 - _cl0 )), parent +$(( $3 - _p0 )), parent local +$(( $4 - _pl0 ))"
	[ "$_d" -ge "$_min" ] && [ "$_d" -le "$_max" ] || hm_fail "$_k rose by $_d in the pool cgroup's memory.events, expected $_min..$_max"
	[ $(( $2 - _cl0 )) = "$_d" ] || hm_fail "$_k: pool cgroup's memory.events.local +$(( $2 - _cl0 )), memory.events +$_d"
	[ $(( $3 - _p0 )) = "$_d" ] || hm_fail "$_k: the parent's memory.events +$(( $3 - _p0 )), the pool cgroup's +$_d (not hierarchical)"
	[ "$4" = "$_pl0" ] || hm_fail "$_k: the parent's memory.events.local rose ($_pl0 -> $4)"
}
# watch KEY: a poller on the memory.events of the pool cgroup and its parent
watch() {
	hm-events-wait 180 $1 $c/memory.events $p/memory.events > $HM_OUT/ev-$1.out 2>&1 & w=$!
	hm_wait "grep -q ready $HM_OUT/ev-$1.out" 30 || hm_fail "$1: poller: $(cat $HM_OUT/ev-$1.out)"
}
# woke KEY: both pollers woke up and saw KEY rise
woke() {
	wait $w; _rc=$? w=
	hm_log "$1 poller: $(tr '\n' ';' < $HM_OUT/ev-$1.out)"
	[ $_rc = 0 ] || hm_fail "$1: no poll() wakeup with $1 risen (exit $_rc): $(cat $HM_OUT/ev-$1.out)"
	for _f in $c/memory.events $p/memory.events; do
		grep -q "^woke $_f $1 +[1-9]" $HM_OUT/ev-$1.out || hm_fail "$1: $_f did not wake: $(cat $HM_OUT/ev-$1.out)"
	done
}
# touch_in NAME MIB: a task of the pool cgroup faulting MIB MiB and holding them
touch_in() {
	hm_start_in $c $HM_OUT/ev-$1.touch hm-touch -H $2; eval "t_$1=\$!"; pids="$pids $!"
	hm_wait "grep -q touched $HM_OUT/ev-$1.touch" 120 || hm_fail "$1: $(cat $HM_OUT/ev-$1.touch)"
}
stop() { for _t; do eval "kill \$t_$_t; wait \$t_$_t"; done 2>/dev/null; }

# hotplug_low.  100 MiB of 128 leave more than 1/8 free: no event.
l0=$(count hotplug_low)
touch_in a 100
rose hotplug_low "$l0" 0
# 20 MiB more take it below 1/8: one event, which wakes the pollers.
watch hotplug_low
touch_in b 20
woke hotplug_low
rose hotplug_low "$l0" 1
# Freeing 20 MiB leaves less than a quarter free: a new fall below 1/8 is
# no news.
stop b
touch_in c 20
rose hotplug_low "$l0" 1
# Once the pool is empty again (above a quarter), the next fall counts.
stop c a
hm_wait "[ \$(hm_used_pages $X) = 0 ]" 30 || hm_fail "the pool did not empty: $(hm_used_pages $X) pages in use"
watch hotplug_low
touch_in d 120
woke hotplug_low
rose hotplug_low "$l0" 2
stop d
hm_wait "[ \$(hm_used_pages $X) = 0 ]" 30 || hm_fail "the pool did not empty: $(hm_used_pages $X) pages in use"

# hotplug_oom: the strict pool is full, the allocating task is OOM-killed.
[ "$(cat $c/memory.hotplug.policy)" = strict ] || hm_fail "default policy is not strict"
o0=$(count hotplug_oom) oom0=$(hm_event $c oom) f0=$(count hotplug_fallback)
watch hotplug_oom
hm_start_in $c $HM_OUT/ev-oom.out hm-alloc 200 0
a=$!
wait $a
rc=$?
woke hotplug_oom
[ $rc = 137 ] || hm_fail "the allocating task was not SIGKILLed (exit $rc: $(cat $HM_OUT/ev-oom.out))"
rose hotplug_oom "$o0" 1 1000000
ooms=$(( $(hm_event $c hotplug_oom) - ${o0%% *} )) oom=$(( $(hm_event $c oom) - oom0 ))
[ "$oom" -ge "$ooms" ] || hm_fail "memory.events oom +$oom, hotplug_oom +$ooms: not counted in oom too"
rose hotplug_fallback "$f0" 0
hm_wait "[ \$(hm_used_pages $X) = 0 ]" 30 || hm_fail "the pool did not empty: $(hm_used_pages $X) pages in use"

# hotplug_fallback: the full pool spills, the task lives.
hm_expect ok $c/memory.hotplug.policy fallback
f0=$(count hotplug_fallback) s0=$(hm_cg_stat $c hotplug_pool_fallback) ps0=$(hm_cg_stat $p hotplug_pool_fallback)
watch hotplug_fallback
hm_start_in $c $HM_OUT/ev-fb.out hm-touch 160
a=$!
wait $a
rc=$?
woke hotplug_fallback
[ $rc = 0 ] && grep -q touched $HM_OUT/ev-fb.out || hm_fail "allocation past the fallback pool: exit $rc: $(cat $HM_OUT/ev-fb.out)"
spilled=$(( $(hm_cg_stat $c hotplug_pool_fallback) - s0 )) pspilled=$(( $(hm_cg_stat $p hotplug_pool_fallback) - ps0 ))
rose hotplug_fallback "$f0" 1 $spilled
hm_log "memory.stat hotplug_pool_fallback: pool cgroup +$spilled pages, parent +$pspilled"
[ "$spilled" -ge $(( (160 - 128) * MiB / 4096 )) ] || hm_fail "only $spilled pages spilled of 160 MiB in a 128 MiB pool"
[ "$pspilled" -ge "$spilled" ] || hm_fail "the parent's memory.stat hotplug_pool_fallback +$pspilled < +$spilled"
hm_wait "[ \$(hm_used_pages $X) = 0 ]" 30 || hm_fail "the pool did not empty: $(hm_used_pages $X) pages in use"
hm_expect ok $c/memory.hotplug "-$X"
exit 0
