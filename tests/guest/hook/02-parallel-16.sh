#!/bin/sh
# 16 containers created through crun at the same moment get disjoint blocks
# (one 128 MiB block each, the ledger lock serialising the claims), and all
# are released when they are deleted at the same moment.
. /hotmem/lib/testlib.sh
hm_plug_dimm 1024 || hm_fail "DIMM 1 did not plug"
d1=$HM_DIMM b1=$HM_NEW
hm_plug_dimm 1024 || hm_fail "DIMM 2 did not plug"
d2=$HM_DIMM b2=$HM_NEW
trap 'for i in $(seq 1 16); do crun delete -f hm-par-$i >/dev/null 2>&1; done
	hm_unplug_dimm $d1 $b1; hm_unplug_dimm $d2 $b2' EXIT
for i in $(seq 1 16); do
	hm_hook_bundle /tmp/hm-par-$i /bin/hm-alloc 8 || hm_fail "bundle $i"
	hm_bundle_set /tmp/hm-par-$i ".linux.resources.memory.limit = $((64 << 20)) |
		.linux.cgroupsPath = \"/hm-par-$i\""
done
for i in $(seq 1 16); do
	crun run -d --bundle /tmp/hm-par-$i hm-par-$i > $HM_OUT/par-$i.out 2>&1 < /dev/null &
done
wait
for i in $(seq 1 16); do
	crun state hm-par-$i > /dev/null 2>&1 || hm_fail "container $i did not start: $(cat $HM_OUT/par-$i.out)"
done
st=$($HM_HOOK status --json) || hm_fail "status"
owners=$(echo "$st" | jq -r '.blocks[] | select(.container != null) | "\(.id) \(.container) \(.cgroup)"')
echo "$owners"
[ "$(echo "$owners" | wc -l)" = 16 ] || hm_fail "expected 16 owned blocks"
[ "$(echo "$owners" | cut -d' ' -f2 | sort -u | wc -l)" = 16 ] || hm_fail "a container owns two blocks"
echo "$owners" | while read -r n c g; do
	[ "$g" = "/$c" ] || hm_fail "block $n: container $c but cgroup $g"
	[ "$(cat $HM_SYSMEM/memory$n/hotplug_owner)" = "bound $(hm_cgid /$c)" ] || hm_fail "kernel owner of $n: $(hm_owner $n), /$c is $(hm_cgid /$c)"
done || exit 1
for i in $(seq 1 16); do crun kill hm-par-$i KILL; done
for i in $(seq 1 16); do
	hm_wait "[ \"\$(crun state hm-par-$i | jq -r .status)\" = stopped ]" 30 || hm_fail "$i did not stop"
done
for i in $(seq 1 16); do crun delete hm-par-$i > $HM_OUT/del-$i.out 2>&1 & done
wait
hm_expect_clean $b1 $b2
exit 0
