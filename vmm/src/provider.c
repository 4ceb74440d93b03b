// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hotmem-provider: the command hotmem-hook's `provider` setting names, run
 * in the guest as
 *
 *	hotmem-provider [options] grow|shrink <bytes> <container id>
 *
 * It asks hotmem-vmm on the host, over the guest's virtio-serial port, to
 * grow the VM's virtio-mem by what the hook lacks (<bytes> rounded up to
 * the host's step, less the free offline blocks already there), or to
 * shrink it by the free offline blocks (the hook passes 0: "what you can").
 * A virtio-serial port has one opener at a time: a lock file serialises
 * concurrent hooks.  A refusal is one line on stderr and exit status 1;
 * usage errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "guest-mem.h"
#include "num.h"
#include "proto.h"
#include "util.h"

#define DEFAULT_PORT "/dev/virtio-ports/org.hotmem.0"
#define DEFAULT_LOCK "/run/hotmem-provider.lock"
#define DEFAULT_SYSFS "/sys/devices/system/memory"
#define REPLY_MAX 1024

typedef unsigned long long ull;

struct port {
	int fd;
	char buf[REPLY_MAX];
	size_t len;
	uint64_t deadline;
};

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* The port device; a Unix socket path is connected to instead (tests, relays). */
static int open_port(const char *path, vmm_error_t *err)
{
	struct stat st;
	int fd;

	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		struct sockaddr_un sa;

		if (vmm_sockaddr(&sa, path, err) < 0)
			return -1;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			vmm_fail(err, errno, "connecting to %s", path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
	} else {
		struct termios t;

		fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return vmm_fail(err, errno, "opening %s", path);
		if (tcgetattr(fd, &t) == 0) { /* a tty (console port, pty): raw bytes */
			cfmakeraw(&t);
			tcsetattr(fd, TCSANOW, &t);
		}
	}
	if (vmm_set_nonblock(fd, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Drop what an earlier provider left unread (a reply it never waited for). */
static void drain(struct port *p)
{
	char junk[4096];

	while (read(p->fd, junk, sizeof(junk)) > 0)
		;
}

/* The next line; false on timeout, EOF or a line too long. */
static int read_line(struct port *p, char **line, vmm_error_t *err)
{
	for (;;) {
		char *nl = memchr(p->buf, '\n', p->len);

		if (nl) {
			*nl = '\0';
			*line = strdup(p->buf);
			memmove(p->buf, nl + 1, p->len - (size_t)(nl + 1 - p->buf));
			p->len -= (size_t)(nl + 1 - p->buf);
			return *line ? 0 : vmm_fail(err, ENOMEM, "reply");
		}
		if (p->len == sizeof(p->buf))
			return vmm_fail(err, EMSGSIZE, "a reply longer than %d bytes", REPLY_MAX);
		ssize_t n = read(p->fd, p->buf + p->len, sizeof(p->buf) - p->len);

		if (n > 0) {
			p->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return vmm_fail(err, EPIPE, "the port closed");
		if (errno != EAGAIN && errno != EINTR)
			return vmm_fail(err, errno, "reading the port");
		struct pollfd pf = { .fd = p->fd, .events = POLLIN };
		int left = vmm_ms_left(p->deadline);

		if (left == 0 || poll(&pf, 1, left) == 0)
			return vmm_fail(err, ETIMEDOUT, "no answer from hotmem-vmm");
	}
}

/*
 * Send one request and wait for its answer: 0 and the text after
 * "OK <id> ", or -1 with "<code>: <reason>" of an ERR in @err.
 */
static int ask(struct port *p, const char *req, const char *id, char **rest, vmm_error_t *err)
{
	size_t idlen = strlen(id);

	if (vmm_write_all(p->fd, req, strlen(req), p->deadline, err) < 0)
		return vmm_error_wrap(err, "writing to the port");
	for (;;) {
		cleanup_free char *line = NULL;

		if (read_line(p, &line, err) < 0)
			return -1;
		if (strncmp(line, "OK ", 3) == 0 && strncmp(line + 3, id, idlen) == 0 &&
		    line[3 + idlen] == ' ') {
			*rest = strdup(line + 4 + idlen);
			return *rest ? 0 : vmm_fail(err, ENOMEM, "reply");
		}
		if (strncmp(line, "ERR ", 4) == 0 && strncmp(line + 4, id, idlen) == 0 &&
		    line[4 + idlen] == ' ') {
			char *code = line + 5 + idlen, *sp = strchr(code, ' ');

			if (sp)
				*sp = '\0';
			return vmm_fail(err, 0, "hotmem-vmm refused: %s: %s", code,
					sp ? sp + 1 : "");
		}
		/* another request's answer (stale), or an error for a torn line: skip */
	}
}

static int field(const char *rest, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *s = rest; s && *s; s = strchr(s, ' '), s = s ? s + 1 : NULL) {
		if (strncmp(s, key, klen) == 0 && s[klen] == '=') {
			const char *v = s + klen + 1;
			cleanup_error vmm_error_t err = NULL;

			return vmm_parse_u64(v, strcspn(v, " "), out, &err);
		}
	}
	return -1;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return v % to ? v + (to - v % to) : v;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hotmem-provider [--port PATH] [--lock PATH] [--sysfs DIR] [--timeout SEC] grow|shrink BYTES [ID]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "port", required_argument, NULL, 'p' },
					      { "lock", required_argument, NULL, 'l' },
					      { "sysfs", required_argument, NULL, 's' },
					      { "timeout", required_argument, NULL, 't' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *port = env_or("HOTMEM_PROVIDER_PORT", DEFAULT_PORT);
	const char *lock = env_or("HOTMEM_PROVIDER_LOCK", DEFAULT_LOCK);
	const char *sysfs = env_or("HOTMEM_PROVIDER_SYSFS", DEFAULT_SYSFS);
	const char *timeout_s = env_or("HOTMEM_PROVIDER_TIMEOUT", "60");
	cleanup_error vmm_error_t err = NULL;
	cleanup_free char *hello = NULL, *req = NULL, *rest = NULL, *rest2 = NULL;
	cleanup_close int lockfd = -1;
	struct port p = { .fd = -1 };
	uint64_t bytes, timeout, step, bs, freeb, ask_bytes;
	char id[VMM_ID_MAX + 1];
	const char *verb, *cid;
	int c, grow, n;

	while ((c = getopt_long(argc, argv, "p:l:s:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = optarg;
			break;
		case 'l':
			lock = optarg;
			break;
		case 's':
			sysfs = optarg;
			break;
		case 't':
			timeout_s = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind < 2 || argc - optind > 3 ||
	    (strcmp(argv[optind], "grow") != 0 && strcmp(argv[optind], "shrink") != 0)) {
		usage(stderr);
		return 2;
	}
	verb = argv[optind];
	grow = verb[0] == 'g';
	cid = argc - optind == 3 ? argv[optind + 2] : "-";
	if (vmm_parse_u64(argv[optind + 1], strlen(argv[optind + 1]), &bytes, &err) < 0 ||
	    vmm_parse_u64(timeout_s, strlen(timeout_s), &timeout, &err) < 0 || timeout == 0 ||
	    timeout > 86400) {
		fprintf(stderr, "hotmem-provider: bad bytes or timeout: %s\n",
			err ? vmm_error_msg(err) : "1 to 86400 s");
		return 2;
	}
	/* the request id: the container's when it fits the grammar, and who asked */
	n = snprintf(id, sizeof(id), "%s@%ld.%llx",
		     vmm_proto_valid_id(cid, strlen(cid)) && strlen(cid) <= 128 ? cid : "-",
		     (long)getpid(), (ull)(vmm_now_ns() & 0xffffffffu));
	if (n < 0 || (size_t)n >= sizeof(id))
		snprintf(id, sizeof(id), "-@%ld", (long)getpid());
	p.deadline = vmm_now_ns() + timeout * 1000000000ull;

	lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0) {
		vmm_fail(&err, errno, "locking %s", lock);
		goto fail;
	}
	p.fd = open_port(port, &err);
	if (p.fd < 0)
		goto fail;
	drain(&p);
	if (asprintf(&hello, "\nHELLO %s %s\n", VMM_PROTO_VERSION, id) < 0 ||
	    ask(&p, hello, id, &rest, &err) < 0)
		goto fail;
	if (field(rest, "step", &step) < 0 || step == 0) {
		vmm_fail(&err, 0, "hotmem-vmm's HELLO reply has no step: %s", rest);
		goto fail;
	}
	if (vmm_guest_free(sysfs, &bs, &freeb, &err) < 0)
		goto fail;
	if (grow) {
		/* what the hook lacks, in whole blocks and steps */
		uint64_t want = round_up(round_up(bytes, bs), step);

		ask_bytes = want > freeb ? round_up(want - freeb, step) : 0;
	} else {
		ask_bytes = freeb - freeb % step;
	}
	if (ask_bytes == 0) {
		close(p.fd);
		return 0;
	}
	if (asprintf(&req, "%s %llu %s\n", grow ? "GROW" : "SHRINK", (ull)ask_bytes, id) < 0 ||
	    ask(&p, req, id, &rest2, &err) < 0)
		goto fail;
	close(p.fd);
	return 0;
fail:
	fprintf(stderr, "hotmem-provider: %s %llu: %s\n", verb, (ull)bytes, vmm_error_msg(err));
	if (p.fd >= 0)
		close(p.fd);
	return 1;
}
