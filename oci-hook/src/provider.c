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
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hotmem.h"

static int spawner_fd = -1;
static pid_t spawner_pid = -1;

static int run_provider(const char *provider, unsigned timeout_ms, char *verb, char *bytes,
			char *id)
{
	uint64_t deadline = hm_now_ns() + (uint64_t)timeout_ms * 1000000u;
	char *argv[] = { (char *)provider, verb, bytes, id, NULL };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* stdout would corrupt nothing, but keep the hook's stdout clean */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execv(provider, argv);
		_exit(127);
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (hm_now_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
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
