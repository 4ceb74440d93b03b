// SPDX-License-Identifier: GPL-2.0
/*
 * The CRI test's pod sandbox process (the "pause" container): holds the
 * pod's namespaces, reaps what is re-parented to it, exits on SIGTERM or
 * SIGINT.  Built static into the image tests/vm/cri/mkimage.py makes, since
 * the test VM cannot pull containerd's sandbox_image.
 */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void quit(int sig)
{
	(void)sig;
	_exit(0);
}

int main(void)
{
	struct sigaction chld = { .sa_handler = reap, .sa_flags = SA_NOCLDSTOP };
	struct sigaction term = { .sa_handler = quit };

	if (sigaction(SIGCHLD, &chld, NULL) || sigaction(SIGTERM, &term, NULL) ||
	    sigaction(SIGINT, &term, NULL))
		return 1;
	for (;;)
		pause();
}
