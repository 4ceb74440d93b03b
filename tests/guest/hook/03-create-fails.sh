#!/bin/sh
# A container asking for more than all hot-plugged memory (io.hotmem.size
# annotation) does not start: crun reports the hook's one-line message naming
# the container, the size and the blocks available, and nothing stays
# claimed.  crun (1.8.1) reports the hook's exit code (5: not enough
# blocks) and discards the hook's stderr unless the annotation
# run.oci.hooks.stderr names a file, where the hook's line then is (the
# operator's configuration in runtime-patches/ sets it).
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
id=hm-hook-big
trap 'crun delete -f $id >/dev/null 2>&1; hm_unplug_dimm $HM_DIMM $blocks' EXIT
hm_hook_bundle /tmp/$id /bin/true || hm_fail "bundle"
hm_bundle_set /tmp/$id ".annotations = {\"io.hotmem.size\": \"1Gi\", \"run.oci.hooks.stderr\": \"/hmout/hooks.err\"} | .linux.cgroupsPath = \"/$id\""
rm -f $HM_OUT/hooks.err
if crun run --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null; then
	hm_fail "crun run succeeded"
fi
cat $HM_OUT/$id.out $HM_OUT/hooks.err
[ "$(wc -l < $HM_OUT/hooks.err)" = 1 ] || hm_fail "not one line from the hook"
grep -q "^hotmem-hook: $id: needs 1073741824 bytes = 8 blocks of 128 MiB, only [0-9]* offline hot-plugged blocks available" \
	$HM_OUT/hooks.err || hm_fail "the hook's message is not in run.oci.hooks.stderr"
grep -q "error executing hook .* (exit code: 5)" $HM_OUT/$id.out || hm_fail "crun did not report the exit code"
! crun state $id > /dev/null 2>&1 || hm_fail "the container exists"
[ ! -d $HM_CGROOT/$id ] || hm_fail "its cgroup exists"
hm_expect_clean $blocks
exit 0
