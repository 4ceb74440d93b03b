// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where things live.  The operator may name another config file
 * (HOTMEM_CONFIG).  Only the test build (-DHOTMEM_TESTING: the unit tests
 * and build/hotmem-hook-test, never installed) lets the environment move
 * the sysfs, /proc and cgroup roots and the ledger, so that tests run
 * against a fake tree in a temporary directory: the installed hook runs as
 * root with its caller's environment, which must not point it at other
 * files.
 */
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "hotmem.h"

/* var NULL: the default alone */
static int env_or(char **dst, const char *var, const char *def, struct hm_error *err)
{
	const char *v = var ? getenv(var) : NULL;

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

#ifdef HOTMEM_TESTING
#define TEST_ROOT(var) (var)
#else
#define TEST_ROOT(var) NULL /* not in the installed hook */
#endif

int hm_paths_init(struct hm_paths *p, struct hm_error *err)
{
	memset(p, 0, sizeof(*p));
	if (env_or(&p->sysfs, TEST_ROOT("HOTMEM_SYSFS_ROOT"), "/sys", err) < 0 ||
	    env_or(&p->proc, TEST_ROOT("HOTMEM_PROC_ROOT"), "/proc", err) < 0 ||
	    env_or(&p->cgroup, TEST_ROOT("HOTMEM_CGROUP_ROOT"), NULL, err) < 0 ||
	    env_or(&p->ledger, TEST_ROOT("HOTMEM_LEDGER_DIR"), NULL, err) < 0 ||
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

/*
 * The cgroup2 mount point, remembered across hook calls in the ledger
 * directory (dirfd; root's alone).  libmount's parse of mountinfo costs
 * a create about 0.8 ms in the test VM (4 ms where each process's code is
 * translated again, as under TCG with address space randomisation), and
 * its answer does not change between containers.  So the first create after
 * boot asks libmount and writes "<dev> <ino> <path>" of what it found; a
 * later one uses that path only while it is still a cgroup2 file system
 * whose directory has that device and inode, i.e. still the hierarchy's
 * root directory (a bind-mounted subtree has another inode; anything else
 * mounted there another type), and asks libmount again otherwise.
 */
#define CG2_CACHE "cgroup2.mount"

static int cgroup2_dir_id(const char *path, struct stat *st)
{
	struct statfs sfs;

	if (statfs(path, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -1;
	if (stat(path, st) < 0 || !S_ISDIR(st->st_mode))
		return -1;
	return 0;
}

static char *cache_read(int dirfd)
{
	cleanup_close int fd = openat(dirfd, CG2_CACHE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	cleanup_free char *text = NULL;
	unsigned long long dev, ino;
	struct hm_error ignored;
	char *path, *end;
	struct stat st;

	if (fd < 0 || hm_read_fd(fd, 8192, &text, NULL, &ignored) < 0)
		return NULL;
	errno = 0;
	dev = strtoull(text, &end, 10);
	if (errno || end == text || *end != ' ')
		return NULL;
	path = end + 1;
	ino = strtoull(path, &end, 10);
	if (errno || end == path || *end != ' ' || end[1] != '/')
		return NULL;
	path = end + 1;
	path[strcspn(path, "\n")] = '\0';
	if (cgroup2_dir_id(path, &st) < 0 || (unsigned long long)st.st_dev != dev ||
	    (unsigned long long)st.st_ino != ino)
		return NULL;
	return strdup(path);
}

/* Written to a temporary name and renamed, so that a reader never sees
 * half of it; by a create, under the ledger lock, so one writer at a time.
 * Not fsync'ed: after a crash a lost or stale cache only costs the next
 * create a libmount parse. */
static void cache_write(int dirfd, const char *path)
{
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	size_t len;

	if (cgroup2_dir_id(path, &st) < 0)
		return; /* not a real cgroup2 (a test's fake tree): nothing to remember */
	text = hm_strdup_printf("%llu %llu %s\n", (unsigned long long)st.st_dev,
				(unsigned long long)st.st_ino, path);
	fd = openat(dirfd, "." CG2_CACHE ".tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (!text || fd < 0)
		return;
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len ||
	    renameat(dirfd, "." CG2_CACHE ".tmp", dirfd, CG2_CACHE) < 0)
		unlinkat(dirfd, "." CG2_CACHE ".tmp", 0);
}

int hm_paths_cgroup_root_cached(struct hm_paths *p, int dirfd, struct hm_error *err)
{
	if (p->cgroup)
		return 0;
	p->cgroup = cache_read(dirfd);
	if (p->cgroup)
		return 0;
	if (hm_paths_cgroup_root(p, err) < 0)
		return -1;
	hm_trace("mountinfo"); /* only here: the VM test and the bench count it */
	/* Best effort by design: a cache that could not be written costs the
	 * next create a libmount parse and nothing else. */
	cache_write(dirfd, p->cgroup);
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
