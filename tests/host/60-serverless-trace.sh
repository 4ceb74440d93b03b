#!/bin/bash
# The serverless trace generator (tests/tools/serverless-trace.py), which
# the end-to-end benchmark draws its arrivals from: the same seed gives the
# same trace and another seed another; every invocation lies in the clipped
# ranges, in start order; the raw draws follow the published distributions
# (medians and 90th percentiles of 20,000 draws within 5% of the closed
# forms of the log-normal and Burr XII fits); bad arguments are refused.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
gen=$top/tests/tools/serverless-trace.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
res() { if [ "$1" = 0 ]; then echo "PASS host:trace/$2"; else echo "FAIL host:trace/$2: $3"; fi; }

python3 "$gen" --seed 1 > $tmp/a && python3 "$gen" --seed 1 > $tmp/b && python3 "$gen" --seed 2 > $tmp/c
if ! cmp -s $tmp/a $tmp/b; then res 1 deterministic "seed 1 gave two traces"
elif cmp -s $tmp/a $tmp/c; then res 1 deterministic "seeds 1 and 2 gave the same trace"
elif [ "$(wc -l < $tmp/a)" -lt 20 ]; then res 1 deterministic "only $(wc -l < $tmp/a) invocations in 300 s at 0.2/s"
else res 0 deterministic; fi

why=$(python3 - $tmp/a <<'PY'
import sys
prev = 0.0
for n, line in enumerate(open(sys.argv[1]), 1):
    t, kind, mib, dur = line.strip().split(",")
    t, mib, dur = float(t), int(mib), float(dur)
    if not (prev <= t < 300): print(f"line {n}: start {t} out of order or range"); break
    if kind not in ("html", "bfs", "dense"): print(f"line {n}: kind {kind}"); break
    if not 128 <= mib <= 512: print(f"line {n}: {mib} MiB"); break
    if not 1 <= dur <= 30: print(f"line {n}: {dur} s"); break
    prev = t
PY
)
res "$([ -z "$why" ] && echo 0 || echo 1)" ranges "$why"

why=$(python3 "$gen" --seed 7 --samples 20000 | python3 -c '
import math, statistics, sys
ex, mem = zip(*((float(a), float(b)) for a, b in (l.split(",") for l in sys.stdin)))
def q(xs, p): return sorted(xs)[int(p * len(xs))]
mu, sigma = -0.38, 2.36
c, k, lam = 11.652, 0.221, 107.083
burr = lambda p: lam * ((1 - p) ** (-1 / k) - 1) ** (1 / c)
z90 = 1.2815515655446004
want = {"exec p50": (q(ex, .5), math.exp(mu)), "exec p90": (q(ex, .9), math.exp(mu + sigma * z90)),
        "memory p50": (q(mem, .5), burr(.5)), "memory p90": (q(mem, .9), burr(.9))}
bad = [f"{k} {g:.3g}, expected {w:.3g}" for k, (g, w) in want.items() if abs(g / w - 1) > 0.05]
print("; ".join(bad))')
res "$([ -z "$why" ] && echo 0 || echo 1)" distributions "$why"

out=$(python3 "$gen" --seed 1 --rate 0 2>&1)
rc=$?
[ $rc != 0 ] && [[ $out == *"--rate must be a positive number"* ]]
res $? bad-input "exit $rc: $out"
