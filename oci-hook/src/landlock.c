// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Landlock: after the state is parsed (and before config.json is), the
 * hook may open only what it works on:
 *
 *   <sysfs>/devices/system/memory  read, write (memoryN/state)
 *   the cgroup2 hierarchy          read, write (memory.hotplug), no create
 *   <proc>                         read (/proc/<pid>/cgroup, mountinfo)
 *   the ledger directory           read, write, create and remove files
 *   the bundle's config.json       read (create only)
 *
 * Its config was read, syslog connected and the provider spawner forked
 * before (main.c).  With ABI v4 no TCP bind or connect, with v6 no signal
 * and no abstract Unix socket outside its own domain.  Rights are handled
 * up to the running kernel's ABI; a kernel without Landlock gets one log
 * line and the hook goes on (seccomp and capabilities still hold).  Raw
 * syscalls: glibc has no wrappers, and constants newer than the installed
 * linux-libc-dev are defined here.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/magic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hotmem.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define HM_LL_NET_BIND_TCP (1ULL << 0)
#define HM_LL_NET_CONNECT_TCP (1ULL << 1)
#define HM_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define HM_LL_SCOPE_SIGNAL (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI v6 (the kernel takes its size) */
struct hm_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define R (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define W (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)
#define CREATE (LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REMOVE_FILE)

static uint64_t fs_rights(int abi)
{
	uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI v1 */

	/* REFER stays unhandled: renames within the ledger directory need
	 * only MAKE_REG and REMOVE_FILE, and any other is refused anyway */
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return all;
}

/* One rule; a path that does not exist gets none (nothing to allow). */
static int allow(int ruleset, const char *path, uint64_t access, uint64_t handled,
		 struct hm_error *err)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access & handled };
	cleanup_close int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0
				       : hm_fail(err, HM_EXIT_PRIVS, errno, "landlock: %s", path);
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
		/* a file takes file rights only */
		pb.allowed_access &= LANDLOCK_ACCESS_FS_READ_FILE | W;
		if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
			return hm_fail(err, HM_EXIT_PRIVS, errno, "landlock: rule for %s", path);
	}
	return 0;
}

/* The cgroup2 hierarchy: the root the hook already knows (test roots),
 * else /sys/fs/cgroup when it is a cgroup2 mount.  A rule holds for the
 * hierarchy's root directory wherever it is mounted. */
static const char *cgroup_root(const struct hm_paths *p)
{
	struct statfs sfs;

	if (p->cgroup)
		return p->cgroup;
	if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup";
	return NULL;
}

int hm_landlock_apply(const struct hm_paths *p, const char *ledger, const char *bundle_config,
		      struct hm_error *err)
{
	struct hm_ruleset_attr attr = { 0 };
	cleanup_free char *mem = NULL;
	cleanup_close int ruleset = -1;
	const char *cg = cgroup_root(p);
	size_t size = sizeof(attr.handled_access_fs);
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			       LANDLOCK_CREATE_RULESET_VERSION);

	if (abi < 1) {
		hm_log("Landlock unavailable (%s): file access confined by seccomp and capabilities only",
		       strerror(errno));
		return 0;
	}
	attr.handled_access_fs = fs_rights(abi);
	if (abi >= 4) {
		attr.handled_access_net = HM_LL_NET_BIND_TCP | HM_LL_NET_CONNECT_TCP;
		size = offsetof(struct hm_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = HM_LL_SCOPE_ABSTRACT_UNIX_SOCKET | HM_LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	mem = hm_strdup_printf("%s/devices/system/memory", p->sysfs);
	if (!mem)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0)
		return hm_fail(err, HM_EXIT_PRIVS, errno, "landlock: creating the ruleset");
	if (allow(ruleset, mem, R | W, attr.handled_access_fs, err) < 0 ||
	    (cg && allow(ruleset, cg, R | W, attr.handled_access_fs, err) < 0) ||
	    allow(ruleset, p->proc, R, attr.handled_access_fs, err) < 0 ||
	    (ledger && allow(ruleset, ledger, R | W | CREATE, attr.handled_access_fs, err) < 0) ||
	    (bundle_config && allow(ruleset, bundle_config, LANDLOCK_ACCESS_FS_READ_FILE,
				    attr.handled_access_fs, err) < 0))
		return -1;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return hm_fail(err, HM_EXIT_PRIVS, errno, "landlock: restricting the hook");
	return 0;
}
