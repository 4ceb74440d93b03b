#!/bin/bash
# A bounded libFuzzer run (clang, ASan, UBSan) over hotmem-vmm's parser of
# the guest's requests (and its config parser), from vmm/fuzz/corpus.
# `make -C vmm fuzz` runs 10^6 executions.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if out=$(make -s -C "$top/vmm" fuzz FUZZ_TIME="${HOTMEM_FUZZ_TIME:-15}" 2>&1); then
	echo "PASS host:vmm/fuzz-proto ($(printf '%s\n' "$out" | grep -o 'Done [0-9]* runs' | tail -1))"
else
	printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
	echo "FAIL host:vmm/fuzz-proto"
fi
