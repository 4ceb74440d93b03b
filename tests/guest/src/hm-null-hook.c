// SPDX-License-Identifier: GPL-2.0
/*
 * hm-null-hook: an OCI hook that reads the container state from stdin and
 * does nothing else.  The benchmark runs containers with it at
 * createRuntime and poststop to measure what running two hook processes
 * costs crun by itself, apart from anything hotmem-hook does.
 */
#include <unistd.h>

int main(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		;
	return n < 0;
}
