#!/bin/bash
# Check that every patch of kernel/cgroup-hotmem/series builds on its own:
# the tree at each patch with CONFIG_MEMCG_HOTPLUG=y, then patch 1 and the
# whole series with the option off.  `make series-builds`; about one full
# kernel build plus incremental ones (20-30 minutes on 2 cores, no cache),
# so it is not part of `make check`, which builds the whole series only.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${HOTMEM_BUILD:-$top/build}
series_dir=$top/kernel/cgroup-hotmem
cfg=$series_dir/config
work=$build/kernel/series-check
log() { echo "series-builds: $*" >&2; }

# The pristine tree build-kernel.sh unpacks, as a git work tree.
"$top/kernel/build-kernel.sh" vanilla "$build/out/vanilla" >/dev/null
src=$build/kernel/src-pristine
rm -rf "$work" && mkdir -p "$work"
git clone -q "$src" "$work/src"
git -C "$work/src" checkout -q -b series pristine 2>/dev/null || git -C "$work/src" checkout -q -b series
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	git -C "$work/src" -c user.name=hotmem -c user.email=hotmem@localhost am -q "$series_dir/$p"
done < "$series_dir/series"

build_at() { # COMMIT OBJDIR HOTPLUG(y|n)
	git -C "$work/src" checkout -q "$1"
	[ -f "$2/.config" ] || make -s -C "$work/src" O="$2" tinyconfig >/dev/null
	# The fragments again at every commit: CONFIG_MEMCG_HOTPLUG does not
	# exist at the first patch, so a .config made there alone would carry
	# the option as off into every later build.
	"$work/src/scripts/kconfig/merge_config.sh" -m -O "$2" "$2/.config" \
		"$cfg/test-vm.config" "$cfg/hotmem.config" >/dev/null
	if [ "$3" = n ]; then
		sed -i 's/^CONFIG_MEMCG_HOTPLUG=y/# CONFIG_MEMCG_HOTPLUG is not set/' "$2/.config"
	fi
	make -s -C "$work/src" O="$2" olddefconfig >/dev/null
	# Where the tree has the option, it must be what this build claims.
	if grep -q '^config MEMCG_HOTPLUG$' "$work/src/mm/Kconfig"; then
		case $3 in
		y) grep -qx 'CONFIG_MEMCG_HOTPLUG=y' "$2/.config" ;;
		n) ! grep -q '^CONFIG_MEMCG_HOTPLUG=' "$2/.config" ;;
		esac || { log "FAIL: CONFIG_MEMCG_HOTPLUG is not $3 at $(git -C "$work/src" log -1 --format=%s)"; exit 1; }
	fi
	if ! make -s -C "$work/src" O="$2" -j"$(nproc)" bzImage > "$2/build.log" 2>&1 ||
	   grep -q "warning:" "$2/build.log"; then
		tail -n 30 "$2/build.log" >&2
		log "FAIL: $(git -C "$work/src" log -1 --format=%s) (MEMCG_HOTPLUG=$3)"
		exit 1
	fi
	log "ok: $(git -C "$work/src" log -1 --format=%s) (MEMCG_HOTPLUG=$3)"
}
commits=$(git -C "$work/src" rev-list --reverse pristine..series)
for c in $commits; do build_at "$c" "$work/obj-y" y; done
first=$(echo "$commits" | head -n 1)
build_at "$first" "$work/obj-n" n
build_at series "$work/obj-n" n
log "every patch builds on its own"
