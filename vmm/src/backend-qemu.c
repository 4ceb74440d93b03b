// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU: the virtio-mem device's QOM properties over QMP.  requested-size
 * is what the host wants plugged; size is what the guest's driver has
 * plugged so far; block-size the device's granularity.  The most it can
 * plug is the size of its memory backend (the object its memdev link
 * names): QEMU's virtio-mem has no max-size property.
 */
#include <errno.h>
#include <stdlib.h>

#include "backend.h"
#include "qmp.h"
#include "util.h"

static struct vmm_qmp *qmp(struct vmm_backend *b)
{
	return b->priv;
}

static int qemu_open(struct vmm_backend *b, vmm_error_t *err)
{
	struct vmm_qmp *q = calloc(1, sizeof(*q));

	if (!q)
		return vmm_fail(err, ENOMEM, "QMP client");
	if (vmm_qmp_open(q, b->cfg->qmp, b->timeout_ms, err) < 0) {
		free(q);
		return -1;
	}
	b->priv = q;
	return 0;
}

static int get(struct vmm_backend *b, const char *prop, uint64_t *out, vmm_error_t *err)
{
	return vmm_qmp_qom_get_u64(qmp(b), b->cfg->device, prop, out, b->timeout_ms, err);
}

static int qemu_read_sizes(struct vmm_backend *b, struct vmm_sizes *s, vmm_error_t *err)
{
	cleanup_free char *memdev = NULL;

	if (get(b, "size", &s->size, err) < 0 || get(b, "requested-size", &s->requested, err) < 0 ||
	    get(b, "block-size", &s->block_size, err) < 0 ||
	    vmm_qmp_qom_get_str(qmp(b), b->cfg->device, "memdev", &memdev, b->timeout_ms, err) <
		    0 ||
	    vmm_qmp_qom_get_u64(qmp(b), memdev, "size", &s->max_size, b->timeout_ms, err) < 0)
		return -1;
	return 0;
}

static int qemu_read_size(struct vmm_backend *b, uint64_t *size, vmm_error_t *err)
{
	return get(b, "size", size, err);
}

static int qemu_set_requested(struct vmm_backend *b, uint64_t bytes, vmm_error_t *err)
{
	return vmm_qmp_qom_set_u64(qmp(b), b->cfg->device, "requested-size", bytes, b->timeout_ms,
				   err);
}

static int qemu_fd(struct vmm_backend *b)
{
	return b->priv ? qmp(b)->fd : -1;
}

static int qemu_readable(struct vmm_backend *b, vmm_error_t *err)
{
	return vmm_qmp_drain(qmp(b), err);
}

static void qemu_close(struct vmm_backend *b)
{
	if (b->priv) {
		vmm_qmp_close(qmp(b));
		free(b->priv);
		b->priv = NULL;
	}
}

const struct vmm_backend_ops vmm_backend_qemu = {
	.name = "qemu",
	.open = qemu_open,
	.read_sizes = qemu_read_sizes,
	.read_size = qemu_read_size,
	.set_requested = qemu_set_requested,
	.fd = qemu_fd,
	.readable = qemu_readable,
	.close = qemu_close,
};
