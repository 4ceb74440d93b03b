#!/usr/bin/env python3
"""Report the reclaim sweep (tests/guest/bench/05-reclaim-sweep.sh).

    bench-sweep.py HOTMEM.txt VANILLA.txt [OUTDIR]

reads the two kernels' "BENCH sweep_<config>_<MiB>_<what>_<round>" lines (one
VM each, of the same shape) and prints a Markdown table per size (medians of
the rounds) and one line per target, saying "met" or "not met".  Times come
from two VMs, so the speedups are ratios across VMs of one run, not within
one VM; both ran under TCG on the same host, one after the other.  With OUTDIR it also writes OUTDIR/sweep.csv (every
round) and OUTDIR/sweep.png (time against GiB per configuration, gnuplot)."""
import os
import shutil
import statistics
import subprocess
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


def write_csv(hot, van, path):
    """Every round's raw figures: kernel,config,mib,round,ms,migrated,cpu_ms."""
    kern = {"hotmem": hot, "vanilla": van}
    with open(path, "w") as f:
        f.write("kernel,config,mib,round,ms,migrated,cpu_ms\n")
        for k, cfg, _ in CONFIGS:
            for mib in SIZES:
                pre = f"sweep_{cfg}_{mib}_ns_"
                for key in sorted(x for x in kern[k] if x.startswith(pre)):
                    r = key[len(pre):]
                    g = kern[k].get
                    f.write(f"{k},{cfg},{mib},{r},{g(key) / 1e6:.3f},"
                            f"{g(f'sweep_{cfg}_{mib}_migrated_{r}', 0):.0f},"
                            f"{g(f'sweep_{cfg}_{mib}_cpu_ms_{r}', 0):.0f}\n")


def plot(hot, van, png):
    """Reclaim time against GiB, one line per configuration (medians), with
    gnuplot (Debian's gnuplot-nox); returns False when gnuplot is missing."""
    fig = figures(hot, van)
    if not fig or not shutil.which("gnuplot"):
        return False
    data = png[:-4] + ".dat"
    with open(data, "w") as f:
        for k, cfg, label in CONFIGS:
            f.write(f'"{label}"\n')
            for mib in SIZES:
                if (k, cfg, mib) in fig:
                    f.write(f"{mib / 1024:g} {fig[(k, cfg, mib)]['ms']:.1f}\n")
            f.write("\n\n")
    script = f"""set terminal pngcairo size 900,620 noenhanced
set output '{png}'
set title 'Giving memory back while 4 functions run (medians of 3 rounds; QEMU TCG)'
set xlabel 'memory given back (GiB)'
set ylabel 'time from the functions end to virtio-mem shrunk (ms)'
set logscale y
set key below
set xtics (0.5, 1, 2)
plot for [i=0:{len(CONFIGS) - 1}] '{data}' index i using 1:2 with linespoints title columnheader(1)
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return True


def plot_rss(outdir, png):
    """QEMU's resident memory over each VM's run (rss-<kernel>-default.csv
    of run-vm.py --rss-csv), both VMs on one chart, with gnuplot."""
    series = []
    for k in ("hotmem", "vanilla"):
        path = f"{outdir}/rss-{k}-default.csv"
        if not os.path.exists(path):
            continue
        dat = f"{outdir}/rss-{k}.dat"
        with open(path) as f, open(dat, "w") as o:
            for line in f:
                w = line.strip().split(",")
                if len(w) == 2 and w[0] != "t_s":
                    o.write(f"{w[0]} {int(w[1]) / 2**30:.4f}\n")
        series.append((k, dat))
    if not series or not shutil.which("gnuplot"):
        return False
    plots = ", ".join(f"'{d}' using 1:2 with lines title '{k} kernel VM'" for k, d in series)
    script = f"""set terminal pngcairo size 900,520 noenhanced
set output '{png}'
set title 'QEMU resident memory during make bench (defaults; the sweep is the last part)'
set xlabel 'seconds since QEMU started'
set ylabel 'resident memory (GiB)'
set key below
plot {plots}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return True


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    hot, van = load(argv[1]), load(argv[2])
    print("\n".join(report(hot, van)))
    if len(argv) == 4:
        os.makedirs(argv[3], exist_ok=True)
        write_csv(hot, van, f"{argv[3]}/sweep.csv")
        if plot(hot, van, f"{argv[3]}/sweep.png"):
            rss = plot_rss(argv[3], f"{argv[3]}/rss.png")
            print(f"\n{argv[3]}/sweep.csv, {argv[3]}/sweep.png" + (f", {argv[3]}/rss.png" if rss else ""))
        else:
            print(f"\n{argv[3]}/sweep.csv (no plot: gnuplot is not installed)")


if __name__ == "__main__":
    main(sys.argv)
