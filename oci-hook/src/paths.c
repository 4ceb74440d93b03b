// SPDX-License-Identifier: GPL-2.0-or-later
/* Where things live; every root can be moved by the environment so that
 * the unit tests run against a fake tree in a temporary directory. */
#include <errno.h>
#include <libmount.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

static int env_or(char **dst, const char *var, const char *def, struct hm_error *err)
{
	const char *v = getenv(var);

	if (!v || !*v)
		v = def;
	if (!v) {
		*dst = NULL;
		return 0;
	}
	if (v[0] != '/')
		return hm_fail(err, HM_EXIT_USAGE, EINVAL, "%s must be an absolute path", var);
	*dst = strdup(v);
	if (!*dst)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	return 0;
}

int hm_paths_init(struct hm_paths *p, struct hm_error *err)
{
	memset(p, 0, sizeof(*p));
	if (env_or(&p->sysfs, "HOTMEM_SYSFS_ROOT", "/sys", err) < 0 ||
	    env_or(&p->proc, "HOTMEM_PROC_ROOT", "/proc", err) < 0 ||
	    env_or(&p->cgroup, "HOTMEM_CGROUP_ROOT", NULL, err) < 0 ||
	    env_or(&p->ledger, "HOTMEM_LEDGER_DIR", NULL, err) < 0 ||
	    env_or(&p->config, "HOTMEM_CONFIG", "/etc/hotmem/hotmem.conf", err) < 0)
		return -1;
	return 0;
}

/* The cgroup2 mount point, from <proc>/self/mountinfo through libmount;
 * at most once per process (hm_cgroup_file calls it at first use).  Only
 * a mount of the hierarchy's root ("/" in mountinfo's root field) will do:
 * /proc/<pid>/cgroup paths are relative to it, not to a bind-mounted
 * subtree. */
int hm_paths_cgroup_root(struct hm_paths *p, struct hm_error *err)
{
	cleanup_free char *mi = NULL;
	struct libmnt_table *tb;
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	int found = 0;

	if (p->cgroup)
		return 0;
	mi = hm_strdup_printf("%s/self/mountinfo", p->proc);
	if (!mi)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	tb = mnt_new_table_from_file(mi);
	if (!tb)
		return hm_fail(err, HM_EXIT_KERNEL, errno ? errno : EINVAL, "parsing %s", mi);
	it = mnt_new_iter(MNT_ITER_BACKWARD); /* the last mount wins */
	if (!it) {
		mnt_unref_table(tb);
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	}
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *type = mnt_fs_get_fstype(fs);
		const char *root = mnt_fs_get_root(fs);

		if (type && strcmp(type, "cgroup2") == 0 && root && strcmp(root, "/") == 0) {
			p->cgroup = strdup(mnt_fs_get_target(fs));
			found = p->cgroup ? 1 : -1;
			break;
		}
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	if (found < 0)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (found == 0)
		return hm_fail(err, HM_EXIT_KERNEL, ENOENT,
			       "no mount of the cgroup2 hierarchy's root");
	return 0;
}

void hm_paths_free(struct hm_paths *p)
{
	free(p->sysfs);
	free(p->proc);
	free(p->cgroup);
	free(p->ledger);
	free(p->config);
	memset(p, 0, sizeof(*p));
}
