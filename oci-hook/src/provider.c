// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The provider: an operator command that grows or shrinks the VM's
 * hot-pluggable memory (e.g. asks the VMM to resize virtio-mem), run as
 *
 *	<provider> grow|shrink <bytes> <container id>
 *
 * The hook confines itself with seccomp before it reads any input, and a
 * seccomp filter is inherited across execve: the provider would run under
 * the hook's allow-list.  So the hook forks a small spawner first, while
 * it is still unconfined; the confined hook sends it one request line over
 * a socketpair and reads back the exit status.  The spawner runs the
 * provider with the configured timeout and exits when the hook does.
 *
 * The spawner is forked after the start phase (bounding set empty,
 * no_new_privs); it then drops every capability, makes itself
 * non-dumpable (no ptrace, no core, /proc files root's) and keeps only its
 * channel and stdin/stdout/stderr.  The provider runs as root with no
 * capability, PATH alone as its environment (PROVIDER_PATH), stdin
 * /dev/null, stdout and stderr the hook's stderr, no other fd, and in its
 * own process group, which is SIGKILLed when the provider exits or times
 * out: nothing it started outlives it (a child that makes itself a new
 * session escapes that; the provider is the operator's, trusted code).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hotmem.h"

#define PROVIDER_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

static int spawner_fd = -1;
static pid_t spawner_pid = -1;

static int close_from(unsigned first, unsigned last)
{
	return (int)syscall(SYS_close_range, first, last, 0);
}

/* In the forked child: the provider's process group, fds and environment. */
static void exec_provider(const char *provider, char *const argv[])
{
	char *const envp[] = { PROVIDER_PATH, NULL };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (setpgid(0, 0) < 0 || null < 0 || dup2(null, STDIN_FILENO) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || close_from(3, ~0U) < 0)
		_exit(127);
	execve(provider, argv, envp);
	_exit(127);
}

static int run_provider(const char *provider, unsigned timeout_ms, char *verb, char *bytes,
			char *id)
{
	uint64_t deadline = hm_now_ns() + (uint64_t)timeout_ms * 1000000u;
	char *argv[] = { (char *)provider, verb, bytes, id, NULL };
	int status, ret = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_provider(provider, argv);
	setpgid(pid, pid); /* as the child does: whichever runs first */
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (hm_now_ns() > deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	}
	/* whatever it left behind in its group goes with it */
	kill(-pid, SIGKILL);
	if (ret < 0)
		return ret;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The spawner: no capability, not dumpable, only its channel open. */
static int spawner_confine(int fd)
{
	struct hm_error ignored;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -1;
	if (hm_privs_enter(HM_PHASE_NONE, false, &ignored) < 0)
		return -1;
	if (fd > 3 && close_from(3, (unsigned)fd - 1) < 0)
		return -1;
	return close_from((unsigned)fd + 1, ~0U);
}

static void spawner_loop(int fd, const char *provider, unsigned timeout_ms)
{
	char req[512];
	ssize_t n;

	while ((n = read(fd, req, sizeof(req) - 1)) > 0) {
		char *save = NULL, *verb, *bytes, *id, reply[32];
		int rc;

		req[n] = '\0';
		verb = strtok_r(req, " \n", &save);
		bytes = strtok_r(NULL, " \n", &save);
		id = strtok_r(NULL, " \n", &save);
		rc = (verb && bytes && id) ? run_provider(provider, timeout_ms, verb, bytes, id)
					   : -EINVAL;
		snprintf(reply, sizeof(reply), "%d\n", rc);
		if (write(fd, reply, strlen(reply)) < 0)
			break;
	}
	_exit(0);
}

int hm_provider_spawner_start(const struct hm_config *cfg, struct hm_error *err)
{
	int sv[2];

	if (!cfg->provider)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return hm_fail(err, HM_EXIT_PROVIDER, errno, "creating the provider channel");
	spawner_pid = fork();
	if (spawner_pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return hm_fail(err, HM_EXIT_PROVIDER, errno, "forking the provider spawner");
	}
	if (spawner_pid == 0) {
		close(sv[0]);
		if (spawner_confine(sv[1]) < 0)
			_exit(127); /* the hook reads EOF: "no answer from the spawner" */
		spawner_loop(sv[1], cfg->provider, cfg->provider_timeout_ms);
	}
	close(sv[1]);
	spawner_fd = sv[0];
	return 0;
}

void hm_provider_spawner_stop(void)
{
	if (spawner_fd >= 0) {
		close(spawner_fd); /* the spawner reads EOF and exits */
		spawner_fd = -1;
	}
	if (spawner_pid > 0) {
		waitpid(spawner_pid, NULL, 0);
		spawner_pid = -1;
	}
}

bool hm_provider_available(void)
{
	return spawner_fd >= 0;
}

int hm_provider_run(const char *verb, uint64_t bytes, const char *id, struct hm_error *err)
{
	char req[512], reply[32];
	uint64_t t0 = hm_now_ns();
	ssize_t n;
	int rc;

	if (spawner_fd < 0)
		return 0;
	snprintf(req, sizeof(req), "%s %llu %s\n", verb, (unsigned long long)bytes, id);
	if (write(spawner_fd, req, strlen(req)) < 0)
		return hm_fail(err, HM_EXIT_PROVIDER, errno, "asking the provider to %s", verb);
	n = read(spawner_fd, reply, sizeof(reply) - 1);
	if (n <= 0)
		return hm_fail(err, HM_EXIT_PROVIDER, n < 0 ? errno : EPIPE,
			       "no answer from the provider spawner");
	reply[n] = '\0';
	rc = atoi(reply);
	if (rc == -ETIMEDOUT)
		return hm_fail(err, HM_EXIT_PROVIDER, ETIMEDOUT, "provider %s %llu timed out", verb,
			       (unsigned long long)bytes);
	if (rc < 0)
		return hm_fail(err, HM_EXIT_PROVIDER, -rc, "running the provider");
	if (rc != 0)
		return hm_fail(err, HM_EXIT_PROVIDER, 0, "provider %s %llu exited with %d", verb,
			       (unsigned long long)bytes, rc);
	hm_log("provider %s %llu: ok in %.1f ms", verb, (unsigned long long)bytes,
	       (double)(hm_now_ns() - t0) / 1e6);
	return 0;
}
