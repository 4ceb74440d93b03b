#!/bin/sh
# Allocations made by a task of a bound cgroup for memory that is not the
# task's stay out of its pool:
#   - hugetlb pages: a task of the cgroup writes nr_hugepages; the huge
#     pages belong to the global hugetlb pool and outlive it;
#   - MADV_COLLAPSE on file-backed text (READ_ONLY_THP_FOR_FS): the huge
#     folio replaces page cache that everyone shares.
# Each time the block has no page in use afterwards, and it is released
# without migration.
. /hotmem/lib/testlib.sh
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
set -- $(hm_block_pfns $X)
lo=$1 hi=$2
a=$HM_CGROOT/hm-nottasks
mnt=/tmp/hm-collapse
mkdir -p $a $mnt
trap 'echo 0 > /proc/sys/vm/nr_hugepages; umount $mnt 2>/dev/null
	echo -$X > $a/memory.hotplug 2>/dev/null; rmdir $a 2>/dev/null
	hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
hm_expect ok $a/memory.hotplug "+$X"

# hugetlb: 4 huge pages allocated by a task of the cgroup
sh -c "echo \$\$ > $a/cgroup.procs && echo 4 > /proc/sys/vm/nr_hugepages" ||
	hm_fail "writing nr_hugepages failed"
total=$(hm_meminfo_kb HugePages_Total)
hm_log "HugePages_Total $total, memory$X: $(hm_used_pages $X) pages in use"
[ "$total" = 4 ] || hm_fail "HugePages_Total $total, wanted 4"
[ "$(hm_used_pages $X)" = 0 ] || hm_fail "hugetlb pages came from the pool: $(hm_used_pages $X) pages in use"
echo 0 > /proc/sys/vm/nr_hugepages

# MADV_COLLAPSE of a file's text on ext2 (page cache, not shmem)
mke2fs -q /dev/ram0 > /dev/null 2>&1 || hm_fail "mke2fs /dev/ram0"
mount -t ext2 /dev/ram0 $mnt || hm_fail "mount ext2"
dd if=/dev/urandom of=$mnt/text bs=1M count=4 2> /dev/null || hm_fail "dd"
sync
hm_start_in $a $HM_OUT/collapse.out hm-collapse $mnt/text $lo $hi
wait $!
hm_log "$(cat $HM_OUT/collapse.out); memory$X: $(hm_used_pages $X) pages in use"
grep -q "collapse=ok present=512 " $HM_OUT/collapse.out ||
	hm_fail "MADV_COLLAPSE did not make a huge page: $(cat $HM_OUT/collapse.out)"
grep -q " in=0 " $HM_OUT/collapse.out || hm_fail "the collapsed page cache came from the pool"
[ "$(hm_used_pages $X)" = 0 ] || hm_fail "memory$X: $(hm_used_pages $X) pages in use after the collapse"

m0=$(hm_vmstat pgmigrate_success)
hm_expect ok $a/memory.hotplug "-$X"
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "the release migrated pages"
exit 0
