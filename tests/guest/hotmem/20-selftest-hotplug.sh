#!/bin/sh
# The series' own selftest (tools/testing/selftests/cgroup/test_hotplug),
# run against a DIMM plugged for it; every case must pass.
. /hotmem/lib/testlib.sh
st=/hotmem/selftests/test_hotplug
[ -x "$st" ] || hm_fail "$st missing: the series must carry it"
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
trap 'hm_unplug_dimm $HM_DIMM $HM_NEW' EXIT
(cd /tmp && "$st") > /tmp/hotplug.raw 2>&1
rc=$?
awk '!seen[$0]++' /tmp/hotplug.raw > /tmp/hotplug.out
cat /tmp/hotplug.out
bad=0 n=0
while read -r line; do
	case $line in
	"ok "*"# SKIP "*) echo "@@HM RESULT selftest/test_hotplug/${line##*# SKIP } FAIL skipped itself"; bad=1 ;;
	"ok "*) echo "@@HM RESULT selftest/test_hotplug/${line#ok * } PASS" ;;
	"not ok "*) echo "@@HM RESULT selftest/test_hotplug/${line#not ok * } FAIL"; bad=1 ;;
	*) continue ;;
	esac
	n=$((n + 1))
done < /tmp/hotplug.out
[ "$n" -ge 3 ] || hm_fail "test_hotplug ran $n cases (exit $rc)"
[ "$bad" = 0 ] && [ "$rc" = 0 ] || hm_fail "test_hotplug failed (exit $rc)"
exit 0
