#!/bin/sh
# An ACPI DIMM plugged over QMP while the guest runs appears as new offline
# memory blocks; they online as movable, offline again, and the DIMM unplugs.
. /hotmem/lib/testlib.sh
bs=$(hm_block_size)
before=$(hm_blocks | tr '\n' ' ')
total0=$(hm_meminfo_kb MemTotal)
dev=$(hm_req dimm-add 256) || hm_fail "dimm-add: $dev"
want=$((256 * 1024 * 1024 / bs))
hm_wait "[ \$(hm_blocks | wc -l) -ge $(( $(echo $before | wc -w) + want )) ]" 30 \
	|| hm_fail "no new memory blocks after plugging $dev"
new=$(hm_blocks | while read -r n; do case " $before " in *" $n "*) ;; *) echo "$n" ;; esac; done)
hm_log "plugged $dev: blocks $(echo $new) (block size $bs)"
[ "$(echo $new | wc -w)" = "$want" ] || hm_fail "expected $want new blocks, got: $new"
for n in $new; do
	[ "$(cat $HM_SYSMEM/memory$n/state)" = offline ] || hm_fail "memory$n is not offline after plug"
done
for n in $new; do
	echo online_movable > $HM_SYSMEM/memory$n/state || hm_fail "online_movable memory$n"
	[ "$(cat $HM_SYSMEM/memory$n/state)" = online ] || hm_fail "memory$n not online"
	grep -q Movable $HM_SYSMEM/memory$n/valid_zones || hm_fail "memory$n not in ZONE_MOVABLE"
done
total1=$(hm_meminfo_kb MemTotal)
[ "$total1" -eq $((total0 + 256 * 1024)) ] || hm_fail "MemTotal $total0 -> $total1 kB, expected +262144"
for n in $new; do
	echo offline > $HM_SYSMEM/memory$n/state || hm_fail "offline memory$n"
done
[ "$(hm_meminfo_kb MemTotal)" -eq "$total0" ] || hm_fail "MemTotal did not return to $total0"
hm_req dimm-del "$dev" || hm_fail "dimm-del $dev"
hm_wait "[ ! -e $HM_SYSMEM/memory$(echo $new | cut -d' ' -f1) ]" 30 || hm_fail "blocks remain after unplug"
exit 0
