#!/bin/bash
# `make bench`: the reclaim benchmark (tests/guest/bench/) on the hotmem and
# the vanilla kernel, each in its own VM of the same shape.  Under TCG absolute
# times mean little, so everything is reported as a ratio of two times
# measured in the same VM, then compared across kernels:
#   vanilla / hotmem : reclaim times (target >= 50), and of the normalised
#                      ones below
#   reclaim / empty  : reclaiming the three functions' memory vs offlining
#                      three never-used blocks, right after onlining them
#                      (warm), after a pause (cold), and after the reclaim in
#                      its conditions (after) (hotmem target <= 1.5)
# and pages migrated (hotmem target: 0); and for hotmem-hook (02-hook.sh):
#   hook / plain     : container start-to-exit with and without the hook (<= 1.10),
#                      with address space randomisation and without (QEMU's
#                      TCG translates randomly placed code again in every
#                      process; see 02-hook.sh), next to the same ratio for a
#                      hook that does nothing and the hook processes' own times
#   release / empty  : the hook's poststop release vs offlining a never-used
#                      block (<= 1.5)
# and the allocator hooks' cost to a task whose cgroup has no binding
# (03-unbound-cost.sh): fault and free throughput with another cgroup
# bound / with nothing bound (medians of alternating runs, >= 0.98), and
# against the vanilla kernel.  And the reclaim sweep (05-reclaim-sweep.sh,
# default command line only): 0.5, 1 and 2 GiB given back through
# virtio-mem and hotmem-vmm while four functions keep running, hotmem
# against vanilla (virtio-mem alone, or the guest offlining blocks first)
# and against unplugging never-used memory; tests/tools/bench-sweep.py
# prints its table and a line per target (met or not met).  Last, the
# serverless trace replay (tests/guest/replay/): the same trace, two seeds,
# on four VMs of the same shape (static over-provisioning, vanilla +
# virtio-mem, vanilla + block offline: the vanilla kernel; hotmem-hook +
# hotmem-vmm: the hotmem kernel), with QEMU's resident memory sampled;
# tests/tools/bench-replay.py prints its tables and target lines and
# writes the raw CSVs and plots.
#
# Every guest runs under QEMU TCG (run-vm.py: accel=tcg); the harness never
# uses KVM, so no result depends on whether /dev/kvm works.
#
# BENCH_PARTS (default "mechanism replay") picks the parts: "mechanism" is
# tests/guest/bench in the two kernels' VMs (with the sweep), "replay" the
# trace replay.  BENCH_RUNS=N (default 1) repeats all of it N times, each run in
# build/bench/run-<i>/ (report.md and the raw BENCH lines), and then
# tests/tools/bench-summary.py writes build/bench/summary.md: each figure's
# median, min and max over the runs, each computed within its run.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${HOTMEM_BUILD:-$top/build}
parts=" ${BENCH_PARTS:-mechanism replay} "
case $parts in *" mechanism "*|*" replay "*) ;; *) echo "bench: BENCH_PARTS names no part (mechanism, replay)" >&2; exit 2 ;; esac
if [ -z "${HOTMEM_BENCH_OUT:-}" ]; then
	runs=${BENCH_RUNS:-1}
	case $runs in ''|*[!0-9]*|0) echo "bench: BENCH_RUNS must be a positive number" >&2; exit 2 ;; esac
	rm -rf "$build/bench"
	mkdir -p "$build/bench"
	for i in $(seq 1 "$runs"); do
		echo "=== make bench: run $i of $runs ($(sed -n "s/^model name[[:space:]]*: //p" /proc/cpuinfo | head -n 1), $(nproc) CPUs; guests under QEMU TCG)"
		HOTMEM_BENCH_OUT=$build/bench/run-$i "$0" || exit 1
	done
	case $parts in
	*" mechanism "*) python3 "$top/tests/tools/bench-summary.py" "$build/bench"/run-* | tee "$build/bench/summary.md" ;;
	esac
	exit 0
fi
out=$HOTMEM_BENCH_OUT
mkdir -p "$out"

: > "$out/report.md"

# Twice: with the kernel's defaults, and with rcupdate.rcu_expedited=1 (the
# first memory online/offline after a pause waits for an RCU grace period,
# which dominates the hook's and the never-used offline's times under TCG).
modes=
case $parts in *" mechanism "*) modes="default expedited" ;; esac
for mode in $modes; do
	case $mode in
	default)   append= ;;
	expedited) append=rcupdate.rcu_expedited=1 ;;
	esac
	for v in hotmem vanilla; do
		echo "=== bench on the $v kernel ($mode)"
		python3 "$top/tests/vm/run-vm.py" --name "$v" --kernel "$build/out/$v/bzImage" \
			--initrd "$build/out/$v/initramfs.cpio" --suites bench --timeout 2400 --vmem-max 3G \
			--append "$append" --log "$out/vm-$v-$mode.log" --rss-csv "$out/rss-$v-$mode.csv" \
			--demo | tee "$out/$v-$mode.txt" || exit 1
	done
	python3 - "$out" "$mode" "$append" <<'PY' || exit 1
import sys
out, mode, append = sys.argv[1:4]
vals = {}
for v in ("hotmem", "vanilla"):
    d = {}
    for line in open(f"{out}/{v}-{mode}.txt"):
        w = line.split()
        if len(w) == 3 and w[0] == "BENCH":
            d[w[1]] = w[2]
    vals[v] = d

def f(v, k):
    return float(vals[v][k])

rows = []
norm = {}
refs = ("warm", "cold", "after")
for v in ("hotmem", "vanilla"):
    norm[v] = {r: f(v, "reclaim_ns") / f(v, f"empty_offline_{r}_ns") for r in refs}
    rows.append((v, f(v, "reclaim_ns") / 1e6, int(f(v, "reclaim_migrated")),
                 *[f(v, f"empty_offline_{r}_ns") / 1e6 for r in refs],
                 int(f(v, "empty_offline_after_migrated")), *[norm[v][r] for r in refs]))
report = [
    "| kernel | reclaim 3 blocks (ms, TCG) | pages migrated | offline 3 never-used blocks, warm / cold / after (ms, TCG) | stray pages migrated (after) | reclaim / never-used, warm / cold / after |",
    "|---|---|---|---|---|---|",
]
report += [f"| {r[0]} | {r[1]:.1f} | {r[2]} | {r[3]:.1f} / {r[4]:.1f} / {r[5]:.1f} | {r[6]} | "
           f"{r[7]:.2f} / {r[8]:.2f} / {r[9]:.2f} |" for r in rows]
report += ["",
           "warm: offlined right after onlining, before anything else ran; cold: the same after a 1 s",
           "pause; after: the reclaimed blocks onlined again unused and offlined after a 1 s pause,",
           "with the survivors running (the reclaim's own conditions; on the hotmem kernel, after the",
           "first bind, which stops hotplug waiting for an RCU grace period each time).",
           "",
           f"hotmem reclaims {f('vanilla', 'reclaim_ns') / f('hotmem', 'reclaim_ns'):.0f}x faster than vanilla "
           f"(reclaim times; target >= 50); normalised by each kernel's own never-used offline: "
           f"{norm['vanilla']['warm'] / norm['hotmem']['warm']:.0f}x (warm) / "
           f"{norm['vanilla']['cold'] / norm['hotmem']['cold']:.0f}x (cold) / "
           f"{norm['vanilla']['after'] / norm['hotmem']['after']:.0f}x (after)",
           f"hotmem reclaim / never-used offline: {norm['hotmem']['warm']:.2f} (warm) / "
           f"{norm['hotmem']['cold']:.2f} (cold) / {norm['hotmem']['after']:.2f} (after) (target <= 1.5)",
           f"hotmem pages migrated: {int(f('hotmem', 'reclaim_migrated'))} (target 0)"]
for k in ("fault_bound_ns", "fault_unbound_ns"):
    if k not in vals["hotmem"]:
        break
else:
    tp = f("hotmem", "fault_unbound_ns") / f("hotmem", "fault_bound_ns")
    report.append(f"page-fault throughput bound / unbound: {tp:.2f} (target >= 0.95)")

def runs(v, state):
    return sorted(float(x) for k, x in vals[v].items() if k.startswith(f"cost_{state}_ns_"))

def median(xs):
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

cost = {("hotmem", "bound"): runs("hotmem", "bound"), ("hotmem", "none"): runs("hotmem", "none"),
        ("vanilla", "none"): runs("vanilla", "none")}
online = runs("hotmem", "online")
if all(cost.values()):
    med = {k: median(xs) for k, xs in cost.items()}
    report += ["",
        "| unbound task: page fault + free, ns per page (TCG) | median | min - max | runs |",
        "|---|---|---|---|"]
    for (v, state), label in ((("hotmem", "none"), "hotmem kernel, nothing bound"),
                              (("hotmem", "bound"), "hotmem kernel, another cgroup has a bound block"),
                              (("vanilla", "none"), "vanilla kernel")):
        xs = cost[(v, state)]
        report.append(f"| {label} | {med[(v, state)]:.0f} | {xs[0]:.0f} - {xs[-1]:.0f} | {len(xs)} |")
    if online:
        report.append(f"| hotmem kernel, the same block online movable, not bound | {median(online):.0f} | "
                      f"{online[0]:.0f} - {online[-1]:.0f} | {len(online)} |")
    report += ["",
        f"unbound-path throughput, another cgroup bound / nothing bound (same VM, alternating runs): "
        f"{med[('hotmem', 'none')] / med[('hotmem', 'bound')]:.3f} (target >= 0.98)"
        + (f"; an unbound online block / nothing online: {med[('hotmem', 'none')] / median(online):.3f}"
           if online else ""),
        f"unbound-path throughput, hotmem kernel / vanilla kernel (two VMs): nothing bound "
        f"{med[('vanilla', 'none')] / med[('hotmem', 'none')]:.3f}, another cgroup bound "
        f"{med[('vanilla', 'none')] / med[('hotmem', 'bound')]:.3f}"]
else:
    report += ["", "unbound-path cost: no results (tests/guest/bench/03-unbound-cost.sh)"]
h = vals["hotmem"]
if "hook_run_ns" in h:
    def g(k):
        return float(h[k])
    report += ["",
        "| container start-to-exit through crun (medians) | ASLR on (the default) | ASLR off (closer to a real VM, see 02-hook.sh) |",
        "|---|---|---|"]
    for label, p in (("/bin/true", ""), ("function faulting 48 MiB", "fn_")):
        for name, kind in (("with hotmem-hook / without (target <= 1.10)", "hook"),
                           ("with a null hook / without (crun running two hooks)", "null_hook")):
            report.append(f"| {label}: {name} | "
                          + " | ".join(f"{g(f'{kind}_{p}run_ns{s}') / g(f'plain_{p}run_ns{s}'):.2f}"
                                       for s in ("", "_norand")) + " |")
        report.append(f"| {label}: hotmem-hook processes, createRuntime + poststop (ms) / without the hook (ms) | "
                      + " | ".join(f"{g(f'hook_{p}createRuntime_ns{s}') / 1e6:.1f} + {g(f'hook_{p}poststop_ns{s}') / 1e6:.1f}"
                                   f" / {g(f'plain_{p}run_ns{s}') / 1e6:.0f}"
                                   for s in ("", "_norand")) + " |")
    steps = {
        "createRuntime": (("config", "start: bounding set, paths, hotmem.conf"),
                          ("seccomp", "seccomp filter"),
                          ("state", "parse privileges, state JSON"),
                          ("spec", "config.json, size"),
                          ("lock", "act privileges, ledger lock"),
                          ("gc", "gc pass"),
                          ("cgroup", "cgroup of the pid; cgroup2 mount (remembered; libmount at the first create); memory.hotplug there"),
                          ("pick", "pick free blocks"),
                          ("recorded", "ledger: claiming"),
                          ("bind", "bind: the kernel onlines the block into the cgroup's pool"),
                          ("done", "ledger: bound"),
                          ("exit", "log, clean up")),
        "poststop": (("config", "start: bounding set, paths, hotmem.conf"),
                     ("seccomp", "seccomp filter"),
                     ("state", "parse privileges, state JSON"),
                     ("lock", "act privileges, ledger lock"),
                     ("release-recorded", "ledger: releasing"),
                     ("release-blocks", "release: the kernel offlines the emptied block"),
                     ("release", "ledger: record deleted"),
                     ("gc", "gc pass"),
                     ("exit", "log, clean up")),
    }
    if "trace_createRuntime_config_us" in h:
        report += ["",
            "| /bin/true: hotmem-hook step (medians, ms; HOTMEM_DEBUG_TRACE) | ASLR on | ASLR off |",
            "|---|---|---|"]
        for stage, rows in steps.items():
            for k, label in rows:
                report.append(f"| {stage}: {label} | "
                              + " | ".join(f"{g(f'trace_{stage}_{k}_us{s}') / 1e3:.2f}"
                                           if f'trace_{stage}_{k}_us{s}' in h else "-"
                                           for s in ("", "_norand")) + " |")
            report.append(f"| {stage}: outside main (exec, loading, exit; the process's time less its steps) | "
                          + " | ".join(f"{(g(f'hook_{stage}_ns{s}') / 1e3 - sum(g(f'trace_{stage}_{k}_us{s}') for k, _ in rows if f'trace_{stage}_{k}_us{s}' in h)) / 1e3:.2f}"
                                       for s in ("", "_norand")) + " |")
    report += ["",
        f"hook release of a used block at poststop / offline of a never-used block: "
        f"{g('hook_release_ns') / g('empty_offline1_warm_ns'):.2f} (warm) / "
        f"{g('hook_release_ns') / g('empty_offline1_cold_ns'):.2f} (cold) (target <= 1.5)"]
else:
    report += ["", "hook benchmark: no results (tests/guest/bench/02-hook.sh)"]
report.insert(0, f"### kernel command line: {append or 'defaults'}\n")
text = "\n".join(report)
print(text)
open(f"{out}/report.md", "a").write(text + "\n\n")
PY
	# the reclaim sweep runs with the defaults only (05-reclaim-sweep.sh)
	if [ $mode = default ]; then
		python3 "$top/tests/tools/bench-sweep.py" "$out/hotmem-$mode.txt" "$out/vanilla-$mode.txt" "$out" |
			tee -a "$out/report.md" || exit 1
	fi
done

# The serverless trace replay: one VM per configuration
configs=
case $parts in *" replay "*) configs="static virtiomem offline hotmem" ;; esac
for cfg in $configs; do
	case $cfg in hotmem) v=hotmem ;; *) v=vanilla ;; esac
	echo "=== trace replay: $cfg ($v kernel)"
	python3 "$top/tests/vm/run-vm.py" --name "replay-$cfg" --kernel "$build/out/$v/bzImage" \
		--initrd "$build/out/$v/initramfs.cpio" --suites replay --timeout 1200 --vmem-max 3G \
		--append "hm.replay=$cfg" --log "$out/vm-replay-$cfg.log" --rss-csv "$out/rss-replay-$cfg.csv" \
		--demo > "$out/replay-$cfg.txt"
	rc=$?
	grep -E '^(PASS|FAIL|SKIP) |: [0-9]+ passed|requests=' "$out/replay-$cfg.txt"
	[ $rc = 0 ] || { tail -n 40 "$out/replay-$cfg.txt"; exit 1; }
done
if [ -n "$configs" ]; then
	python3 "$top/tests/tools/bench-replay.py" "$out" | tee -a "$out/report.md" || exit 1
fi
