#!/bin/sh
# Generated writes (hotmem.fuzz_writes on the kernel command line: 100,000
# in make check, FUZZ_WRITES with `make stress`; 10,000 without it) to memory.hotplug, memory.hotplug.policy and memory.hotplug.evict of
# two cgroups (token soups, huge and negative numbers, overflow, repeats,
# mixed signs, control bytes, very long writes), naming plugged, boot and
# made-up blocks: after every rejected write the state is exactly as
# before, and the kernel does not complain (checked after the test).
. /hotmem/lib/testlib.sh
hm_plug_dimm 384 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1 Y=$2 Z=$3
a=$HM_CGROOT/hm-fuzz-a b=$HM_CGROOT/hm-fuzz-b
mkdir -p $a $b
trap 'for c in $a $b; do for n in $X $Y $Z; do echo -$n > $c/memory.hotplug; done; done 2>/dev/null; rmdir $a $b 2>/dev/null; hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"
hm_expect ok $b/memory.hotplug "+$Y"
writes=$(sed -n 's/.*hotmem\.fuzz_writes=\([0-9]*\).*/\1/p' /proc/cmdline)
writes=${writes:-10000}
seed=${HM_FUZZ_SEED:-$(date +%s)}
hm_log "seed $seed"
out=$(hm-hotplug-fuzz $seed $writes $a $b $X $Y $Z) || hm_fail "seed $seed: $out"
hm_log "$out"
echo "$out" | grep -q "^writes=$writes " || hm_fail "fuzzer output: $out"
exit 0
