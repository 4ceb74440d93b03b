/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest's view for hotmem-provider: its memory blocks in sysfs. */
#ifndef VMM_GUEST_MEM_H
#define VMM_GUEST_MEM_H

#include <stdint.h>

#include "error.h"

/*
 * In @dir (/sys/devices/system/memory): the block size, and the bytes of
 * blocks that are offline and bound to no cgroup (hotplug_owner "unbound",
 * or no such file on a kernel without hotmem): what the hook could use now
 * and what the VM can give back.
 */
int vmm_guest_free(const char *dir, uint64_t *block_size, uint64_t *free_bytes, vmm_error_t *err);

#endif
