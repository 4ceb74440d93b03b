#!/bin/bash
# The trace replay's report (tests/tools/bench-replay.py) on a made-up run
# whose figures are known by hand: one seed, a 10 s window, one function of
# two blocks living 4 s; QEMU's resident memory a constant 2 GiB (static),
# 1 GiB (vanilla), 0.5 GiB (hotmem); the ideal is 0.5 GiB x 10 s + 0.25 GiB
# x 4 s = 6 GiB s.  Checked: the integrals and their ratios (hotmem /
# static 0.25, / ideal 0.83), nearest-rank P99s (100 requests: the 99th),
# requests inside reclaim windows, reclaim time per GiB, migrated pages, and
# the target lines saying met and not met; a failed function or a missing
# configuration is refused, not reported.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
rep=$top/tests/tools/bench-replay.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
res() { if [ "$1" = 0 ]; then echo "PASS host:replay-report/$2"; else echo "FAIL host:replay-report/$2: $3"; fi; }

# make CFG RSS_GIB P99_MS MIGRATED BACK_S RC: one configuration's files
make_cfg() {
	python3 - "$tmp/run" "$@" <<'PY'
import sys
out, cfg, rss, p99, migrated, back, rc = sys.argv[1:]
t0 = 1_000_000_000
with open(f"{out}/replay-{cfg}.txt", "w") as f:
    f.write(f"  replay-{cfg}| [replay/01-trace-replay.sh] TRACE 1 t0 {t0} window_s 10\n")
    # arrives at t0, ends at t0 + 4 s, back BACK_S later: 2 blocks, 256 MiB
    end = t0 + 4_000_000_000
    f.write(f"  replay-{cfg}| [replay/01-trace-replay.sh] TRACE 1 fn 1 html 200 1.000 0.000 2 "
            f"{t0} {end} {end + 100_000_000} {end + int(float(back) * 1e9)} 7 {rc}\n")
    # 100 requests, one every 0.1 s: 98 of 1 ms, one of P99_MS, one of 50 ms;
    # requests start at 0.05 s + k x 0.1 s: those from 4.05 s on lie in the
    # reclaim window [4 s, 4 s + BACK_S)
    for k in range(100):
        lat = {40: float(p99), 99: 50.0}.get(k, 1.0)
        s = t0 + k * 100_000_000 + 50_000_000
        f.write(f"  replay-{cfg}| [replay/01-trace-replay.sh] TRACE 1 nb {s} {int(lat * 1e6)}\n")
    f.write(f"  replay-{cfg}| [replay/01-trace-replay.sh] TRACE 1 migrated {migrated}\n")
with open(f"{out}/rss-replay-{cfg}.csv", "w") as f:
    f.write("t_s,rss_bytes\n")
    for k in range(0, 400):
        t = 3 + k * 0.05
        if k == 40:
            f.write(f"{t - 0.01:.3f},mark,replay-{cfg}-1-start\n")
        f.write(f"{t:.3f},{int(float(rss) * 2**30)}\n")
PY
}
mkdir -p $tmp/run
make_cfg static 2 10 0 0.2 0
make_cfg virtiomem 1 10 5000 1.0 0
make_cfg offline 1 10 4000 1.5 0
make_cfg hotmem 0.5 12 0 0.25 0
if ! python3 "$rep" $tmp/run > $tmp/out 2> $tmp/err; then
	res 1 figures "failed: $(cat $tmp/err)"
else
	why=$(python3 - $tmp/run/replay-summary.csv <<'PY'
import csv, sys
rows = {r["config"]: r for r in csv.DictReader(open(sys.argv[1]))}
def near(a, b, what):
    if abs(float(a) - b) > 0.02 * abs(b) + 1e-6:
        print(f"{what}: {a}, expected {b}"); sys.exit()
h, s = rows["hotmem"], rows["static"]
near(s["rss_gibs"], 20.0, "static GiB s")
near(h["rss_gibs"], 5.0, "hotmem GiB s")
near(h["ideal_gibs"], 6.0, "ideal GiB s")
near(h["nb_p99"], 12.0, "hotmem neighbour P99 (nearest rank: the 99th of 100)")
near(s["nb_p99"], 10.0, "static neighbour P99")
near(h["nbw_n"], 2, "hotmem requests in the reclaim window [4.0, 4.25) s: 4.05, 4.15")
near(rows["offline"]["nbw_n"], 15, "offline requests in the reclaim window [4.0, 5.5) s")
near(h["rec_ms_per_gib"], 1000.0, "hotmem reclaim: 250 ms for 0.25 GiB")
near(rows["virtiomem"]["rec_ms_per_gib"], 4000.0, "virtio-mem reclaim: 1 s for 0.25 GiB")
near(h["fn_p99"], 4000.0, "function latency")
near(h["committed_gibs"], 0.5 * 10 + 0.25 * 4.25, "hotmem committed GiB s")
near(s["committed_gibs"], 3.5 * 10, "static committed GiB s")
near(h["waste"], 1 - 200 / 256, "rounding waste")
PY
)
	if [ -n "$why" ]; then res 1 figures "$why"
	else res 0 figures; fi
	for want in "host memory integral, hotmem / static seed 1: 0.25 (target <= 0.50): met" \
		    "host memory integral, hotmem / ideal seed 1: 0.83 (target <= 1.20): met" \
		    "neighbour P99, hotmem / static seed 1: 1.20 (target <= 1.10): not met" \
		    "pages migrated, hotmem seed 1: 0 (target 0): met"; do
		grep -qxF "$want" $tmp/out || { res 1 targets "no line '$want' in: $(grep target $tmp/out)"; break; }
	done && res 0 targets
fi

make_cfg hotmem 0.5 12 0 0.25 102
if python3 "$rep" $tmp/run > $tmp/out 2> $tmp/err; then res 1 failed-function "a failed function was reported"
elif ! grep -q "hotmem: seed 1: functions \[1\] failed" $tmp/err; then res 1 failed-function "unclear error: $(cat $tmp/err)"
else res 0 failed-function; fi
make_cfg hotmem 0.5 12 0 0.25 0
rm $tmp/run/rss-replay-offline.csv
if python3 "$rep" $tmp/run > $tmp/out 2> $tmp/err; then res 1 missing "a run without the offline VM was reported"
elif ! grep -q "rss-replay-offline.csv missing" $tmp/err; then res 1 missing "unclear error: $(cat $tmp/err)"
else res 0 missing; fi
