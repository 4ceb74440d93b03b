// SPDX-License-Identifier: GPL-2.0-or-later
/* The guest's virtio-serial port, as hotmem-provider speaks on it (guest-port.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "guest-port.h"
#include "num.h"
#include "util.h"

static int open_fd(const char *path, vmm_error_t *err)
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

int vmm_port_open(struct vmm_port *p, const char *path, vmm_error_t *err)
{
	char junk[4096];

	p->len = 0;
	p->fd = open_fd(path, err);
	if (p->fd < 0)
		return -1;
	/* drop what an earlier provider left unread (a reply it never waited for) */
	while (read(p->fd, junk, sizeof(junk)) > 0)
		;
	return 0;
}

void vmm_port_close(struct vmm_port *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* The next line (malloc'ed, without '\n'); -1 on timeout, EOF or a line too long. */
static int read_line(struct vmm_port *p, char **line, vmm_error_t *err)
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
			return vmm_fail(err, EMSGSIZE, "a reply longer than %d bytes",
					VMM_REPLY_MAX);
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

int vmm_port_ask(struct vmm_port *p, const char *req, const char *id, char **rest, vmm_error_t *err)
{
	size_t idlen = strlen(id);

	/* hotmem-vmm down, or QEMU reconnecting to it: wait for the host */
	if (vmm_write_all(p->fd, req, strlen(req), p->deadline, true, err) < 0)
		return vmm_error_wrap(err, "writing to the port%s",
				      (*err)->errnum == ETIMEDOUT ? " (is hotmem-vmm running?)"
								  : "");
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

int vmm_port_field(const char *rest, const char *key, uint64_t *out)
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
