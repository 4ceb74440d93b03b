#!/bin/sh
# Benchmark of hotmem-hook (hotmem kernel only; the vanilla run has no hook).
#
# A container's start-to-exit (`crun run`, 64 MiB limit), RUNS runs of each
# kind, alternating (21: crun's own run time is bimodal under TCG, and with
# 11 the medians of /bin/true moved by 0.1 between runs), for two
# workloads: /bin/true (nothing but the container's start and stop: the
# hook's worst case) and a small function that faults 48 MiB and exits.
# Kinds:
#   plain   no hook
#   hooked  hotmem-hook at createRuntime and poststop (the target's ratio)
#   null    hm-null-hook at both stages: a static hook that only reads its
#           state, i.e. what running two hook processes costs crun itself
#   timed   hotmem-hook behind hm-timed-exec, which logs each hook
#           process's wall time (exec to exit); the end-to-end times are
#           too noisy (crun's own run time is bimodal under TCG) to
#           resolve a few milliseconds, these are not.  With
#           HOTMEM_DEBUG_TRACE=1, so that its steps are timed too (the
#           median of each step, /bin/true only: "trace_..._us" lines)
# All of it twice: with address space randomisation (the default) and
# without (kernel.randomize_va_space=0).  QEMU 7.2's TCG keys translated
# code by virtual address, so each new process whose code is mapped at a
# random address (shared libraries, PIE executables) has its code translated
# again; without randomisation it is translated once.  Hardware
# virtualisation translates nothing, so the second set is the closer model
# of a real VM for short-lived processes such as crun and the hook.
# Then the hook's release of a used block at poststop (its own timing line)
# against offlining a never-used block, warm and cold (as in 01-reclaim.sh).
# Output: "BENCH <key> <value>" lines (medians, ns); tests/tools/bench.sh
# turns them into ratios.
. /hotmem/lib/testlib.sh
RUNS=21
[ -e $HM_SYSMEM/memory0/hotplug_owner ] || { echo "# no hotmem kernel: no hook benchmark"; exit 0; }
aslr=$(cat /proc/sys/kernel/randomize_va_space)
before=$(hm_blocks | tr '\n' ' ')
hm_req vmem-resize 1024 > /dev/null || hm_fail "virtio-mem did not grow"
hm_wait "[ \$(hm_new_blocks \"$before\" | wc -w) -ge 8 ]" 30 || hm_fail "no new blocks"
new=$(hm_new_blocks "$before")
trap 'echo $aslr > /proc/sys/kernel/randomize_va_space
	for n in $new; do [ "$(cat $HM_SYSMEM/memory$n/state)" = online ] && echo offline > $HM_SYSMEM/memory$n/state; done
	hm_req vmem-resize 0 > /dev/null' EXIT

hooklog=/hmout/bench-hooks.log
: > $hooklog
for w in true fn; do
	# the container's command (not "$args": hm_bundle sets that variable)
	case $w in
	true) cmd=/bin/true ;;
	fn)   cmd="/bin/hm-alloc 48 0" ;;
	esac
	limit=".linux.resources.memory.limit = $((64 << 20))"
	hm_bundle /tmp/plain-$w $cmd || hm_fail "bundle"
	hm_bundle_set /tmp/plain-$w "$limit" || hm_fail "bundle"
	hm_hook_bundle /tmp/hooked-$w $cmd || hm_fail "bundle"
	hm_bundle_set /tmp/hooked-$w "$limit | .annotations[\"run.oci.hooks.stderr\"] = \"$hooklog\"" || hm_fail "bundle"
	hm_bundle /tmp/null-$w $cmd || hm_fail "bundle"
	hm_bundle_set /tmp/null-$w "$limit |
		.hooks.createRuntime = [{ \"path\": \"/hotmem/bin/hm-null-hook\" }] |
		.hooks.poststop = [{ \"path\": \"/hotmem/bin/hm-null-hook\" }]" || hm_fail "bundle"
	hm_hook_bundle /tmp/timed-$w $cmd || hm_fail "bundle"
	hm_bundle_set /tmp/timed-$w "$limit | .annotations[\"run.oci.hooks.stderr\"] = \"$hooklog\" |
		.hooks.createRuntime[0] |= { path: \"/hotmem/bin/hm-timed-exec\",
			args: ([\"hm-timed-exec\", \"/hmout/times-$w\", .path] + .args), timeout: .timeout,
			env: [\"HOTMEM_DEBUG_TRACE=1\"] } |
		.hooks.poststop[0] |= { path: \"/hotmem/bin/hm-timed-exec\",
			args: ([\"hm-timed-exec\", \"/hmout/times-$w\", .path] + .args), timeout: .timeout,
			env: [\"HOTMEM_DEBUG_TRACE=1\"] }" || hm_fail "bundle"
done

for va in 2 0; do
	echo $va > /proc/sys/kernel/randomize_va_space || hm_fail "randomize_va_space=$va"
	sfx=; [ $va = 0 ] && sfx=_norand
	for w in true fn; do
		: > /hmout/times-$w
		logstart=$(wc -l < $hooklog)
		for kind in plain hooked null timed; do : > /hmout/$kind-$w.ns; done
		i=0
		while [ $i -lt $RUNS ]; do
			i=$((i + 1))
			for kind in plain hooked null timed; do
				t0=$(hm-now)
				crun run --bundle /tmp/$kind-$w bench-$kind-$w-$va-$i < /dev/null > /dev/null 2> /hmout/crun.err ||
					hm_fail "crun run $kind-$w $i: $(tail -n 2 /hmout/crun.err) $(tail -n 2 $hooklog)"
				echo $(( $(hm-now) - t0 )) >> /hmout/$kind-$w.ns
			done
		done
		p=; [ $w = fn ] && p=fn_
		hm_bench plain_${p}run_ns$sfx "$(hm_median < /hmout/plain-$w.ns)"
		hm_bench hook_${p}run_ns$sfx "$(hm_median < /hmout/hooked-$w.ns)"
		hm_bench null_hook_${p}run_ns$sfx "$(hm_median < /hmout/null-$w.ns)"
		for stage in createRuntime poststop; do
			[ "$(awk -v s=$stage '$2 == 0 && $3 == s' /hmout/times-$w | wc -l)" = $RUNS ] ||
				hm_fail "timed $stage: $(cat /hmout/times-$w)"
			hm_bench hook_${p}${stage}_ns$sfx "$(awk -v s=$stage '$3 == s { print $1 }' /hmout/times-$w | hm_median)"
		done
		[ $w = true ] || continue
		# "trace <step> <us since main>" lines of this batch's timed hook
		# processes, as "<stage> <step> <us of the step>" (a step done
		# twice in a process, e.g. a second release attempt, counts once
		# with both times); a process is a poststop when it has a release
		# step
		tail -n +$((logstart + 1)) $hooklog | awk '
			function flush() {
				for (i = 1; i <= n; i++)
					print (rel ? "poststop" : "createRuntime"), step[i], us[step[i]]
				n = 0; rel = 0; split("", us)
			}
			$1 == "trace" { if ($2 == "main") { flush(); prev = 0 }
				if (!($2 in us)) step[++n] = $2
				us[$2] += $3 - prev; prev = $3
				if ($2 == "release") rel = 1 }
			END { flush() }' > /hmout/steps
		for key in $(awk '{ print $1 "_" $2 }' /hmout/steps | sort -u); do
			[ "$(awk -v k=$key '$1 "_" $2 == k' /hmout/steps | wc -l)" = $RUNS ] ||
				hm_fail "trace $key: $(grep -c . /hmout/steps) steps"
			hm_bench trace_${key}_us$sfx "$(awk -v k=$key '$1 "_" $2 == k { print $3 }' /hmout/steps | hm_median)"
		done
	done
done
echo $aslr > /proc/sys/kernel/randomize_va_space
nrel=$((2 * 2 * 2 * RUNS))
[ "$(grep -c 'released 1 blocks' $hooklog)" = $nrel ] || hm_fail "hook did not release $nrel times"
hm_bench hook_release_ns "$(sed -n 's/.*released 1 blocks of .* in \([0-9.]*\) ms.*/\1/p' $hooklog |
	awk '{ printf "%d\n", $1 * 1000000 }' | hm_median)"

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
		echo "$r" | hm_ns_of >> /hmout/$ref.ns
	done
done
hm_bench empty_offline1_warm_ns "$(hm_median < /hmout/warm.ns)"
hm_bench empty_offline1_cold_ns "$(hm_median < /hmout/cold.ns)"
exit 0
