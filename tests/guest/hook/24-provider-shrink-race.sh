#!/bin/sh
# A poststop's shrink does not take the memory another container's create
# is waiting for.  Container P holds a block; container C's create finds no
# free block, drops the ledger lock and has the provider plug one (the
# provider here is hotmem-provider behind a wrapper that waits 4 s after
# C's grow, holding C between the plug and its claim); meanwhile P is
# deleted: its poststop releases P's block and asks the provider to shrink
# by the free blocks that no waiting claim counts on.  Two blocks are free
# at that moment, and C's pending grow counts on one: only one may go.  C
# must still find its block, start, and virtio-mem must end at C's one
# block, then at 0 after C is deleted.
. /hotmem/lib/testlib.sh
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
[ -z "$(hm_blocks offline)" ] || hm_fail "unexpected offline blocks: $(hm_blocks offline)"
bs=$(hm_block_size)
[ "$bs" = $((128 << 20)) ] || hm_fail "this test assumes 128 MiB blocks, not $bs"
cleanup() {
	crun delete -f hm-race-c >/dev/null 2>&1
	crun delete -f hm-race-p >/dev/null 2>&1
	hm_req vmem-resize 0 >/dev/null
}
trap cleanup EXIT
cat > /tmp/slow-provider <<EOS
#!/bin/sh
$HM_PROVIDER "\$@"
rc=\$?
[ "\$1" = grow ] && [ "\$3" = hm-race-c ] && sleep 4
exit \$rc
EOS
chmod 0755 /tmp/slow-provider
for id in hm-race-p hm-race-c; do
	hm_provider_bundle /tmp/$id $id 300 /bin/sleep 1000 || hm_fail "bundle $id"
	hm_bundle_set /tmp/$id '.annotations["io.hotmem.size"] = "100Mi" |
		.hooks.createRuntime[0].env[0] = "HOTMEM_CONFIG=/tmp/race.conf" |
		.hooks.poststop[0].env[0] = "HOTMEM_CONFIG=/tmp/race.conf"'
done
printf 'provider = /tmp/slow-provider\nprovider_timeout = 60\nhook_timeout = 90\n' > /tmp/race.conf
crun run -d --bundle /tmp/hm-race-p hm-race-p > $HM_OUT/race-p.out 2>&1 < /dev/null ||
	{ cat $HM_OUT/race-p.out $HM_OUT/hooks.err; hm_fail "crun run hm-race-p"; }
[ "$(hm_req vmem-size)" = $bs ] || hm_fail "P's create did not plug one block: $(hm_req vmem-size)"
rm -f /tmp/race-c.rc
( crun run -d --bundle /tmp/hm-race-c hm-race-c > $HM_OUT/race-c.out 2>&1 < /dev/null
  echo $? > /tmp/race-c.rc ) &
cpid=$!
# C's block is plugged; its provider is still running (the wrapper's wait)
hm_wait "[ \"\$(hm_req vmem-size)\" = $((2 * bs)) ]" 60 || hm_fail "C's create did not plug a block"
[ ! -e /tmp/race-c.rc ] || hm_fail "C's create ended before P's delete: the test did not race"
crun delete -f hm-race-p || { cat $HM_OUT/hooks.err; hm_fail "crun delete hm-race-p"; }
[ ! -e /tmp/race-c.rc ] || hm_fail "C's create ended during P's delete: the test did not race"
hm_log "P deleted while C waited for its block: virtio-mem $(hm_req vmem-size) bytes"
wait $cpid
rc=$(cat /tmp/race-c.rc)
[ "$rc" = 0 ] || { cat $HM_OUT/race-c.out; tail -n 12 $HM_OUT/hooks.err; hm_fail "C's create failed (crun exit $rc)"; }
cg=$(hm_container_cgroup hm-race-c) || hm_fail "no cgroup for hm-race-c"
[ "$(grep -c '^[0-9]* size=' $cg/memory.hotplug.blocks)" = 1 ] ||
	hm_fail "C has not one bound block: $(cat $cg/memory.hotplug.blocks)"
[ "$(hm_req vmem-size)" = $bs ] || hm_fail "virtio-mem is $(hm_req vmem-size) bytes, expected C's one block"
crun delete -f hm-race-c || { cat $HM_OUT/hooks.err; hm_fail "crun delete hm-race-c"; }
hm_wait "[ \"\$(hm_req vmem-size)\" = 0 ]" 30 || hm_fail "virtio-mem not back to 0: $(hm_req vmem-size)"
[ "$(hm_records)" = 0 ] || hm_fail "ledger not empty: $(ls $HM_LEDGER)"
exit 0
