#!/bin/bash
# Check that every patch of kernel/cgroup-hotmem/series builds on its own:
# the tree at each patch with CONFIG_MEMCG_HOTPLUG=y, then patch 1 and the
# whole series with the option off.  `make series-builds`; one full kernel
# build plus an incremental one per patch (well over an hour on 2 busy
# cores), so it is not part of `make check`, which builds the whole series
# only.
#
# Resumable: a build that passed leaves a stamp under series-check/ok/
# named by what it built (the diffs of the patches up to it, the config
# fragments, the option's setting, the compiler), so a run that was
# stopped, or a run after a later patch changed, builds only what has no
# stamp yet; the object directories are kept for incremental builds.
# SERIES_BUILDS_FRESH=1 starts from nothing.
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
[ "${SERIES_BUILDS_FRESH:-0}" = 1 ] && rm -rf "$work"
mkdir -p "$work/ok"
patches=()
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	patches+=("$series_dir/$p")
done < "$series_dir/series"
# The series as commits on the pristine tree.  A tree that already has this
# series (the same diffs) is kept as it is, at the commit it was left at, so
# that files keep their times and the next build is incremental.
series_key=$(for p in "${patches[@]}"; do sed -n '/^diff --git /,$p' "$p" | sha256sum; done | sha256sum | cut -c1-16)
if [ "$(cat "$work/src.key" 2>/dev/null)" != "$series_key" ]; then
	rm -rf "$work/src" "$work/src.key"
	git clone -q "$src" "$work/src"
	git -C "$work/src" checkout -q -b series pristine 2>/dev/null || git -C "$work/src" checkout -q -b series
	for p in "${patches[@]}"; do
		git -C "$work/src" -c user.name=hotmem -c user.email=hotmem@localhost am -q "$p"
	done
	echo "$series_key" > "$work/src.key"
fi
# stamp_key N Y|N: what the build at patch N with the option Y/N depends on
stamp_key() {
	{ for p in "${patches[@]:0:$1}"; do sed -n '/^diff --git /,$p' "$p" | sha256sum; done
	  cat "$cfg/test-vm.config" "$cfg/hotmem.config"; echo "$2"; gcc --version | head -n 1; } |
		sha256sum | cut -c1-16
}

build_at() { # COMMIT OBJDIR HOTPLUG(y|n) PATCHES-APPLIED
	local stamp
	stamp=$work/ok/$(stamp_key "$4" "$3")
	if [ -e "$stamp" ]; then
		log "ok (stamp of an earlier run): $(git -C "$work/src" log -1 --format=%s "$1") (MEMCG_HOTPLUG=$3)"
		return 0
	fi
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
	touch "$stamp"
}
commits=$(git -C "$work/src" rev-list --reverse pristine..series)
i=0
for c in $commits; do
	i=$((i + 1))
	build_at "$c" "$work/obj-y" y $i
done
first=$(echo "$commits" | head -n 1)
build_at "$first" "$work/obj-n" n 1
build_at series "$work/obj-n" n $i
log "every patch builds on its own"
