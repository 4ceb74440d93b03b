#!/bin/sh
# Run every test of the named suites (/hotmem/tests/<suite>/NN-*.sh or a
# compiled test), one after the other, and report each on the console:
#   @@HM BEGIN <suite>/<test>
#   @@HM RESULT <suite>/<test> PASS|FAIL|SKIP [reason]
# A test passes with exit 0, is skipped with exit 77 (its last output line,
# "SKIP: why", is the reason) and fails otherwise, also on timeout.
timeout_s=${HM_TEST_TIMEOUT:-600}
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
		*)  echo "@@HM RESULT $name FAIL exit $rc" ;;
		esac
		# A test must not leave cgroups behind for the next one.
		for cg in /sys/fs/cgroup/hm-*; do
			[ -d "$cg" ] && rmdir "$cg" 2>/dev/null
		done
	done
done
