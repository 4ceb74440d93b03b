#!/bin/sh
# Benchmark of hotmem-hook (hotmem kernel only; the vanilla run has no hook):
#   - a container's start-to-exit (`crun run`, 64 MiB limit) with the hook in
#     config.json and without, alternating, 9 runs each, for two workloads:
#     /bin/true (nothing but the container's start and stop: the hook's worst
#     case) and a small function that faults 48 MiB and exits;
#   - the hook's release of a used block at poststop (its own timing line)
#     against offlining a never-used block, warm and cold (01-reclaim.sh).
# Output: "BENCH <key> <value>" lines (medians, ns); tests/tools/bench.sh
# turns them into ratios.
. /hotmem/lib/testlib.sh
bench() { echo "BENCH $1 $2"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
[ -e $HM_SYSMEM/memory0/hotplug_owner ] || { echo "# no hotmem kernel: no hook benchmark"; exit 0; }
before=$(hm_blocks | tr '\n' ' ')
hm_req vmem-resize 1024 > /dev/null || hm_fail "virtio-mem did not grow"
hm_wait "[ \$(hm_new_blocks \"$before\" | wc -w) -ge 8 ]" 30 || hm_fail "no new blocks"
new=$(hm_new_blocks "$before")
trap 'for n in $new; do [ "$(cat $HM_SYSMEM/memory$n/state)" = online ] && echo offline > $HM_SYSMEM/memory$n/state; done; hm_req vmem-resize 0 > /dev/null' EXIT

: > /hmout/bench-hooks.log
for w in true fn; do
	# the container's command (not "$args": hm_bundle sets that variable)
	case $w in
	true) cmd=/bin/true ;;
	fn)   cmd="/bin/hm-alloc 48 0" ;;
	esac
	hm_bundle /tmp/plain-$w $cmd || hm_fail "bundle"
	hm_bundle_set /tmp/plain-$w ".linux.resources.memory.limit = $((64 << 20))"
	hm_hook_bundle /tmp/hooked-$w $cmd || hm_fail "bundle"
	hm_bundle_set /tmp/hooked-$w ".linux.resources.memory.limit = $((64 << 20)) |
		.annotations[\"run.oci.hooks.stderr\"] = \"/hmout/bench-hooks.log\""
	: > /hmout/plain-$w.ns
	: > /hmout/hooked-$w.ns
	for i in 1 2 3 4 5 6 7 8 9; do
		for kind in plain hooked; do
			t0=$(hm-now)
			crun run --bundle /tmp/$kind-$w bench-$kind-$w-$i < /dev/null > /dev/null 2> /hmout/crun.err ||
				hm_fail "crun run $kind-$w $i: $(tail -n 2 /hmout/crun.err) $(tail -n 2 /hmout/bench-hooks.log)"
			echo $(( $(hm-now) - t0 )) >> /hmout/$kind-$w.ns
		done
	done
done
bench plain_run_ns "$(median < /hmout/plain-true.ns)"
bench hook_run_ns "$(median < /hmout/hooked-true.ns)"
bench plain_fn_run_ns "$(median < /hmout/plain-fn.ns)"
bench hook_fn_run_ns "$(median < /hmout/hooked-fn.ns)"
[ "$(grep -c 'released 1 blocks' /hmout/bench-hooks.log)" = 18 ] || hm_fail "hook did not release 18 times"
bench hook_release_ns "$(sed -n 's/.*released 1 blocks of .* in \([0-9.]*\) ms/\1/p' /hmout/bench-hooks.log |
	awk '{ printf "%d\n", $1 * 1000000 }' | median)"

# never-used blocks, one at a time, as the hook releases one per container:
# right after onlining (warm) and after a pause (cold; see 01-reclaim.sh)
: > /hmout/warm.ns
: > /hmout/cold.ns
for n in $new; do
	[ "$(cat $HM_SYSMEM/memory$n/state)" = offline ] || continue
	for ref in warm cold; do
		echo online_movable > $HM_SYSMEM/memory$n/state || hm_fail "online memory$n"
		[ $ref = warm ] || sleep 1
		r=$(hm-timed-write $HM_SYSMEM/memory$n/state offline) || hm_fail "offline memory$n: $r"
		echo "$r" | sed -n 's/.*ns=\([0-9]*\).*/\1/p' >> /hmout/$ref.ns
	done
done
bench empty_offline1_warm_ns "$(median < /hmout/warm.ns)"
bench empty_offline1_cold_ns "$(median < /hmout/cold.ns)"
exit 0
