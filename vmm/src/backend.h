/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What hotmem-vmm needs of a VMM: its hot-pluggable memory's current and
 * requested size, its limits, a way to set the requested size, and an fd
 * that reports the VMM going away.  One small file per VMM implements it
 * (backend-qemu.c; Cloud Hypervisor and Firecracker: docs/vmm.md).
 *
 * A failure with err->errnum != 0 means the VMM is unreachable (gone, or
 * its connection is out of step); errnum 0 is a refusal by a live VMM.
 */
#ifndef VMM_BACKEND_H
#define VMM_BACKEND_H

#include <stdint.h>

#include "config.h"
#include "error.h"

struct vmm_sizes {
	uint64_t size;	     /* plugged now, as the guest acknowledged */
	uint64_t requested;  /* what the host asked for */
	uint64_t max_size;   /* the device's own limit */
	uint64_t block_size; /* the device's granularity */
};

struct vmm_backend;

struct vmm_backend_ops {
	const char *name;
	int (*open)(struct vmm_backend *b, vmm_error_t *err);
	int (*read_sizes)(struct vmm_backend *b, struct vmm_sizes *s, vmm_error_t *err);
	int (*read_size)(struct vmm_backend *b, uint64_t *size, vmm_error_t *err);
	int (*set_requested)(struct vmm_backend *b, uint64_t bytes, vmm_error_t *err);
	/* the fd to watch while idle (-1: none); readable() consumes what it says */
	int (*fd)(struct vmm_backend *b);
	int (*readable)(struct vmm_backend *b, vmm_error_t *err);
	void (*close)(struct vmm_backend *b);
};

struct vmm_backend {
	const struct vmm_backend_ops *ops;
	const struct vmm_vm_config *cfg;
	unsigned timeout_ms; /* per call */
	void *priv;
};

extern const struct vmm_backend_ops vmm_backend_qemu;

#endif
