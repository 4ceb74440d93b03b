#!/usr/bin/env python3
"""Generate a serverless arrival trace, deterministically from a seed.

    serverless-trace.py --seed S [--duration SECONDS] [--rate PER_SECOND]
                        [--kinds html,bfs,dense] [--min-mib 128] [--max-mib 512]
                        [--min-s 1] [--max-s 30]
    serverless-trace.py --samples N --seed S     (raw draws, for the tests)

Prints CSV lines "start_s,kind,mib,duration_s", one per function invocation,
sorted by start.  The distributions are those published for the Azure
Functions traces (M. Shahrad et al., "Serverless in the Wild:
Characterizing and Optimizing the Serverless Workload at a Large Cloud
Provider", USENIX ATC 2020):

  - execution time: log-normal with mu = -0.38 and sigma = 2.36 (seconds;
    the paper's fit of the functions' average execution times), clipped to
    [--min-s, --max-s]: under QEMU TCG a function needs about a second just
    to fault its memory, and a benchmark run has minutes, not hours;
  - memory: Burr type XII with c = 11.652, k = 0.221, lambda = 107.083 (MB;
    the paper's fit of the applications' average allocated memory), clipped
    to [--min-mib, --max-mib];
  - arrivals: a Poisson process of --rate invocations per second (the paper
    reports inter-arrival times per application; one VM of one tenant sees
    the superposition of its applications' arrivals, which a Poisson
    process approximates);
  - kind: uniform over --kinds.

Python's random.Random(seed) makes the same trace for the same seed and
arguments on every machine."""
import argparse
import math
import random
import sys

LOGNORM_MU, LOGNORM_SIGMA = -0.38, 2.36
BURR_C, BURR_K, BURR_LAMBDA = 11.652, 0.221, 107.083


def exec_time(rng):
    return rng.lognormvariate(LOGNORM_MU, LOGNORM_SIGMA)


def burr_inverse(u):
    """Quantile function of Burr XII: F(x) = 1 - (1 + (x/lambda)^c)^-k."""
    return BURR_LAMBDA * ((1.0 - u) ** (-1.0 / BURR_K) - 1.0) ** (1.0 / BURR_C)


def memory_mb(rng):
    return burr_inverse(rng.random())


def clip(x, lo, hi):
    return min(max(x, lo), hi)


def trace(args):
    rng = random.Random(args.seed)
    kinds = args.kinds.split(",")
    t = 0.0
    rows = []
    while True:
        t += rng.expovariate(args.rate)
        if t >= args.duration:
            break
        dur = clip(exec_time(rng), args.min_s, args.max_s)
        mib = int(round(clip(memory_mb(rng), args.min_mib, args.max_mib)))
        rows.append((t, rng.choice(kinds), mib, dur))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--duration", type=float, default=300, help="seconds of arrivals")
    ap.add_argument("--rate", type=float, default=0.2, help="invocations per second")
    ap.add_argument("--kinds", default="html,bfs,dense")
    ap.add_argument("--min-mib", type=float, default=128)
    ap.add_argument("--max-mib", type=float, default=512)
    ap.add_argument("--min-s", type=float, default=1)
    ap.add_argument("--max-s", type=float, default=30)
    ap.add_argument("--samples", type=int, help="print N raw (unclipped) draws: exec_s,memory_mb")
    args = ap.parse_args()
    if args.samples:
        rng = random.Random(args.seed)
        for _ in range(args.samples):
            print(f"{exec_time(rng):.6g},{memory_mb(rng):.6g}")
        return 0
    for name in ("duration", "rate", "min_mib", "max_mib", "min_s", "max_s"):
        v = getattr(args, name)
        if not math.isfinite(v) or v <= 0:
            sys.exit(f"serverless-trace: --{name.replace('_', '-')} must be a positive number, not {v}")
    if args.min_mib > args.max_mib or args.min_s > args.max_s:
        sys.exit("serverless-trace: a minimum is above its maximum")
    for t, kind, mib, dur in trace(args):
        print(f"{t:.3f},{kind},{mib},{dur:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
