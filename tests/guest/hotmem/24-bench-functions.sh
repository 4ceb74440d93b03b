#!/bin/sh
# The end-to-end benchmark's programs as its hotmem configuration runs
# them: each function (hm-fn-html, hm-fn-bfs, hm-fn-dense: 64 MiB, then 3 s of work)
# in its own cgroup with one bound 128 MiB block does work (ops > 0) and
# its memory lies in its block (memory.stat hotplug_used >= 64 MiB while it
# runs, nothing of it outside: anon not above hotplug_used + 4 MiB); the
# neighbour (hm-neighbour) answers every request of a 2 s client at 50/s
# and reports its latency percentiles.
. /hotmem/lib/testlib.sh
hm_plug_dimm 512 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
set -- $blocks
nbpid=
cleanup() {
	for k in html bfs dense; do
		eval "p=\${pid_$k:-}"
		[ -n "$p" ] && kill $p 2>/dev/null && wait $p 2>/dev/null
	done
	[ -n "$nbpid" ] && kill $nbpid 2>/dev/null && wait $nbpid 2>/dev/null
	for k in html bfs dense; do rmdir $HM_CGROOT/hm-fn-$k 2>/dev/null; done
	hm_unplug_dimm $HM_DIMM $blocks
}
trap cleanup EXIT
i=0
for k in html bfs dense; do
	i=$((i + 1))
	cg=$HM_CGROOT/hm-fn-$k
	mkdir -p $cg
	eval "b=\$$i"
	echo "+$b" > $cg/memory.hotplug || hm_fail "bind memory$b to $cg"
	hm_start_in $cg $HM_OUT/fn-$k.out hm-fn-$k 64 3
	eval "pid_$k=$!"
done
for k in html bfs dense; do
	cg=$HM_CGROOT/hm-fn-$k
	hm_wait "grep -q ready $HM_OUT/fn-$k.out" 120 || hm_fail "hm-fn-$k did not get ready: $(cat $HM_OUT/fn-$k.out)"
	used=$(hm_cg_stat $cg hotplug_used) anon=$(hm_cg_stat $cg anon)
	[ "$used" -ge $((64 << 20)) ] || { cat $cg/memory.hotplug.blocks; hm_fail "hm-fn-$k: only $used bytes in its block"; }
	[ "$anon" -le $((used + (4 << 20))) ] || hm_fail "hm-fn-$k: anon $anon bytes, $used of them in its block"
done
for k in html bfs dense; do
	eval "wait \$pid_$k" || hm_fail "hm-fn-$k failed: $(cat $HM_OUT/fn-$k.out)"
	cat $HM_OUT/fn-$k.out
	grep -Eq '^done ops=[1-9][0-9]* ' $HM_OUT/fn-$k.out || hm_fail "hm-fn-$k did no work"
done
hm_log "functions: each one's 64 MiB in its bound block, each did work"

hm-neighbour serve /tmp/hm-nb.sock 64 > $HM_OUT/nb.out 2>&1 &
nbpid=$!
hm_wait "grep -q ready $HM_OUT/nb.out" 60 || hm_fail "hm-neighbour did not start: $(cat $HM_OUT/nb.out)"
hm-neighbour client /tmp/hm-nb.sock 50 2 > $HM_OUT/nbc.out || hm_fail "hm-neighbour client failed"
tail -n 1 $HM_OUT/nbc.out
n=$(grep -c '^[0-9]* [0-9]*$' $HM_OUT/nbc.out)
[ "$n" -ge 95 ] && [ "$n" -le 101 ] || hm_fail "$n requests answered in 2 s at 50/s"
grep -Eq '^# requests=[0-9]+ p50_ns=[1-9][0-9]* p99_ns=[1-9][0-9]* max_ns=[1-9]' $HM_OUT/nbc.out ||
	hm_fail "no latency summary: $(tail -n 1 $HM_OUT/nbc.out)"
hm_log "neighbour: $n requests answered"
exit 0
