#!/bin/sh
# Kubernetes' path for real: Debian 12's containerd (1.6, CRI plugin built
# in) with its packaged config.toml, set up by the node installer
# (runtime-patches/kubernetes/hotmem-install.sh: drop-in with the
# crun-hotmem handler, base spec with the hooks, hotmem-reclaimd and its
# unit), driven through the CRI API as a kubelet drives it, by
# tests/vm/cri/client.py on the host through the virtio-serial port
# org.hotmem.cri (run-vm.py --cri; hm-vport-fwd joins it to containerd's
# socket).  hotmem-reclaimd runs as the installed unit says (the VM has no
# systemd).  The kubelet's own part (the pod cgroup with the pod's memory
# limit, cgroupfs driver) is done here.
#   A. a pod with io.hotmem.size=256Mi: RunPodSandbox claims nothing (the
#      sandbox is not hooked); the first app container binds 2 blocks at the
#      pod's cgroup, its pages are counted in them, the second app claims
#      nothing more; the blocks stay while the pod runs, and StopPodSandbox
#      (the pod's cgroup empties) releases them with 0 pages migrated;
#      nothing is left after RemovePodSandbox.
#   B. a pod without a size: the sandbox claims nothing; the app container
#      binds its memory limit (100 MiB: one block) at its own cgroup;
#      StopContainer releases it; nothing is left after RemovePodSandbox.
. /hotmem/lib/testlib.sh
port=/dev/virtio-ports/org.hotmem.cri
R=/hotmem/cri/runtime-patches
sock=/run/containerd/containerd.sock
[ -x /usr/bin/containerd ] || hm_fail "containerd is not in the initramfs (tests/vm/mkcri-overlay.sh)"
[ -e $port ] || hm_fail "no $port (run-vm.py --cri)"
hm_plug_dimm 512 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
[ "$(hm_block_size)" = $((128 << 20)) ] || hm_fail "this test assumes 128 MiB blocks"
kp=$HM_CGROOT/kubepods
uidA=1a2b3c4d-00a0-4000-8000-0000000000a0 uidB=1a2b3c4d-00b0-4000-8000-0000000000b0
podA=$kp/burstable/pod$uidA podB=$kp/burstable/pod$uidB
cpid= fpid= rpid=
cri() { hm_req cri "$@"; }
cleanup() {
	pods=$(cri pods 2>/dev/null) || pods=-
	for p in $pods; do
		[ "$p" = - ] && continue
		cri stop-pod $p >/dev/null 2>&1
		cri remove-pod $p >/dev/null 2>&1
	done
	for p in $rpid $fpid $cpid; do kill $p 2>/dev/null && wait $p 2>/dev/null; done
	# crun's and containerd's leftovers, then the kubelet's cgroups
	for c in $(find $kp -depth -type d 2>/dev/null); do
		cat $c/cgroup.procs 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	sleep 0.5
	for c in $(find $kp -depth -type d 2>/dev/null); do rmdir $c 2>/dev/null; done
	$HM_HOOK gc >/dev/null 2>&1
	hm_unplug_dimm $HM_DIMM $blocks
}
trap cleanup EXIT

# --- the node: Debian's containerd, set up by the node installer ----------
# config.toml as the package ships it, importing the drop-in directory
# (docs/kubernetes.md), plus this VM's own settings: a local sandbox image
# (no network to pull from), the native snapshotter (no overlayfs in its
# kernel); the kubelet's cgroupfs driver is runc's default.
mkdir -p /etc/containerd /var/log /run/containerd $kp
# a node has one: containerd copies it into each pod sandbox
[ -e /etc/resolv.conf ] || : > /etc/resolv.conf
echo +memory > $HM_CGROOT/cgroup.subtree_control
{
	echo 'imports = ["/etc/containerd/conf.d/*.toml"]'
	cat /hotmem/cri/debian-config.toml
	cat <<'EOF'
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
EOF
} > /etc/containerd/config.toml
sed -i 's|^\(  \[plugins."io.containerd.grpc.v1.cri"\]\)$|\1\n    sandbox_image = "hotmem.test/pause:1"|' /etc/containerd/config.toml
grep -q 'sandbox_image = "hotmem.test/pause:1"' /etc/containerd/config.toml ||
	hm_fail "Debian's config.toml has no CRI plugin table: $(cat /hotmem/cri/debian-config.toml)"
/hotmem/cri/payload/hotmem-install.sh --runtime containerd --root / > $HM_OUT/install.log 2>&1 ||
	{ cat $HM_OUT/install.log; hm_fail "hotmem-install.sh --runtime containerd"; }
cat $HM_OUT/install.log
unit=/etc/systemd/system/hotmem-reclaimd.service
rcd=$(sed -n 's/^ExecStart=//p' $unit)
[ -n "$rcd" ] || hm_fail "the installer's $unit has no ExecStart"
containerd --config /etc/containerd/config.toml > $HM_OUT/containerd.log 2>&1 &
cpid=$!
hm_wait "ctr version" 120 || { tail -n 30 $HM_OUT/containerd.log; hm_fail "containerd did not start"; }
for i in pause app; do
	ctr -n k8s.io images import --no-unpack /hotmem/cri/$i.tar > $HM_OUT/import.log 2>&1 ||
		{ cat $HM_OUT/import.log; hm_fail "ctr images import $i.tar"; }
done
/hotmem/bin/hm-vport-fwd $port $sock 2> $HM_OUT/fwd.err &
fpid=$!
$rcd --interval 200 > $HM_OUT/reclaimd.log 2>&1 &
rpid=$!
hm_wait "grep -q 'watching the ledger' $HM_OUT/reclaimd.log" 20 ||
	{ cat $HM_OUT/reclaimd.log; hm_fail "hotmem-reclaimd did not start"; }
v=$(cri version) || { tail -n 30 $HM_OUT/containerd.log; cat $HM_OUT/fwd.err; hm_fail "CRI Version: $v"; }
hm_log "CRI: $v"
case $v in containerd\ 1.6.*) ;; *) hm_fail "not containerd 1.6: $v" ;; esac

# The kubelet's part: the pod's cgroup with its memory limit.
mkpod() {
	mkdir -p $1 && echo +memory > $HM_CGROOT/cgroup.subtree_control &&
		echo +memory > $kp/cgroup.subtree_control &&
		echo +memory > $kp/burstable/cgroup.subtree_control && echo $2 > $1/memory.max
}
owned_by() { # CGROUP-DIR: blocks bound to it
	[ -d "$1" ] || return 0
	_cgid=$(hm_cgid "${1#$HM_CGROOT}" 2>/dev/null) || return 0
	for _n in $blocks; do
		[ "$(cat $HM_SYSMEM/memory$_n/hotplug_owner)" = "bound $_cgid" ] && printf '%s ' $_n
	done
}
fail_logs() {
	tail -n 20 $HM_OUT/containerd.log
	cat /var/log/hotmem-hook.log 2>/dev/null | tail -n 20
	tail -n 20 $HM_OUT/reclaimd.log
	hm_fail "$*"
}
m0=$(hm_vmstat pgmigrate_success)

# --- A: a pod-level size ------------------------------------------------------
mkpod $podA 1G || hm_fail "pod cgroup A"
sbA=$(cri run-pod hm-cri-a $uidA 256Mi /kubepods/burstable/pod$uidA) || fail_logs "RunPodSandbox A: $sbA"
[ "$(cri pod-state $sbA)" = SANDBOX_READY ] || fail_logs "sandbox A is not ready"
[ -d $podA/$sbA ] || fail_logs "the sandbox's cgroup is not $podA/$sbA"
[ "$(hm_records)" = 0 ] || fail_logs "the sandbox claimed: $(ls $HM_LEDGER)"
hm_all_free $blocks || fail_logs "blocks bound after RunPodSandbox"
a1=$(cri create $sbA app1 $((200 << 20)) hotmem.test/app:1 /bin/hm-touch -H 64) || fail_logs "CreateContainer A/app1: $a1"
cri start $a1 >/dev/null || fail_logs "StartContainer A/app1"
a=$(owned_by $podA)
[ "$(echo $a | wc -w)" = 2 ] || fail_logs "pod A owns blocks '$a', expected 2 (256Mi)"
[ -d $podA/$a1 ] || fail_logs "app1's cgroup is not $podA/$a1: $(ls $podA)"
[ -z "$(owned_by $podA/$a1)" ] || fail_logs "app1's own cgroup got blocks"
[ "$(hm_records)" = 1 ] && [ -f $HM_LEDGER/$sbA.rec ] || fail_logs "ledger: $(ls $HM_LEDGER), expected $sbA.rec"
hm_wait "[ \$(hm_cg_stat $podA hotplug_used) -ge $((64 << 20)) ]" 60 ||
	fail_logs "app1's 64 MiB are not in the pod's blocks: hotplug_used $(hm_cg_stat $podA hotplug_used)"
a2=$(cri create $sbA app2 $((64 << 20)) hotmem.test/app:1 /bin/sleep 600) || fail_logs "CreateContainer A/app2: $a2"
cri start $a2 >/dev/null || fail_logs "StartContainer A/app2"
[ "$(cri state $a2)" = CONTAINER_RUNNING ] || fail_logs "app2 is not running"
[ "$(owned_by $podA)" = "$a" ] && [ "$(hm_records)" = 1 ] || fail_logs "app2 claimed: $(ls $HM_LEDGER)"
$HM_HOOK status
hm_log "A: pod $uidA: blocks $a bound at the pod cgroup by its first container, $(($(hm_cg_stat $podA hotplug_used) >> 20)) MiB in use"
for c in $a1 $a2; do
	cri stop $c 10 >/dev/null || fail_logs "StopContainer $c"
	[ "$(cri state $c)" = CONTAINER_EXITED ] || fail_logs "$c did not exit"
	cri remove $c >/dev/null || fail_logs "RemoveContainer $c"
done
[ "$(owned_by $podA)" = "$a" ] || fail_logs "pod A's blocks went while its sandbox runs"
cri stop-pod $sbA >/dev/null || fail_logs "StopPodSandbox A"
hm_wait "hm_all_free $blocks" 30 || fail_logs "pod A's blocks not released after StopPodSandbox: $($HM_HOOK status)"
cri remove-pod $sbA >/dev/null || fail_logs "RemovePodSandbox A"
rmdir $podA || fail_logs "pod A's cgroup is not empty: $(ls $podA)"
hm_expect_clean $blocks
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || fail_logs "pod A's release migrated pages"
hm_log "A: released once the pod's cgroup emptied (StopPodSandbox), 0 pages migrated"

# --- B: no pod size: the container's limit, at its own cgroup -----------------
mkpod $podB 1G || hm_fail "pod cgroup B"
sbB=$(cri run-pod hm-cri-b $uidB - /kubepods/burstable/pod$uidB) || fail_logs "RunPodSandbox B: $sbB"
[ "$(hm_records)" = 0 ] || fail_logs "sandbox B claimed: $(ls $HM_LEDGER)"
b1=$(cri create $sbB app $((100 << 20)) hotmem.test/app:1 /bin/hm-touch -H 32) || fail_logs "CreateContainer B/app: $b1"
cri start $b1 >/dev/null || fail_logs "StartContainer B/app"
[ -d $podB/$b1 ] || fail_logs "app B's cgroup is not $podB/$b1: $(ls $podB)"
b=$(owned_by $podB/$b1)
[ "$(echo $b | wc -w)" = 1 ] || fail_logs "app B owns '$b', expected one block at its own cgroup"
[ -z "$(owned_by $podB)" ] || fail_logs "pod B's cgroup got blocks"
[ "$(hm_records)" = 1 ] && [ -f $HM_LEDGER/$b1.rec ] || fail_logs "ledger: $(ls $HM_LEDGER), expected $b1.rec"
hm_wait "[ \$(hm_cg_stat $podB/$b1 hotplug_used) -ge $((32 << 20)) ]" 60 ||
	fail_logs "app B's 32 MiB are not in its block"
hm_log "B: container ${b1%${b1#????????????}}: block $b at its own cgroup"
cri stop $b1 10 >/dev/null || fail_logs "StopContainer B/app"
hm_wait "hm_all_free $blocks" 30 || fail_logs "app B's block not released after StopContainer: $($HM_HOOK status)"
cri remove $b1 >/dev/null || fail_logs "RemoveContainer B/app"
cri stop-pod $sbB >/dev/null || fail_logs "StopPodSandbox B"
cri remove-pod $sbB >/dev/null || fail_logs "RemovePodSandbox B"
rmdir $podB || fail_logs "pod B's cgroup is not empty: $(ls $podB)"
[ "$(cri pods)" = - ] && [ "$(cri containers)" = - ] || fail_logs "containerd still lists $(cri pods) / $(cri containers)"
hm_expect_clean $blocks
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || fail_logs "B's release migrated pages"
grep -E "hotmem-reclaimd: .*(releas|error)" $HM_OUT/reclaimd.log | head -n 5
hm_log "B: released at StopContainer, nothing left after RemovePodSandbox"
exit 0
