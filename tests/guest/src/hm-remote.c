// SPDX-License-Identifier: GPL-2.0
/*
 * hm-remote target MIB
 *	map MIB MiB of anonymous memory without touching it, print
 *	"pid=PID addr=ADDR" and wait until killed
 * hm-remote write PID ADDR MIB
 *	write MIB MiB into process PID's memory at ADDR through
 *	/proc/PID/mem (as a debugger does; process_vm_writev() takes the same
 *	remote-fault path): the pages are faulted in PID's memory by this
 *	process; print "wrote=BYTES"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int target(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "hm-remote: mmap: %s\n", strerror(errno));
		return 1;
	}
	printf("pid=%d addr=%p\n", getpid(), p);
	fflush(stdout);
	for (;;)
		pause();
}

static int writer(pid_t pid, unsigned long addr, size_t len)
{
	static char buf[1 << 20];
	char path[64];
	size_t done = 0;
	int fd;

	memset(buf, 0x5a, sizeof(buf));
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "hm-remote: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (done < len) {
		ssize_t n = pwrite(fd, buf, sizeof(buf), (off_t)(addr + done));

		if (n <= 0) {
			fprintf(stderr, "hm-remote: writing %s: %s\n", path,
				n < 0 ? strerror(errno) : "nothing written");
			close(fd);
			return 1;
		}
		done += (size_t)n;
	}
	close(fd);
	printf("wrote=%zu\n", done);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "target"))
		return target(strtoul(argv[2], NULL, 10) << 20);
	if (argc == 5 && !strcmp(argv[1], "write"))
		return writer((pid_t)strtol(argv[2], NULL, 10), strtoul(argv[3], NULL, 0),
			      strtoul(argv[4], NULL, 10) << 20);
	fprintf(stderr, "usage: hm-remote target MIB | hm-remote write PID ADDR MIB\n");
	return 2;
}
