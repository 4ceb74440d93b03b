#!/bin/bash
# A bounded libFuzzer run (clang, ASan, UBSan) over hotmem-hook's parsers of
# outside input, from the seed corpus in oci-hook/fuzz/corpus.  `make fuzz`
# runs longer (FUZZ_RUNS, default 10^7 executions).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if out=$(make -s -C "$top/oci-hook" fuzz FUZZ_TIME="${HOTMEM_FUZZ_TIME:-15}" 2>&1); then
	echo "PASS host:hook/fuzz-parsers ($(printf '%s\n' "$out" | grep -o 'Done [0-9]* runs' | tail -1))"
else
	printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
	echo "FAIL host:hook/fuzz-parsers"
fi
