// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kubernetes pods.  A pod annotation (io.hotmem.size) reaches the spec of
 * every container of the pod: containerd copies the pod annotations its
 * handler lists in pod_annotations into the sandbox's spec and each
 * container's, CRI-O copies all of them.  So the hook tells the levels
 * apart by the container type the runtime itself annotates (containerd:
 * io.kubernetes.cri.container-type, CRI-O: io.kubernetes.cri-o.ContainerType;
 * "sandbox" or "container"):
 *
 *   no type (crun, podman)        the size rule at the container's cgroup
 *   sandbox or app container,     the pod's size, bound once per pod at the
 *   io.hotmem.size                pod's cgroup and recorded under the
 *                                 sandbox's id; whichever of the pod's
 *                                 containers runs the hook first binds it,
 *                                 the others find the record and claim
 *                                 nothing; they allocate from the pool of
 *                                 their nearest ancestor with bound blocks
 *   sandbox, no size              nothing: the sandbox never claims for itself
 *   app container, no size        its memory limit (else default_size) at
 *                                 its own cgroup
 *
 * Why not only the sandbox: neither runtime gives the sandbox the hooks
 * (containerd builds the sandbox's spec without the handler's
 * base_runtime_spec, and NRI adjusts only containers; CRI-O injects hooks.d
 * hooks in CreateContainer only), so under both the first app container
 * binds the pod's blocks; a runtime that does hook the sandbox binds them
 * when the sandbox is created.  The record is released by the sandbox's
 * poststop where there is one, else by gc once the pod cgroup is empty or
 * gone (it counts as alive while its pid runs in the pod cgroup or the pod
 * cgroup is populated): at the next hook call on the node (an app
 * container's poststop runs gc) or hotmem-gc.timer.
 *
 * The kubelet creates one cgroup per pod (cgroupfs: .../pod<uid>;
 * systemd: ...-pod<uid>.slice) and both runtimes put each container of the
 * pod below it: in a child of it (cgroupfs), or in the container's scope
 * there or crun's subgroup of that scope (systemd; see systemd_pod).
 * Annotations are hostile input (a podman user may write them), so a
 * pod-level claim is refused unless the pod cgroup is named as the kubelet
 * names pod cgroups, agrees with the container's linux.cgroupsPath, and is
 * not the runtime's own cgroup or above it: a stray annotation cannot bind
 * blocks to /system.slice.  A sandbox id that names another pod's record,
 * and a pod cgroup recorded under another id, are refused too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

int hm_kind_parse(const char *key, const char *value, enum hm_kind *kind, struct hm_error *err)
{
	enum hm_kind k;

	if (!strcmp(value, "sandbox"))
		k = HM_KIND_SANDBOX;
	else if (!strcmp(value, "container"))
		k = HM_KIND_CONTAINER;
	else
		return hm_fail(err, HM_EXIT_INPUT, EINVAL,
			       "annotation %s '%.64s' is neither 'sandbox' nor 'container'", key,
			       value);
	if (*kind != HM_KIND_PLAIN && *kind != k)
		return hm_fail(err, HM_EXIT_INPUT, EINVAL,
			       "annotations %s and %s disagree on the container type",
			       HM_ANN_CRI_TYPE, HM_ANN_CRIO_TYPE);
	*kind = k;
	return 0;
}

const char *hm_kind_name(enum hm_kind kind)
{
	switch (kind) {
	case HM_KIND_SANDBOX:
		return "sandbox";
	case HM_KIND_CONTAINER:
		return "container";
	default:
		return "plain";
	}
}

int hm_sandbox_id_parse(const char *key, const char *value, char **id, struct hm_error *err)
{
	if (!hm_valid_id(value))
		return hm_fail(err, HM_EXIT_INPUT, EINVAL,
			       "annotation %s '%.64s' is not a valid container id", key, value);
	if (*id)
		return strcmp(*id, value) == 0
			       ? 0
			       : hm_fail(err, HM_EXIT_INPUT, EINVAL,
					 "annotations %s and %s disagree on the sandbox id",
					 HM_ANN_CRI_SANDBOX, HM_ANN_CRIO_SANDBOX);
	*id = strdup(value);
	return *id ? 0 : hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
}

enum hm_level hm_pod_level(const struct hm_spec *sp, const struct hm_state *st, const char **why)
{
	bool sized = sp->size_annotation || (st && st->size_annotation);

	*why = "";
	if (sp->kind == HM_KIND_PLAIN)
		return HM_LEVEL_OWN;
	if (sized)
		return HM_LEVEL_POD;
	if (sp->kind == HM_KIND_SANDBOX) {
		*why = "pod sandbox without io.hotmem.size: nothing to do (a sandbox never claims for itself)";
		return HM_LEVEL_NONE;
	}
	return HM_LEVEL_OWN;
}

/* The last component of a cgroup path. */
static const char *last_component(const char *rel)
{
	const char *s = strrchr(rel, '/');

	return s ? s + 1 : rel;
}

static bool lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/*
 * The kubelet's pod cgroup names: "pod<uid>" (cgroupfs driver) and
 * "<parent>-pod<uid>.slice" (systemd driver), the uid a UUID: 32 hex
 * digits in groups of 8-4-4-4-12, separated by '-' (cgroupfs) or by '_'
 * (systemd, which reserves '-' for the slice hierarchy); a static pod's
 * uid is the MD5 of its manifest: 32 hex digits without separators.
 */
static bool kubelet_uid(const char *s, size_t n)
{
	static const size_t dash[] = { 8, 13, 18, 23 };
	char sep;

	if (n == 32)
		return lower_hex(s, n);
	if (n != 36)
		return false;
	sep = s[8];
	if (sep != '-' && sep != '_')
		return false;
	for (size_t i = 0, d = 0; i < n; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != sep)
				return false;
			d++;
		} else if (!s[i] || !strchr("0123456789abcdef", s[i])) {
			return false;
		}
	}
	return true;
}

static bool kubelet_pod_name(const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(name, "pod", 3))
		return kubelet_uid(name + 3, n - 3);
	/* <parent>-pod<uid>.slice, <parent> not empty, uid 36 or 32 long */
	if (n < 1 + 4 + 32 + 6 || strcmp(name + n - 6, ".slice") != 0)
		return false;
	for (size_t u = 32; u <= 36; u += 4)
		if (n >= 1 + 4 + u + 6 && !strncmp(name + n - 6 - u - 4, "-pod", 4) &&
		    kubelet_uid(name + n - 6 - u, u))
			return true;
	return false;
}

/* "/a/pod1/ctr" names the container's cgroup /a/pod1/ctr exactly (not a
 * child of it): the pod is its parent. */
static int cgroupfs_pod(const char *rel, const char *cgroups_path, char **pod, struct hm_error *err)
{
	const char *slash = strrchr(rel, '/');

	if (cgroups_path && strcmp(rel, cgroups_path) != 0)
		return hm_fail(
			err, HM_EXIT_PROCESS, EPERM,
			"the container's cgroup %s is not its linux.cgroupsPath %s: refusing a pod-level claim",
			rel, cgroups_path);
	if (!slash || slash == rel)
		return hm_fail(err, HM_EXIT_PROCESS, EPERM,
			       "the container's cgroup %s has no pod cgroup above it", rel);
	*pod = strndup(rel, (size_t)(slash - rel));
	return *pod ? 0 : hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
}

/*
 * "slice:prefix:name": crun's systemd manager runs the container in the
 * unit <prefix>-<name>.scope (<name>.scope without a prefix) in the pod's
 * slice, and on cgroup v2 by default in a child of the scope named by
 * run.oci.systemd.subgroup ("container"; "" for none).  So the scope is
 * the container's cgroup or its parent, the pod is the scope's parent, and
 * it must be the slice the path names.
 */
static int systemd_pod(const char *rel, const char *cgroups_path, char **pod, struct hm_error *err)
{
	cleanup_free char *unit = NULL;
	const char *last = strrchr(rel, '/'), *scope, *ppod;
	size_t n, slice = 0;
	int ret = hm_systemd_unit(cgroups_path, &unit, &slice);

	if (ret == -EINVAL || (ret == 0 && !slice))
		return hm_fail(err, HM_EXIT_INPUT, EINVAL,
			       "linux.cgroupsPath '%.200s' is not slice:prefix:name", cgroups_path);
	if (ret < 0)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	n = strlen(unit);
	scope = last + 1;
	if (strcmp(scope, unit) != 0 && last > rel) {
		/* one level below the scope: crun's subgroup */
		scope = last - 1;
		while (scope > rel && *scope != '/')
			scope--;
		scope++;
	}
	if ((size_t)(strchrnul(scope, '/') - scope) != n || strncmp(scope, unit, n) != 0)
		return hm_fail(
			err, HM_EXIT_PROCESS, EPERM,
			"the container's cgroup %s is neither its systemd unit %s nor a child of it (linux.cgroupsPath %.200s): refusing a pod-level claim",
			rel, unit, cgroups_path);
	if (scope - 1 == rel)
		return hm_fail(err, HM_EXIT_PROCESS, EPERM,
			       "the container's cgroup %s has no pod cgroup above it", rel);
	*pod = strndup(rel, (size_t)(scope - 1 - rel));
	if (!*pod)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	ppod = last_component(*pod);
	if (strlen(ppod) != slice || strncmp(cgroups_path, ppod, slice) != 0) {
		hm_fail(err, HM_EXIT_PROCESS, EPERM,
			"the pod cgroup %s is not the slice of the container's linux.cgroupsPath %.200s: refusing a pod-level claim",
			*pod, cgroups_path);
		free(*pod);
		*pod = NULL;
		return -1;
	}
	return 0;
}

int hm_pod_cgroup(struct hm_paths *p, long long pid, const char *cgroups_path, char **pod,
		  struct hm_error *err)
{
	cleanup_free char *rel = NULL;
	int ret;

	*pod = NULL;
	if (hm_cgroup_of_pid(p, pid, &rel, err) < 0)
		return -1;
	/* the container's own cgroup is its own, as for any container */
	if (hm_cgroup_check_owner(p, rel, cgroups_path, err) < 0)
		return -1;
	if (!cgroups_path || !*cgroups_path || cgroups_path[0] == '/')
		ret = cgroupfs_pod(rel, cgroups_path && *cgroups_path ? cgroups_path : NULL, pod,
				   err);
	else if (strchr(cgroups_path, ':'))
		ret = systemd_pod(rel, cgroups_path, pod, err);
	else
		ret = hm_fail(
			err, HM_EXIT_PROCESS, EPERM,
			"linux.cgroupsPath '%.200s' is relative to the runtime's cgroup, which no kubelet pod uses: refusing a pod-level claim",
			cgroups_path);
	if (ret < 0)
		return -1;
	if (!kubelet_pod_name(last_component(*pod))) {
		hm_fail(err, HM_EXIT_PROCESS, EPERM,
			"the container's parent cgroup %s is not a kubelet pod cgroup (pod<uid> or *-pod<uid>.slice): refusing a pod-level claim",
			*pod);
		goto fail;
	}
	if (hm_cgroup_check_owner(p, *pod, NULL, err) < 0)
		goto fail;
	return 0;
fail:
	free(*pod);
	*pod = NULL;
	return -1;
}

int hm_pod_limit(struct hm_paths *p, const char *pod, uint64_t *limit, struct hm_error *err)
{
	cleanup_free char *path = NULL;
	char buf[64], *end;
	unsigned long long v;

	*limit = 0;
	if (hm_cgroup_file(p, pod, "memory.max", &path, err) < 0)
		return -1;
	if (hm_read_attr(path, buf, sizeof(buf), err) < 0) {
		if (err->errnum == ENOENT) /* no memory controller: the claim says so */
			return 0;
		return hm_wrap(err, "the pod's memory limit");
	}
	if (!strcmp(buf, "max"))
		return 0;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end || buf[0] == '-')
		return hm_fail(err, HM_EXIT_KERNEL, EPROTO, "%s reads '%.32s'", path, buf);
	*limit = v;
	return 0;
}

/* The pod's size: io.hotmem.size, capped by the pod cgroup's memory.max
 * (the kubelet sets it before it creates the pod's containers) and not by
 * the container's own limit, which is not the pod's. */
static int pod_size(struct hm_ctx *c, const struct hm_state *st, const struct hm_spec *sp,
		    const char *pod, uint64_t *bytes, const char **source, struct hm_error *err)
{
	struct hm_spec capped = *sp;
	uint64_t limit;

	if (hm_pod_limit(&c->paths, pod, &limit, err) < 0)
		return -1;
	capped.has_limit = limit > 0 && limit <= HM_SIZE_MAX;
	capped.limit = capped.has_limit ? (long long)limit : 0;
	if (hm_size_resolve(&capped, st, &c->cfg, bytes, source, err) == 0)
		return 0;
	if (err->errnum == ERANGE && capped.has_limit && *bytes > limit)
		return hm_fail(
			err, HM_EXIT_INPUT, ERANGE,
			"io.hotmem.size %llu bytes is above the pod's memory limit %llu (memory.max of the pod cgroup %s; hotmem.conf: above_limit = no)",
			(unsigned long long)*bytes, (unsigned long long)limit, pod);
	return hm_wrap(err, "pod cgroup %s", pod);
}

int hm_pod_size_check(const struct hm_spec *sp, const struct hm_state *st, struct hm_error *err)
{
	const char *ann = sp->size_annotation ? sp->size_annotation : st->size_annotation;
	uint64_t bytes;

	if (ann && hm_parse_size(ann, &bytes, err) < 0)
		return hm_wrap(err, "annotation io.hotmem.size");
	return 0;
}

/* Another record (another sandbox id) naming the pod cgroup: the pod is
 * served under that id already, or an id was forged; either way, no
 * second claim there.  1: found (err set), 0: none, -1: error. */
static int other_record(struct hm_ctx *c, const char *pod_id, const char *pod, struct hm_record *r,
			struct hm_error *err)
{
	char **ids = NULL;
	size_t nids = 0;
	int ret = 0;

	if (hm_ledger_ids(&c->ledger, &ids, &nids, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < nids && ret == 0; i++) {
		struct hm_error ignored;

		if (!strcmp(ids[i], pod_id) ||
		    hm_ledger_get(&c->ledger, ids[i], r, &ignored) != 0 ||
		    strcmp(r->cgroup, pod) != 0)
			continue;
		ret = hm_fail(
			err, HM_EXIT_BUSY, EEXIST,
			"the pod cgroup %s is recorded under another id %s, not sandbox %s: refusing a pod-level claim",
			pod, ids[i], pod_id);
	}
	hm_ids_free(ids, nids);
	return ret < 0 ? 1 : 0;
}

/*
 * The pod's record exists at this pod cgroup: 0 and *served when it is
 * bound; a record gc could not finish (releasing: the pod cgroup was found
 * empty and the blocks were busy; claiming: cannot be, gc just ran under
 * the lock) is finished first, waiting as the operator's gc does, and the
 * pod claims again; blocks still busy then: HM_EXIT_BUSY.
 */
static int existing_record(struct hm_ctx *c, const struct hm_state *st, struct hm_record *r,
			   bool *served, struct hm_error *err)
{
	int ret;

	*served = r->state == HM_REC_BOUND;
	if (*served)
		return 0;
	hm_log("the pod's record (sandbox %s) is '%s': finishing its release first", r->id,
	       hm_rec_state_name(r->state));
	ret = hm_release_record(c, r, true, err);
	if (ret < 0)
		return hm_wrap(err, "container %s: finishing the release of the pod's record %s",
			       st->id, r->id);
	if (ret == 1)
		return hm_fail(
			err, HM_EXIT_BUSY, EBUSY,
			"container %s: the pod's blocks (sandbox %s at %s) are still being released (%zu blocks busy); retry once 'hotmem-hook gc' finished them",
			st->id, r->id, r->cgroup, r->nblocks);
	return 0;
}

int hm_pod_create(struct hm_ctx *c, const struct hm_state *st, const struct hm_spec *sp,
		  struct hm_error *err)
{
	cleanup_free struct hm_record *r = calloc(1, sizeof(*r));
	cleanup_free char *pod = NULL;
	struct hm_state pst = *st;
	const char *source, *pod_id;
	bool served = false;
	uint64_t bytes;
	int ret;

	if (!r)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	/* parsed before any other work: malformed is an error even when the
	 * pod is served already (main.c checks it before the act phase too) */
	if (hm_pod_size_check(sp, st, err) < 0)
		return -1;
	pod_id = sp->kind == HM_KIND_SANDBOX ? st->id : sp->sandbox_id;
	if (!pod_id)
		return hm_fail(
			err, HM_EXIT_INPUT, EINVAL,
			"a pod-level io.hotmem.size needs the pod's sandbox id (annotation %s or %s)",
			HM_ANN_CRI_SANDBOX, HM_ANN_CRIO_SANDBOX);
	if (hm_paths_cgroup_root_cached(&c->paths, c->ledger.dirfd, err) < 0 ||
	    hm_pod_cgroup(&c->paths, st->pid, st->cgroups_path, &pod, err) < 0)
		return -1;
	hm_trace("spec");
	if (hm_gc(c, HM_GC_CREATE, err) < 0)
		return -1;
	hm_trace("gc");
	ret = hm_ledger_get(&c->ledger, pod_id, r, err);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		if (strcmp(r->cgroup, pod) != 0)
			return hm_fail(
				err, HM_EXIT_BUSY, EEXIST,
				"the ledger's record for sandbox %s names cgroup %s, not this pod's %s",
				pod_id, r->cgroup, pod);
		if (existing_record(c, st, r, &served, err) < 0)
			return -1;
		if (served) {
			hm_log("the pod's blocks (sandbox %s, %zu blocks at %s) serve this %s: nothing to do",
			       pod_id, r->nblocks, pod, hm_kind_name(sp->kind));
			return 0;
		}
	}
	ret = other_record(c, pod_id, pod, r, err);
	if (ret != 0)
		return -1;
	if (pod_size(c, st, sp, pod, &bytes, &source, err) < 0)
		return -1;
	hm_log("pod size %llu bytes (from %s) for sandbox %s, at the pod cgroup %s",
	       (unsigned long long)bytes, source, pod_id, pod);
	pst.id = (char *)pod_id;
	pst.pod_cgroup = pod;
	return hm_claim(c, &pst, bytes, err);
}
