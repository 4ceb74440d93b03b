#!/usr/bin/env python3
"""Report the serverless trace replay (tests/guest/replay/01-trace-replay.sh).

    bench-replay.py OUTDIR

reads OUTDIR/replay-<config>.txt (the VM's console: TRACE lines) and
OUTDIR/rss-replay-<config>.csv (QEMU's resident memory every 50 ms, with the
guest's marks; run-vm.py --rss-csv) for the configurations static,
virtiomem, offline and hotmem, each a VM of the same shape, and prints per
seed a Markdown table and one line per target ("met" or "not met").  It
writes OUTDIR/replay-functions.csv (every function), replay-neighbour.csv
(every neighbour request), replay-summary.csv (the table's figures) and,
with gnuplot, replay-rss.png (QEMU's resident memory of the four
configurations and the ideal, per seed) and replay-latency.png (latency
CDFs of the neighbour's requests and of the functions).

Definitions (guest times are CLOCK_MONOTONIC; host samples are aligned at
the replay's start mark):
  function latency   from its arrival to its last instant ("done" line):
                     container start, hook, memory fill and its work
  reclaim event      from a function's last instant until its blocks are
                     back with the host (virtio-mem shrunk; on hotmem the
                     end of crun run, whose poststop released and unplugged
                     them); per GiB: the events' total time / their GiB
  reclaim window     those intervals; a neighbour request is "in a reclaim
                     window" when it starts inside one (for static, the
                     container teardown after each function, which gives
                     nothing back)
  host memory        the integral of QEMU's resident memory over the seed's
                     window (the same length in every configuration), GiB s
  ideal              QEMU's resident memory at the hotmem VM's start of the
                     replay, plus at each instant the running functions'
                     blocks (each function's memory rounded up to whole
                     128 MiB blocks; from the hotmem run's arrivals and ends)
  committed memory   what the host has given the VM over the window, GiB s:
                     boot memory plus what is plugged (static: all 3 GiB;
                     otherwise each function's blocks from its arrival until
                     they are back), whether the guest touched it or not
  rounding waste     the share of those blocks' GiB s that the functions'
                     own sizes leave unused (from the trace)"""
import math
import os
import shutil
import statistics
import subprocess
import sys

CONFIGS = (("static", "static: all memory plugged at boot, never given back"),
           ("virtiomem", "vanilla + virtio-mem: lower the requested size"),
           ("offline", "vanilla + block offline: offline blocks, then unplug"),
           ("hotmem", "hotmem: hook + hotmem-vmm"))
BLOCK = 128 << 20
GIB = 1 << 30
BOOT_GIB, VMEM_GIB = 0.5, 3.0   # the VMs' shape (tests/tools/bench.sh)


def pct(xs, p):
    """The p-th percentile (nearest rank) of xs."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, math.ceil(p / 100 * len(xs)) - 1))
    return xs[k]


def load_trace(path):
    """{seed: {"t0", "window", "fns": [...], "nb": [(start, lat)], "migrated"}}"""
    seeds = {}
    for line in open(path, errors="replace"):
        w = line.split()
        if "TRACE" not in w:
            continue
        w = w[w.index("TRACE"):]    # after run-vm.py's "<vm>| [<test>] " prefix
        if len(w) < 4:
            continue
        s = seeds.setdefault(int(w[1]), {"fns": [], "nb": [], "t0": None, "window": None,
                                         "migrated": None})
        if w[2] == "t0" and len(w) == 6:
            s["t0"], s["window"] = int(w[3]), float(w[5])
        elif w[2] == "fn" and len(w) == 15:
            s["fns"].append({"i": int(w[3]), "kind": w[4], "mib": int(w[5]), "dur": float(w[6]),
                             "start": float(w[7]), "blocks": int(w[8]), "arrive": int(w[9]),
                             "end": int(w[10]), "exited": int(w[11]), "back": int(w[12]),
                             "ops": int(w[13]), "rc": int(w[14])})
        elif w[2] == "nb" and len(w) == 5:
            s["nb"].append((int(w[3]), int(w[4])))
        elif w[2] == "migrated" and len(w) == 4:
            s["migrated"] = int(w[3])
    return seeds


def load_rss(path):
    """[(t_s, bytes)], {label: t_s}"""
    samples, marks = [], {}
    for line in open(path):
        w = line.strip().split(",")
        if len(w) == 3 and w[1] == "mark":
            marks[w[2]] = float(w[0])
        elif len(w) == 2 and w[0] != "t_s":
            samples.append((float(w[0]), int(w[1])))
    return samples, marks


def integral(samples, t0, t1):
    """GiB s of the step function the samples make, over [t0, t1]."""
    tot = 0.0
    for (ta, va), (tb, _) in zip(samples, samples[1:]):
        lo, hi = max(ta, t0), min(tb, t1)
        if hi > lo:
            tot += va * (hi - lo)
    return tot / GIB


def at(samples, t):
    """The sample in force at t."""
    v = samples[0][1]
    for ts, x in samples:
        if ts > t:
            break
        v = x
    return v


STEP = 0.05    # s, the ideal's resolution (QEMU's RSS is sampled as often)


def ideal_series(hot, base, window):
    """The ideal in STEP steps over the window: base plus, at each step's
    middle, the blocks of the hotmem run's functions running then."""
    return [base + sum(f["blocks"] * BLOCK for f in hot["fns"]
                       if f["arrive"] <= hot["t0"] + int((k + 0.5) * STEP * 1e9) < f["end"])
            for k in range(int(window / STEP))]


def analyse(outdir):
    data = {}
    for cfg, _ in CONFIGS:
        tpath, rpath = f"{outdir}/replay-{cfg}.txt", f"{outdir}/rss-replay-{cfg}.csv"
        if not os.path.exists(tpath) or not os.path.exists(rpath):
            sys.exit(f"bench-replay: {tpath} or {rpath} missing")
        data[cfg] = {"trace": load_trace(tpath), "rss": load_rss(rpath)}
    seeds = sorted(data["hotmem"]["trace"])
    if not seeds:
        sys.exit("bench-replay: no TRACE lines in the hotmem run")
    res, ideals = {}, {}
    for seed in seeds:
        for cfg, _ in CONFIGS:
            tr = data[cfg]["trace"].get(seed)
            if not tr or tr["t0"] is None or not tr["fns"] or not tr["nb"]:
                sys.exit(f"bench-replay: {cfg}: seed {seed} incomplete")
            bad = [f["i"] for f in tr["fns"] if f["rc"] != 0]
            if bad:
                sys.exit(f"bench-replay: {cfg}: seed {seed}: functions {bad} failed")
        window = max(data[cfg]["trace"][seed]["window"] for cfg, _ in CONFIGS)
        hot = data["hotmem"]["trace"][seed]
        samples_h, marks_h = data["hotmem"]["rss"]
        ts_h = marks_h[f"replay-hotmem-{seed}-start"]
        base = at(samples_h, ts_h)
        ideals[seed] = ideal_series(hot, base, window)
        ideal = sum(ideals[seed]) * STEP / GIB
        used = sum(f["mib"] * f["dur"] for f in hot["fns"])
        plugged = sum(f["blocks"] * 128 * f["dur"] for f in hot["fns"])
        for cfg, _ in CONFIGS:
            tr = data[cfg]["trace"][seed]
            samples, marks = data[cfg]["rss"]
            ts = marks.get(f"replay-{cfg}-{seed}-start")
            if ts is None:
                sys.exit(f"bench-replay: {cfg}: no start mark for seed {seed}")
            fns = tr["fns"]
            lat = [(f["end"] - f["arrive"]) / 1e6 for f in fns]
            over = [(f["end"] - f["arrive"]) / 1e6 - f["dur"] * 1e3 for f in fns]
            wins = [(f["end"], f["back"]) for f in fns]
            nb = [l / 1e6 for _, l in tr["nb"]]
            nbw = [l / 1e6 for s, l in tr["nb"] if any(a <= s < b for a, b in wins)]
            rec = [(f["back"] - f["end"]) / 1e6 for f in fns]
            gib = sum(f["blocks"] * BLOCK for f in fns) / GIB
            last = max(f["back"] for f in fns)
            if cfg == "static":
                committed = (BOOT_GIB + VMEM_GIB) * window
            else:
                committed = BOOT_GIB * window + sum(f["blocks"] * BLOCK * (f["back"] - f["arrive"]) / 1e9
                                                    for f in fns) / GIB
            res[(seed, cfg)] = {
                "functions": len(fns), "fn_p50": pct(lat, 50), "fn_p99": pct(lat, 99),
                "over_p50": pct(over, 50), "over_p99": pct(over, 99),
                "nb_n": len(nb), "nb_p50": pct(nb, 50), "nb_p99": pct(nb, 99),
                "nbw_n": len(nbw), "nbw_p50": pct(nbw, 50), "nbw_p99": pct(nbw, 99),
                "rec_p50": pct(rec, 50), "rec_p99": pct(rec, 99),
                "rec_ms_per_gib": sum(rec) / gib if gib else float("nan"),
                "migrated": tr["migrated"],
                "rss_gibs": integral(samples, ts, ts + window), "committed_gibs": committed,
                "rss_peak": max(v for t, v in samples if ts <= t <= ts + window) / GIB,
                "span_s": (last - tr["t0"]) / 1e9,
                "ideal_gibs": ideal, "window": window, "waste": 1 - used / plugged,
                "ts": ts,
            }
    return data, seeds, res, ideals


def report(data, seeds, res):
    out = ["## Serverless trace replay", "",
           "Each configuration in its own VM (512 MiB boot memory, 3 GiB of virtio-mem, 2 vCPUs, "
           "QEMU TCG), the same trace per seed; latencies in ms (TCG), memory in GiB s.", ""]
    targets = []
    for seed in seeds:
        s = res[(seed, "static")]
        out += [f"### seed {seed}: {s['functions']} functions, window {s['window']:.0f} s, "
                f"rounding waste {100 * s['waste']:.1f}% of the functions' block GiB s", "",
                "| configuration | function P50 / P99 | start overhead P50 / P99 | neighbour P50 / P99 "
                "(requests) | neighbour in reclaim windows P50 / P99 (requests) | reclaim event P50 / P99 "
                "| reclaim ms per GiB | pages migrated | host memory (GiB s) | / static | / ideal | peak RSS (GiB) "
                "| committed (GiB s) | / static |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for cfg, label in CONFIGS:
            r = res[(seed, cfg)]
            rec = ("-" if cfg == "static" else
                   f"{r['rec_p50']:.0f} / {r['rec_p99']:.0f}")
            rpg = "-" if cfg == "static" else f"{r['rec_ms_per_gib']:.0f}"
            out.append(
                f"| {label} | {r['fn_p50']:.0f} / {r['fn_p99']:.0f} | {r['over_p50']:.0f} / {r['over_p99']:.0f} "
                f"| {r['nb_p50']:.2f} / {r['nb_p99']:.2f} ({r['nb_n']}) "
                f"| {r['nbw_p50']:.2f} / {r['nbw_p99']:.2f} ({r['nbw_n']}) | {rec} | {rpg} "
                f"| {r['migrated']} | {r['rss_gibs']:.1f} | {r['rss_gibs'] / s['rss_gibs']:.2f} "
                f"| {r['rss_gibs'] / r['ideal_gibs']:.2f} | {r['rss_peak']:.2f} "
                f"| {r['committed_gibs']:.1f} | {r['committed_gibs'] / s['committed_gibs']:.2f} |")
        out += ["", f"ideal host memory: {s['ideal_gibs']:.1f} GiB s", ""]
        h = res[(seed, "hotmem")]

        def line(name, val, target, ok):
            targets.append(f"{name} seed {seed}: {val} (target {target}): {'met' if ok else 'not met'}")

        for cfg in ("virtiomem", "offline"):
            v = res[(seed, cfg)]
            sp = v["rec_ms_per_gib"] / h["rec_ms_per_gib"]
            targets.append(f"reclaim per GiB, hotmem vs vanilla-{cfg} seed {seed}: {sp:.1f}x faster "
                           f"({h['rec_ms_per_gib']:.0f} vs {v['rec_ms_per_gib']:.0f} ms per GiB; "
                           "for the record, the targets are the sweep's)")
        line("pages migrated, hotmem", h["migrated"], "0", h["migrated"] == 0)
        r = h["rss_gibs"] / s["rss_gibs"]
        line("host memory integral, hotmem / static", f"{r:.2f}", "<= 0.50", r <= 0.50)
        r = h["rss_gibs"] / h["ideal_gibs"]
        line("host memory integral, hotmem / ideal", f"{r:.2f}", "<= 1.20", r <= 1.20)
        for k, name in (("nb_p99", "neighbour P99"), ("nbw_p99", "neighbour P99 in reclaim windows"),
                        ("fn_p99", "function P99")):
            r = h[k] / s[k]
            line(f"{name}, hotmem / static", f"{r:.2f}", "<= 1.10", r <= 1.10)
    return out, targets


def write_csv(outdir, data, seeds, res):
    with open(f"{outdir}/replay-functions.csv", "w") as f:
        f.write("config,seed,i,kind,mib,duration_s,start_s,blocks,arrive_ns,end_ns,exited_ns,back_ns,ops,rc\n")
        for cfg, _ in CONFIGS:
            for seed in seeds:
                for x in data[cfg]["trace"][seed]["fns"]:
                    f.write(",".join(str(v) for v in (cfg, seed, x["i"], x["kind"], x["mib"], x["dur"],
                                                      x["start"], x["blocks"], x["arrive"], x["end"],
                                                      x["exited"], x["back"], x["ops"], x["rc"])) + "\n")
    with open(f"{outdir}/replay-neighbour.csv", "w") as f:
        f.write("config,seed,start_ns,latency_ns\n")
        for cfg, _ in CONFIGS:
            for seed in seeds:
                for s, l in data[cfg]["trace"][seed]["nb"]:
                    f.write(f"{cfg},{seed},{s},{l}\n")
    keys = sorted(next(iter(res.values())))
    with open(f"{outdir}/replay-summary.csv", "w") as f:
        f.write("seed,config," + ",".join(keys) + "\n")
        for (seed, cfg), r in sorted(res.items()):
            f.write(f"{seed},{cfg}," + ",".join(f"{r[k]:.6g}" if isinstance(r[k], float) else str(r[k])
                                                 for k in keys) + "\n")


def plot(outdir, data, seeds, res, ideals):
    """replay-rss.png and replay-latency.png with gnuplot; False without it."""
    if not shutil.which("gnuplot"):
        return False
    panels = []
    for seed in seeds:
        window = res[(seed, "static")]["window"]
        files = []
        for cfg, label in CONFIGS:
            samples, _ = data[cfg]["rss"]
            ts = res[(seed, cfg)]["ts"]
            dat = f"{outdir}/replay-rss-{cfg}-{seed}.dat"
            with open(dat, "w") as f:
                for t, v in samples:
                    if ts <= t <= ts + window:
                        f.write(f"{t - ts:.3f} {v / GIB:.4f}\n")
            files.append((dat, label))
        dat = f"{outdir}/replay-ideal-{seed}.dat"
        with open(dat, "w") as f:
            for k, v in enumerate(ideals[seed]):
                f.write(f"{k * STEP:.2f} {v / GIB:.4f}\n")
        files.append((dat, "ideal: start + running functions blocks"))
        panels.append((seed, files))
    script = ["set terminal pngcairo size 1000,%d noenhanced" % (430 * len(panels) + 60),
              f"set output '{outdir}/replay-rss.png'",
              f"set multiplot layout {len(panels)},1 title 'QEMU resident memory during the trace replay (QEMU TCG)'",
              "set xlabel 'seconds since the replay started'", "set ylabel 'resident memory (GiB)'",
              "set key below maxrows 2"]
    for seed, files in panels:
        script.append(f"set title 'seed {seed}'")
        script.append("plot " + ", ".join(f"'{d}' using 1:2 with lines title '{t}'" for d, t in files))
    script.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True, check=True)
    # latency CDFs, both seeds together
    script = ["set terminal pngcairo size 1000,440 noenhanced",
              f"set output '{outdir}/replay-latency.png'",
              "set multiplot layout 1,2 title 'Latency CDFs, both seeds (QEMU TCG)'",
              "set key bottom right", "set ylabel 'fraction'", "set yrange [0:1]", "set logscale x"]
    for what, title in (("nb", "neighbour request latency (ms)"), ("fn", "function latency, arrival to end (ms)")):
        files = []
        for cfg, label in CONFIGS:
            if what == "nb":
                xs = sorted(l / 1e6 for seed in seeds for _, l in data[cfg]["trace"][seed]["nb"])
            else:
                xs = sorted((x["end"] - x["arrive"]) / 1e6 for seed in seeds
                            for x in data[cfg]["trace"][seed]["fns"])
            dat = f"{outdir}/replay-cdf-{what}-{cfg}.dat"
            with open(dat, "w") as f:
                for k, x in enumerate(xs):
                    f.write(f"{x:.4f} {(k + 1) / len(xs):.5f}\n")
            files.append((dat, cfg))
        script.append(f"set xlabel '{title}'")
        script.append("plot " + ", ".join(f"'{d}' using 1:2 with steps title '{t}'" for d, t in files))
    script.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True, check=True)
    return True


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    outdir = sys.argv[1]
    data, seeds, res, ideals = analyse(outdir)
    out, targets = report(data, seeds, res)
    write_csv(outdir, data, seeds, res)
    plotted = plot(outdir, data, seeds, res, ideals)
    print("\n".join(out))
    print("\n".join(targets))
    if not plotted:
        print("(no gnuplot: no replay plots)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
