/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotmem-provider's side of the virtio-serial port: open it (or a Unix
 * socket standing in for it), send one hotmem/1 request and wait for the
 * answer carrying its id, read a field of an OK reply.
 */
#ifndef VMM_GUEST_PORT_H
#define VMM_GUEST_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define VMM_REPLY_MAX 1024

struct vmm_port {
	int fd;
	char buf[VMM_REPLY_MAX];
	size_t len;
	uint64_t deadline; /* for everything said on the port (ns) */
};

/* Open @path (a Unix socket is connected to) non-blocking, and drop stale input. */
int vmm_port_open(struct vmm_port *p, const char *path, vmm_error_t *err);
void vmm_port_close(struct vmm_port *p);
/*
 * Send @req (a whole line) and wait for the answer to @id: 0 and the text
 * after "OK <id> " in *rest (malloc'ed), or -1 with "hotmem-vmm refused:
 * <code>: <reason>" of an ERR in @err (errnum 0), or an I/O error.
 */
int vmm_port_ask(struct vmm_port *p, const char *req, const char *id, char **rest,
		 vmm_error_t *err);
/* The value of "<key>=<decimal>" in an OK reply's @rest; -1 if absent or bad. */
int vmm_port_field(const char *rest, const char *key, uint64_t *out);

#endif
