// SPDX-License-Identifier: GPL-2.0
/*
 * Shared memory that outlives the task that wrote it, for the leak-path
 * tests (tests/guest/hotmem/14-leak-paths.sh):
 *   hm-shm sysv MIB        create a SysV segment of MIB MiB, write every
 *                          page, print "shmid=<id>" and exit: the segment
 *                          stays until removed
 *   hm-shm sysv-rm ID      remove segment ID (IPC_RMID)
 *   hm-shm memfd MIB PROCS create a memfd of MIB MiB; a child joins the
 *                          cgroup whose cgroup.procs is PROCS, writes every
 *                          page through a shared mapping and exits; then
 *                          print "filled" and keep the memfd open until
 *                          killed
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "hm-shm: %s: %s\n", what, strerror(errno));
	return 1;
}

static void touch(volatile char *p, size_t len)
{
	long psz = sysconf(_SC_PAGESIZE);

	for (size_t off = 0; off < len; off += (size_t)psz)
		p[off] = 1;
}

static int sysv(size_t len)
{
	int id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
	char *p;

	if (id < 0)
		return fail("shmget");
	p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		return fail("shmat");
	touch(p, len);
	if (shmdt(p))
		return fail("shmdt");
	printf("shmid=%d\n", id);
	return 0;
}

static int join(const char *procs)
{
	FILE *f = fopen(procs, "w");

	if (!f)
		return -1;
	if (fprintf(f, "%d\n", (int)getpid()) < 0) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static int memfd(size_t len, const char *procs)
{
	int fd = memfd_create("hm-shm", 0), st;
	pid_t pid;

	if (fd < 0)
		return fail("memfd_create");
	if (ftruncate(fd, (off_t)len))
		return fail("ftruncate");
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (!pid) {
		char *p;

		if (join(procs))
			_exit(fail(procs));
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(fail("mmap"));
		touch(p, len);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) < 0)
		return fail("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	printf("filled\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sysv"))
		return sysv(strtoul(argv[2], NULL, 10) << 20);
	if (argc == 3 && !strcmp(argv[1], "sysv-rm")) {
		if (shmctl(atoi(argv[2]), IPC_RMID, NULL))
			return fail("shmctl");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "memfd"))
		return memfd(strtoul(argv[2], NULL, 10) << 20, argv[3]);
	fprintf(stderr, "usage: hm-shm sysv MIB | sysv-rm ID | memfd MIB PROCS\n");
	return 2;
}
