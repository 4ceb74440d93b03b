// SPDX-License-Identifier: GPL-2.0
/*
 * hm-events-wait TIMEOUT_S KEY FILE...
 *
 * Wait, by poll(2), for the counter KEY of each flat-keyed FILE (a cgroup's
 * memory.events) to rise.  Each FILE is opened and read, then "ready" is
 * printed; from then on the program sleeps in poll() for POLLPRI|POLLERR,
 * which is how kernfs wakes the pollers of a file whose content changed
 * (cgroup_file_notify()).  After each wakeup it reads the file again (which
 * re-arms the notification) and prints every key that changed:
 *   FILE: NAME OLD -> NEW
 * Once KEY of a FILE rose after a wakeup, that FILE is done:
 *   woke FILE KEY +DELTA wakeups=N
 * and the program exits 0 when every FILE is done.  When TIMEOUT_S passes
 * first it prints, for each FILE not done,
 *   timeout FILE KEY +DELTA wakeups=N
 * (a KEY that rose without a wakeup counts as not woken) and exits 1.  A
 * FILE without KEY (a kernel that lacks it) is an error: exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXF 8
#define MAXK 64

struct counters {
	int n;
	char name[MAXK][48];
	long long val[MAXK];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the whole flat-keyed file from offset 0 into @c; -1 on error. */
static int read_counters(int fd, const char *path, struct counters *c)
{
	char buf[8192];
	ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);
	char *line, *save = NULL;

	if (len < 0) {
		fprintf(stderr, "hm-events-wait: read %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf[len] = '\0';
	c->n = 0;
	for (line = strtok_r(buf, "\n", &save); line && c->n < MAXK;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%47s %lld", c->name[c->n], &c->val[c->n]) == 2)
			c->n++;
	}
	return 0;
}

static int find(const struct counters *c, const char *name)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	static struct counters base[MAXF], cur[MAXF];
	struct pollfd pfd[MAXF];
	long long start[MAXF], deadline;
	int wakeups[MAXF] = { 0 }, done[MAXF] = { 0 };
	int nf, left, ki;
	const char *key;

	if (argc < 4 || argc - 3 > MAXF) {
		fprintf(stderr, "usage: hm-events-wait TIMEOUT_S KEY FILE... (at most %d)\n", MAXF);
		return 2;
	}
	deadline = now_ms() + atoll(argv[1]) * 1000;
	key = argv[2];
	nf = argc - 3;
	for (int f = 0; f < nf; f++) {
		const char *path = argv[3 + f];

		pfd[f].fd = open(path, O_RDONLY);
		if (pfd[f].fd < 0) {
			fprintf(stderr, "hm-events-wait: open %s: %s\n", path, strerror(errno));
			return 2;
		}
		pfd[f].events = POLLPRI | POLLERR;
		if (read_counters(pfd[f].fd, path, &base[f]))
			return 2;
		ki = find(&base[f], key);
		if (ki < 0) {
			printf("no %s in %s\n", key, path);
			return 2;
		}
		start[f] = base[f].val[ki];
	}
	printf("ready\n");
	fflush(stdout);

	left = nf;
	while (left) {
		long long wait = deadline - now_ms();
		int r;

		if (wait <= 0)
			break;
		r = poll(pfd, (nfds_t)nf, (int)wait);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("hm-events-wait: poll");
			return 2;
		}
		for (int f = 0; f < nf; f++) {
			const char *path = argv[3 + f];

			if (pfd[f].fd < 0 || !pfd[f].revents)
				continue;
			if (pfd[f].revents & POLLNVAL) {
				fprintf(stderr, "hm-events-wait: %s: POLLNVAL\n", path);
				return 2;
			}
			wakeups[f]++;
			if (read_counters(pfd[f].fd, path, &cur[f]))
				return 2;
			for (int i = 0; i < cur[f].n; i++) {
				int j = find(&base[f], cur[f].name[i]);

				if (j < 0 || base[f].val[j] != cur[f].val[i])
					printf("%s: %s %lld -> %lld\n", path, cur[f].name[i],
					       j < 0 ? 0 : base[f].val[j], cur[f].val[i]);
			}
			base[f] = cur[f];
			ki = find(&cur[f], key);
			if (ki >= 0 && cur[f].val[ki] > start[f]) {
				printf("woke %s %s +%lld wakeups=%d\n", path, key,
				       cur[f].val[ki] - start[f], wakeups[f]);
				done[f] = 1;
				/* poll() ignores a negative fd: stop watching it */
				pfd[f].fd = -pfd[f].fd - 1;
				left--;
			}
			fflush(stdout);
		}
	}
	if (!left)
		return 0;
	for (int f = 0; f < nf; f++) {
		const char *path = argv[3 + f];

		if (done[f])
			continue;
		if (read_counters(pfd[f].fd, path, &cur[f]))
			return 2;
		ki = find(&cur[f], key);
		printf("timeout %s %s +%lld wakeups=%d\n", path, key,
		       ki < 0 ? 0 : cur[f].val[ki] - start[f], wakeups[f]);
	}
	return 1;
}
