#!/bin/sh
# Run every test of the named suites (/hotmem/tests/<suite>/NN-*.sh or a
# compiled test), one after the other, and report each on the console:
#   @@HM BEGIN <suite>/<test>
#   @@HM RESULT <suite>/<test> PASS|FAIL|SKIP [reason]
# A test passes with exit 0, is skipped with exit 77 (its last output line,
# "SKIP: why", is the reason) and fails otherwise, also on timeout.
#
# After each test, two checks that name the test responsible rather than a
# later one that trips over what it left:
#   <test>/kernel-log FAIL  the kernel complained (WARNING, BUG, ...) while it
#                           ran; the new lines are printed
#   <test>/cleanup FAIL     it left hot-plugged memory behind (a DIMM or
#                           virtio-mem block) or a cgroup; that memory is then
#                           removed, so that the next test starts clean
# Neither prints anything when all is well.
. /hotmem/lib/testlib.sh
timeout_s=${HM_TEST_TIMEOUT:-600}
boot_blocks=$(hm_blocks | tr '\n' ' ')
nsplat=$(hm_kernel_splats | wc -l)

check_kernel_log() {
	hm_kernel_splats > /tmp/hm-splat
	_n=$(wc -l < /tmp/hm-splat)
	[ "$_n" -gt "$nsplat" ] || return 0
	# the new complaints, each with the 25 log lines after it
	tail -n +$((nsplat + 1)) /tmp/hm-splat | hm_kernel_splat_context 25 |
		sed "s|^|[$1] kernel: |" | head -n 60
	echo "@@HM RESULT $1/kernel-log FAIL $(sed -n "$((nsplat + 1))p" /tmp/hm-splat | cut -c1-200)"
	nsplat=$_n
}

check_cleanup() {
	# Virtio-mem memory that is still plugged shows as blocks too; a block
	# the driver just emptied may take a moment to be removed: 5 s.
	hm_wait "[ -z \"\$(hm_new_blocks \"$boot_blocks\")\" ]" 5
	_left=$(hm_new_blocks "$boot_blocks")
	# An empty cgroup left behind is harmless: remove it quietly (its last
	# task may still be exiting: give it 5 s).
	for _c in $HM_CGROOT/hm-*; do
		[ -d "$_c" ] && hm_wait "rmdir $_c" 5
	done
	_cg=$(ls -d $HM_CGROOT/hm-* 2>/dev/null | tr '\n' ' ')
	[ -z "$_left" ] && [ -z "$_cg" ] && return 0
	_what=
	for _b in $_left; do
		_what="$_what $_b:$(cat $HM_SYSMEM/memory$_b/state):$(cat $HM_SYSMEM/memory$_b/hotplug_owner 2>/dev/null | tr ' ' '=')"
	done
	echo "@@HM RESULT $1/cleanup FAIL left blocks [${_what# }], cgroups [${_cg% }]"
	# Repair: release what can be released, then give it all back.
	for _c in $_cg; do
		cat "$_c/cgroup.procs" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	sleep 0.5
	for _c in $_cg; do rmdir "$_c" 2>/dev/null; done
	for _b in $_left; do
		[ "$(cat $HM_SYSMEM/memory$_b/state 2>/dev/null)" = online ] &&
			echo offline > $HM_SYSMEM/memory$_b/state 2>/dev/null
	done
	hm_req dimm-del-all > /dev/null 2>&1
	hm_req vmem-resize 0 > /dev/null 2>&1
	boot_blocks=$(hm_blocks | tr '\n' ' ')
}

for suite in "$@"; do
	dir=/hotmem/tests/$suite
	if [ ! -d "$dir" ]; then
		echo "@@HM RESULT $suite/(suite) FAIL no such suite in the initramfs"
		continue
	fi
	for t in "$dir"/*; do
		[ -x "$t" ] || continue
		name=$suite/$(basename "$t")
		echo "@@HM BEGIN $name"
		out=/tmp/hm-test.out
		(cd /tmp && timeout "$timeout_s" "$t") > "$out" 2>&1
		rc=$?
		# Sub-results (e.g. one per selftest case) pass through unprefixed.
		sed "/^@@HM RESULT /!s|^|[$name] |" "$out"
		case $rc in
		0)  echo "@@HM RESULT $name PASS" ;;
		77) echo "@@HM RESULT $name SKIP $(grep '^SKIP:' "$out" | tail -n 1 | cut -c7-)" ;;
		143|124) echo "@@HM RESULT $name FAIL timed out after ${timeout_s}s" ;;
		# the test's own "FAIL: why" line, so that the summary says why
		*)  why=$(grep '^FAIL: ' "$out" | tail -n 1 | cut -c7-206)
		    echo "@@HM RESULT $name FAIL exit $rc${why:+: $why}" ;;
		esac
		case $name in */99-kernel-log-clean.sh) ;; *) check_kernel_log "$name" ;; esac
		check_cleanup "$name"
	done
done
