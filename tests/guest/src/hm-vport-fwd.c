// SPDX-License-Identifier: GPL-2.0
/*
 * hm-vport-fwd PORT SOCKET
 *
 * Carry one stream between a virtio-serial port (PORT, e.g.
 * /dev/virtio-ports/org.hotmem.cri) and a Unix socket in the guest (SOCKET,
 * e.g. containerd's): the CRI test's client runs on the host and speaks gRPC
 * through QEMU's chardev of that port (tests/vm/run-vm.py --cri).
 *
 * A port has no connections, only a host side that is there or not: while
 * no host client is connected, poll() reports POLLHUP and we wait.  The first
 * bytes from a host client open a connection to SOCKET; when the host client
 * disconnects (or the daemon closes), that connection is closed and the next
 * client's first bytes open a new one.  (A daemon closing while the host
 * client stays leaves that client's stream broken: the test's client is
 * restarted after any failed call.)  Runs until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The daemon's socket, retried for up to 60 s (it may still be starting). */
static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "hm-vport-fwd: %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (int i = 0; i < 600; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		nap_ms(100);
	}
	fprintf(stderr, "hm-vport-fwd: connect %s: %s\n", path, strerror(errno));
	return -1;
}

/*
 * Pump bytes both ways until one side ends.  POLLHUP on the port: the host
 * client is gone (a port reports POLLIN too then, with reads of 0 bytes).
 */
static void pump(int port, int sock)
{
	static char buf[65536];
	struct pollfd p[2] = { { port, POLLIN, 0 }, { sock, POLLIN, 0 } };

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents & (POLLHUP | POLLERR))
			return;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || write_all(p[1 - i].fd, buf, (size_t)n))
				return;
		}
	}
}

int main(int argc, char **argv)
{
	int port;

	if (argc != 3) {
		fprintf(stderr, "usage: hm-vport-fwd PORT SOCKET\n");
		return 2;
	}
	/* Kept open for good: closing a port discards what the host sent. */
	port = open(argv[1], O_RDWR | O_CLOEXEC);
	if (port < 0) {
		fprintf(stderr, "hm-vport-fwd: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (;;) {
		struct pollfd p = { port, POLLIN, 0 };
		int sock;

		/* Wait for a host client's first bytes. */
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if ((p.revents & (POLLHUP | POLLERR)) || !(p.revents & POLLIN)) {
			nap_ms(50);
			continue;
		}
		sock = connect_unix(argv[2]);
		if (sock < 0)
			return 1;
		pump(port, sock);
		close(sock);
	}
}
