#!/usr/bin/env python3
"""Summarise several `make bench` runs: each ratio's median, min and max.

    bench-summary.py RUNDIR...

Each RUNDIR holds one run's raw results ({hotmem,vanilla}-{default,expedited}.txt,
the "BENCH key value" lines of tests/guest/bench/).  Every figure is first
computed within its run (a ratio of two times measured in the same VM, or of
the two kernels' VMs of that run), then summarised across runs, so that
commit messages and docs can cite "median (min-max, n runs)".  Prints a
Markdown table per kernel command line mode."""
import importlib.util
import os
import statistics
import sys

_spec = importlib.util.spec_from_file_location(
    "bench_sweep", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-sweep.py"))
sweep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sweep)


def load(path):
    d = {}
    try:
        for line in open(path):
            w = line.split()
            if len(w) == 3 and w[0] == "BENCH":
                d[w[1]] = w[2]
    except FileNotFoundError:
        pass
    return d


def med(xs):
    return statistics.median(xs) if xs else None


def metrics(h, v):
    """Figures of one run (h, v: the hotmem and vanilla kernels' values)."""
    f = {}

    def g(d, k):
        return float(d[k]) if k in d else None

    def put(name, fn):
        try:
            x = fn()
        except (TypeError, ZeroDivisionError, KeyError):
            return
        if x is not None:
            f[name] = x

    refs = ("warm", "cold", "after")
    put("reclaim of 3 blocks, hotmem (ms)", lambda: g(h, "reclaim_ns") / 1e6)
    put("reclaim of 3 blocks, vanilla (ms)", lambda: g(v, "reclaim_ns") / 1e6)
    put("pages migrated by the reclaim, hotmem", lambda: g(h, "reclaim_migrated"))
    put("pages migrated by the reclaim, vanilla", lambda: g(v, "reclaim_migrated"))
    put("speedup vanilla / hotmem, reclaim times", lambda: g(v, "reclaim_ns") / g(h, "reclaim_ns"))
    for r in refs:
        put(f"offline of 3 never-used blocks, {r}, hotmem (ms)", lambda r=r: g(h, f"empty_offline_{r}_ns") / 1e6)
        put(f"offline of 3 never-used blocks, {r}, vanilla (ms)", lambda r=r: g(v, f"empty_offline_{r}_ns") / 1e6)
    for r in refs:
        put(f"hotmem reclaim / never-used offline, {r}",
            lambda r=r: g(h, "reclaim_ns") / g(h, f"empty_offline_{r}_ns"))
    for r in refs:
        put(f"vanilla reclaim / never-used offline, {r}",
            lambda r=r: g(v, "reclaim_ns") / g(v, f"empty_offline_{r}_ns"))
    for r in refs:
        put(f"speedup normalised by each kernel's never-used offline, {r}",
            lambda r=r: (g(v, "reclaim_ns") / g(v, f"empty_offline_{r}_ns")) /
            (g(h, "reclaim_ns") / g(h, f"empty_offline_{r}_ns")))

    def runs(d, state):
        return [float(x) for k, x in d.items() if k.startswith(f"cost_{state}_ns_")]
    put("unbound-path throughput, another cgroup bound / nothing bound",
        lambda: med(runs(h, "none")) / med(runs(h, "bound")))
    put("unbound-path throughput, hotmem kernel / vanilla kernel, nothing bound",
        lambda: med(runs(v, "none")) / med(runs(h, "none")))
    for label, p in (("/bin/true", ""), ("function faulting 48 MiB", "fn_")):
        for s, aslr in (("", "ASLR on"), ("_norand", "ASLR off")):
            put(f"container start-to-exit, {label}, with hotmem-hook / without, {aslr}",
                lambda p=p, s=s: g(h, f"hook_{p}run_ns{s}") / g(h, f"plain_{p}run_ns{s}"))
    put("hook release of a used block / offline of a never-used block, warm",
        lambda: g(h, "hook_release_ns") / g(h, "empty_offline1_warm_ns"))
    put("hook release of a used block / offline of a never-used block, cold",
        lambda: g(h, "hook_release_ns") / g(h, "empty_offline1_cold_ns"))
    put("hook release of one block at poststop (ms)", lambda: g(h, "hook_release_ns") / 1e6)
    # the reclaim sweep (05-reclaim-sweep.sh): per config and size, and its targets
    def nums(d):
        out = {}
        for k, x in d.items():
            try:
                out[k] = float(x)
            except ValueError:
                pass
        return out
    fig = sweep.figures(nums(h), nums(v))
    for (kern, cfg, mib), x in sorted(fig.items(), key=lambda i: (i[0][1], i[0][2], i[0][0])):
        f[f"sweep: {cfg} ({kern} kernel), {mib / 1024:g} GiB (ms)"] = x["ms"]
    for name, val, _, _ in sweep.targets(fig):
        f[f"sweep: {name}"] = float(val.rstrip("x"))
    return f


def fmt(x):
    if x == int(x) and abs(x) >= 10 or x == 0:
        return f"{x:.0f}"
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}"


def main(dirs):
    if not dirs:
        sys.exit(__doc__)
    for mode in ("default", "expedited"):
        per_run = [metrics(load(f"{d}/hotmem-{mode}.txt"), load(f"{d}/vanilla-{mode}.txt")) for d in dirs]
        names = []
        for m in per_run:
            names += [k for k in m if k not in names]
        if not names:
            continue
        print(f"### {mode} kernel command line{' (rcupdate.rcu_expedited=1)' if mode == 'expedited' else ''}, "
              f"{len(dirs)} runs\n")
        print("| figure | median | min - max | runs |")
        print("|---|---|---|---|")
        for k in names:
            xs = [m[k] for m in per_run if k in m]
            print(f"| {k} | {fmt(med(xs))} | {fmt(min(xs))} - {fmt(max(xs))} | {len(xs)} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
