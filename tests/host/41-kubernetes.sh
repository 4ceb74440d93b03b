#!/bin/bash
# Host checks of the Kubernetes files, offline: each manifest in
# runtime-patches/kubernetes has the fields its apiVersion/kind requires;
# the names agree across files (RuntimeClass handler = the CRI-O and
# containerd runtime entries, the pod's runtimeClassName, the node label of
# the RuntimeClass and the installer DaemonSet, the paths the installer
# writes = the paths the hooks.d files, the CRI-O hooks_dir and the
# containerd base_runtime_spec name); and the installer script itself runs
# against a scratch root: it installs on a node with memory.hotplug, keeps an
# existing hotmem.conf, and refuses (nothing installed) a node without it or
# a containerd config that does not import its drop-in directory; for
# containerd 1.6 the real containerd reads config.toml plus the drop-in it
# wrote (runc, the node's CRI settings and the handler survive; a second run
# writes the same file; after a change of config.toml a run carries it).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
rp=$top/runtime-patches
k8s=$rp/kubernetes
inst=$k8s/hotmem-install.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
res() { if [ "$1" = 0 ]; then echo "PASS host:kubernetes/$2"; else echo "FAIL host:kubernetes/$2${3:+: $3}"; fi; }
# verdict NAME: PASS unless $why says what failed
verdict() { if [ -z "$why" ]; then res 0 "$1"; else res 1 "$1" "$why"; fi; }

out=$(python3 - "$k8s" "$rp" "$inst" "$top/oci-hook/hooks.d" 2>&1 <<'PY'
import glob, json, os, re, sys, tomllib
import yaml
k8s, rp, inst, hooksd = sys.argv[1:]
errors = []
def need(cond, what):
    if not cond:
        errors.append(what)
def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d
dns_label = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
dns_sub = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
docs = {}
for f in sorted(glob.glob(os.path.join(k8s, "*.yaml"))):
    for d in yaml.safe_load_all(open(f)):
        if d is None:
            continue
        name = os.path.basename(f)
        kind, api = d.get("kind"), d.get("apiVersion")
        need(isinstance(get(d, "metadata.name"), str) and dns_sub.match(get(d, "metadata.name")),
             f"{name}: {kind} metadata.name")
        docs.setdefault(kind, []).append((name, d))
        if kind == "RuntimeClass":
            need(api == "node.k8s.io/v1", f"{name}: RuntimeClass apiVersion {api}")
            need(isinstance(d.get("handler"), str) and dns_label.match(d["handler"]),
                 f"{name}: RuntimeClass handler must be a DNS label")
            need(isinstance(get(d, "scheduling.nodeSelector"), dict) and get(d, "scheduling.nodeSelector"),
                 f"{name}: RuntimeClass scheduling.nodeSelector")
            need(set(d) <= {"apiVersion", "kind", "metadata", "handler", "overhead", "scheduling"},
                 f"{name}: RuntimeClass unknown fields {set(d)}")
        elif kind == "Pod":
            need(api == "v1", f"{name}: Pod apiVersion {api}")
            cs = get(d, "spec.containers")
            need(isinstance(cs, list) and cs, f"{name}: Pod spec.containers")
            for c in cs or []:
                need(dns_label.match(c.get("name", "")) and c.get("image"), f"{name}: container name/image")
        elif kind == "DaemonSet":
            need(api == "apps/v1", f"{name}: DaemonSet apiVersion {api}")
            sel = get(d, "spec.selector.matchLabels")
            labels = get(d, "spec.template.metadata.labels") or {}
            need(isinstance(sel, dict) and sel and all(labels.get(k) == v for k, v in sel.items()),
                 f"{name}: DaemonSet selector must match the template's labels")
            ps = get(d, "spec.template.spec") or {}
            cs = (ps.get("containers") or [])
            need(cs, f"{name}: DaemonSet template containers")
            vols = {v["name"] for v in ps.get("volumes") or []}
            for c in cs + (ps.get("initContainers") or []):
                need(dns_label.match(c.get("name", "")) and c.get("image"), f"{name}: container name/image")
                for m in c.get("volumeMounts") or []:
                    need(m.get("name") in vols and m.get("mountPath", "").startswith("/"),
                         f"{name}: volumeMount {m.get('name')} has no volume")
        else:
            errors.append(f"{name}: unexpected kind {kind}")
for kind in ("RuntimeClass", "Pod", "DaemonSet"):
    need(len(docs.get(kind, [])) == 1, f"exactly one {kind} expected, found {len(docs.get(kind, []))}")
if not errors:
    rc = docs["RuntimeClass"][0][1]
    pod = docs["Pod"][0][1]
    ds = docs["DaemonSet"][0][1]
    handler = rc["handler"]
    crio = tomllib.load(open(os.path.join(rp, "cri-o/99-hotmem.conf"), "rb"))
    crio_rt = (get(crio, "crio.runtime.runtimes") or {}).get(handler)
    need(crio_rt is not None, f"CRI-O has no runtime {handler}")
    need("allowed_annotations" not in (crio_rt or {}), "CRI-O drop-in uses allowed_annotations")
    need((crio_rt or {}).get("runtime_type") == "oci" and (crio_rt or {}).get("runtime_path", "").endswith("crun"),
         "CRI-O runtime is not crun (oci)")
    c2 = tomllib.load(open(os.path.join(rp, "containerd/config.toml"), "rb"))
    c3 = tomllib.load(open(os.path.join(rp, "containerd/config-v3.toml"), "rb"))
    need(c2.get("version") == 2 and c3.get("version") == 3, "containerd config versions 2 and 3")
    r2 = (get(c2, "plugins") or {}).get("io.containerd.grpc.v1.cri", {}).get("containerd", {}).get("runtimes", {}).get(handler)
    r3 = (get(c3, "plugins") or {}).get("io.containerd.cri.v1.runtime", {}).get("containerd", {}).get("runtimes", {}).get(handler)
    inst_text = open(inst).read()
    def inst_path(var):
        m = re.search(rf"^{var}=(\S+)$", inst_text, re.M)
        return m.group(1) if m else None
    for what, r in (("containerd 1.x", r2), ("containerd 2.x", r3)):
        need(r is not None, f"{what}: no runtime {handler}")
        if r:
            need(r.get("runtime_type") == "io.containerd.runc.v2", f"{what}: runtime_type")
            need("io.hotmem.size" in (r.get("pod_annotations") or []), f"{what}: pod_annotations")
            need(str(get(r, "options.BinaryName")).endswith("crun"), f"{what}: BinaryName")
            need(r.get("base_runtime_spec") == inst_path("CTRD_SPEC"), f"{what}: base_runtime_spec is not the installer's")
    need(get(pod, "spec.runtimeClassName") == get(rc, "metadata.name"), "Pod runtimeClassName != RuntimeClass")
    need("io.hotmem.size" in (get(pod, "metadata.annotations") or {}), "Pod has no io.hotmem.size")
    need(get(rc, "scheduling.nodeSelector") == get(ds, "spec.template.spec.nodeSelector"),
         "RuntimeClass and installer DaemonSet select different nodes")
    hook = inst_path("HOOK")
    for f in glob.glob(os.path.join(hooksd, "*.json")):
        need(json.load(open(f))["hook"]["path"] == "/usr/local/libexec/hotmem/hotmem-hook",
             f"{f}: hook path the installer rewrites")
    need(hook and hook.startswith("/"), "installer HOOK")
    need(inst_path("HOOKSDIR") in (get(crio, "crio.runtime.hooks_dir") or []), "CRI-O hooks_dir lacks the installer's HOOKSDIR")
    need(str(inst_path("CRIO_DROPIN")).startswith("/etc/crio/crio.conf.d/"), "CRI-O drop-in path")
    cmd = get(ds, "spec.template.spec.initContainers")[0]["command"]
    need(cmd[0] == "/opt/hotmem/hotmem-install.sh", "DaemonSet runs the installer")
print("; ".join(errors), end="")
sys.exit(1 if errors else 0)
PY
)
res $? manifests "$out"

# --- the installer against a scratch root --------------------------------------
pl=$tmp/payload
mkdir -p $pl/hooks.d $pl/systemd $pl/cri-o $pl/containerd $pl/crun
printf '#!/bin/sh\necho fake hook\n' > $pl/hotmem-hook
printf '#!/bin/sh\necho fake reclaimd\n' > $pl/hotmem-reclaimd
cp "$top"/oci-hook/hotmem.conf $pl/
cp "$top"/oci-hook/hooks.d/*.json $pl/hooks.d/
cp "$top"/oci-hook/systemd/* $pl/systemd/
cp "$rp"/cri-o/99-hotmem.conf $pl/cri-o/
cp "$rp"/containerd/config.toml "$rp"/containerd/config-v3.toml $pl/containerd/
cp "$rp"/crun/hotmem-hooks.jq $pl/crun/
node() { # DIR [with-hotplug]: a node's root with a cgroup2 tree
	mkdir -p "$1/sys/fs/cgroup/kubepods.slice" "$1/etc"
	[ "${2:-}" = with-hotplug ] && : > "$1/sys/fs/cgroup/kubepods.slice/memory.hotplug"
	:
}
files() { (cd "$1" && find . -path ./sys -prune -o -type f -print | sort); }

r=$tmp/crio
node $r with-hotplug
why=
"$inst" --runtime crio --root $r --payload $pl > $tmp/out 2>&1 || why="exit $?: $(cat $tmp/out)"
[ -z "$why" ] && [ -x $r/usr/local/libexec/hotmem/hotmem-hook ] || why=${why:-"hook not installed"}
[ -z "$why" ] && cmp -s $r/etc/crio/crio.conf.d/99-hotmem.conf "$rp"/cri-o/99-hotmem.conf || why=${why:-"CRI-O drop-in"}
[ -z "$why" ] && cmp -s $r/etc/hotmem/hotmem.conf "$top"/oci-hook/hotmem.conf || why=${why:-"hotmem.conf"}
for s in createRuntime poststop; do
	[ -z "$why" ] && jq -e --arg s $s '.hook.path == "/usr/local/libexec/hotmem/hotmem-hook" and
		.stages == [$s] and .when.annotations["^io\\.hotmem\\.size$"]' \
		$r/etc/containers/oci/hooks.d/hotmem-$s.json > /dev/null || why=${why:-"hooks.d $s"}
done
[ -z "$why" ] && [ -f $r/etc/systemd/system/hotmem-gc.timer ] &&
	grep -q "ExecStart=/usr/local/libexec/hotmem/hotmem-hook gc" $r/etc/systemd/system/hotmem-gc.service ||
	why=${why:-"gc units"}
[ -z "$why" ] && [ -x $r/usr/local/libexec/hotmem/hotmem-reclaimd ] &&
	grep -qx "ExecStart=/usr/local/libexec/hotmem/hotmem-reclaimd" $r/etc/systemd/system/hotmem-reclaimd.service ||
	why=${why:-"hotmem-reclaimd or its unit not installed"}
[ -z "$why" ] && grep -q "enable --now hotmem-gc.timer hotmem-reclaimd.service" $tmp/out ||
	why=${why:-"the installer does not say to enable hotmem-reclaimd"}
[ -z "$why" ] && [ -z "$(find $r -name '*.hotmem-new')" ] || why=${why:-"temporary files left"}
verdict installer-crio

# again, with the operator's hotmem.conf: kept, the rest rewritten
echo "default_size = 64Mi" > $r/etc/hotmem/hotmem.conf
why=
"$inst" --runtime crio --root $r --payload $pl > $tmp/out 2>&1 || why="exit $?: $(cat $tmp/out)"
[ -z "$why" ] && [ "$(cat $r/etc/hotmem/hotmem.conf)" = "default_size = 64Mi" ] && grep -q "kept /etc/hotmem/hotmem.conf" $tmp/out ||
	why=${why:-"the operator's hotmem.conf was not kept"}
verdict installer-keeps-config

# a kernel without memory.hotplug: refused, nothing installed
r=$tmp/vanilla
node $r
before=$(files $r)
HOTMEM_RUNTIME=crio "$inst" --root $r --payload $pl > $tmp/out 2>&1
rc=$?
why=
[ $rc = 3 ] || why="exit $rc, expected 3"
[ -z "$why" ] && grep -q "no memory.hotplug" $tmp/out || why=${why:-"message: $(cat $tmp/out)"}
[ -z "$why" ] && [ "$(files $r)" = "$before" ] || why=${why:-"files installed: $(files $r)"}
verdict installer-refuses-vanilla-kernel

# containerd: refused while config.toml does not import conf.d; then installed
r=$tmp/ctrd
node $r with-hotplug
mkdir -p $r/etc/containerd
printf 'version = 2\n' > $r/etc/containerd/config.toml
before=$(files $r)
"$inst" --runtime containerd --root $r --payload $pl > $tmp/out 2>&1
rc=$?
why=
[ $rc = 3 ] && grep -q 'imports = \["/etc/containerd/conf.d/\*.toml"\]' $tmp/out || why="exit $rc: $(cat $tmp/out)"
[ -z "$why" ] && [ "$(files $r)" = "$before" ] || why=${why:-"files installed: $(files $r)"}
verdict installer-containerd-needs-imports

# A node's config.toml as Debian's containerd package ships it, importing
# the drop-in directory (here under the scratch root, so that the real
# containerd below reads what the installer wrote), with the kubelet's
# systemd cgroup driver set for runc.
{
	echo "imports = [\"$r/etc/containerd/conf.d/*.toml\"]"
	cat <<'EOF'
version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.example/pause:3.9"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = true
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
EOF
} > $r/etc/containerd/config.toml
(cd $tmp && crun spec > /dev/null 2>&1 && mv config.json default-spec.json)
dump="containerd --config $r/etc/containerd/config.toml config dump"
first=
pause=registry.example/pause:3.9
for v in containerd containerd-again containerd-edited containerd2; do
	why=
	if [ $v = containerd-edited ]; then
		# the operator changes a CRI setting in config.toml and runs the
		# installer again: the new drop-in carries the change
		sed -i 's|registry.example/pause:3.9|registry.example/pause:3.10|' $r/etc/containerd/config.toml
		pause=registry.example/pause:3.10
	fi
	HOTMEM_DEFAULT_SPEC="cat $tmp/default-spec.json" HOTMEM_CONFIG_DUMP="$dump" \
		"$inst" --runtime ${v%-*} --root $r --payload $pl > $tmp/out 2>&1 || why="exit $?: $(cat $tmp/out)"
	if [ $v = containerd2 ]; then
		[ -z "$why" ] && cmp -s $r/etc/containerd/conf.d/99-hotmem.toml "$rp"/containerd/config-v3.toml ||
			why=${why:-"drop-in is not config-v3.toml"}
	elif [ -z "$why" ]; then
		# containerd 1.6 itself reads config.toml and the drop-in: the
		# node's runc, its CRI settings and the handler all survive.
		got=$($dump 2>&1 | python3 -c '
import sys, tomllib
c = tomllib.loads(sys.stdin.read())["plugins"]["io.containerd.grpc.v1.cri"]
rt = c["containerd"]["runtimes"]
h = rt.get("crun-hotmem", {})
print(" ".join(sorted(rt)), c["sandbox_image"], c["cni"]["bin_dir"], c["containerd"]["default_runtime_name"],
      h.get("pod_annotations"), h.get("options", {}).get("BinaryName"), h.get("options", {}).get("SystemdCgroup"))' 2>&1)
		want="crun-hotmem runc $pause /usr/lib/cni runc ['io.hotmem.size'] /usr/bin/crun True"
		[ "$got" = "$want" ] || why="containerd reads '$got', expected '$want'"
		# the second run writes the same drop-in (no second handler)
		if [ -z "$first" ]; then
			first=$tmp/first-dropin.toml
			cp $r/etc/containerd/conf.d/99-hotmem.toml $first
		elif [ $v = containerd-again ] && [ -z "$why" ] &&
		     ! cmp -s $r/etc/containerd/conf.d/99-hotmem.toml $first; then
			why="a second run changed the drop-in"
		fi
		[ -z "$why" ] && ls $r/etc/containerd/conf.d/ | grep -qv '^99-hotmem.toml$' &&
			why="left in conf.d: $(ls $r/etc/containerd/conf.d/)"
	fi
	[ -z "$why" ] && jq -e '.hooks.createRuntime[0].path == "/usr/local/libexec/hotmem/hotmem-hook" and
		.hooks.createRuntime[0].args == ["hotmem-hook", "createRuntime"] and
		.hooks.poststop[0].args == ["hotmem-hook", "poststop"]' \
		$r/etc/containerd/hotmem-base-spec.json > /dev/null || why=${why:-"base spec has no hooks"}
	[ -z "$why" ] && jq -e --slurpfile a $tmp/default-spec.json 'del(.hooks, .annotations) == ($a[0] | del(.hooks, .annotations))' \
		$r/etc/containerd/hotmem-base-spec.json > /dev/null || why=${why:-"base spec is not the default spec"}
	verdict installer-$v
done
