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
	fi
done

step "VM tests"
for v in "${vms[@]}"; do
	case $v in
	hotmem)  suites=common,hotmem,hook ;;
	vanilla) suites=common,vanilla ;;
	# the hotmem kernel with DEBUG_VM, DEBUG_LIST and lockdep: the series'
	# own tests, whose last test checks the kernel log and lockdep
	debug)   suites=hotmem,hook ;;
	# the series with CONFIG_MEMCG_HOTPLUG=n must behave as vanilla does
	off)     suites=common,vanilla ;;
	esac
	step "VM: $v kernel, suites $suites"
	python3 tests/vm/run-vm.py --name "$v" --kernel "$build/out/$v/bzImage" \
		--initrd "$build/out/$v/initramfs.cpio" --suites "$suites" \
		--timeout "${HOTMEM_VM_TIMEOUT:-1500}" --log "$logs/vm-$v.log" \
		--results "$results" --quiet
done

step "summary"
passed=$(grep -c '^PASS ' "$results")
failed=$(grep -c '^FAIL ' "$results")
skipped=$(grep -c '^SKIP ' "$results")
grep -E '^(FAIL|SKIP) ' "$results" || true
echo "logs: $logs ($(( $(date +%s) - t0 ))s in all)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
