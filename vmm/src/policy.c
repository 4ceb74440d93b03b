// SPDX-License-Identifier: GPL-2.0-or-later
/* Grow and shrink decisions (policy.h). */
#include <stddef.h>

#include "policy.h"

typedef unsigned long long ull;

int vmm_policy_grow(const struct vmm_policy *p, uint64_t used, const struct vmm_vm_view *vm,
		    uint64_t bytes, uint64_t *target, const char **code, vmm_error_t *err)
{
	uint64_t others = used >= vm->charged ? used - vm->charged : 0;

	*code = VMM_E_INVALID;
	if (bytes % p->step)
		return vmm_fail(err, 0, "%llu bytes is not a multiple of the step (%llu bytes)",
				(ull)bytes, (ull)p->step);
	*code = VMM_E_LIMIT;
	if (bytes > vm->max || vm->charged > vm->max - bytes)
		return vmm_fail(err, 0,
				"VM %s: %llu plugged + %llu asked exceeds its maximum of %llu bytes",
				vm->name, (ull)vm->charged, (ull)bytes, (ull)vm->max);
	*code = VMM_E_BUDGET;
	if (others > p->budget || vm->charged + bytes > p->budget - others)
		return vmm_fail(
			err, 0,
			"host budget of %llu bytes exhausted: %llu plugged in all VMs, %llu free, %llu asked",
			(ull)p->budget, (ull)used, (ull)(used < p->budget ? p->budget - used : 0),
			(ull)bytes);
	*code = NULL;
	*target = vm->charged + bytes;
	return 0;
}

int vmm_policy_shrink(const struct vmm_policy *p, const struct vmm_vm_view *vm, uint64_t free,
		      uint64_t *target, const char **code, vmm_error_t *err)
{
	uint64_t floor;

	*code = VMM_E_INVALID;
	if (free % p->step)
		return vmm_fail(err, 0, "%llu bytes is not a multiple of the step (%llu bytes)",
				(ull)free, (ull)p->step);
	*code = NULL;
	floor = free >= vm->charged ? 0 : vm->charged - free;
	/* a size set outside hotmem-vmm may be off the step: keep the rest */
	if (floor % p->step)
		floor += p->step - floor % p->step;
	*target = floor < vm->charged ? floor : vm->charged;
	return 0;
}
