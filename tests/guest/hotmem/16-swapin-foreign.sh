#!/bin/sh
# Pages swapped out by another cgroup stay out of a pool when a task of the
# pool's cgroup brings them back (they are charged to the cgroup that
# swapped them out):
#   - a task swaps out in cgroup A, moves to the bound cgroup B and faults
#     its old pages back;
#   - a task of B reads a tmpfs file written by A and swapped out (shmem
#     swap-in, with readahead of the neighbouring slots).
# Each time the block gains no page in use, and it is released without
# migration.
. /hotmem/lib/testlib.sh
hm_plug_dimm 128 || hm_fail "DIMM did not plug"
set -- $HM_NEW
X=$1
a=$HM_CGROOT/hm-swap-a b=$HM_CGROOT/hm-swap-b
mnt=/tmp/hm-swapfs
mkdir -p $a $b $mnt
rm -f /tmp/hm-swapgo
trap 'kill $pt 2>/dev/null; wait; umount $mnt 2>/dev/null; swapoff /dev/ram0 2>/dev/null
	echo -$X > $b/memory.hotplug 2>/dev/null; rmdir $a $b 2>/dev/null
	hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
mkswap /dev/ram0 > /dev/null 2>&1 || hm_fail "mkswap /dev/ram0"
swapon /dev/ram0 || hm_fail "swapon /dev/ram0"
hm_expect ok $b/memory.hotplug "+$X"

# 1. A task that swapped out in A faults its pages back from B.
hm_start_in $a $HM_OUT/swapin.out hm-swapin 32 /tmp/hm-swapgo; pt=$!
hm_wait "grep -q filled $HM_OUT/swapin.out" 60 || hm_fail "hm-swapin: $(cat $HM_OUT/swapin.out)"
o0=$(hm_vmstat pswpout)
echo 64M > $a/memory.reclaim 2> /dev/null
out=$(( $(hm_vmstat pswpout) - o0 ))
[ $out -ge 7000 ] || hm_fail "only $out pages of the task were swapped out"
echo $pt > $b/cgroup.procs || hm_fail "moving the task to B"
u0=$(hm_used_pages $X) i0=$(hm_vmstat pswpin)
touch /tmp/hm-swapgo
hm_wait "grep -q 'reread ok' $HM_OUT/swapin.out" 120 || hm_fail "hm-swapin: $(cat $HM_OUT/swapin.out)"
in=$(( $(hm_vmstat pswpin) - i0 ))
hm_log "moved task: $out pages swapped out in A, $in swapped in from B; memory$X: $u0 -> $(hm_used_pages $X) pages in use"
[ $in -ge 7000 ] || hm_fail "only $in pages were swapped in"
[ $(( $(hm_used_pages $X) - u0 )) -lt 256 ] || hm_fail "A's swapped-out pages came back into B's pool ($(hm_used_pages $X) pages in use)"
kill $pt; wait $pt 2> /dev/null

# 2. A task of B reads a tmpfs file that A wrote and that was swapped out.
mount -t tmpfs -o size=64m tmpfs $mnt || hm_fail "mount tmpfs"
hm_start_in $a $HM_OUT/swapfile.out dd if=/dev/urandom of=$mnt/f bs=1M count=16
wait $! || hm_fail "writing the tmpfs file from A: $(cat $HM_OUT/swapfile.out)"
o0=$(hm_vmstat pswpout)
echo 64M > $a/memory.reclaim 2> /dev/null
out=$(( $(hm_vmstat pswpout) - o0 ))
[ $out -ge 3500 ] || hm_fail "only $out pages of the file were swapped out"
u0=$(hm_used_pages $X) i0=$(hm_vmstat pswpin)
hm_start_in $b $HM_OUT/swapread.out dd if=$mnt/f of=/dev/null bs=1M
wait $! || hm_fail "reading the file from B: $(cat $HM_OUT/swapread.out)"
in=$(( $(hm_vmstat pswpin) - i0 ))
hm_log "tmpfs file: $out pages swapped out by A, $in swapped in by a read from B; memory$X: $u0 -> $(hm_used_pages $X) pages in use"
[ $in -ge 3500 ] || hm_fail "only $in pages were swapped in"
[ $(( $(hm_used_pages $X) - u0 )) -lt 256 ] || hm_fail "A's tmpfs pages came back into B's pool ($(hm_used_pages $X) pages in use)"
umount $mnt

m0=$(hm_vmstat pgmigrate_success)
hm_expect ok $b/memory.hotplug "-$X"
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "the release migrated pages"
exit 0
