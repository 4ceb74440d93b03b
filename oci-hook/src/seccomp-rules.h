/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hook's syscall allow-list as a libseccomp filter.  Compiled into BPF
 * at build time (tools/seccomp-gen.c) and by the unit tests; the hook
 * itself loads the compiled program (seccomp.c).
 */
#ifndef HOTMEM_SECCOMP_RULES_H
#define HOTMEM_SECCOMP_RULES_H

#include <seccomp.h>

#include "hotmem.h"

/* A new filter context with every rule added; NULL and @err on failure. */
scmp_filter_ctx hm_seccomp_rules(struct hm_error *err);
/* hotmem-reclaimd's: the hook's and inotify and poll. */
scmp_filter_ctx hm_seccomp_rules_reclaimd(struct hm_error *err);

#endif
