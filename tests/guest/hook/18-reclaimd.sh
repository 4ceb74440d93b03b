#!/bin/sh
# hotmem-reclaimd, run as the installed unit's ExecStart says (the test VM
# has no systemd), releases a container's blocks when its processes are
# gone, without `crun delete`:
#   0. while it waits it keeps CAP_SYS_ADMIN permitted only, under
#      no_new_privs and seccomp, and its provider spawner keeps nothing;
#   1. a container that exits on its own and is not deleted: its block is
#      offline and unbound and its record gone within 10 s, the provider is
#      asked to shrink by the free blocks (the DIMM's four: no claim waits
#      for any); `crun delete` (poststop) then finds
#      nothing to do and succeeds, and asks for no second shrink;
#   2. kill -9 the daemon, create a container while none runs, restart it:
#      it watches that container from the ledger, and releases it when it
#      exits after the restart;
#   3. a container that outgrows its one block (memory limit 300 MiB, 100Mi
#      asked, 128 MiB blocks) gets a second one instead of an OOM kill;
#   4. one that would need a third block, above its memory limit, is not
#      given it (the pool stays at two blocks, the OOM kill stays).
. /hotmem/lib/testlib.sh
unit=/usr/local/lib/systemd/system/hotmem-reclaimd.service
[ -f $unit ] || hm_fail "make install did not install $unit"
cmd=$(sed -n 's/^ExecStart=//p' $unit)
[ -n "$cmd" ] && [ -x "${cmd%% *}" ] || hm_fail "ExecStart '$cmd' of $unit is not executable"
hm_plug_dimm 512 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
bs=$(hm_block_size)
[ "$bs" = $((128 << 20)) ] || hm_fail "this test assumes 128 MiB blocks, not $bs"
log=$HM_OUT/reclaimd.log
plog=$HM_OUT/rcd-provider.log
: > $log
: > $plog
cat > /tmp/rcd-provider.sh <<PROV
#!/bin/sh
echo "provider: \$*" >> $plog
PROV
chmod +x /tmp/rcd-provider.sh
printf 'provider = /tmp/rcd-provider.sh\n' > /tmp/rcd.conf
rpid=
start_rcd() {
	HOTMEM_CONFIG=/tmp/rcd.conf $cmd --interval 200 >> $log 2>&1 &
	rpid=$!
	hm_wait "[ \$(grep -c 'watching the ledger' $log) -ge $1 ]" 10 ||
		{ cat $log; hm_fail "hotmem-reclaimd did not start"; }
}
cleanup() {
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	for c in 1 2 3 4; do crun delete -f hm-rcd-$c >/dev/null 2>&1; done
	hm_unplug_dimm $HM_DIMM $blocks
}
trap cleanup EXIT
# bundle ID SIZE LIMIT_MIB ARGS...: a hook bundle whose hooks read /tmp/rcd.conf
bundle() {
	_id=$1 _size=$2 _lim=$3; shift 3
	hm_hook_bundle /tmp/$_id "$@" || hm_fail "bundle $_id"
	hm_bundle_set /tmp/$_id ".annotations[\"io.hotmem.size\"] = \"$_size\" |
		.linux.resources.memory.limit = $((_lim << 20)) | .linux.cgroupsPath = \"/$_id\" |
		.hooks.createRuntime[0].env = [\"HOTMEM_CONFIG=/tmp/rcd.conf\", \"PATH=$PATH\"] |
		.hooks.poststop[0].env = [\"HOTMEM_CONFIG=/tmp/rcd.conf\", \"PATH=$PATH\"]"
}
run() {
	crun run -d --bundle /tmp/$1 $1 > $HM_OUT/$1.out 2>&1 < /dev/null ||
		{ cat $HM_OUT/$1.out $HM_OUT/hooks.err; hm_fail "crun run $1"; }
}
stopped() { [ "$(crun state $1 2>/dev/null | jq -r .status)" = stopped ]; }
# released ID: its record is gone within 10 s of its exit
released() {
	hm_wait "stopped $1" 60 || hm_fail "$1 did not exit: $(cat $HM_OUT/$1.out)"
	t0=$(date +%s)
	hm_wait "! [ -e $HM_LEDGER/$1.rec ]" 10 ||
		{ cat $log; hm_fail "$1's blocks not released 10 s after it exited: $(cat $HM_LEDGER/$1.rec)"; }
	hm_log "$1: released $(( $(date +%s) - t0 )) s after crun saw it stopped"
	[ -z "$(cat $HM_CGROOT/$1/memory.hotplug)" ] || hm_fail "$1's cgroup still has blocks"
	grep -q "$1: container exited (cgroup /$1: populated 0): releasing" $log ||
		{ cat $log; hm_fail "no reclaimd line naming $1 and the cause"; }
}

# 1. exit without delete
start_rcd 1
# least privilege while it waits: CAP_SYS_ADMIN permitted only, nothing
# effective, an empty bounding set, no_new_privs, seccomp, and the spawner
# (its child) with no capability at all
st=/proc/$rpid/status
grep -q "CapEff:	0000000000000000" $st || hm_fail "reclaimd has an effective capability: $(grep Cap $st)"
grep -q "CapPrm:	0000000000200000" $st || hm_fail "reclaimd permitted set: $(grep CapPrm $st)"
grep -q "CapBnd:	0000000000000000" $st || hm_fail "reclaimd bounding set not empty"
grep -q "NoNewPrivs:	1" $st || hm_fail "reclaimd without no_new_privs"
grep -q "Seccomp:	2" $st || hm_fail "reclaimd without a seccomp filter"
spawner=$(grep -l "^PPid:	$rpid\$" /proc/[0-9]*/status 2>/dev/null)
[ "$(echo $spawner | wc -w)" = 1 ] || hm_fail "expected one provider spawner under reclaimd: '$spawner'"
grep -q "CapPrm:	0000000000000000" $spawner || hm_fail "the spawner keeps capabilities"
bundle hm-rcd-1 100Mi 100 /bin/hm-alloc 16 4
run hm-rcd-1
[ "$(grep -c '^[0-9]* size=' $HM_CGROOT/hm-rcd-1/memory.hotplug.blocks)" = 1 ] || hm_fail "hm-rcd-1 got no block"
released hm-rcd-1
hm_all_free $blocks || hm_fail "blocks not free after hm-rcd-1 exited"
crun state hm-rcd-1 > /dev/null || hm_fail "hm-rcd-1 was deleted, not just stopped"
grep -q "^provider: shrink $(( $(echo $blocks | wc -w) * bs )) hm-rcd-1\$" $plog ||
	{ cat $plog; hm_fail "provider not asked to shrink by the free blocks"; }
: > $HM_OUT/hooks.err
crun delete hm-rcd-1 || { cat $HM_OUT/hooks.err; hm_fail "crun delete after the release"; }
cat $HM_OUT/hooks.err
grep -q "hm-rcd-1: no blocks recorded; nothing to release" $HM_OUT/hooks.err ||
	hm_fail "poststop did not find the release done"
[ "$(grep -c "shrink .* hm-rcd-1\$" $plog)" = 1 ] || { cat $plog; hm_fail "shrunk twice"; }

# 2. restart: the watch list comes from the ledger
kill -9 $rpid
wait $rpid 2>/dev/null
rpid=
bundle hm-rcd-2 100Mi 100 /bin/hm-alloc 16 8
run hm-rcd-2
[ -e $HM_LEDGER/hm-rcd-2.rec ] || hm_fail "no record for hm-rcd-2"
start_rcd 2
grep -q "hm-rcd-2: watching cgroup /hm-rcd-2" $log || { cat $log; hm_fail "restarted daemon does not watch hm-rcd-2"; }
stopped hm-rcd-2 && hm_fail "hm-rcd-2 exited before the restart was done: the test proves nothing"
released hm-rcd-2
crun delete hm-rcd-2 || hm_fail "crun delete hm-rcd-2"

# 3. grow instead of an OOM kill
bundle hm-rcd-3 100Mi 300 /bin/hm-ramp 200 4 200
run hm-rcd-3
released hm-rcd-3
cat $HM_OUT/hm-rcd-3.out | tail -n 2
grep -q "^done 200" $HM_OUT/hm-rcd-3.out || { cat $log; hm_fail "hm-rcd-3 did not get to 200 MiB"; }
grep -q "hm-rcd-3: grew by block" $log || hm_fail "no grow logged for hm-rcd-3"
oomk=$(awk '$1 == "oom_kill" { print $2 }' $HM_CGROOT/hm-rcd-3/memory.events)
[ "$oomk" = 0 ] || hm_fail "hm-rcd-3 saw $oomk OOM kills"
crun delete hm-rcd-3 || hm_fail "crun delete hm-rcd-3"

# 4. not beyond the memory limit: two blocks (256 MiB) fit 300 MiB, three do not
bundle hm-rcd-4 100Mi 300 /bin/hm-ramp 290 4 200
run hm-rcd-4
released hm-rcd-4
grep -q "^done" $HM_OUT/hm-rcd-4.out && hm_fail "hm-rcd-4 got 290 MiB under a 300 MiB limit with 256 MiB of blocks"
[ "$(grep -c 'hm-rcd-4: grew by block' $log)" = 1 ] || { cat $log; hm_fail "hm-rcd-4 not grown exactly once"; }
grep -q "hm-rcd-4: not grown (.*): another block would exceed memory.max" $log ||
	{ cat $log; hm_fail "no 'not grown' line for hm-rcd-4"; }
crun delete hm-rcd-4 || hm_fail "crun delete hm-rcd-4"
cat $log
kill $rpid
wait $rpid 2>/dev/null
rpid=
hm_expect_clean $blocks
exit 0
