#!/bin/sh
# hotmem node installer: puts hotmem-hook, its config, the containers hooks.d
# files, the gc units, hotmem-reclaimd and its unit, and the container
# runtime's drop-in on a node whose kernel has memory.hotplug.  Run by the DaemonSet in hotmem-installer.yaml
# (the node's / mounted at /host, its /sys at /host/sys), or by hand.
#
#   hotmem-install.sh --runtime crio|containerd|containerd2 [--root DIR]
#                     [--sys DIR] [--payload DIR]
#
#   --root     the node's root file system (default /host; / when run on
#              the node itself)
#   --sys      the node's sysfs (default <root>/sys)
#   --payload  what to install (default: this script's directory), laid out
#              as the installer image has it: hotmem-hook, hotmem-reclaimd,
#              hotmem.conf, hooks.d/*.json, systemd/*, cri-o/99-hotmem.conf,
#              containerd/config.toml, containerd/config-v3.toml,
#              crun/hotmem-hooks.jq
#   HOTMEM_DEFAULT_SPEC  (containerd) a command printing containerd's default
#              OCI spec; default: `ctr oci spec` on the node (chroot <root>)
#   HOTMEM_CONFIG_DUMP  (containerd 1.6/1.7) a command printing containerd's
#              configuration as it reads it; default: `containerd config
#              dump` on the node (chroot <root>).  The drop-in carries the
#              node's whole CRI table (containerd_dropin below says why).
#
# Refuses (exit 3, nothing installed) on a kernel without memory.hotplug, and
# for containerd when its config.toml does not import
# /etc/containerd/conf.d/*.toml (the drop-in would be ignored).  Files are
# written whole (temporary file, then rename); hotmem.conf is kept when one
# exists.  The runtime reads the new files when it restarts: this script
# says which service to restart and restarts nothing.
set -eu

root=/host
sys=
payload=$(cd "$(dirname "$0")" && pwd)
runtime=${HOTMEM_RUNTIME:-}
die() { echo "hotmem-install: $*" >&2; exit 3; }
while [ $# -gt 0 ]; do
	case $1 in
	--root) root=${2:?}; shift 2 ;;
	--sys) sys=${2:?}; shift 2 ;;
	--payload) payload=${2:?}; shift 2 ;;
	--runtime) runtime=${2:?}; shift 2 ;;
	*) echo "usage: $0 --runtime crio|containerd|containerd2 [--root DIR] [--sys DIR] [--payload DIR]" >&2
	   exit 2 ;;
	esac
done
sys=${sys:-$root/sys}
root=${root%/}

# Paths on the node; runtime-patches/ and tests/host/41-kubernetes.sh name the same.
HOOK=/usr/local/libexec/hotmem/hotmem-hook
RECLAIMD=/usr/local/libexec/hotmem/hotmem-reclaimd
CONF=/etc/hotmem/hotmem.conf
HOOKSDIR=/etc/containers/oci/hooks.d
UNITDIR=/etc/systemd/system
CRIO_DROPIN=/etc/crio/crio.conf.d/99-hotmem.conf
CTRD_CONFIG=/etc/containerd/config.toml
CTRD_DROPIN=/etc/containerd/conf.d/99-hotmem.toml
CTRD_SPEC=/etc/containerd/hotmem-base-spec.json

case $runtime in
crio | containerd | containerd2) ;;
*) die "--runtime must be crio, containerd (1.6/1.7) or containerd2 (2.x)" ;;
esac

# The kernel: memory.hotplug in the node's cgroup2 hierarchy (every non-root
# memory cgroup has it; kubepods.slice and system.slice are first-level ones).
found=
for f in "$sys"/fs/cgroup/*/memory.hotplug; do
	[ -f "$f" ] && { found=$f; break; }
done
[ -n "$found" ] || die "this node's kernel has no memory.hotplug (no $sys/fs/cgroup/*/memory.hotplug): it is not a hotmem kernel; nothing installed"

for f in hotmem-hook hotmem-reclaimd hotmem.conf hooks.d/hotmem-createRuntime.json \
	hooks.d/hotmem-poststop.json systemd/hotmem-gc.service systemd/hotmem-gc.timer \
	systemd/hotmem-reclaimd.service cri-o/99-hotmem.conf \
	containerd/config.toml containerd/config-v3.toml crun/hotmem-hooks.jq; do
	[ -f "$payload/$f" ] || die "payload $payload lacks $f"
done

if [ "$runtime" != crio ]; then
	[ -f "$root$CTRD_CONFIG" ] || die "no $CTRD_CONFIG on the node"
	grep -Eq '^[[:space:]]*imports[[:space:]]*=.*/etc/containerd/conf\.d/\*\.toml' "$root$CTRD_CONFIG" ||
		die "$CTRD_CONFIG does not import the drop-in directory: add the top-level line
  imports = [\"/etc/containerd/conf.d/*.toml\"]
and run this again; nothing installed"
fi

# put MODE SRC DEST: write DEST (under root) whole.
put() {
	mkdir -p "$(dirname "$root$3")"
	cp "$2" "$root$3.hotmem-new"
	chmod "$1" "$root$3.hotmem-new"
	mv -f "$root$3.hotmem-new" "$root$3"
	echo "installed $3"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# node_cmd CMD...: run CMD as on the node (chroot <root> unless it is /).
node_cmd() {
	if [ -z "$root" ] || [ "$root" = / ]; then "$@"; else chroot "$root" "$@"; fi
}

# The containerd 1.6/1.7 drop-in.  containerd reads an imported file's
# plugin table as the whole table (the last file naming the CRI plugin
# wins over config.toml), and a runtimes table as every runtime (runc would
# be gone, and with it the CRI plugin, whose default runtime it is).  So the
# drop-in is the node's CRI table as containerd reads it now (`containerd
# config dump`: config.toml, its imports and the defaults), without an
# earlier crun-hotmem, plus the handler from containerd/config.toml, whose
# SystemdCgroup follows runc's (the kubelet's cgroup driver).
# An earlier drop-in is set aside while containerd dumps (renamed out of the
# import glob, and back right after): its CRI table would replace the one of
# config.toml, and an operator's later change there would be lost.
containerd_dropin() {
	hidden=$root$CTRD_DROPIN.hidden-by-hotmem-install
	[ -e "$root$CTRD_DROPIN" ] && mv -f "$root$CTRD_DROPIN" "$hidden"
	rc=0
	if [ -n "${HOTMEM_CONFIG_DUMP:-}" ]; then
		sh -c "$HOTMEM_CONFIG_DUMP"
	else
		node_cmd containerd config dump
	fi > "$tmp/dump.toml" 2> "$tmp/dump.err" || rc=$?
	[ -e "$hidden" ] && mv -f "$hidden" "$root$CTRD_DROPIN"
	[ $rc = 0 ] ||
		die "could not read containerd's configuration (containerd config dump): $(head -n 3 "$tmp/dump.err"); nothing changed for containerd"
	awk -v cri='plugins."io.containerd.grpc.v1.cri"' \
	    -v ours='plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun-hotmem' '
		/^[[:space:]]*\[/ {
			h = $0
			gsub(/^[[:space:]]*\[+|\]+[[:space:]]*$/, "", h)
			keep = index(h, cri) == 1 && (h == cri || substr(h, length(cri) + 1, 1) == ".") &&
			       !(index(h, ours) == 1 && (h == ours || substr(h, length(ours) + 1, 1) == "."))
		}
		keep' "$tmp/dump.toml" > "$tmp/cri.toml"
	grep -q '^[[:space:]]*\[plugins\."io\.containerd\.grpc\.v1\.cri"\]' "$tmp/cri.toml" ||
		die "containerd's configuration has no CRI plugin table (disabled_plugins?); nothing changed for containerd"
	sysd=$(awk -v t='plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options' '
		/^[[:space:]]*\[/ { h = $0; gsub(/^[[:space:]]*\[+|\]+[[:space:]]*$/, "", h); next }
		h == t && $1 == "SystemdCgroup" && $2 == "=" { v = $3 }
		END { print (v == "true" ? "true" : "false") }' "$tmp/cri.toml")
	echo "version = 2"
	echo "# Written by hotmem-install.sh: the node's CRI plugin table as containerd"
	echo "# read it (containerd config dump), then the crun-hotmem handler.  Run the"
	echo "# installer again after changing the CRI settings in config.toml: this"
	echo "# file, imported last, replaces the CRI table of config.toml as a whole."
	echo
	cat "$tmp/cri.toml"
	echo
	sed -e '/^version *=/d' -e "s/^\([[:space:]]*SystemdCgroup = \).*/\1$sysd/" \
		"$payload/containerd/config.toml"
}
# containerd's default spec with the hooks (base_runtime_spec replaces the
# default spec as a whole, so it starts from the node's own).
containerd_spec() {
	if [ -n "${HOTMEM_DEFAULT_SPEC:-}" ]; then
		sh -c "$HOTMEM_DEFAULT_SPEC" > "$tmp/default.json"
	else
		node_cmd ctr oci spec > "$tmp/default.json"
	fi || die "could not get containerd's default spec (ctr oci spec); nothing installed"
	jq --arg hook $HOOK --arg stderr /var/log/hotmem-hook.log \
		-f "$payload/crun/hotmem-hooks.jq" "$tmp/default.json" > "$tmp/spec.json" ||
		die "could not add the hooks to containerd's default spec; nothing installed"
}
# Before anything is installed: a refusal leaves the node as it was.
case $runtime in
containerd)
	containerd_dropin > "$tmp/dropin.toml"
	containerd_spec
	;;
containerd2)
	containerd_spec
	;;
esac

put 0755 "$payload/hotmem-hook" $HOOK
if [ -e "$root$CONF" ]; then
	echo "kept $CONF"
else
	put 0644 "$payload/hotmem.conf" $CONF
fi
for f in hotmem-createRuntime.json hotmem-poststop.json; do
	sed "s|/usr/local/libexec/hotmem/hotmem-hook|$HOOK|" "$payload/hooks.d/$f" > "$tmp/$f"
	put 0644 "$tmp/$f" $HOOKSDIR/$f
done
sed "s|/usr/local/libexec/hotmem/hotmem-hook|$HOOK|" "$payload/systemd/hotmem-gc.service" > "$tmp/gc.service"
put 0644 "$tmp/gc.service" $UNITDIR/hotmem-gc.service
put 0644 "$payload/systemd/hotmem-gc.timer" $UNITDIR/hotmem-gc.timer
# Releases the blocks of a container as soon as its processes are gone:
# CRI-O runs poststop only at RemoveContainer.
put 0755 "$payload/hotmem-reclaimd" $RECLAIMD
sed "s|/usr/local/libexec/hotmem/hotmem-reclaimd|$RECLAIMD|" \
	"$payload/systemd/hotmem-reclaimd.service" > "$tmp/reclaimd.service"
put 0644 "$tmp/reclaimd.service" $UNITDIR/hotmem-reclaimd.service

case $runtime in
crio)
	put 0644 "$payload/cri-o/99-hotmem.conf" $CRIO_DROPIN
	service=crio
	;;
containerd | containerd2)
	# the base spec first: the drop-in names it
	put 0644 "$tmp/spec.json" $CTRD_SPEC
	if [ "$runtime" = containerd ]; then
		put 0644 "$tmp/dropin.toml" $CTRD_DROPIN
	else
		put 0644 "$payload/containerd/config-v3.toml" $CTRD_DROPIN
	fi
	service=containerd
	;;
esac
echo "hotmem-install: done; kernel check: $found"
echo "hotmem-install: restart $service on the node to load it, and run: systemctl enable --now hotmem-gc.timer hotmem-reclaimd.service"
