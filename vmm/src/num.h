/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict numbers: decimal digits only, no sign, no overflow, no garbage. */
#ifndef VMM_NUM_H
#define VMM_NUM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Exactly @len bytes of decimal digits ("0" alone may start with 0). */
int vmm_parse_u64(const char *s, size_t len, uint64_t *out, vmm_error_t *err);
/* A configuration size: digits with an optional K, M, G or T (powers of 1024). */
int vmm_parse_size(const char *s, uint64_t *out, vmm_error_t *err);

#endif
