#!/bin/bash
# Host checks of the kernel series: every patch in kernel/cgroup-hotmem/series
# exists and passes scripts/checkpatch.pl --strict from the same kernel source.
# (That the series applies without fuzz and builds is checked by
# kernel/build-kernel.sh during `make check`.)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$top/kernel/cgroup-hotmem
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -s "$dir/series" ]; then
	echo "FAIL host:series: kernel/cgroup-hotmem/series is missing or empty"
	exit 0
fi
tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$tmp" --strip-components=1 \
	linux-source-6.12/scripts/checkpatch.pl linux-source-6.12/scripts/spelling.txt \
	linux-source-6.12/scripts/const_structs.checkpatch 2>/dev/null
cp=$tmp/scripts/checkpatch.pl
[ -x "$cp" ] || { echo "FAIL host:checkpatch: cannot extract checkpatch.pl"; exit 0; }
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	if [ ! -f "$dir/$p" ]; then
		echo "FAIL host:checkpatch:$p: listed in series but missing"
		continue
	fi
	if out=$("$cp" --strict --no-tree --quiet --show-types "$dir/$p" 2>&1) && [ -z "$out" ]; then
		echo "PASS host:checkpatch:$p"
	else
		printf '%s\n' "$out" | sed 's/^/    /'
		echo "FAIL host:checkpatch:$p: checkpatch --strict reports findings"
	fi
	# Given a path git tracks, relative to the top of the repository,
	# checkpatch checks the patch file as a source file (--file): the
	# file itself must be clean too (blank context lines written empty,
	# no "-- " signature: git format-patch --no-signature).
	if out=$(cd "$top" && "$cp" --strict --no-tree --quiet --show-types \
			"kernel/cgroup-hotmem/$p" 2>&1) && [ -z "$out" ]; then
		echo "PASS host:checkpatch-as-file:$p"
	else
		printf '%s\n' "$out" | sed 's/^/    /'
		echo "FAIL host:checkpatch-as-file:$p: checkpatch --strict on the file from the repository top reports findings"
	fi
done < "$dir/series"
