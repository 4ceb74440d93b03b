// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's long-running neighbour, a latency-sensitive service:
 *   hm-neighbour serve SOCKET MIB
 *       fill MIB of memory, print "ready", then answer every line a client
 *       sends on the Unix socket SOCKET with "a\n", after reading and
 *       writing 256 random pages of that memory (one request's work);
 *   hm-neighbour client SOCKET RATE SECONDS
 *       send one request every 1/RATE s for SECONDS, each after the last
 *       answer, and print "<start_ns> <latency_ns>" per request (monotonic
 *       clock), then "# requests=N p50_ns=X p99_ns=Y max_ns=Z".
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hm-fn-common.h"

#define MAXC 16

static int sock_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr, "hm-neighbour: %s: path too long\n", path);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

static int serve(const char *path, size_t bytes)
{
	struct pollfd p[MAXC + 1];
	struct sockaddr_un sa;
	uint64_t seed = 0x1234567887654321ULL;
	size_t npages = bytes / 4096;
	unsigned char *mem = fn_alloc(bytes);
	int ls, n = 1;

	for (size_t i = 0; i < bytes; i += 4096)
		mem[i] = (unsigned char)i;
	if (sock_addr(path, &sa))
		return 2;
	unlink(path);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, MAXC)) {
		fprintf(stderr, "hm-neighbour: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	p[0] = (struct pollfd){ ls, POLLIN, 0 };
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if ((p[0].revents & POLLIN) && n <= MAXC) {
			int c = accept(ls, NULL, NULL);

			if (c >= 0)
				p[n++] = (struct pollfd){ c, POLLIN, 0 };
		}
		for (int i = 1; i < n; i++) {
			char buf[64];
			ssize_t r;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(p[i].fd, buf, sizeof(buf));
			if (r <= 0) {
				close(p[i].fd);
				p[i--] = p[--n];
				continue;
			}
			for (ssize_t k = 0; k < r; k++) {
				if (buf[k] != '\n')
					continue;
				for (int j = 0; j < 256; j++)
					mem[(fn_rand(&seed) % npages) * 4096 + (size_t)j] ^= 1;
				if (write(p[i].fd, "a\n", 2) != 2)
					break;
			}
		}
	}
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int client(const char *path, double rate, uint64_t limit)
{
	struct sockaddr_un sa;
	size_t cap = (size_t)(rate * (double)limit / 1e9) + 16, n = 0;
	uint64_t *lat = calloc(cap, sizeof(*lat)), t0 = fn_now(), period = (uint64_t)(1e9 / rate);
	int s;

	if (!lat || sock_addr(path, &sa))
		return 2;
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "hm-neighbour: connect %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (uint64_t next = t0; next - t0 < limit && n < cap; next += period) {
		uint64_t now = fn_now(), start;
		char c;

		if (now < next) {
			struct timespec ts = { (time_t)((next - now) / 1000000000ULL),
					       (long)((next - now) % 1000000000ULL) };

			nanosleep(&ts, NULL);
		}
		start = fn_now();
		if (write(s, "q\n", 2) != 2)
			return 1;
		do {
			if (read(s, &c, 1) != 1) {
				fprintf(stderr, "hm-neighbour: the server closed\n");
				return 1;
			}
		} while (c != '\n');
		lat[n] = fn_now() - start;
		printf("%llu %llu\n", (unsigned long long)start, (unsigned long long)lat[n]);
		n++;
	}
	if (!n)
		return 1;
	qsort(lat, n, sizeof(*lat), cmp64);
	printf("# requests=%zu p50_ns=%llu p99_ns=%llu max_ns=%llu\n", n,
	       (unsigned long long)lat[n / 2], (unsigned long long)lat[n * 99 / 100],
	       (unsigned long long)lat[n - 1]);
	return 0;
}

int main(int argc, char **argv)
{
	size_t bytes;
	uint64_t ns;
	char *fake[3];

	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && !strcmp(argv[1], "serve")) {
		fake[0] = argv[0], fake[1] = argv[3], fake[2] = "1";
		fn_args(3, fake, "hm-neighbour serve SOCKET MIB", &bytes, &ns);
		return serve(argv[2], bytes);
	}
	if (argc == 5 && !strcmp(argv[1], "client")) {
		double rate = strtod(argv[3], NULL);

		fake[0] = argv[0], fake[1] = "1", fake[2] = argv[4];
		fn_args(3, fake, "hm-neighbour client SOCKET RATE SECONDS", &bytes, &ns);
		if (!(rate > 0 && rate <= 100000)) {
			fprintf(stderr, "hm-neighbour: RATE must be in (0, 100000]\n");
			return 2;
		}
		return client(argv[2], rate, ns);
	}
	fprintf(stderr, "usage: hm-neighbour serve SOCKET MIB | client SOCKET RATE SECONDS\n");
	return 2;
}
