#!/bin/sh
# memory.hotplug.effective names the cgroup whose pool serves a cgroup (by
# id, 0 if none) and the policy that applies, the serving pool's.  A parent
# with a bound block and the fallback policy serves its child, whose own
# policy is strict: the child's file says the parent and fallback, and the
# child's task spills instead of being OOM-killed.  Without any block, each
# says 0 and its own policy; once the child binds a block of its own, the
# child and its policy.  memory.hotplug lists a cgroup's own blocks only,
# memory.stat hotplug_bound covers the descendants' too.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1 Y=$2
p=$HM_CGROOT/hm-eff c=$HM_CGROOT/hm-eff/child
mkdir -p $p
echo +memory > $p/cgroup.subtree_control || hm_fail "memory controller for the children of $p"
mkdir -p $c
trap 'echo -$Y > $c/memory.hotplug 2>/dev/null; echo -$X > $p/memory.hotplug 2>/dev/null; rmdir $c $p 2>/dev/null
	hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
pid=$(hm_cgid $p) cid=$(hm_cgid $c)
[ -n "$pid" ] && [ -n "$cid" ] && [ "$pid" != "$cid" ] || hm_fail "cgroup ids: '$pid' '$cid'"
[ ! -e $HM_CGROOT/memory.hotplug.effective ] || hm_fail "the root cgroup has memory.hotplug.effective"

# effective CGROUP OWNER POLICY: the file says exactly that
effective() {
	_want=$(printf 'owner %s\npolicy %s' $2 $3)
	_got=$(cat $1/memory.hotplug.effective) || hm_fail "reading ${1#$HM_CGROOT/}/memory.hotplug.effective"
	[ "$_got" = "$_want" ] ||
		hm_fail "${1#$HM_CGROOT/}/memory.hotplug.effective: '$(echo $_got)', expected '$(echo $_want)' ($4)"
	hm_log "${1#$HM_CGROOT/}: $(echo $_got) ($4)"
}

# No block anywhere: no owner, each cgroup's own policy.
effective $c 0 strict "new cgroup"
hm_expect ok $p/memory.hotplug.policy fallback
effective $p 0 fallback "no block, own policy"
effective $c 0 strict "no block, own policy"
hm_expect ok $c/memory.hotplug.policy fallback
effective $c 0 fallback "no block, own policy changed"
hm_expect ok $c/memory.hotplug.policy strict
effective $c 0 strict "no block, own policy changed back"

# The parent's pool serves the child, under the parent's policy.
hm_expect ok $p/memory.hotplug "+$X"
effective $p $pid fallback "its own block"
effective $c $pid fallback "the parent's block"
[ "$(hm_hp_ids $p)" = "$X" ] || hm_fail "parent's memory.hotplug: '$(hm_hp_ids $p)'"
[ -z "$(hm_hp_ids $c)" ] || hm_fail "child's memory.hotplug: '$(hm_hp_ids $c)'"
# ... as it is: the child's strict policy does not OOM-kill its task, the
# parent's pool spills.
f0=$(hm_event $p hotplug_fallback) o0=$(hm_event $c oom_kill)
set -- $(hm_block_pfns $X)
hm_start_in $c $HM_OUT/eff.out hm-pfns 160 $1 $2
wait $!
rc=$?
hm_log "child's task, 160 MiB: exit $rc, $(cat $HM_OUT/eff.out)"
[ $rc = 0 ] && grep -q "present=40960" $HM_OUT/eff.out || hm_fail "the child's task did not spill under the parent's fallback policy (exit $rc)"
in=$(sed -n 's/.* in=\([0-9]*\).*/\1/p' $HM_OUT/eff.out)
[ "$in" -ge 30000 ] || hm_fail "only $in pages came from the parent's pool"
[ "$(hm_event $p hotplug_fallback)" -gt "$f0" ] || hm_fail "the parent's memory.events hotplug_fallback did not rise"
[ "$(hm_event $c oom_kill)" = "$o0" ] || hm_fail "the child had an OOM kill"
hm_wait "[ \$(hm_used_pages $X) = 0 ]" 30 || hm_fail "the parent's pool did not empty: $(hm_used_pages $X) pages in use"

# The child's own block: its own pool and policy.
hm_expect ok $c/memory.hotplug "+$Y"
effective $c $cid strict "its own block"
effective $p $pid fallback "its own block, the child's bound too"
[ "$(hm_hp_ids $p)" = "$X" ] || hm_fail "parent's memory.hotplug with the child's block bound: '$(hm_hp_ids $p)'"
[ "$(hm_hp_ids $c)" = "$Y" ] || hm_fail "child's memory.hotplug: '$(hm_hp_ids $c)'"
[ "$(hm_owner $Y)" = "bound $cid" ] || hm_fail "memory$Y: $(hm_owner $Y), the child's id is $cid"
[ "$(hm_owner $X)" = "bound $pid" ] || hm_fail "memory$X: $(hm_owner $X), the parent's id is $pid"
bs=$(hm_block_size)
[ "$(hm_cg_stat $c hotplug_bound)" = $bs ] || hm_fail "child's memory.stat hotplug_bound: $(hm_cg_stat $c hotplug_bound)"
[ "$(hm_cg_stat $p hotplug_bound)" = $((2 * bs)) ] ||
	hm_fail "parent's memory.stat hotplug_bound: $(hm_cg_stat $p hotplug_bound), expected its block and the child's"
hm_start_in $c $HM_OUT/eff-used.out hm-touch -H 16; t=$!
hm_wait "grep -q touched $HM_OUT/eff-used.out" 60 || hm_fail "allocation: $(cat $HM_OUT/eff-used.out)"
used=$(( $(hm_used_pages $Y) * 4096 ))
cu=$(hm_cg_stat $c hotplug_used) pu=$(hm_cg_stat $p hotplug_used)
hm_log "16 MiB in the child's pool: memory$Y $used bytes in use, hotplug_used child $cu, parent $pu"
[ "$used" -ge $((16 << 20)) ] || hm_fail "the child's task is not served by the child's block ($used bytes in use)"
[ "$cu" = "$used" ] || hm_fail "child's memory.stat hotplug_used $cu, memory$Y has $used in use"
[ "$pu" = $(( used + $(hm_used_pages $X) * 4096 )) ] || hm_fail "parent's memory.stat hotplug_used $pu, not its block's and the child's"
kill $t; wait $t 2>/dev/null
hm_wait "[ \$(hm_used_pages $Y) = 0 ]" 30 || hm_fail "the child's pool did not empty"

# Release the child's block: the parent serves it again; then no block.
hm_expect ok $c/memory.hotplug "-$Y"
effective $c $pid fallback "its block released"
hm_expect ok $p/memory.hotplug "-$X"
effective $p 0 fallback "every block released"
effective $c 0 strict "every block released"
exit 0
