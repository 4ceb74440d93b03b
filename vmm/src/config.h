/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /etc/hotmem/hotmem-vmm.conf: global "key = value" lines, then one
 * "[vm <name>]" section per VM (docs/vmm.md).  Parsed strictly: an unknown
 * or repeated key, a bad value or a missing required key is an error that
 * names the line.
 */
#ifndef VMM_CONFIG_H
#define VMM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define VMM_NAME_MAX 64

struct vmm_vm_config {
	char *name;   /* [A-Za-z0-9_.-]{1,64} */
	char *qmp;    /* QEMU's QMP socket (QEMU listens) */
	char *serial; /* our socket for the guest's virtio-serial port (we listen) */
	char *device; /* QOM path of the virtio-mem device */
	uint64_t max; /* most this VM may have plugged */
};

struct vmm_config {
	uint64_t budget;	    /* bytes plugged in all VMs together */
	uint64_t step;		    /* every size is a multiple */
	unsigned resize_timeout_ms; /* for the device's size to follow */
	unsigned qmp_timeout_ms;    /* per QMP command */
	unsigned retry_ms;	    /* between attempts to reach an absent VMM */
	struct vmm_vm_config *vms;
	size_t nvms;
};

int vmm_config_parse(const char *text, size_t len, struct vmm_config *c, vmm_error_t *err);
int vmm_config_load(const char *path, struct vmm_config *c, vmm_error_t *err);
void vmm_config_free(struct vmm_config *c);

#endif
