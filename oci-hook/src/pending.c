// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pending grows.  A claim (a create, or hotmem-reclaimd's grow) that
 * finds too few free blocks asks the provider for more and waits for
 * them without the ledger lock.  Before it drops the lock it leaves
 * <id>.grow in the ledger directory, "<blocks> <pid> <deadline>\n": how
 * many free blocks it counts on, its process, and until when
 * (CLOCK_MONOTONIC ns, the end of its wait).  Other claims leave that
 * many free blocks alone, and a shrink gives back only the free blocks
 * beyond every pending grow: otherwise a poststop could hand back the
 * block a create just had plugged, or another create take it, and the
 * waiting create would fail.  The entry goes when its claim takes the
 * lock back for good; one whose process is gone (the runtime killed its
 * hook at its timeout) or whose deadline has passed counts for nothing
 * and is removed by whoever finds it.  Every function here runs under
 * the ledger lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotmem.h"

#define PENDING_SUFFIX ".grow"

static char *pending_name(const char *id)
{
	return hm_strdup_printf("%s" PENDING_SUFFIX, id);
}

int hm_pending_put(struct hm_ledger *l, const char *id, size_t blocks, uint64_t deadline_ns,
		   struct hm_error *err)
{
	cleanup_free char *name = pending_name(id);
	cleanup_free char *tmp = hm_strdup_printf(".%s.grow.tmp", id);
	cleanup_close int fd = -1;
	char buf[64];
	int n;

	if (!name || !tmp)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	n = snprintf(buf, sizeof(buf), "%zu %d %llu\n", blocks, (int)getpid(),
		     (unsigned long long)deadline_ns);
	fd = openat(l->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "creating %s/%s", l->dir, tmp);
	if (write(fd, buf, (size_t)n) != n)
		return hm_fail(err, HM_EXIT_LEDGER, errno ? errno : EIO, "writing %s/%s", l->dir,
			       tmp);
	if (renameat(l->dirfd, tmp, l->dirfd, name) < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "renaming %s/%s", l->dir, tmp);
	return 0;
}

void hm_pending_del(struct hm_ledger *l, const char *id)
{
	cleanup_free char *name = pending_name(id);

	if (name)
		unlinkat(l->dirfd, name, 0);
}

/* One entry's blocks; 0 when it is void (unreadable, its process gone
 * from @proc, or past its deadline). */
static size_t entry_blocks(int dirfd, const char *name, const char *proc, uint64_t now)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	unsigned long long deadline;
	char buf[64], path[4096], *end;
	unsigned long blocks, pid;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	blocks = strtoul(buf, &end, 10);
	if (errno || end == buf || *end != ' ')
		return 0;
	pid = strtoul(end + 1, &end, 10);
	if (errno || *end != ' ' || pid == 0 || pid > 4194304)
		return 0;
	deadline = strtoull(end + 1, &end, 10);
	if (errno || *end != '\n' || deadline <= now || blocks > HM_LEDGER_MAX_BLOCKS)
		return 0;
	snprintf(path, sizeof(path), "%s/%lu", proc, pid);
	if (access(path, F_OK) < 0)
		return 0;
	return blocks;
}

int hm_pending_sum(struct hm_ledger *l, const char *proc, const char *except, size_t *sum,
		   struct hm_error *err)
{
	cleanup_free char *mine = except ? pending_name(except) : NULL;
	size_t slen = strlen(PENDING_SUFFIX);
	uint64_t now = hm_now_ns();
	struct dirent *de;
	DIR *d;

	*sum = 0;
	if (except && !mine)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (hm_ledger_opendir(l, &d, err) < 0)
		return -1;
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name), b;

		if (de->d_name[0] == '.' || nl <= slen ||
		    strcmp(de->d_name + nl - slen, PENDING_SUFFIX) != 0 ||
		    (mine && strcmp(de->d_name, mine) == 0))
			continue;
		b = entry_blocks(l->dirfd, de->d_name, proc, now);
		if (!b)
			unlinkat(l->dirfd, de->d_name, 0); /* void: its hook is gone */
		*sum += b;
	}
	closedir(d);
	return 0;
}
