#!/bin/sh
# Bad input on the real kernel: each case fails with one line on stderr that
# names the container and the cause, the documented exit code, and nothing
# claimed or leaked.
. /hotmem/lib/testlib.sh
hm_plug_dimm 256 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
trap 'hm_fake_container_stop hm-bad; hm_fake_container_stop hm-bad2; hm_unplug_dimm $HM_DIMM $blocks' EXIT
id=hm-bad
hm_fake_container $id 100M
good=$HM_CPID
# case NAME RC REGEX STATE [ENV...]
case_() {
	_name=$1 _rc=$2 _re=$3 _state=$4; shift 4
	printf '%s' "$_state" | env "$@" $HM_HOOK createRuntime 2> $HM_OUT/err > /dev/null
	_got=$?
	hm_log "$_name: exit $_got: $(cat $HM_OUT/err)"
	[ "$_got" = "$_rc" ] || hm_fail "$_name: exit $_got, expected $_rc"
	[ "$(wc -l < $HM_OUT/err)" = 1 ] || hm_fail "$_name: not one line on stderr"
	grep -Eq "$_re" $HM_OUT/err || hm_fail "$_name: message does not match /$_re/"
	hm_expect_clean $blocks
}
case_ truncated 3 '^hotmem-hook: -: malformed state JSON' '{"ociVersion":"1.0.2","id":"hm-bad","sta'
case_ huge 3 'larger than 2097152 bytes' "$(head -c 2200000 /dev/zero | tr '\0' ' ')"
case_ no-id 3 "state JSON has no 'id'" '{"ociVersion":"1.0.2","status":"created","pid":1,"bundle":"/tmp"}'
case_ pid-0 4 "^hotmem-hook: $id: state has no container pid" "$(hm_state $id 0 /tmp/$id)"
sleep 0.01 & dead=$!; wait $dead
case_ dead-pid 4 "^hotmem-hook: $id: container pid $dead is not running" "$(hm_state $id $dead /tmp/$id)"
case_ root-cgroup 4 "container pid $$ is in the root cgroup" "$(hm_state $id $$ /tmp/$id)"
mkdir -p /tmp/nobundle
case_ no-config-json 3 "^hotmem-hook: $id: no config.json in bundle /tmp/nobundle" "$(hm_state $id $good /tmp/nobundle)"
for s in 0 -1 lots 9999999999999999T 64MB 1g 1.2.3; do
	printf '{"annotations":{"io.hotmem.size":"%s"}}' "$s" > /tmp/$id/config.json
	case_ "size-$s" 3 "^hotmem-hook: $id: annotation io.hotmem.size: size '$s' is" "$(hm_state $id $good /tmp/$id)"
done
printf '{"annotations":{"io.hotmem.size":"1Gi"}}' > /tmp/$id/config.json
case_ size-above-all 5 "needs 1073741824 bytes = 8 blocks of 128 MiB, only [0-9]+ offline" "$(hm_state $id $good /tmp/$id)"
printf '{"annotations":{"io.hotmem.size":"100M"}}' > /tmp/$id/config.json

# A corrupt and an old-format record: gc moves them aside, create still works.
mkdir -p $HM_LEDGER
printf 'garbage' > $HM_LEDGER/junk.rec
printf 'hotmem-ledger 0\nid old\nend\n' > $HM_LEDGER/old.rec
hm_state $id $good /tmp/$id | $HM_HOOK createRuntime 2> $HM_OUT/err || { cat $HM_OUT/err; hm_fail "create next to corrupt records"; }
[ -f $HM_LEDGER/junk.corrupt ] && [ -f $HM_LEDGER/old.corrupt ] || hm_fail "corrupt records not moved aside"
rm -f $HM_LEDGER/*.corrupt
# The same id again from another process while bound: refused, nothing changes.
hm_fake_container hm-bad2 100M
other=$HM_CPID
hm_state $id $other /tmp/$id | $HM_HOOK createRuntime 2> $HM_OUT/err
rc=$?
[ $rc = 9 ] && grep -q "already has a 'bound' record" $HM_OUT/err || hm_fail "same id twice: exit $rc $(cat $HM_OUT/err)"
[ -z "$(cat $HM_CGROOT/hm-bad2/memory.hotplug)" ] || hm_fail "second container got blocks: $(cat $HM_CGROOT/hm-bad2/memory.hotplug)"
# A block unplugged underneath: poststop drops it and succeeds.
bound=$(cat $HM_CGROOT/$id/memory.hotplug)
sed -i "s/^blocks .*/blocks $bound 9999/" $HM_LEDGER/$id.rec
hm_fake_container_stop $id
hm_state $id 0 /tmp/$id | $HM_HOOK poststop 2> $HM_OUT/err || { cat $HM_OUT/err; hm_fail "poststop with a vanished block"; }
grep -q "block 9999 vanished" $HM_OUT/err || hm_fail "vanished block not reported"
hm_fake_container_stop hm-bad2
# Two hooks for the same new container at once: one claim, the other refused
# or idempotent, never two.
hm_fake_container $id 100M
hm_state $id $HM_CPID /tmp/$id | $HM_HOOK createRuntime 2> $HM_OUT/twin-1 & t1=$!
hm_state $id $HM_CPID /tmp/$id | $HM_HOOK createRuntime 2> $HM_OUT/twin-2 & t2=$!
wait $t1 $t2
[ "$(wc -w < $HM_CGROOT/$id/memory.hotplug)" = 1 ] || hm_fail "two hooks at once bound $(cat $HM_CGROOT/$id/memory.hotplug)"
hm_fake_container_stop $id
$HM_HOOK gc
hm_expect_clean $blocks
exit 0
