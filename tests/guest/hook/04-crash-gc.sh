#!/bin/sh
# Crash safety: the hook SIGKILLed right after each of its steps (fault
# injection, HOTMEM_DEBUG_KILL_AT: the test build) leaves a state that `hotmem-hook gc`
# repairs: no block leaked, none given to two containers, the ledger empty.
# A gc that runs while a killed hook's container is still alive keeps that
# container's blocks.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
trap 'hm_fake_container_stop hm-crash; hm_unplug_dimm $HM_DIMM $blocks' EXIT
id=hm-crash
for point in claim-recorded claim-bound claim-done; do
	hm_fake_container $id 100M
	hm_state $id $HM_CPID /tmp/$id | HOTMEM_DEBUG_KILL_AT=$point $HM_HOOK_TEST createRuntime
	rc=$?
	[ $rc = 137 ] || hm_fail "hook killed at $point exited $rc"
	hm_log "killed at $point: ledger $(ls $HM_LEDGER | tr '\n' ' ')"
	[ "$(hm_records)" = 1 ] || hm_fail "killed at $point: the ledger does not record the claim"
	if [ $point = claim-done ]; then
		# The container lives on: gc must not take its block.
		$HM_HOOK gc || hm_fail "gc"
		grep -q "^[0-9]* size=" $HM_CGROOT/$id/memory.hotplug.blocks || hm_fail "gc took a live container's block"
	fi
	# crun kills a container whose create hook failed and removes its cgroup.
	hm_fake_container_stop $id
	$HM_HOOK gc 2> $HM_OUT/gc.err || { cat $HM_OUT/gc.err; hm_fail "gc after $point"; }
	cat $HM_OUT/gc.err
	hm_expect_clean $blocks
done
for point in release-recorded release-block; do
	hm_fake_container $id 200M
	hm_state $id $HM_CPID /tmp/$id | $HM_HOOK createRuntime || hm_fail "create"
	hm_fake_container_stop $id
	hm_state $id 0 /tmp/$id | HOTMEM_DEBUG_KILL_AT=$point $HM_HOOK_TEST poststop
	rc=$?
	[ $rc = 137 ] || hm_fail "hook killed at $point exited $rc"
	$HM_HOOK gc 2> $HM_OUT/gc.err || { cat $HM_OUT/gc.err; hm_fail "gc after $point"; }
	cat $HM_OUT/gc.err
	hm_expect_clean $blocks
	# poststop again for the same container: nothing to do, success
	hm_state $id 0 /tmp/$id | $HM_HOOK poststop || hm_fail "second poststop"
done
exit 0
