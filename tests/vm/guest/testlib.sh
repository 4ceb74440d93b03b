# Sourced by guest tests: small helpers shared by every suite.
# Tests exit 0 (pass), 1 (fail) or 77 (skip, after `echo "SKIP: why"`).

HM_SYSMEM=/sys/devices/system/memory
HM_CGROOT=/sys/fs/cgroup
# Output files of processes started in bound cgroups (ramfs: never pooled).
HM_OUT=/hmout

hm_fail() { echo "FAIL: $*"; exit 1; }
hm_skip() { echo "SKIP: $*"; exit 77; }
hm_log()  { echo "# $*"; }

# Benchmarks (tests/guest/bench/): hm_bench KEY VALUE prints a result line
# "BENCH KEY VALUE" (tests/tools/bench.sh reads them); hm_median prints the
# median of the numbers on stdin, one a line (of an even count, the lower
# middle one); hm_ns_of prints the ns=N of hm-timed-write's or hm-alloc's
# output on stdin.
hm_bench()  { echo "BENCH $1 $2"; }
hm_median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
hm_ns_of()  { sed -n 's/.*ns=\([0-9]*\).*/\1/p'; }

# hm_req CMD ARGS...: ask the host side (tests/vm/run-vm.py) to act on the VM
# through QEMU's monitor, over the second serial port.  Prints the answer's
# payload; returns non-zero when the host reports an error.
#   dimm-add MiB [NODE]  plug a pc-dimm (on NUMA node NODE, default 0);
#                    prints its id
#   dimm-del ID      unplug it (its blocks must be offline)
#   dimm-del-all     unplug every DIMM still plugged (the harness's repair)
#   vmem-size        print the virtio-mem plugged size in bytes (QEMU's view)
#   qemu-rss         print the QEMU process's resident memory in bytes, and
#                    that of virtio-mem's memory backend alone
#   vmm-restart [MiB]  stop hotmem-vmm and start it again (with a budget of
#                    MiB; default the harness's); returns once it serves the
#                    VM again
#   vmm-check        hotmem-vmm still runs (the process the harness started)
#   peer-start MiB   boot the peer VM (smaller, running the suite "peer")
#                    and restart hotmem-vmm serving both VMs on a budget of
#                    MiB; returns once it serves both
#   peer-post WORD   tell the other VM WORD (either VM may post)
#   peer-wait WORD [SECONDS]  wait until the other VM posted WORD; fails at
#                    once when it posted "failed" or is gone, and after
#                    SECONDS (default 300)
#   mark LABEL       a mark in the host's samples of QEMU's resident memory
#                    (run-vm.py --rss-csv; nothing without it)
#   trace SEED SECONDS RATE MAX_S  the serverless trace of that seed
#                    (tests/tools/serverless-trace.py: SECONDS of arrivals
#                    at RATE per second, durations clipped to MAX_S), its
#                    CSV rows "start_s,kind,mib,duration_s" joined by ';'
#   cri CALL ARGS... one CRI call to containerd in this VM, made by the host's
#                    client (tests/vm/cri/client.py lists the calls; needs
#                    run-vm.py --cri and tests/guest/cri's setup)
#   peer-stop [SECONDS]  let the peer VM finish (killed after SECONDS,
#                    default 120), restart hotmem-vmm for this VM alone with
#                    the harness's budget; prints the peer's results and
#                    fails unless they all passed
# One request is answered in the guest, because virtio-mem is resized by
# hotmem-vmm alone (its accounting must see every resize):
#   vmem-resize MiB  hotmem-provider set: hotmem-vmm grows or shrinks
#                    virtio-mem to MiB and waits for the guest; prints the
#                    size, or the provider's error
HM_PROVIDER=/usr/local/libexec/hotmem/hotmem-provider
hm_req() {
	if [ "$1" = vmem-resize ]; then
		"$HM_PROVIDER" --timeout 180 set $(($2 << 20)) hm-test 2>&1
		return
	fi
	(
		flock 8
		seq=$(( $(cat /run/hm-req.seq 2>/dev/null || echo 0) + 1 ))
		echo "$seq" > /run/hm-req.seq
		exec 9<>/dev/ttyS1
		printf '@@REQ %s %s\n' "$seq" "$*" >&9
		while read -r tag id status payload <&9; do
			[ "$tag" = "@@REP" ] && [ "$id" = "$seq" ] || continue
			echo "$payload"
			[ "$status" = OK ]
			exit $?
		done
		exit 1
	) 8>/run/hm-req.lock
}

# hm_hotmem_kernel: print 1 on a kernel with memory.hotplug (a new cgroup
# has the file), else 0.
hm_hotmem_kernel() {
	mkdir -p $HM_CGROOT/hm-kernel-probe || return 1
	[ -e $HM_CGROOT/hm-kernel-probe/memory.hotplug ] && echo 1 || echo 0
	rmdir $HM_CGROOT/hm-kernel-probe
}

hm_block_size() { printf '%d\n' "0x$(cat $HM_SYSMEM/block_size_bytes)"; }

# Memory block ids, one per line, optionally only those in state $1.
hm_blocks() {
	for d in $HM_SYSMEM/memory[0-9]*; do
		[ -z "$1" ] || [ "$(cat "$d/state")" = "$1" ] || continue
		echo "${d##*/memory}"
	done | sort -n
}
hm_offline_blocks() { hm_blocks offline; }

# hm_wait COND_CMD [SECONDS]: poll until a command succeeds.
hm_wait() {
	i=0
	while ! eval "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -le $(( ${2:-30} * 10 )) ] || return 1
		sleep 0.1
	done
}

# hm_kernel_splats: the kernel log's lines that say the kernel complained:
# warnings, BUGs (KASAN's included), lockdep reports, list corruption, bad
# page state and dump_page() output.  Three dump_page() reasons are not
# complaints: "unmovable page", "isolation failed" and "migration failure"
# are memory offlining saying which page made an offline fail or retry
# (mem-on-off-test.sh offlines boot memory on purpose, root's offline of a
# busy orphan and memory.hotplug.evict migrate pages of tasks that may be
# exiting meanwhile, and tests assert each offline's result themselves).
hm_kernel_splats() {
	dmesg | grep -E 'WARNING:|BUG:|BUG |circular locking|inconsistent lock state|lock held when returning|list_add corruption|list_del corruption|Bad page|bad page state|page dumped because|kernel BUG|general protection' |
		grep -vE 'page dumped because: (unmovable page|isolation failed|migration failure)$'
}

# hm_kernel_splat_context N < LINES: each of the first 3 complaint lines read
# (from hm_kernel_splats) with the N kernel log lines that follow it.
hm_kernel_splat_context() {
	head -n 3 | while read -r _l; do
		dmesg | grep -F -x -A "$1" -- "$_l" | head -n $(($1 + 1))
	done
}

# hm_choice FILE: the selected value of a sysfs choice file ("a [b] c" -> b),
# such as transparent_hugepage/enabled.
hm_choice() { sed -n 's/.*\[\(.*\)\].*/\1/p' "$1"; }
hm_vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
hm_meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# hm_bundle DIR ARGS...: make an OCI bundle at DIR running ARGS in the busybox
# rootfs, with `crun spec`'s defaults (namespaces incl. ipc and net) and no
# terminal.  Further changes: hm_bundle_set DIR JQ-EXPR.
hm_bundle() {
	dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && crun spec) || return 1
	args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
	hm_bundle_set "$dir" ".process.terminal = false | .process.args = $args |
		.root.path = \"/hotmem/rootfs\" | .root.readonly = true"
}
hm_bundle_set() {
	jq "$2" "$1/config.json" > "$1/config.json.new" && mv "$1/config.json.new" "$1/config.json"
}

# The cgroup v2 directory of a running container (from its init pid, as the
# hook finds it: /proc/<pid>/cgroup's 0:: line under the cgroup2 mount).
hm_container_cgroup() {
	pid=$(crun state "$1" | jq -r .pid) || return 1
	echo "$HM_CGROOT$(sed -n 's/^0:://p' /proc/"$pid"/cgroup)"
}

# hm_new_blocks BEFORE: block ids that are not in the list BEFORE.
hm_new_blocks() {
	hm_blocks | while read -r n; do
		case " $1 " in *" $n "*) ;; *) echo "$n" ;; esac
	done | tr '\n' ' '
}

# hm_plug_dimm MiB [NODE]: plug a DIMM (on NUMA node NODE, default 0) and
# wait for its offline blocks; sets HM_DIMM (the device id) and HM_NEW (its
# block ids).
hm_plug_dimm() {
	_before=$(hm_blocks | tr '\n' ' ')
	HM_DIMM=$(hm_req dimm-add "$1" "${2:-0}") || return 1
	_want=$(( ($1 << 20) / $(hm_block_size) ))
	hm_wait "[ \$(hm_new_blocks \"$_before\" | wc -w) -ge $_want ]" 30 || return 1
	HM_NEW=$(hm_new_blocks "$_before")
}

# hm_unplug_dimm ID BLOCKS...: offline what is still online, then unplug.
# A block that will not go offline at once (the last pages of a process
# killed by a test's trap still being freed) is retried for up to 10 s.
# Whatever fails is said on the test's output and the return is non-zero;
# from a trap, run-suites.sh then reports the test as having left memory
# behind.
hm_unplug_dimm() {
	_dev=$1; shift
	for _n in "$@"; do
		[ "$(cat $HM_SYSMEM/memory$_n/state 2>/dev/null)" = online ] || continue
		hm_wait "echo offline > $HM_SYSMEM/memory$_n/state" 10 ||
			echo "cleanup: memory$_n will not go offline ($(cat $HM_SYSMEM/memory$_n/hotplug_owner 2>/dev/null))"
	done
	_r=$(hm_req dimm-del "$_dev") || { echo "cleanup: unplugging $_dev failed: $_r"; return 1; }
}

# hm_used_pages N: pages of bound or orphaned block N in use.
hm_used_pages() { cat $HM_SYSMEM/memory$1/hotplug_used_pages; }

# hm_cgid CGROUP: the cgroup's id, as memoryN/hotplug_owner ("bound <id>",
# "orphan <id>") and memory.hotplug.effective ("owner <id>") show it: the
# inode number of its directory.  CGROUP is a path under $HM_CGROOT or one
# relative to it ("hm-a", "/hm-a").  A removed cgroup has no id to read:
# take it before the rmdir.
hm_cgid() {
	case $1 in
	"$HM_CGROOT" | "$HM_CGROOT"/*) stat -c %i "$1" ;;
	*) stat -c %i "$HM_CGROOT/${1#/}" ;;
	esac
}

# hm_owner N: memoryN/hotplug_owner ("unbound", "bound <id>", "orphan <id>").
hm_owner() { cat $HM_SYSMEM/memory$1/hotplug_owner; }

# hm_block_line CGROUP N: block N's line of CGROUP's memory.hotplug.blocks
# ("N size=... used=... free=... state=..."); fails when N is not bound there.
hm_block_line() { grep "^$2 " "$1/memory.hotplug.blocks"; }

# hm_hp_ids CGROUP: CGROUP's memory.hotplug (its bound block ids, in bind
# order, space separated), as one line without the newline.
hm_hp_ids() { cat "$1/memory.hotplug"; }

# hm_event CGROUP KEY [FILE]: a counter of CGROUP's memory.events (or of its
# FILE, such as memory.events.local); prints nothing when the key is absent
# (an old kernel), so that a comparison with a number fails.
hm_event() { awk -v k="$2" '$1 == k { print $2 }' "$1/${3:-memory.events}"; }

# hm_block_pfns N: the first and one-past-last pfn of memory block N.
hm_block_pfns() {
	_pages=$(( $(hm_block_size) / 4096 ))
	echo "$(( $1 * _pages )) $(( ($1 + 1) * _pages ))"
}

# hm_span_pfns BLOCKS...: the first pfn of the first block and one past the
# last pfn of the last (the blocks of one DIMM, in order).
hm_span_pfns() {
	_lo=$(hm_block_pfns $1 | cut -d' ' -f1)
	eval "_last=\${$#}"
	echo "$_lo $(hm_block_pfns $_last | cut -d' ' -f2)"
}

# hm_try FILE DATA: write DATA to FILE with one write(2); prints "ok" or the
# errno name (EBUSY, EINVAL, ENOTEMPTY, EOPNOTSUPP, ...: hm-timed-write's).
hm_try() {
	_r=$(hm-timed-write "$1" "$2")
	case $_r in
	ok*) echo ok ;;
	error*) echo "$_r" | cut -d' ' -f3 ;;
	esac
}

# hm_expect ERRNO FILE DATA: the write must fail with ERRNO (or "ok").
hm_expect() {
	_got=$(hm_try "$2" "$3")
	[ "$_got" = "$1" ] || hm_fail "writing '$3' to $2: got $_got, expected $1"
	hm_log "'$3' > ${2#$HM_CGROOT/} -> $_got"
}

hm_cg_stat() { awk -v k="$2" '$1 == k { print $2 }' "$1/memory.stat"; }

# hm_start_in CGROUP OUTFILE CMD...: run CMD in CGROUP in the background.
hm_start_in() {
	_cg=$1 _out=$2; shift 2
	sh -c "echo \$\$ > $_cg/cgroup.procs && exec \"\$@\"" sh "$@" > "$_out" 2>&1 &
}

# --- hotmem-hook -----------------------------------------------------------
HM_HOOK=/usr/sbin/hotmem-hook
# its test build: the only one with fault injection (HOTMEM_DEBUG_KILL_AT)
HM_HOOK_TEST=/usr/sbin/hotmem-hook-test
HM_LEDGER=/run/hotmem

# hm_hook_bundle DIR ARGS...: hm_bundle plus hotmem-hook at createRuntime and
# poststop, added by the operator's filter runtime-patches/crun/hotmem-hooks.jq
# (hook stderr to $HM_OUT/hooks.err).
hm_hook_bundle() {
	_d=$1; shift
	hm_bundle "$_d" "$@" || return 1
	jq --arg hook "$HM_HOOK" --arg stderr "$HM_OUT/hooks.err" -f /hotmem/lib/hotmem-hooks.jq \
		"$_d/config.json" > "$_d/config.json.new" && mv "$_d/config.json.new" "$_d/config.json"
}

# hm_records: number of ledger records.
hm_records() { ls "$HM_LEDGER" 2>/dev/null | grep -c '\.rec$'; }

# hm_all_free BLOCKS...: every block is offline and unbound.
hm_all_free() {
	for _n in "$@"; do
		[ "$(cat $HM_SYSMEM/memory$_n/state)" = offline ] || return 1
		[ "$(cat $HM_SYSMEM/memory$_n/hotplug_owner)" = unbound ] || return 1
	done
}

# hm_expect_clean BLOCKS...: nothing claimed, nothing leaked.
hm_expect_clean() {
	hm_all_free "$@" || hm_fail "blocks not free: $(for _n in "$@"; do printf '%s:%s:%s ' $_n \
		"$(cat $HM_SYSMEM/memory$_n/state)" "$(cat $HM_SYSMEM/memory$_n/hotplug_owner)"; done)"
	[ "$(hm_records)" = 0 ] || hm_fail "ledger not empty: $(ls $HM_LEDGER)"
}

# hm_state ID PID BUNDLE: the OCI state a runtime gives a hook on stdin.
hm_state() {
	printf '{"ociVersion":"1.0.2","id":"%s","status":"created","pid":%s,"bundle":"%s","annotations":{}}' \
		"$1" "$2" "$3"
}

# hm_fake_container ID SIZE: a cgroup /ID with a sleeping process and a
# bundle asking for SIZE, for driving the hook without a runtime; sets
# HM_CPID.  hm_fake_container_stop ID: what the runtime does at delete.
hm_fake_container() {
	mkdir -p /tmp/$1 $HM_CGROOT/$1
	printf '{"annotations":{"io.hotmem.size":"%s"}}' "$2" > /tmp/$1/config.json
	sh -c "echo \$\$ > $HM_CGROOT/$1/cgroup.procs && exec sleep 1000" & HM_CPID=$!
	echo $HM_CPID > /tmp/$1.pid
	hm_wait "grep -q $HM_CPID $HM_CGROOT/$1/cgroup.procs" 10
}
hm_fake_container_stop() {
	[ -d $HM_CGROOT/$1 ] || return 0
	echo 1 > $HM_CGROOT/$1/cgroup.kill
	hm_wait "! [ -s $HM_CGROOT/$1/cgroup.procs ]" 10
	# reap it: an unreaped (zombie) task keeps the cgroup busy
	wait "$(cat /tmp/$1.pid)" 2>/dev/null
	rmdir $HM_CGROOT/$1
}

# --- fault injection (debug kernel: CONFIG_MEMCG_HOTPLUG_DEBUG) ------------
# hm_dbg_init: mount debugfs; fails when the kernel has no park points.
HM_DBG=/sys/kernel/debug/memcg_hotplug
hm_dbg_init() {
	[ -d /sys/kernel/debug/memcg_hotplug ] ||
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -w $HM_DBG/park ]
}
# hm_park POINT: the next task to reach POINT sleeps there until
# hm_park none; hm_wait_parked N: until N tasks are parked.
hm_park() { echo "$1" > $HM_DBG/park; }
hm_wait_parked() { hm_wait "[ \$(cat $HM_DBG/parked) = $1 ]" "${2:-60}"; }

# --- hotmem-vmm (host) and hotmem-provider (guest) --------------------------
HM_PORT=/dev/virtio-ports/org.hotmem.0

# hm_provider_bundle DIR ID LIMIT_MIB ARGS...: hm_hook_bundle running ARGS in
# cgroup /ID with a memory limit, its hooks configured (/tmp/provider.conf)
# with hotmem-provider as the provider: a create that lacks blocks has
# hotmem-vmm grow virtio-mem, a poststop that released blocks shrinks it.
hm_provider_bundle() {
	_d=$1 _id=$2 _lim=$3; shift 3
	printf 'provider = %s\nprovider_timeout = 60\nhook_timeout = 90\n' "$HM_PROVIDER" > /tmp/provider.conf
	hm_hook_bundle "$_d" "$@" || return 1
	hm_bundle_set "$_d" ".linux.resources.memory.limit = $((_lim << 20)) | .linux.cgroupsPath = \"/$_id\" |
		.hooks.createRuntime[0].env = [\"HOTMEM_CONFIG=/tmp/provider.conf\", \"PATH=$PATH\"] |
		.hooks.poststop[0].env = [\"HOTMEM_CONFIG=/tmp/provider.conf\", \"PATH=$PATH\"] |
		.hooks.createRuntime[0].timeout = 90 | .hooks.poststop[0].timeout = 90"
}

# hm_vmm_field KEY: a field of hotmem-vmm's STATUS for this VM (plugged,
# requested, max, step, budget, budget_free), as hotmem-provider reads it.
hm_vmm_field() {
	"$HM_PROVIDER" --timeout 30 status | tr ' ' '\n' | sed -n "s/^$1=//p"
}
