// SPDX-License-Identifier: GPL-2.0-or-later
/* Free hot-plugged memory as the guest's sysfs shows it (guest-mem.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest-mem.h"
#include "util.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* A short attribute without its newline; -1 with errno on failure. */
static int read_attr(int dirfd, const char *name, char *buf, size_t size)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -1;
	if ((size_t)n == size - 1) {
		errno = EOVERFLOW;
		return -1;
	}
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

int vmm_guest_free(const char *dir, uint64_t *block_size, uint64_t *free_bytes, vmm_error_t *err)
{
	__attribute__((cleanup(closedirp))) DIR *d = opendir(dir);
	unsigned long long bs;
	uint64_t nfree = 0;
	struct dirent *de;
	char buf[64], *end;

	if (!d)
		return vmm_fail(err, errno, "opening %s", dir);
	if (read_attr(dirfd(d), "block_size_bytes", buf, sizeof(buf)) < 0)
		return vmm_fail(err, errno, "reading %s/block_size_bytes", dir);
	errno = 0;
	bs = strtoull(buf, &end, 16);
	if (errno || end == buf || *end || bs == 0)
		return vmm_fail(err, 0, "%s/block_size_bytes: '%s'", dir, buf);
	while ((de = readdir(d))) {
		char state[32], owner[64];
		cleanup_close int bfd = -1;

		if (strncmp(de->d_name, "memory", 6) != 0 || de->d_name[6] < '0' ||
		    de->d_name[6] > '9')
			continue;
		bfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (bfd < 0 || read_attr(bfd, "state", state, sizeof(state)) < 0)
			continue; /* unplugged meanwhile */
		if (strcmp(state, "offline") != 0)
			continue;
		if (read_attr(bfd, "hotplug_owner", owner, sizeof(owner)) == 0 &&
		    strcmp(owner, "unbound") != 0)
			continue;
		nfree++;
	}
	*block_size = bs;
	*free_bytes = nfree * bs;
	return 0;
}
