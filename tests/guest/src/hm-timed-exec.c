// SPDX-License-Identifier: GPL-2.0
/*
 * hm-timed-exec LOG PROG ARGV0 [ARGS...]: run PROG with the argument vector
 * ARGV0 ARGS... (stdin, stdout and stderr inherited: an OCI hook still gets
 * its state on stdin), wait for it and append one line to LOG:
 *   <nanoseconds from fork to exit> <exit status> ARGS...
 * then exit with PROG's status.  The benchmark puts it in front of
 * hotmem-hook in config.json to time each hook process as a whole (loading,
 * set-up and work), which the end-to-end `crun run` times are too noisy to
 * resolve.  Its own start is outside the interval it measures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long long t0, t1;
	int status, code;
	FILE *log;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: hm-timed-exec LOG PROG ARGV0 [ARGS...]\n");
		return 2;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("hm-timed-exec: fork");
		return 2;
	}
	if (pid == 0) {
		execv(argv[2], argv + 3);
		perror("hm-timed-exec: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("hm-timed-exec: waitpid");
		return 2;
	}
	t1 = now_ns();
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	log = fopen(argv[1], "a");
	if (!log) {
		perror("hm-timed-exec: log");
		return 2;
	}
	fprintf(log, "%lld %d", t1 - t0, code);
	for (int i = 4; i < argc; i++)
		fprintf(log, " %s", argv[i]);
	fputc('\n', log);
	if (fclose(log) != 0) {
		perror("hm-timed-exec: log");
		return 2;
	}
	return code;
}
