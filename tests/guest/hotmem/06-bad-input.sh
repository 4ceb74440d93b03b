#!/bin/sh
# Every bad input to memory.hotplug (and memory.hotplug.evict) gets its
# documented errno (docs/abi.md) and leaves every block and pool exactly as
# it was.
. /hotmem/lib/testlib.sh
hm_plug_dimm 384 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1 Y=$2 Z=$3
a=$HM_CGROOT/hm-bad-a b=$HM_CGROOT/hm-bad-b
mkdir -p $a $b
trap 'rmdir $a $b 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
snapshot() {
	for n in $HM_NEW; do echo "$n $(cat $HM_SYSMEM/memory$n/state) $(cat $HM_SYSMEM/memory$n/hotplug_owner)"; done
	cat $a/memory.hotplug $b/memory.hotplug $a/memory.hotplug.blocks $b/memory.hotplug.blocks
}
s0=$(snapshot)
unchanged() { [ "$(snapshot)" = "$s0" ] || hm_fail "state changed after $1: $(snapshot)"; }

for junk in "abc" "+" "-" "12" "+12x" "+-3" "+ 3" "++$Y" "+0x$Y" " " "-$X force" "+$Y force" "force"; do
	hm_expect EINVAL $b/memory.hotplug "$junk"; unchanged "'$junk'"
done
hm_expect EINVAL $b/memory.hotplug "+$Y +$Y"; unchanged "a block named twice"
hm_expect ENODEV $b/memory.hotplug "+999999"; unchanged "an unknown block"
hm_expect ENODEV $b/memory.hotplug "+18446744073709551615"; unchanged "a huge block id"
boot=$(hm_blocks online | head -n 1)
hm_expect EOPNOTSUPP $b/memory.hotplug "+$boot"; unchanged "boot memory"
hm_expect EEXIST $b/memory.hotplug "+$X"; unchanged "a block bound to another cgroup"
hm_expect EEXIST $a/memory.hotplug "+$X"; unchanged "a block bound to the same cgroup"
hm_expect ENOENT $b/memory.hotplug "-$X"; unchanged "releasing another cgroup's block"
hm_expect ENOENT $b/memory.hotplug "-$Y"; unchanged "releasing an unbound block"
# memory.hotplug.evict fails as "-N" would (pages in use aside).
for junk in " " "abc" "-$X" "+$X" "$X force" "0x$X"; do
	hm_expect EINVAL $a/memory.hotplug.evict "$junk"; unchanged "evict '$junk'"
done
hm_expect ENOENT $b/memory.hotplug.evict "$X"; unchanged "evicting another cgroup's block"
hm_expect ENOENT $b/memory.hotplug.evict "$Y"; unchanged "evicting an unbound block"
[ ! -r $a/memory.hotplug.evict ] || ! cat $a/memory.hotplug.evict 2>/dev/null ||
	hm_fail "memory.hotplug.evict is readable"
# All or nothing: one bad token spoils the whole write.
hm_expect ENODEV $b/memory.hotplug "+$Y +999999"; unchanged "a write with one bad token"
hm_expect EEXIST $b/memory.hotplug "+$Y +$X"; unchanged "a write naming a taken block"
# An online block that is not bound.
echo online_movable > $HM_SYSMEM/memory$Z/state || hm_fail "online memory$Z"
s0=$(snapshot)
hm_expect EBUSY $b/memory.hotplug "+$Z"; unchanged "an online block"
echo offline > $HM_SYSMEM/memory$Z/state || hm_fail "offline memory$Z"
s0=$(snapshot)
# sysfs offline of a block bound to a live cgroup: use memory.hotplug.
hm_expect EBUSY $HM_SYSMEM/memory$X/state offline; unchanged "sysfs offline of a bound block"
r=$(hm_try $HM_SYSMEM/memory$X/state online)
hm_log "sysfs online of a bound block -> $r"
unchanged "sysfs online of a bound block"
# No privilege: root in a user namespace (a delegated container) may not.
r=$(unshare -U -r sh -c "/hotmem/bin/hm-timed-write $b/memory.hotplug +$Y" 2>&1)
case $r in *EPERM*) hm_log "from a user namespace -> EPERM" ;; *) hm_fail "write from a user namespace: $r" ;; esac
unchanged "an unprivileged write"
r=$(unshare -U -r sh -c "/hotmem/bin/hm-timed-write $b/memory.hotplug.policy fallback" 2>&1)
case $r in *EPERM*) ;; *) hm_fail "policy write from a user namespace: $r" ;; esac
r=$(unshare -U -r sh -c "/hotmem/bin/hm-timed-write $a/memory.hotplug.evict $X" 2>&1)
case $r in *EPERM*) ;; *) hm_fail "evict from a user namespace: $r" ;; esac
unchanged "an unprivileged evict"
# A huge write.
big=$(head -c 5000 /dev/zero | tr '\0' ' ')
hm_expect E2BIG $b/memory.hotplug "$big+$Y"; unchanged "a huge write"
# The same block bound from two cgroups at once: exactly one wins.
hm-timed-write $a/memory.hotplug "+$Y" > $HM_OUT/race-a & ra=$!
hm-timed-write $b/memory.hotplug "+$Y" > $HM_OUT/race-b & rb=$!
wait $ra; wait $rb
wins=$(cat $HM_OUT/race-a $HM_OUT/race-b | grep -c '^ok')
lost=$(cat $HM_OUT/race-a $HM_OUT/race-b | grep -c EEXIST)
hm_log "race: a: $(cat $HM_OUT/race-a), b: $(cat $HM_OUT/race-b)"
[ "$wins" = 1 ] && [ "$lost" = 1 ] || hm_fail "race for memory$Y: $wins winners, $lost EEXIST"
grep -q "^$Y " $a/memory.hotplug.blocks $b/memory.hotplug.blocks || hm_fail "winner does not list memory$Y"
[ "$(cat $a/memory.hotplug.blocks $b/memory.hotplug.blocks | grep -c "^$Y ")" = 1 ] || hm_fail "memory$Y listed twice"
[ "$(cat $a/memory.hotplug $b/memory.hotplug | tr ' ' '\n' | grep -c "^$Y$")" = 1 ] ||
	hm_fail "memory.hotplug: a: '$(cat $a/memory.hotplug)', b: '$(cat $b/memory.hotplug)'"
for cg in $a $b; do
	for n in $(cat $cg/memory.hotplug); do hm_expect ok $cg/memory.hotplug "-$n"; done
	[ -z "$(cat $cg/memory.hotplug)" ] || hm_fail "${cg#$HM_CGROOT/}: memory.hotplug after the releases: $(cat $cg/memory.hotplug)"
done
exit 0
