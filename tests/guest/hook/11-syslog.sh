#!/bin/sh
# Logging to syslog (log = both, the default): with a syslog daemon on
# /dev/log (busybox syslogd here), each of the hook's actions for a
# container started through crun reaches syslog as one line naming the
# container: its size, its bind and its release with the time it took.
# Without a daemon the hook logs to stderr only (every other test of this
# suite runs so).
. /hotmem/lib/testlib.sh
[ ! -e /dev/log ] || hm_fail "/dev/log exists before the test"
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
id=hm-syslog
log=$HM_OUT/syslog.log
trap 'crun delete -f $id >/dev/null 2>&1; [ -n "$slpid" ] && kill $slpid; wait $slpid 2>/dev/null
	rm -f /dev/log; hm_unplug_dimm $HM_DIMM $blocks' EXIT
rm -f $log
busybox syslogd -n -O $log & slpid=$!
hm_wait "[ -S /dev/log ]" 10 || hm_fail "syslogd did not create /dev/log"
hm_hook_bundle /tmp/$id /bin/true || hm_fail "bundle"
hm_bundle_set /tmp/$id ".linux.resources.memory.limit = $((64 << 20)) | .linux.cgroupsPath = \"/$id\"" ||
	hm_fail "bundle"
crun run --bundle /tmp/$id $id < /dev/null > $HM_OUT/$id.out 2>&1 || { cat $HM_OUT/$id.out; hm_fail "crun run"; }
hm_wait "grep -q 'hotmem-hook.*$id: released' $log" 10 || { cat $log; hm_fail "no release line in syslog"; }
grep "hotmem-hook" $log
grep -q "hotmem-hook\[[0-9]*\]: $id: size 67108864 bytes (from memory.limit)" $log ||
	hm_fail "no size line in syslog"
grep -q "hotmem-hook\[[0-9]*\]: $id: bound 1 blocks (+[0-9]*) = 128 MiB to /$id in [0-9.]* ms" $log ||
	hm_fail "no bind line in syslog"
grep -q "hotmem-hook\[[0-9]*\]: $id: released 1 blocks of /$id in [0-9.]* ms" $log ||
	hm_fail "no release line with its time in syslog"
hm_expect_clean $blocks
exit 0
