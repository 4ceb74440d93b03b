#!/bin/bash
# `make check`: build everything, run the host-side tests, then the VM tests on
# the hotmem kernel and on the vanilla baseline, and end with one line
# "N passed, N failed, N skipped".  Exit status is non-zero when anything
# failed, including a step that could not run at all.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${HOTMEM_BUILD:-$top/build}
results=$build/results.txt
logs=$build/logs
mkdir -p "$logs"
: > "$results"
t0=$(date +%s)

step() { echo "=== $* ($(( $(date +%s) - t0 ))s)"; }
# record VERDICT NAME [REASON]
record() { echo "$1 $2${3:+: $3}" | tee -a "$results"; }
# run_step NAME CMD...: a build step; its failure is a failed result.
run_step() {
	local name=$1; shift
	if "$@" > "$logs/$name.log" 2>&1; then
		record PASS "build:$name"
	else
		tail -n 30 "$logs/$name.log"
		record FAIL "build:$name" "see $logs/$name.log"
		return 1
	fi
}

step "host unit tests"
for t in tests/host/*.sh; do
	[ -x "$t" ] || continue
	"$t" 2>&1 | tee "$logs/$(basename "$t" .sh).log" | grep -E '^(PASS|FAIL|SKIP) ' >> "$results"
done
grep -E '^(PASS|FAIL|SKIP) host' "$results" || true

step "kernels (vanilla, hotmem, debug, off)"
vms=()
for v in vanilla hotmem debug off; do
	if run_step "kernel-$v" make -s "kernel-$v" && run_step "initramfs-$v" make -s "initramfs-$v"; then
		vms+=("$v")
		# the CRI test's VM: the hotmem kernel, its initramfs plus containerd
		if [ "$v" = hotmem ] && run_step initramfs-cri make -s initramfs-cri; then
			vms+=(cri)
		fi
	fi
done

step "VM tests"
for v in "${vms[@]}"; do
	mem=512M append= kernel=$build/out/$v/bzImage initrd=$build/out/$v/initramfs.cpio extra=()
	case $v in
	hotmem)  suites=common,hotmem,hook ;;
	vanilla) suites=common,vanilla ;;
	# the hotmem kernel with DEBUG_VM, DEBUG_LIST, lockdep, KASAN and the
	# park points: the series' own tests (whose last test checks the kernel
	# log and lockdep), the race tests (races hit every time), the write
	# fuzzer (100,000 writes) and the stress run (120 s; any length with
	# `make stress DURATION=`).  KASAN maps 1/8 of every block it sees
	# come online as shadow in boot memory (16 MiB per 128 MiB block).
	debug)   suites=hotmem,debug,stress mem=1G
		 append="hotmem.stress_seconds=120 hotmem.fuzz_writes=100000" ;;
	# the series with CONFIG_MEMCG_HOTPLUG=n must behave as vanilla does
	off)     suites=common,vanilla ;;
	cri)     suites=cri mem=1G extra=(--cri) kernel=$build/out/hotmem/bzImage
		 initrd=$build/out/hotmem/initramfs-cri.cpio ;;
	esac
	step "VM: $v kernel, suites $suites"
	python3 tests/vm/run-vm.py --name "$v" --kernel "$kernel" \
		--initrd "$initrd" --suites "$suites" --boot-mem "$mem" \
		--append "$append" "${extra[@]}" \
		--timeout "${HOTMEM_VM_TIMEOUT:-2400}" --log "$logs/vm-$v.log" \
		--results "$results" --quiet
done

# What each failed VM test printed, in short, so that a CI log that keeps
# only the output (not build/logs) still shows why: its first 12 and last 28
# lines (a kernel splat comes first, a test's own verdict last).
excerpt() {
	local n=$(wc -l < "$1")
	if [ "$n" -le 40 ]; then cat "$1"; else head -n 12 "$1"; echo "    ... ($((n - 40)) lines)"; tail -n 28 "$1"; fi
}
grep -E '^FAIL [a-z]+:[a-z]+/' "$results" | while read -r _ what _; do
	what=${what%:} what=${what%/cleanup} what=${what%/kernel-log}
	echo "$what"
done | awk '!seen[$0]++' | while read -r what; do
	vm=${what%%:*} test=${what#*:}
	[ -f "$logs/vm-$vm.log" ] || continue
	grep -F "[$test] " "$logs/vm-$vm.log" | cut -c1-300 > "$logs/excerpt.tmp"
	[ -s "$logs/excerpt.tmp" ] || continue
	echo "--- $vm:$test printed:"
	excerpt "$logs/excerpt.tmp"
done
rm -f "$logs/excerpt.tmp"

step "summary"
passed=$(grep -c '^PASS ' "$results")
failed=$(grep -c '^FAIL ' "$results")
skipped=$(grep -c '^SKIP ' "$results")
grep -E '^(FAIL|SKIP) ' "$results" || true
echo "logs: $logs ($(( $(date +%s) - t0 ))s in all)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
