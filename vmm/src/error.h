/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The error object, as in crun: a function that fails fills *err (an
 * allocated message, errno text included) and returns -1; callers add
 * context with vmm_error_wrap() on the way up and whoever handles the
 * failure logs or sends the message and releases it.
 */
#ifndef VMM_ERROR_H
#define VMM_ERROR_H

struct vmm_error_s {
	int errnum; /* errno, 0 if none */
	char *msg;  /* what failed, errno text included */
};
typedef struct vmm_error_s *vmm_error_t;

/* Set *err (replacing an older one) and return -1. */
int vmm_fail(vmm_error_t *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the message: "<ctx>: <old message>"; returns -1. */
int vmm_error_wrap(vmm_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *vmm_error_msg(const vmm_error_t err);
void vmm_error_release(vmm_error_t *err);

#define cleanup_error __attribute__((cleanup(vmm_error_release)))

#endif
