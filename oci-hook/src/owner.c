// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Blocks go only to a cgroup that belongs to the container.  The pid's
 * cgroup is where the runtime put the container, except when the runtime
 * created none (podman --cgroups=disabled, crun's "disabled" manager): then
 * the pid sits in the runtime's own cgroup, e.g.
 * /system.slice/containerd.service, which must never get them.  The hook
 * is the runtime's child, so its own cgroup is the runtime's: a container
 * cgroup that is it or above it is refused.  When config.json names
 * linux.cgroupsPath, the pid must be in that cgroup or below it (a
 * container's init may move into a child, as systemd's init.scope), with
 * the path read as crun reads it:
 *
 *	"/a/b"                   cgroupfs: /a/b under the cgroup2 root
 *	"slice:prefix:name"      systemd: a unit <prefix>-<name>.scope (or
 *	                         <name>.scope without a prefix) in the slice
 *	anything else            relative to the runtime's cgroup: not checked
 *	                         beyond the rule above
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

/* Some component of rel is exactly unit. */
static bool has_component(const char *rel, const char *unit)
{
	size_t n = strlen(unit);

	for (const char *s = rel; (s = strstr(s, unit)) != NULL; s++)
		if (s > rel && s[-1] == '/' && (s[n] == '/' || s[n] == '\0'))
			return true;
	return false;
}

int hm_systemd_unit(const char *cgroups_path, char **unit, size_t *slice_len)
{
	const char *c1 = strchr(cgroups_path, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	*unit = NULL;
	if (!c2 || strchr(c2 + 1, ':') || !c2[1])
		return -EINVAL;
	*slice_len = (size_t)(c1 - cgroups_path);
	if (c2 > c1 + 1)
		*unit = hm_strdup_printf("%.*s-%s.scope", (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
	else
		*unit = hm_strdup_printf("%s.scope", c2 + 1);
	return *unit ? 0 : -ENOMEM;
}

static int check_systemd(const char *rel, const char *cgroups_path, struct hm_error *err)
{
	cleanup_free char *unit = NULL;
	size_t slice;
	int ret = hm_systemd_unit(cgroups_path, &unit, &slice);

	if (ret == -EINVAL)
		return hm_fail(err, HM_EXIT_INPUT, EINVAL,
			       "linux.cgroupsPath '%.200s' is neither a path nor slice:prefix:name",
			       cgroups_path);
	if (ret < 0)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (!has_component(rel, unit))
		return hm_fail(
			err, HM_EXIT_PROCESS, EPERM,
			"the container's cgroup %s is not its systemd unit %s (linux.cgroupsPath %s): refusing to bind blocks there",
			rel, unit, cgroups_path);
	return 0;
}

int hm_cgroup_check_owner(const struct hm_paths *p, const char *rel, const char *cgroups_path,
			  struct hm_error *err)
{
	cleanup_free char *self = NULL;

	if (hm_cgroup_of_self(p, &self, err) < 0)
		return -1;
	if (hm_cgroup_within(self, rel))
		return hm_fail(
			err, HM_EXIT_PROCESS, EPERM,
			"the container's cgroup %s is the runtime's own (the hook runs in %s): the container has no cgroup of its own (cgroups disabled?); refusing to bind blocks there",
			rel, self);
	if (!cgroups_path || !*cgroups_path)
		return 0;
	if (cgroups_path[0] == '/') {
		if (!hm_cgroup_within(rel, cgroups_path))
			return hm_fail(
				err, HM_EXIT_PROCESS, EPERM,
				"the container's cgroup %s is not its linux.cgroupsPath %s: refusing to bind blocks there",
				rel, cgroups_path);
		return 0;
	}
	if (strchr(cgroups_path, ':'))
		return check_systemd(rel, cgroups_path, err);
	return 0;
}
