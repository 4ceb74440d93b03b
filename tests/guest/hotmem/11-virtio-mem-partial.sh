#!/bin/sh
# virtio-mem plugs memory in 2 MiB sub-blocks: a memory block may be only
# partly plugged, and the driver fake-onlines the rest of it later, behind
# the pool's back.  Binding such a block is refused (ENXIO) and leaves it
# offline and unbound; once fully plugged, it binds, and its counters are
# exact.
. /hotmem/lib/testlib.sh
before=$(hm_blocks | tr '\n' ' ')
a=$HM_CGROOT/hm-vmem-part
mkdir -p $a
trap 'for n in $(hm_new_blocks "$before"); do echo -$n > $a/memory.hotplug; done 2>/dev/null; rmdir $a; hm_req vmem-resize 0 >/dev/null' EXIT
hm_req vmem-resize 64 >/dev/null || hm_fail "virtio-mem did not grow to 64 MiB"
set -- $(hm_new_blocks "$before")
[ $# = 1 ] || hm_fail "expected one partly plugged block, got: $*"
X=$1
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "memory$X not offline"
hm_expect ENXIO $a/memory.hotplug "+$X"
[ "$(cat $HM_SYSMEM/memory$X/state)" = offline ] || hm_fail "refused memory$X left $(cat $HM_SYSMEM/memory$X/state)"
[ "$(cat $HM_SYSMEM/memory$X/hotplug_owner)" = unbound ] || hm_fail "refused memory$X is $(cat $HM_SYSMEM/memory$X/hotplug_owner)"
[ -z "$(cat $a/memory.hotplug.blocks)" ] || hm_fail "pool after the refusal: $(cat $a/memory.hotplug.blocks)"
[ -z "$(hm_hp_ids $a)" ] || hm_fail "memory.hotplug after the refusal: $(hm_hp_ids $a)"
hm_req vmem-resize 128 >/dev/null || hm_fail "virtio-mem did not grow to 128 MiB"
[ "$(hm_new_blocks "$before")" = "$X " ] || hm_fail "blocks: $(hm_new_blocks "$before")"
hm_expect ok $a/memory.hotplug "+$X"
[ "$(hm_hp_ids $a)" = "$X" ] || hm_fail "memory.hotplug: '$(hm_hp_ids $a)'"
grep -q "^$X size=134217728 used=0 free=134217728 " $a/memory.hotplug.blocks || hm_fail "counters: $(cat $a/memory.hotplug.blocks)"
hm_expect ok $a/memory.hotplug "-$X"
hm_req vmem-resize 0 >/dev/null || hm_fail "virtio-mem did not shrink"
exit 0
