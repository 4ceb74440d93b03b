#!/bin/sh
# Kubernetes pod semantics through crun, with bundles carrying the
# annotations containerd and CRI-O put on a pod's containers (a pod
# annotation reaches every container of the pod, the sandbox included):
#  A. io.hotmem.size on the pod, the sandbox hooked (containerd's
#     io.kubernetes.cri.container-type = sandbox): the sandbox binds the
#     pod's size once at the pod cgroup (the parent of its own); the app
#     container (type container, the same annotation, sandbox-id) claims
#     nothing and its pages lie in the pod's blocks; the app's exit leaves
#     the pod's blocks bound; the sandbox's delete releases them with 0
#     pages migrated.
#  E. the same pod as the runtimes really run it: the sandbox without
#     hooks (neither containerd nor CRI-O hooks it), CRI-O's annotations:
#     the first app container binds the pod's size at the pod cgroup under
#     the sandbox's id, the second claims nothing; the blocks stay while
#     the pod cgroup is populated and `hotmem-hook gc` releases them once
#     it is empty.
#  B. no pod size: the sandbox claims nothing for itself (not even with a
#     memory limit); the app container (CRI-O's io.kubernetes.cri-o.ContainerType)
#     binds its memory limit at its own cgroup.
#  C. a pod size above the pod cgroup's memory.max: refused, one line
#     naming the container, nothing claimed.
#  D. hostile annotations: an unknown container type, and a "sandbox" whose
#     parent cgroup is no kubelet pod cgroup: refused, one line naming the
#     container, nothing claimed.
. /hotmem/lib/testlib.sh
hm_plug_dimm 512 || hm_fail "DIMM did not plug"
blocks=$HM_NEW
span=$(hm_span_pfns $blocks)
lo=${span% *} hi=${span#* }
kp=$HM_CGROOT/kubepods
podA=pod1a2b3c4d-0001-4000-8000-00000000000a podB=pod1a2b3c4d-0002-4000-8000-00000000000b
podC=pod1a2b3c4d-0003-4000-8000-00000000000c podE=pod1a2b3c4d-0005-4000-8000-00000000000e
ids="hm-pod-a-sbx hm-pod-a-app hm-pod-b-sbx hm-pod-b-app hm-pod-c-sbx hm-pod-d-bad hm-pod-d-notpod
	hm-pod-e-sbx hm-pod-e-app1 hm-pod-e-app2"
cleanup() {
	for i in $ids; do crun delete -f $i >/dev/null 2>&1; done
	for d in $kp/$podA $kp/$podB $kp/$podC $kp/$podE $kp $HM_CGROOT/hm-notpod; do
		[ -d $d ] && rmdir $d 2>/dev/null
	done
	hm_unplug_dimm $HM_DIMM $blocks
}
trap cleanup EXIT

# The kubelet's part: one cgroup per pod, with the pod's memory limit.
mkpod() {
	mkdir -p $kp/$1 || return 1
	echo +memory > $HM_CGROOT/cgroup.subtree_control &&
		echo +memory > $kp/cgroup.subtree_control &&
		echo +memory > $kp/$1/cgroup.subtree_control && echo $2 > $kp/$1/memory.max
}
# bundle ID POD-CGROUP-REL JQ-ANNOTATIONS [ARGS...]
bundle() {
	_id=$1 _cg=$2 _ann=$3; shift 3
	hm_hook_bundle /tmp/$_id "$@" || hm_fail "bundle $_id"
	hm_bundle_set /tmp/$_id ".annotations += $_ann | .linux.cgroupsPath = \"$_cg/$_id\""
}
start() {
	crun run -d --bundle /tmp/$1 $1 > $HM_OUT/$1.out 2>&1 < /dev/null ||
		{ cat $HM_OUT/$1.out $HM_OUT/hooks.err; hm_fail "crun run $1"; }
}
stop() {
	crun kill $1 KILL 2>/dev/null
	hm_wait "[ \"\$(crun state $1 | jq -r .status)\" = stopped ]" 30 || hm_fail "$1 did not stop"
	crun delete $1 2> $HM_OUT/$1.err || { cat $HM_OUT/$1.err; hm_fail "crun delete $1"; }
}
owned_by() { # CGROUP-REL: blocks bound to it (none when it does not exist)
	_cgid=$(hm_cgid "$1" 2>/dev/null) || return 0
	for _n in $blocks; do
		[ "$(cat $HM_SYSMEM/memory$_n/hotplug_owner)" = "bound $_cgid" ] && printf '%s ' $_n
	done
}
refused() { # ID RC REGEX
	rm -f $HM_OUT/hooks.err
	if crun run --bundle /tmp/$1 $1 > $HM_OUT/$1.out 2>&1 < /dev/null; then
		hm_fail "$1: crun run succeeded"
	fi
	cat $HM_OUT/$1.out $HM_OUT/hooks.err
	[ "$(wc -l < $HM_OUT/hooks.err)" = 1 ] || hm_fail "$1: not one line from the hook"
	grep -Eq "^hotmem-hook: $1: $3" $HM_OUT/hooks.err || hm_fail "$1: message does not match /$3/"
	grep -q "error executing hook .* (exit code: $2)" $HM_OUT/$1.out || hm_fail "$1: exit code is not $2"
	crun delete -f $1 >/dev/null 2>&1
	hm_expect_clean $blocks
}
m0=$(hm_vmstat pgmigrate_success)

# --- A: a pod-level size ---------------------------------------------------
mkpod $podA 1G || hm_fail "pod cgroup A"
T=io.kubernetes.cri.container-type
bundle hm-pod-a-sbx /kubepods/$podA "{\"$T\": \"sandbox\", \"io.hotmem.size\": \"256Mi\"}" /bin/sleep 600
start hm-pod-a-sbx
a=$(owned_by /kubepods/$podA)
[ "$(echo $a | wc -w)" = 2 ] || hm_fail "pod A owns blocks '$a', expected 2 (256Mi)"
[ -z "$(owned_by /kubepods/$podA/hm-pod-a-sbx)" ] || hm_fail "the sandbox's own cgroup got blocks"
[ "$(hm_records)" = 1 ] && [ -f $HM_LEDGER/hm-pod-a-sbx.rec ] || hm_fail "ledger: $(ls $HM_LEDGER)"
S=io.kubernetes.cri.sandbox-id
bundle hm-pod-a-app /kubepods/$podA "{\"$T\": \"container\", \"io.hotmem.size\": \"256Mi\", \"$S\": \"hm-pod-a-sbx\"}" \
	/bin/hm-pfns 32 $lo $hi 600
hm_bundle_set /tmp/hm-pod-a-app ".linux.resources.memory.limit = $((100 << 20)) |
	.process.capabilities.bounding += [\"CAP_SYS_ADMIN\"] |
	.process.capabilities.effective += [\"CAP_SYS_ADMIN\"] |
	.process.capabilities.permitted += [\"CAP_SYS_ADMIN\"]"
start hm-pod-a-app
hm_wait "grep -q pages= $HM_OUT/hm-pod-a-app.out" 60 || hm_fail "app did not report: $(cat $HM_OUT/hm-pod-a-app.out)"
cat $HM_OUT/hm-pod-a-app.out
grep -q "present=8192 in=8192 out=0" $HM_OUT/hm-pod-a-app.out || hm_fail "app pages outside the pod's blocks"
[ "$(hm_records)" = 1 ] || hm_fail "the app container claimed: $(ls $HM_LEDGER)"
[ "$(owned_by /kubepods/$podA)" = "$a" ] || hm_fail "pod A's blocks changed"
[ -z "$(owned_by /kubepods/$podA/hm-pod-a-app)" ] || hm_fail "the app's own cgroup got blocks"
used=$(hm_cg_stat $kp/$podA hotplug_used)
[ "$used" -ge $((32 << 20)) ] || hm_fail "pod A's pool shows $used bytes used"
$HM_HOOK status
st=$($HM_HOOK status --json) || hm_fail "status --json"
[ "$(echo "$st" | jq -r '[.blocks[] | select(.container == "hm-pod-a-sbx") | .cgroup] | unique | join(",")')" = /kubepods/$podA ] ||
	hm_fail "status does not show the pod's blocks at the pod cgroup"
stop hm-pod-a-app
[ "$(owned_by /kubepods/$podA)" = "$a" ] || hm_fail "the app's exit released the pod's blocks"
stop hm-pod-a-sbx
hm_expect_clean $blocks
[ "$(hm_vmstat pgmigrate_success)" = "$m0" ] || hm_fail "the pod's release migrated pages"
hm_log "A: pod size bound once at /kubepods/$podA (blocks $a), app claimed nothing, released at the sandbox's delete"

# --- E: the sandbox not hooked (as containerd and CRI-O run it) -------------------
mkpod $podE 1G || hm_fail "pod cgroup E"
C=io.kubernetes.cri-o.ContainerType I=io.kubernetes.cri-o.SandboxID
hm_bundle /tmp/hm-pod-e-sbx /bin/sleep 600 || hm_fail "bundle hm-pod-e-sbx"
hm_bundle_set /tmp/hm-pod-e-sbx ".annotations += {\"$C\": \"sandbox\", \"io.hotmem.size\": \"256Mi\"} |
	.linux.cgroupsPath = \"/kubepods/$podE/hm-pod-e-sbx\""
start hm-pod-e-sbx
[ "$(hm_records)" = 0 ] || hm_fail "E: a record before any app container: $(ls $HM_LEDGER)"
for n in 1 2; do
	bundle hm-pod-e-app$n /kubepods/$podE "{\"$C\": \"container\", \"io.hotmem.size\": \"256Mi\", \"$I\": \"hm-pod-e-sbx\"}" /bin/sleep 600
	hm_bundle_set /tmp/hm-pod-e-app$n ".linux.resources.memory.limit = $((64 << 20))"
	start hm-pod-e-app$n
	e=$(owned_by /kubepods/$podE)
	[ "$(echo $e | wc -w)" = 2 ] || hm_fail "E: after app $n the pod owns '$e', expected 2 blocks (256Mi, not the app's 64Mi)"
	[ "$(hm_records)" = 1 ] && [ -f $HM_LEDGER/hm-pod-e-sbx.rec ] || hm_fail "E: ledger after app $n: $(ls $HM_LEDGER)"
	[ -z "$(owned_by /kubepods/$podE/hm-pod-e-app$n)" ] || hm_fail "E: app $n's own cgroup got blocks"
done
grep -q "hm-pod-e-app2: the pod's blocks (sandbox hm-pod-e-sbx, 2 blocks at /kubepods/$podE) serve this container: nothing to do" \
	$HM_OUT/hooks.err || hm_fail "E: the second app's hook did not say it found the pod's blocks: $(cat $HM_OUT/hooks.err)"
stop hm-pod-e-app1
stop hm-pod-e-app2
[ "$(owned_by /kubepods/$podE)" = "$e" ] || hm_fail "E: released while the sandbox still runs in the pod cgroup"
stop hm-pod-e-sbx
$HM_HOOK gc 2> $HM_OUT/gc.err || { cat $HM_OUT/gc.err; hm_fail "E: gc"; }
hm_expect_clean $blocks
hm_log "E: first app container bound the pod's blocks ($e) under the sandbox's id, the second claimed nothing, gc released them once the pod cgroup was empty"

# --- B: no pod size ----------------------------------------------------------
mkpod $podB 1G || hm_fail "pod cgroup B"
C=io.kubernetes.cri-o.ContainerType
bundle hm-pod-b-sbx /kubepods/$podB "{\"$C\": \"sandbox\"}" /bin/sleep 600
hm_bundle_set /tmp/hm-pod-b-sbx ".linux.resources.memory.limit = $((64 << 20))"
start hm-pod-b-sbx
[ "$(hm_records)" = 0 ] || hm_fail "the sandbox claimed for itself: $(ls $HM_LEDGER)"
hm_all_free $blocks || hm_fail "blocks bound after the sandbox"
bundle hm-pod-b-app /kubepods/$podB "{\"$C\": \"container\"}" /bin/sleep 600
hm_bundle_set /tmp/hm-pod-b-app ".linux.resources.memory.limit = $((100 << 20))"
start hm-pod-b-app
b=$(owned_by /kubepods/$podB/hm-pod-b-app)
[ "$(echo $b | wc -w)" = 1 ] || hm_fail "app B owns '$b', expected one block at its own cgroup"
[ -z "$(owned_by /kubepods/$podB)" ] || hm_fail "pod B's cgroup got blocks"
[ "$(hm_records)" = 1 ] && [ -f $HM_LEDGER/hm-pod-b-app.rec ] || hm_fail "ledger: $(ls $HM_LEDGER)"
stop hm-pod-b-app
hm_all_free $blocks || hm_fail "app B's block not released"
stop hm-pod-b-sbx
hm_expect_clean $blocks
hm_log "B: no pod size: the sandbox claimed nothing, the app bound its limit (block $b) at its own cgroup"

# --- C: above the pod's memory limit -------------------------------------------
mkpod $podC 128M || hm_fail "pod cgroup C"
bundle hm-pod-c-sbx /kubepods/$podC "{\"$T\": \"sandbox\", \"io.hotmem.size\": \"256Mi\"}" /bin/sleep 600
refused hm-pod-c-sbx 3 "io.hotmem.size 268435456 bytes is above the pod's memory limit 134217728 \\(memory.max of the pod cgroup /kubepods/$podC;"

# --- D: hostile annotations ------------------------------------------------------
bundle hm-pod-d-bad /kubepods/$podB "{\"$T\": \"sandbox\\u001b[2J\", \"io.hotmem.size\": \"128Mi\"}" /bin/sleep 600
refused hm-pod-d-bad 3 "annotation $T 'sandbox\\\\x1b\\[2J' is neither 'sandbox' nor 'container'"
mkdir -p $HM_CGROOT/hm-notpod
bundle hm-pod-d-notpod /hm-notpod "{\"$T\": \"sandbox\", \"io.hotmem.size\": \"128Mi\"}" /bin/sleep 600
refused hm-pod-d-notpod 4 "the container's parent cgroup /hm-notpod is not a kubelet pod cgroup"
hm_log "C, D: refused with one line each, nothing claimed"
exit 0
