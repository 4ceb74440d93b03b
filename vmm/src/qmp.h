/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal synchronous QMP client: connect to QEMU's QMP socket (QEMU
 * listens, -qmp unix:PATH,server=on,wait=off), read the greeting, leave
 * capabilities negotiation, then one command at a time with a deadline.
 * Events that arrive meanwhile are skipped.  JSON is written with yajl_gen
 * (escaping) and read with yajl_tree.
 *
 * A failure with err->errnum != 0 leaves the connection unusable (I/O,
 * timeout, EOF, malformed reply); errnum 0 is an error QEMU answered.
 */
#ifndef VMM_QMP_H
#define VMM_QMP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct vmm_qmp {
	int fd;
	char *buf; /* what was read and not yet consumed */
	size_t len, cap;
	unsigned long long next_id;
};

int vmm_qmp_open(struct vmm_qmp *q, const char *path, unsigned timeout_ms, vmm_error_t *err);
int vmm_qmp_qom_get_u64(struct vmm_qmp *q, const char *path, const char *prop, uint64_t *out,
			unsigned timeout_ms, vmm_error_t *err);
/* a string property (a link's target path); *out is malloc'ed */
int vmm_qmp_qom_get_str(struct vmm_qmp *q, const char *path, const char *prop, char **out,
			unsigned timeout_ms, vmm_error_t *err);
int vmm_qmp_qom_set_u64(struct vmm_qmp *q, const char *path, const char *prop, uint64_t v,
			unsigned timeout_ms, vmm_error_t *err);
/* The socket became readable while idle: consume events; -1 at EOF. */
int vmm_qmp_drain(struct vmm_qmp *q, vmm_error_t *err);
void vmm_qmp_close(struct vmm_qmp *q);

#endif
