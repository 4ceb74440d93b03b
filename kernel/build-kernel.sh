#!/bin/bash
# Build one test kernel of hotmem from Debian's linux-source-6.12.
#
#   kernel/build-kernel.sh VARIANT OUTDIR
#
# VARIANT  vanilla  pristine source, test-vm.config          (the baseline)
#          hotmem   source + series, test-vm + hotmem.config (the product)
#          debug    like hotmem, plus debug.config           (lockdep, DEBUG_VM, ...)
#          off      source + series, test-vm + off.config    (CONFIG_MEMCG_HOTPLUG=n:
#                   the series must not change a kernel that does not enable it)
#
# OUTDIR receives bzImage, config and selftests/ (the upstream selftests this
# kernel is checked with, built statically from the same tree).
#
# Incremental: each source flavour (pristine, patched) is one tree under
# build/kernel/src-*, kept as a git work tree.  A changed series resets the
# files the old series touched and re-applies the new one; a file whose content
# comes out as it was gets its old mtime back, so make rebuilds exactly what
# changed.  A changed fragment regenerates .config.
#
# Cache: finished outputs are also kept in $HOTMEM_CACHE (default
# /var/cache/hotmem) under a key made of every input (source package version,
# the patches' diffs, fragments, this script, compiler), so a fresh clone on a
# machine that built the same inputs before copies instead of building.
set -euo pipefail

variant=${1:?usage: build-kernel.sh vanilla|hotmem|debug|off OUTDIR}
outdir=${2:?usage: build-kernel.sh vanilla|hotmem|debug|off OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
series_dir=$top/kernel/cgroup-hotmem
cfg_dir=$series_dir/config
tarball=/usr/src/linux-source-6.12.tar.xz
build=${HOTMEM_BUILD:-$top/build}
cache=${HOTMEM_CACHE:-/var/cache/hotmem}
jobs=$(( $(nproc) + 1 ))

log() { printf 'build-kernel[%s]: %s\n' "$variant" "$*" >&2; }
die() { log "error: $*"; exit 1; }

case $variant in
vanilla) flavour=pristine; frags=("$cfg_dir/test-vm.config") ;;
hotmem)  flavour=patched;  frags=("$cfg_dir/test-vm.config" "$cfg_dir/hotmem.config") ;;
debug)   flavour=patched;  frags=("$cfg_dir/test-vm.config" "$cfg_dir/hotmem.config" "$cfg_dir/debug.config") ;;
off)     flavour=patched;  frags=("$cfg_dir/test-vm.config" "$cfg_dir/off.config") ;;
*) die "unknown variant '$variant'" ;;
esac

[ -f "$tarball" ] || die "$tarball missing: install linux-source-6.12 (make deps)"

# The patches of the series, in order (none for the pristine flavour).
patches=()
if [ "$flavour" = patched ] && [ -f "$series_dir/series" ]; then
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		[ -f "$series_dir/$p" ] || die "series names $p, which does not exist"
		patches+=("$series_dir/$p")
	done < "$series_dir/series"
fi

src_version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
# A patch counts by its diff only: a reworded commit message builds nothing.
series_key=$( { echo "$src_version"; for p in "${patches[@]}"; do
	sed -n '/^diff --git /,$p' "$p" | sha256sum; done; } | sha256sum | cut -c1-16)
config_key=$( { echo "$series_key"; cat "${frags[@]}"; } | sha256sum | cut -c1-16)
key=$( { echo "$config_key"; sha256sum < "$0"; gcc --version | head -1; } | sha256sum | cut -c1-16)

mkdir -p "$outdir"
if [ -f "$cache/$variant-$key/bzImage" ]; then
	log "cache hit $cache/$variant-$key"
	rm -rf "$outdir"/* && cp -a "$cache/$variant-$key/." "$outdir/"
	exit 0
fi

# --- source tree -----------------------------------------------------------
src=$build/kernel/src-$flavour
if [ ! -d "$src/.git" ] || [ "$(cat "$src/.hotmem-version" 2>/dev/null)" != "$src_version" ]; then
	log "unpacking $tarball ($src_version)"
	rm -rf "$src" && mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	git -C "$src" init -q
	git -C "$src" add -A -f  # Debian's tarball .gitignore hides everything
	git -C "$src" -c user.name=hotmem -c user.email=hotmem@localhost \
		commit -q -m "linux-source-6.12 $src_version"
	git -C "$src" tag pristine
	echo "$src_version" > "$src/.hotmem-version"
fi
if [ "$(cat "$src/.hotmem-series" 2>/dev/null)" != "$series_key" ]; then
	log "applying ${#patches[@]} patch(es)"
	# Keep a copy (with its mtime) of every file the old series touched, so
	# that a file the new series leaves as it was keeps its old mtime and
	# make does not rebuild everything that includes it.
	keep=$build/kernel/keep-$flavour
	rm -rf "$keep" && mkdir -p "$keep"
	git -C "$src" ls-files -z -m -o --exclude=.hotmem-version --exclude=.hotmem-series |
		(cd "$src" && xargs -0 -r cp -p --parents -t "$keep")
	git -C "$src" reset -q --hard pristine
	git -C "$src" clean -qfdx -e .hotmem-version -e .hotmem-series
	for p in "${patches[@]}"; do
		# --fuzz=0: a patch that does not apply exactly is an error, not a guess.
		if ! out=$(patch -d "$src" -p1 --fuzz=0 --forward --batch \
				--no-backup-if-mismatch < "$p" 2>&1); then
			printf '%s\n' "$out" >&2
			die "$(basename "$p") does not apply cleanly"
		fi
		if grep -qiE 'fuzz|reject' <<< "$out"; then
			printf '%s\n' "$out" >&2
			die "$(basename "$p") applied with fuzz"
		fi
	done
	(cd "$keep" && find . -type f -print0) | while IFS= read -r -d '' f; do
		if [ -f "$src/$f" ] && cmp -s "$keep/$f" "$src/$f"; then
			touch -r "$keep/$f" "$src/$f"
		fi
	done
	rm -rf "$keep"
	echo "$series_key" > "$src/.hotmem-series"
fi

# --- configuration ---------------------------------------------------------
obj=$build/kernel/obj-$variant
mkdir -p "$obj"
if [ "$(cat "$obj/.hotmem-config" 2>/dev/null)" != "$config_key" ] || [ ! -f "$obj/.config" ]; then
	log "configuring: tinyconfig + ${frags[*]##*/}"
	make -s -C "$src" O="$obj" tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null
	make -s -C "$src" O="$obj" olddefconfig >/dev/null
	# Every symbol a fragment asks for must have survived olddefconfig:
	# a dependency we missed must fail here, not as a strange test later.
	missing=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) grep -qxF "$line" "$obj/.config" || { log "config: wanted '$line', got '$(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo unset)'"; missing=1; } ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}
			! grep -q "^$sym=" "$obj/.config" || { log "config: wanted '$line', got '$(grep "^$sym=" "$obj/.config")'"; missing=1; } ;;
		esac
	done < <(cat "${frags[@]}")
	[ "$missing" = 0 ] || die "config fragment not satisfied"
	echo "$config_key" > "$obj/.hotmem-config"
fi

# --- kernel ----------------------------------------------------------------
log "make -j$jobs bzImage"
make -s -C "$src" O="$obj" -j"$jobs" bzImage 2>&1 | grep -v '^Kernel: arch/x86/boot/bzImage is ready' >&2 || true
[ "${PIPESTATUS[0]}" = 0 ] || die "kernel build failed"

# --- selftests from the same tree -------------------------------------------
st=$outdir/selftests
rm -rf "$st" && mkdir -p "$st"
sdir=$src/tools/testing/selftests
# The flags of the selftests' own Makefiles (lib.mk: no -O).  Optimising
# breaks test_memcontrol: its alloc_anon() writes to a malloc()ed buffer it
# then frees, and gcc -O2 drops those stores, so nothing is ever charged and
# every OOM case "passes" its allocation.
cflags=(-static -Wall -pthread -I"$sdir" -I"$sdir/cgroup")
for t in test_memcontrol test_hotplug; do
	[ -f "$sdir/cgroup/$t.c" ] || continue
	gcc "${cflags[@]}" -o "$st/$t" "$sdir/cgroup/$t.c" "$sdir/cgroup/cgroup_util.c" \
		|| die "selftest $t does not build"
done
cp "$sdir/memory-hotplug/mem-on-off-test.sh" "$st/"

cp "$obj/arch/x86/boot/bzImage" "$outdir/bzImage"
cp "$obj/.config" "$outdir/config"
echo "$variant $key $src_version" > "$outdir/build-id"

if mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; then
	rm -rf "$cache/$variant-$key.tmp" "$cache/$variant"-*
	cp -a "$outdir" "$cache/$variant-$key.tmp" && mv "$cache/$variant-$key.tmp" "$cache/$variant-$key"
fi
log "done: $outdir/bzImage"
