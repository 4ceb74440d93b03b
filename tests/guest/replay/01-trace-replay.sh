#!/bin/sh
# Benchmark: a serverless trace replayed on one configuration (make bench
# boots one VM per configuration, all of the same shape, and names it with
# hm.replay= on the kernel command line):
#   static     vanilla kernel; all of virtio-mem's memory plugged and onlined
#              movable before the replay, never given back (the latency
#              reference: a statically over-provisioned VM)
#   virtiomem  vanilla kernel; blocks onlined movable as they come
#              (auto_online_blocks); each function's blocks are plugged
#              before it starts, and at its end virtio-mem's requested size
#              is lowered by as much: the guest's driver offlines (migrating
#              what lies there) and unplugs what it chooses
#   offline    vanilla kernel; as virtiomem, but at a function's end the
#              guest offlines as many hot-plugged blocks itself (the last
#              ones, migrating what lies there) before the size is lowered,
#              and the driver unplugs those offline blocks
#   hotmem     hotmem kernel; every function runs with hotmem-hook, whose
#              provider (hotmem-provider -> hotmem-vmm) plugs the blocks it
#              binds and gives them back at poststop
# Every function is a container run by crun (the same bundle in every
# configuration but for the hook): hm-fn-html, -bfs or -dense filling MIB
# of memory, then working for its duration, in a cgroup with a memory limit
# of its blocks plus 64 MiB; it has ceil((MIB + 4 MiB) / 128 MiB) blocks.
# The trace (hm_req trace: tests/tools/serverless-trace.py, Azure Functions
# distributions) is replayed for two seeds; a neighbour (hm-neighbour, 64
# MiB of boot memory) serves NB_RATE requests per second throughout.  Each
# seed's replay lasts WINDOW seconds (its last function's nominal end plus
# 20 s), the same in every configuration, so that the host's samples of
# QEMU's resident memory (run-vm.py --rss-csv, marked replay-<cfg>-<seed>-
# start/-end) cover equal windows.
#
# Output (the host's tests/tools/bench-replay.py reads it):
#   TRACE <seed> t0 <ns> window_s <s>
#   TRACE <seed> fn <i> <kind> <mib> <duration_s> <start_s> <blocks>
#         <arrive_ns> <end_ns> <exited_ns> <back_ns> <ops> <rc>
#       arrive: the replay started it; end: the function's last instant
#       (its "done" line); exited: crun returned (the container deleted, and
#       on hotmem its poststop done: blocks released and unplugged); back:
#       its blocks are back with the host (virtiomem, offline: after the
#       resize; static: = exited, nothing is given back)
#   TRACE <seed> nb <start_ns> <latency_ns>     one neighbour request
#   TRACE <seed> migrated <pages>               pgmigrate_success over the seed
# All times are the guest's CLOCK_MONOTONIC.  Fails when a function fails,
# so that a result is never computed from a partial replay.
. /hotmem/lib/testlib.sh
cfg=$(sed -n 's/.*hm\.replay=\([a-z]*\).*/\1/p' /proc/cmdline)
[ -n "$cfg" ] || hm_skip "no hm.replay= on the kernel command line (make bench boots a VM per configuration)"
SEEDS="1 2"
DURATION=50     # seconds of arrivals
RATE=0.3        # arrivals per second
MAX_S=20        # longest function
NB_RATE=20      # neighbour requests per second
bs_mib=$(( $(hm_block_size) >> 20 ))
[ "$bs_mib" = 128 ] || hm_fail "this benchmark assumes 128 MiB blocks, not $bs_mib MiB"
hotmem=$(hm_hotmem_kernel) || hm_fail "cannot create a cgroup"
case $cfg in
static|virtiomem|offline) [ $hotmem = 0 ] || hm_fail "configuration $cfg runs on the vanilla kernel" ;;
hotmem) [ $hotmem = 1 ] || hm_fail "configuration hotmem needs the hotmem kernel" ;;
*) hm_fail "unknown configuration '$cfg'" ;;
esac
[ "$(hm_req vmem-size)" = 0 ] || hm_fail "virtio-mem not empty at the start"
boot=$(hm_blocks | tr '\n' ' ')
auto=$(cat $HM_SYSMEM/auto_online_blocks)
nbpid=
cleanup() {
	[ -n "$nbpid" ] && kill $nbpid 2>/dev/null && wait $nbpid 2>/dev/null
	for c in $HM_CGROOT/replay-* $HM_CGROOT/hm-replay-nb; do
		[ -d $c ] && { xargs -r kill -9 < $c/cgroup.procs; sleep 0.2; rmdir $c; }
	done 2>/dev/null
	for id in $(crun list -q 2>/dev/null); do crun delete -f $id >/dev/null 2>&1; done
	echo "$auto" > $HM_SYSMEM/auto_online_blocks
	for n in $(hm_new_blocks "$boot"); do
		[ "$(cat $HM_SYSMEM/memory$n/state)" = offline ] || echo offline > $HM_SYSMEM/memory$n/state
	done 2>/dev/null
	hm_req vmem-resize 0 > /dev/null
}
trap cleanup EXIT

# --- virtio-mem on the vanilla kernel: sizes kept under one lock ------------
echo 0 > /run/replay-vmem
# vmem_add MIB: plug MIB more
vmem_add() {
	(
		flock 7
		_v=$(( $(cat /run/replay-vmem) + $1 ))
		_r=$(hm_req vmem-resize $_v) || { echo "grow to $_v MiB: $_r" >&2; exit 1; }
		echo $_v > /run/replay-vmem
	) 7> /run/replay-vmem.lock
}
# vmem_sub MIB [offline]: give MIB back; with "offline", the guest first
# offlines that many of the last online hot-plugged blocks itself
vmem_sub() {
	(
		flock 7
		if [ "${2:-}" = offline ]; then
			_left=$(($1 / bs_mib)) _args=
			for _n in $(hm_new_blocks "$boot" | tr ' ' '\n' | sort -rn); do
				[ $_left -gt 0 ] || break
				[ "$(cat $HM_SYSMEM/memory$_n/state)" = online ] || continue
				_args="$_args $HM_SYSMEM/memory$_n/state offline"
				_left=$((_left - 1))
			done
			[ $_left = 0 ] || { echo "too few online blocks to offline" >&2; exit 1; }
			hm-timed-write $_args > /dev/null || { echo "offline:$_args" >&2; exit 1; }
		fi
		_v=$(( $(cat /run/replay-vmem) - $1 ))
		_r=$(hm_req vmem-resize $_v) || { echo "shrink to $_v MiB: $_r" >&2; exit 1; }
		echo $_v > /run/replay-vmem
	) 7> /run/replay-vmem.lock
}

# --- one bundle per function, from one template -----------------------------
tmpl=/tmp/replay-template
rm -rf $tmpl && mkdir -p $tmpl
if [ $cfg = hotmem ]; then
	hm_provider_bundle $tmpl replay-template 256 /bin/true || hm_fail "bundle template"
else
	hm_bundle $tmpl /bin/true || hm_fail "bundle template"
fi
# bundle SEED I KIND MIB DURATION BLOCKS
bundle() {
	_b=/tmp/replay/$1-$2
	mkdir -p $_b
	jq --arg id "/replay-$1-$2" --arg kind "/bin/hm-fn-$3" --arg mib "$4" --arg dur "$5" \
		--argjson lim $((($6 * bs_mib + 64) << 20)) --arg size "$(($6 * bs_mib))Mi" --arg hm $hotmem '
		.process.args = [$kind, $mib, $dur] | .linux.cgroupsPath = $id |
		.linux.resources.memory.limit = $lim |
		if $hm == "1" then .annotations["io.hotmem.size"] = $size else . end' \
		$tmpl/config.json > $_b/config.json
}

# fn SEED I START KIND MIB DURATION BLOCKS: run one function at START
# seconds after $t0; print its TRACE line (and its output on failure)
fn() {
	_id=replay-$1-$2
	_d=$(awk -v at=$3 -v now=$(hm-now) -v t0=$t0 'BEGIN { d = at - (now - t0) / 1e9; printf "%.3f", d < 0 ? 0 : d }')
	sleep $_d
	_arrive=$(hm-now)
	_rc=0
	case $cfg in virtiomem|offline) vmem_add $(($7 * bs_mib)) || _rc=100 ;; esac
	if [ $_rc = 0 ]; then
		crun run --bundle /tmp/replay/$1-$2 $_id > $HM_OUT/$_id.out 2>&1 < /dev/null
		_rc=$?
	fi
	_exited=$(hm-now)
	case $cfg in
	virtiomem) [ $_rc = 100 ] || vmem_sub $(($7 * bs_mib)) || _rc=101 ;;
	offline)   [ $_rc = 100 ] || vmem_sub $(($7 * bs_mib)) offline || _rc=101 ;;
	esac
	_back=$(hm-now)
	_end=$(sed -n 's/^done .*end_ns=\([0-9]*\).*/\1/p' $HM_OUT/$_id.out)
	_ops=$(sed -n 's/^done ops=\([0-9]*\).*/\1/p' $HM_OUT/$_id.out)
	[ -n "$_end" ] || [ $_rc != 0 ] || _rc=102   # crun succeeded, the function did not finish
	echo "TRACE $1 fn $2 $4 $5 $6 $3 $7 $_arrive ${_end:-0} $_exited $_back ${_ops:-0} $_rc"
	[ "$_rc" = 0 ] || sed "s/^/# $_id: /" $HM_OUT/$_id.out $HM_OUT/hooks.err 2>/dev/null | tail -n 20
}

# --- the VM before the replay ----------------------------------------------
case $cfg in
static)
	echo online_movable > $HM_SYSMEM/auto_online_blocks
	max=$(( $(hm_vmm_field max) >> 20 ))
	[ "$max" -gt 0 ] || hm_fail "hotmem-vmm reports no maximum"
	v=0
	while [ $v -lt $max ]; do
		v=$((v + 1024)); [ $v -gt $max ] && v=$max
		r=$(hm_req vmem-resize $v) || hm_fail "virtio-mem did not grow to $v MiB: $r"
	done
	hm_wait "[ -z \"\$(hm_blocks offline)\" ]" 60 || hm_fail "blocks stay offline: $(hm_blocks offline)"
	hm_log "static: $max MiB plugged, $(hm_new_blocks "$boot" | wc -w) blocks online movable"
	;;
virtiomem|offline)
	echo online_movable > $HM_SYSMEM/auto_online_blocks ;;
esac
mkdir -p $HM_CGROOT/hm-replay-nb
hm_start_in $HM_CGROOT/hm-replay-nb $HM_OUT/replay-nb.out hm-neighbour serve /tmp/hm-replay.sock 64
nbpid=$!
hm_wait "grep -q ready $HM_OUT/replay-nb.out" 60 || hm_fail "hm-neighbour did not start: $(cat $HM_OUT/replay-nb.out)"

for seed in $SEEDS; do
	rows=$(hm_req trace $seed $DURATION $RATE $MAX_S) || hm_fail "no trace for seed $seed: $rows"
	echo "$rows" | tr ';' '\n' > /tmp/replay-$seed.csv
	nfn=$(wc -l < /tmp/replay-$seed.csv)
	[ "$nfn" -gt 0 ] || hm_fail "empty trace for seed $seed"
	window=$(awk -F, '{ e = $1 + $4; if (e > m) m = e } END { printf "%d", m + 20 }' /tmp/replay-$seed.csv)
	rm -rf /tmp/replay && mkdir -p /tmp/replay
	i=0
	while IFS=, read -r at kind mib dur; do
		i=$((i + 1))
		bundle $seed $i $kind $mib $dur $(( (mib + 4 + bs_mib - 1) / bs_mib ))
	done < /tmp/replay-$seed.csv
	hm_log "seed $seed: $nfn functions over $DURATION s, window $window s"
	m0=$(hm_vmstat pgmigrate_success)
	hm_req mark replay-$cfg-$seed-start > /dev/null
	t0=$(hm-now)
	echo "TRACE $seed t0 $t0 window_s $window"
	hm-neighbour client /tmp/hm-replay.sock $NB_RATE $window > $HM_OUT/replay-nbc-$seed.out 2>&1 &
	cpid=$!
	pids=
	i=0
	while IFS=, read -r at kind mib dur; do
		i=$((i + 1))
		fn $seed $i $at $kind $mib $dur $(( (mib + 4 + bs_mib - 1) / bs_mib )) > $HM_OUT/replay-fn-$seed-$i.res 2>&1 &
		pids="$pids $!"
	done < /tmp/replay-$seed.csv
	for p in $pids; do wait $p; done
	wait $cpid || hm_fail "the neighbour's client failed: $(tail -n 3 $HM_OUT/replay-nbc-$seed.out)"
	hm_req mark replay-$cfg-$seed-end > /dev/null
	m1=$(hm_vmstat pgmigrate_success)
	cat $HM_OUT/replay-fn-$seed-*.res
	sed -n "s/^\([0-9]*\) \([0-9]*\)$/TRACE $seed nb \1 \2/p" $HM_OUT/replay-nbc-$seed.out
	echo "TRACE $seed migrated $((m1 - m0))"
	tail -n 1 $HM_OUT/replay-nbc-$seed.out
	bad=$(cat $HM_OUT/replay-fn-$seed-*.res | awk '$3 == "fn" && $NF != 0' | wc -l)
	[ "$bad" = 0 ] || hm_fail "seed $seed: $bad of $nfn functions failed"
	[ "$(grep -c "^TRACE $seed fn " $HM_OUT/replay-fn-$seed-*.res | awk -F: '{ s += $2 } END { print s }')" = "$nfn" ] ||
		hm_fail "seed $seed: not every function reported"
	case $cfg in
	virtiomem|offline|hotmem)
		[ "$(hm_req vmem-size)" = 0 ] || hm_fail "seed $seed: virtio-mem not back to 0: $(hm_req vmem-size)" ;;
	esac
done
exit 0
