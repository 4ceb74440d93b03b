#!/usr/bin/env python3
"""Report the reclaim sweep (tests/guest/bench/05-reclaim-sweep.sh).

    bench-sweep.py HOTMEM.txt VANILLA.txt

reads the two kernels' "BENCH sweep_<config>_<MiB>_<what>_<round>" lines (one
VM each, of the same shape) and prints a Markdown table per size (medians of
the rounds) and one line per target, saying "met" or "not met".  Times come
from two VMs, so the speedups are ratios across VMs of one run, not within
one VM; both ran under TCG on the same host, one after the other."""
import statistics
import sys

SIZES = (512, 1024, 2048)
CONFIGS = (("hotmem", "hotmem", "hotmem: release the ended functions' bound blocks, unplug"),
           ("vanilla", "virtiomem", "vanilla + virtio-mem: lower the requested size"),
           ("vanilla", "offline", "vanilla + block offline: offline the last blocks, unplug"),
           ("hotmem", "neverused", "never-used memory, onlined, unplugged (hotmem kernel)"),
           ("vanilla", "neverused", "never-used memory, onlined, unplugged (vanilla kernel)"))


def load(path):
    d = {}
    for line in open(path):
        w = line.split()
        if len(w) == 3 and w[0] == "BENCH" and w[1].startswith("sweep_"):
            try:
                d[w[1]] = float(w[2])
            except ValueError:
                pass        # sweep_kernel hotmem|vanilla
    return d


def rounds(d, cfg, mib, what):
    pre = f"sweep_{cfg}_{mib}_{what}_"
    return [v for k, v in d.items() if k.startswith(pre)]


def figures(hot, van):
    """{(config, MiB): {"ms": median, "migrated": max, "cpu_ms": median, "n": rounds}}"""
    kern = {"hotmem": hot, "vanilla": van}
    out = {}
    for k, cfg, _ in CONFIGS:
        for mib in SIZES:
            ns = rounds(kern[k], cfg, mib, "ns")
            if not ns:
                continue
            out[(k, cfg, mib)] = {
                "ms": statistics.median(ns) / 1e6,
                "migrated": max(rounds(kern[k], cfg, mib, "migrated") or [0]),
                "cpu_ms": statistics.median(rounds(kern[k], cfg, mib, "cpu_ms") or [0]),
                "n": len(ns),
            }
    return out


def targets(fig):
    """(name, value, target text, met) for each target that has data."""
    t = []

    def get(k, cfg, mib):
        return fig.get((k, cfg, mib))
    h = get("hotmem", "hotmem", 2048)
    for cfg, label in (("virtiomem", "vanilla-virtio-mem"), ("offline", "vanilla block offline")):
        v = get("vanilla", cfg, 2048)
        if h and v:
            x = v["ms"] / h["ms"]
            t.append((f"speedup hotmem vs {label} 2 GiB", f"{x:.1f}x", ">= 10", x >= 10))
    n = get("hotmem", "neverused", 2048)
    if h and n:
        x = h["ms"] / n["ms"]
        t.append(("hotmem 2 GiB reclaim / never-used unplug", f"{x:.2f}", "<= 1.5", x <= 1.5))
    mig = [f["migrated"] for (k, cfg, _), f in fig.items() if cfg == "hotmem"]
    if mig:
        t.append(("hotmem pages migrated, every size and round", f"{max(mig):.0f}", "0", max(mig) == 0))
    v = get("vanilla", "virtiomem", 2048)
    if h and v and v["cpu_ms"] > 0:
        x = h["cpu_ms"] / v["cpu_ms"]
        t.append(("reclaim CPU time hotmem / vanilla-virtio-mem 2 GiB", f"{x:.3f}", "<= 0.10", x <= 0.10))
    return t


def report(hot, van):
    fig = figures(hot, van)
    if not fig:
        return ["reclaim sweep: no results (tests/guest/bench/05-reclaim-sweep.sh)"]
    lines = ["| reclaim of S while 4 functions keep running (medians; TCG) | S | ms | ms per GiB | pages migrated (most) | guest CPU ms | rounds |",
             "|---|---|---|---|---|---|---|"]
    for k, cfg, label in CONFIGS:
        for mib in SIZES:
            f = fig.get((k, cfg, mib))
            if f:
                lines.append(f"| {label} | {mib / 1024:g} GiB | {f['ms']:.0f} | {f['ms'] * 1024 / mib:.0f} | "
                             f"{f['migrated']:.0f} | {f['cpu_ms']:.0f} | {f['n']} |")
    lines.append("")
    for name, val, target, met in targets(fig):
        lines.append(f"{name}: {val} (target {target}): {'met' if met else 'not met'}")
    return lines


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    print("\n".join(report(load(argv[1]), load(argv[2]))))


if __name__ == "__main__":
    main(sys.argv)
