/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy, a pure function of the numbers (unit-tested on its own).
 * A VM is charged max(requested, size) of its virtio-mem: what the host
 * has promised, or what the guest still holds when it does not give back.
 * The budget is shared by every VM; a VM's maximum is its own.
 */
#ifndef VMM_POLICY_H
#define VMM_POLICY_H

#include <stdint.h>

#include "error.h"

struct vmm_policy {
	uint64_t budget; /* all VMs together */
	uint64_t step;	 /* sizes are multiples */
};

struct vmm_vm_view {
	const char *name;
	uint64_t charged; /* max(requested, size) */
	uint64_t max;	  /* min(configured, its memory backend's size) */
};

/* Refusal codes, sent to the guest as the <code> of an ERR line. */
#define VMM_E_INVALID "invalid" /* not a multiple of the step */
#define VMM_E_LIMIT "limit"	/* beyond the VM's maximum */
#define VMM_E_BUDGET "budget"	/* beyond the host budget */

/*
 * GROW @bytes for @vm while all VMs are charged @used: 0 and *target (the
 * new requested-size), or -1 with *code and the reason in @err.
 */
int vmm_policy_grow(const struct vmm_policy *p, uint64_t used, const struct vmm_vm_view *vm,
		    uint64_t bytes, uint64_t *target, const char **code, vmm_error_t *err);
/*
 * SHRINK: the guest says @free bytes of what is plugged are unused (offline,
 * bound to nobody).  The target never goes below charged - free, rounded up
 * to the step: what the guest reported as bound or in use stays.
 */
int vmm_policy_shrink(const struct vmm_policy *p, const struct vmm_vm_view *vm, uint64_t free,
		      uint64_t *target, const char **code, vmm_error_t *err);

#endif
