#!/bin/sh
# The kernel's own memory cgroup selftest (tools/testing/selftests/cgroup/
# test_memcontrol from the same source tree as this kernel).  Each case is
# reported on its own.  Cases that cannot pass in this VM are listed, with the
# reason, in selftest-memcontrol.known (and docs/testing.md): they are
# reported as SKIP, never as PASS; any other case that does not pass fails.
. /hotmem/lib/testlib.sh
st=/hotmem/selftests/test_memcontrol
known=/hotmem/tests/common/selftest-memcontrol.known
[ -x "$st" ] || hm_fail "$st missing from the initramfs"
# The page cache cases need a real block file system (a hole read from tmpfs
# allocates nothing): run in an ext2 on the RAM disk.
mnt=/mnt/memcontrol
mkdir -p $mnt
mke2fs -q /dev/ram0 >/dev/null 2>&1 || hm_fail "mke2fs /dev/ram0"
mount -t ext2 /dev/ram0 $mnt || hm_fail "mount ext2"
# test_memcg_swap_max_peak needs swap: a swap file on the same ext2, for
# this run only.
dd if=/dev/zero of=$mnt/swapfile bs=1M count=64 2>/dev/null && chmod 600 $mnt/swapfile &&
	mkswap $mnt/swapfile >/dev/null 2>&1 && swapon $mnt/swapfile || hm_fail "swapon $mnt/swapfile"
(cd $mnt && "$st") > /tmp/memcontrol.raw 2>&1
rc=$?
swapoff $mnt/swapfile
umount $mnt
# The selftest's children inherit its unflushed stdout buffer, so a result
# line can appear more than once: keep the first of each.
awk '!seen[$0]++' /tmp/memcontrol.raw > /tmp/memcontrol.out
cat /tmp/memcontrol.out
bad=0
n=0
while read -r line; do
	case $line in
	"ok "*"# SKIP "*) verdict=SKIP; case_=${line##*# SKIP } ;;
	"ok "*)           verdict=PASS; case_=${line#ok * } ;;
	"not ok "*)       verdict=FAIL; case_=${line#not ok * } ;;
	*) continue ;;
	esac
	n=$((n + 1))
	why=$(awk -v c="$case_" '$1 == c { $1 = ""; sub(/^ /, ""); print }' "$known")
	if [ "$verdict" != PASS ] && [ -n "$why" ]; then
		echo "@@HM RESULT selftest/test_memcontrol/$case_ SKIP $why"
	elif [ "$verdict" = SKIP ]; then
		echo "@@HM RESULT selftest/test_memcontrol/$case_ FAIL skipped itself, and is not a known case"
		bad=1
	else
		echo "@@HM RESULT selftest/test_memcontrol/$case_ $verdict"
		[ "$verdict" = PASS ] || bad=1
	fi
done < /tmp/memcontrol.out
[ "$n" -gt 0 ] || hm_fail "test_memcontrol ran no case (exit $rc)"
[ "$bad" = 0 ] || hm_fail "unexpected test_memcontrol results"
exit 0
