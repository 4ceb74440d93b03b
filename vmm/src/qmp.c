// SPDX-License-Identifier: GPL-2.0-or-later
/* The QMP client (qmp.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "qmp.h"
#include "util.h"

#define QMP_LINE_MAX (1u << 20) /* QEMU is trusted, but not unbounded */

static void yajl_gen_freep(yajl_gen *g)
{
	if (*g)
		yajl_gen_free(*g);
}

static void yajl_val_freep(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}

#define cleanup_gen __attribute__((cleanup(yajl_gen_freep)))
#define cleanup_val __attribute__((cleanup(yajl_val_freep)))

/* Read until a whole line is buffered; *line is malloc'ed, without '\n'. */
static int read_line(struct vmm_qmp *q, uint64_t deadline, char **line, vmm_error_t *err)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;

		if (nl) {
			size_t n = (size_t)(nl - q->buf);

			*line = strndup(q->buf, n);
			if (!*line)
				return vmm_fail(err, ENOMEM, "QMP line");
			memmove(q->buf, nl + 1, q->len - n - 1);
			q->len -= n + 1;
			return 0;
		}
		if (q->len == q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 4096;
			char *b;

			if (cap > QMP_LINE_MAX)
				return vmm_fail(err, EMSGSIZE, "QMP line longer than %u bytes",
						QMP_LINE_MAX);
			b = realloc(q->buf, cap);
			if (!b)
				return vmm_fail(err, ENOMEM, "QMP buffer");
			q->buf = b;
			q->cap = cap;
		}
		ssize_t n = read(q->fd, q->buf + q->len, q->cap - q->len);

		if (n > 0) {
			q->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return vmm_fail(err, EPIPE, "QMP connection closed");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return vmm_fail(err, errno, "reading QMP");
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int left = vmm_ms_left(deadline);

		if (left == 0 || poll(&p, 1, left) == 0)
			return vmm_fail(err, ETIMEDOUT, "waiting for QMP");
	}
}

static int read_json(struct vmm_qmp *q, uint64_t deadline, yajl_val *v, vmm_error_t *err)
{
	cleanup_free char *line = NULL;
	char yerr[256];

	if (read_line(q, deadline, &line, err) < 0)
		return -1;
	*v = yajl_tree_parse(line, yerr, sizeof(yerr));
	if (!*v || !YAJL_IS_OBJECT(*v))
		return vmm_fail(err, EPROTO, "QMP sent no JSON object");
	return 0;
}

/* Send {"execute": NAME, "arguments": {...}, "id": N}; reply's "return" kept in *reply. */
static int execute(struct vmm_qmp *q, yajl_gen g, unsigned long long id, unsigned timeout_ms,
		   yajl_val *reply, vmm_error_t *err)
{
	uint64_t deadline = vmm_now_ns() + (uint64_t)timeout_ms * 1000000u;
	const unsigned char *json;
	size_t len;

	if (yajl_gen_get_buf(g, &json, &len) != yajl_gen_status_ok)
		return vmm_fail(err, EINVAL, "building a QMP command");
	if (vmm_write_all(q->fd, (const char *)json, len, deadline, false, err) < 0 ||
	    vmm_write_all(q->fd, "\n", 1, deadline, false, err) < 0)
		return vmm_error_wrap(err, "sending to QMP");
	for (;;) {
		cleanup_val yajl_val v = NULL;
		const char *idp[] = { "id", NULL }, *errp[] = { "error", "desc", NULL };
		const char *retp[] = { "return", NULL };
		yajl_val vid, desc;

		if (read_json(q, deadline, &v, err) < 0)
			return -1;
		vid = yajl_tree_get(v, idp, yajl_t_number);
		if (!vid || !YAJL_IS_INTEGER(vid) ||
		    (unsigned long long)YAJL_GET_INTEGER(vid) != id)
			continue; /* an event, or the late reply to a timed-out command */
		desc = yajl_tree_get(v, errp, yajl_t_string);
		if (desc)
			return vmm_fail(err, 0, "QEMU: %s", YAJL_GET_STRING(desc));
		if (!yajl_tree_get(v, retp, yajl_t_any))
			return vmm_fail(err, EPROTO, "QMP reply without return");
		*reply = v;
		v = NULL;
		return 0;
	}
}

static yajl_gen begin(struct vmm_qmp *q, const char *cmd, unsigned long long *id)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (!g)
		return NULL;
	*id = q->next_id++;
	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"id", 2);
	yajl_gen_integer(g, (long long)*id);
	yajl_gen_string(g, (const unsigned char *)"execute", 7);
	yajl_gen_string(g, (const unsigned char *)cmd, strlen(cmd));
	return g;
}

static void gen_str(yajl_gen g, const char *k, const char *v)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
	yajl_gen_string(g, (const unsigned char *)v, strlen(v));
}

int vmm_qmp_open(struct vmm_qmp *q, const char *path, unsigned timeout_ms, vmm_error_t *err)
{
	uint64_t deadline = vmm_now_ns() + (uint64_t)timeout_ms * 1000000u;
	cleanup_val yajl_val greeting = NULL, reply = NULL;
	cleanup_gen yajl_gen g = NULL;
	const char *qmpp[] = { "QMP", NULL };
	struct sockaddr_un sa;
	unsigned long long id;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->next_id = 1;
	if (vmm_sockaddr(&sa, path, err) < 0)
		return -1;
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return vmm_fail(err, errno, "socket");
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		vmm_fail(err, errno, "connecting to QMP %s", path);
		vmm_qmp_close(q);
		return -1;
	}
	if (vmm_set_nonblock(q->fd, err) < 0 || read_json(q, deadline, &greeting, err) < 0 ||
	    !yajl_tree_get(greeting, qmpp, yajl_t_object)) {
		if (!*err)
			vmm_fail(err, EPROTO, "no QMP greeting");
		vmm_error_wrap(err, "QMP %s", path);
		vmm_qmp_close(q);
		return -1;
	}
	g = begin(q, "qmp_capabilities", &id);
	if (!g)
		return vmm_fail(err, ENOMEM, "QMP");
	yajl_gen_map_close(g);
	if (execute(q, g, id, vmm_ms_left(deadline), &reply, err) < 0) {
		vmm_error_wrap(err, "QMP %s", path);
		vmm_qmp_close(q);
		return -1;
	}
	return 0;
}

/* qom-get PATH PROP; the reply (its "return" checked by the caller) in *reply. */
static int qom_get(struct vmm_qmp *q, const char *path, const char *prop, unsigned timeout_ms,
		   yajl_val *reply, vmm_error_t *err)
{
	cleanup_gen yajl_gen g = NULL;
	unsigned long long id;

	g = begin(q, "qom-get", &id);
	if (!g)
		return vmm_fail(err, ENOMEM, "QMP");
	yajl_gen_string(g, (const unsigned char *)"arguments", 9);
	yajl_gen_map_open(g);
	gen_str(g, "path", path);
	gen_str(g, "property", prop);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	if (execute(q, g, id, timeout_ms, reply, err) < 0)
		return vmm_error_wrap(err, "qom-get %s %s", path, prop);
	return 0;
}

int vmm_qmp_qom_get_u64(struct vmm_qmp *q, const char *path, const char *prop, uint64_t *out,
			unsigned timeout_ms, vmm_error_t *err)
{
	cleanup_val yajl_val reply = NULL;
	const char *retp[] = { "return", NULL };
	yajl_val v;

	if (qom_get(q, path, prop, timeout_ms, &reply, err) < 0)
		return -1;
	v = yajl_tree_get(reply, retp, yajl_t_number);
	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
		return vmm_fail(err, 0, "qom-get %s %s: not a size", path, prop);
	*out = (uint64_t)YAJL_GET_INTEGER(v);
	return 0;
}

int vmm_qmp_qom_get_str(struct vmm_qmp *q, const char *path, const char *prop, char **out,
			unsigned timeout_ms, vmm_error_t *err)
{
	cleanup_val yajl_val reply = NULL;
	const char *retp[] = { "return", NULL };
	yajl_val v;

	if (qom_get(q, path, prop, timeout_ms, &reply, err) < 0)
		return -1;
	const char *str;

	v = yajl_tree_get(reply, retp, yajl_t_string);
	str = v ? YAJL_GET_STRING(v) : NULL;
	if (!str || !*str)
		return vmm_fail(err, 0, "qom-get %s %s: not a string", path, prop);
	*out = strdup(str);
	return *out ? 0 : vmm_fail(err, ENOMEM, "qom-get %s %s", path, prop);
}

int vmm_qmp_qom_set_u64(struct vmm_qmp *q, const char *path, const char *prop, uint64_t val,
			unsigned timeout_ms, vmm_error_t *err)
{
	cleanup_gen yajl_gen g = NULL;
	cleanup_val yajl_val reply = NULL;
	unsigned long long id;

	if (val > INT64_MAX)
		return vmm_fail(err, 0, "qom-set %s %s: %llu out of range", path, prop,
				(unsigned long long)val);
	g = begin(q, "qom-set", &id);
	if (!g)
		return vmm_fail(err, ENOMEM, "QMP");
	yajl_gen_string(g, (const unsigned char *)"arguments", 9);
	yajl_gen_map_open(g);
	gen_str(g, "path", path);
	gen_str(g, "property", prop);
	yajl_gen_string(g, (const unsigned char *)"value", 5);
	yajl_gen_integer(g, (long long)val);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	if (execute(q, g, id, timeout_ms, &reply, err) < 0)
		return vmm_error_wrap(err, "qom-set %s %s %llu", path, prop,
				      (unsigned long long)val);
	return 0;
}

int vmm_qmp_drain(struct vmm_qmp *q, vmm_error_t *err)
{
	char *nl;

	for (;;) {
		ssize_t n;

		if (q->len == q->cap) {
			/* events are not kept: drop whole lines, or all when none ends */
			nl = memrchr(q->buf, '\n', q->len);
			size_t keep = nl ? q->len - (size_t)(nl + 1 - q->buf) : 0;

			if (keep == q->len && q->cap >= QMP_LINE_MAX)
				return vmm_fail(err, EMSGSIZE, "QMP line longer than %u bytes",
						QMP_LINE_MAX);
			if (keep < q->len) {
				memmove(q->buf, q->buf + q->len - keep, keep);
				q->len = keep;
			} else {
				char *b = realloc(q->buf, q->cap ? q->cap * 2 : 4096);

				if (!b)
					return vmm_fail(err, ENOMEM, "QMP buffer");
				q->buf = b;
				q->cap = q->cap ? q->cap * 2 : 4096;
			}
		}
		n = read(q->fd, q->buf + q->len, q->cap - q->len);
		if (n == 0)
			return vmm_fail(err, EPIPE, "QMP connection closed");
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return vmm_fail(err, errno, "reading QMP");
		}
		q->len += (size_t)n;
	}
	/* drop complete lines: events (no command is outstanding) */
	nl = q->len ? memrchr(q->buf, '\n', q->len) : NULL;
	if (nl) {
		size_t keep = q->len - (size_t)(nl + 1 - q->buf);

		memmove(q->buf, nl + 1, keep);
		q->len = keep;
	}
	return 0;
}

void vmm_qmp_close(struct vmm_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->buf);
	q->buf = NULL;
	q->len = q->cap = 0;
}
