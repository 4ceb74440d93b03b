#!/bin/sh
# The provider: with no offline block available, the hook asks the
# configured provider to grow memory.  The test's provider asks the VMM
# (QMP, via the same request channel as the tests) to grow virtio-mem; the
# new blocks appear offline, the hook binds one and the container runs.
# After the container is deleted the hook calls the provider to shrink by
# the one block it released, and
# virtio-mem gives the released memory back to the VMM.
. /hotmem/lib/testlib.sh
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
cat > /tmp/provider.sh <<'PROV'
#!/bin/sh
# hotmem provider for the test VM: grow|shrink BYTES ID
. /hotmem/lib/testlib.sh
echo "provider: $*" >> /hmout/provider.log
bs=$(hm_block_size)
cur=$(hm_req vmem-size) || exit 1
case $1 in
grow)	hm_req vmem-resize $(( (cur + $2 + bs - 1) / bs * bs >> 20 )) > /dev/null ;;
shrink)	free=0
	for n in $(hm_blocks offline); do
		[ "$(cat $HM_SYSMEM/memory$n/hotplug_owner)" = unbound ] && free=$((free + 1))
	done
	new=$(( cur - free * bs )); [ $new -ge 0 ] || new=0
	hm_req vmem-resize $(( new >> 20 )) > /dev/null ;;
*)	exit 2 ;;
esac
PROV
chmod +x /tmp/provider.sh
printf 'provider = /tmp/provider.sh\nprovider_timeout = 30\nhook_timeout = 60\n' > /tmp/provider.conf
: > /hmout/provider.log
id=hm-provider
trap 'crun delete -f $id >/dev/null 2>&1; hm_req vmem-resize 0 >/dev/null' EXIT
offline_before=$(hm_blocks offline | wc -l)
hm_hook_bundle /tmp/$id /bin/hm-alloc 16 || hm_fail "bundle"
hm_bundle_set /tmp/$id ".linux.resources.memory.limit = $((100 << 20)) | .linux.cgroupsPath = \"/$id\" |
	.hooks.createRuntime[0].env = [\"HOTMEM_CONFIG=/tmp/provider.conf\", \"PATH=$PATH\"] |
	.hooks.poststop[0].env = [\"HOTMEM_CONFIG=/tmp/provider.conf\", \"PATH=$PATH\"] |
	.hooks.createRuntime[0].timeout = 60 | .hooks.poststop[0].timeout = 60"
# No offline block exists before (each test unplugs what it plugged), so
# the hook must ask the provider.
[ "$offline_before" = 0 ] || hm_fail "unexpected offline blocks: $(hm_blocks offline)"
crun run -d --bundle /tmp/$id $id > $HM_OUT/$id.out 2>&1 < /dev/null || { cat $HM_OUT/$id.out $HM_OUT/hooks.err; hm_fail "crun run"; }
cat /hmout/provider.log
grep -q "^provider: grow 104857600 $id" /hmout/provider.log || hm_fail "provider not asked to grow"
size=$(hm_req vmem-size)
[ "$size" -ge $((128 << 20)) ] || hm_fail "virtio-mem did not grow: $size"
cg=$(hm_container_cgroup $id)
[ "$(wc -l < $cg/memory.hotplug)" = 1 ] || hm_fail "no block bound after growing"
crun kill $id KILL
hm_wait "[ \"\$(crun state $id | jq -r .status)\" = stopped ]" 30 || hm_fail "container did not stop"
crun delete $id || hm_fail "crun delete"
cat /hmout/provider.log
grep -q "^provider: shrink $(hm_block_size) $id" /hmout/provider.log || hm_fail "provider not asked to shrink"
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not given back: $(hm_req vmem-size)"
[ "$(hm_records)" = 0 ] || hm_fail "ledger not empty"
exit 0
