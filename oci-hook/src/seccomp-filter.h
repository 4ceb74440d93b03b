/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The allow-list of seccomp-rules.c as libseccomp compiled it at build
 * time: $(O)/seccomp-filter.c, written by tools/seccomp-gen.c.
 */
#ifndef HOTMEM_SECCOMP_FILTER_H
#define HOTMEM_SECCOMP_FILTER_H

#include <linux/filter.h>
#include <stdint.h>

extern const struct sock_filter hm_seccomp_filter[];
extern const unsigned short hm_seccomp_filter_len;
/* seccomp_arch_native() of the libseccomp that compiled it */
extern const uint32_t hm_seccomp_filter_arch;

/* hotmem-reclaimd's ($(O)/reclaimd-filter.c, "seccomp-gen OUT.c reclaimd") */
extern const struct sock_filter hm_reclaimd_filter[];
extern const unsigned short hm_reclaimd_filter_len;
extern const uint32_t hm_reclaimd_filter_arch;

#endif
