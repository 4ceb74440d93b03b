/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cleanup attributes, clocks and small fd helpers. */
#ifndef VMM_UTIL_H
#define VMM_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

void vmm_freep(void *p);
void vmm_closep(int *fd);
void vmm_fclosep(FILE **f);
#define cleanup_free __attribute__((cleanup(vmm_freep)))
#define cleanup_close __attribute__((cleanup(vmm_closep)))
#define cleanup_file __attribute__((cleanup(vmm_fclosep)))

/* CLOCK_MONOTONIC in ns */
uint64_t vmm_now_ns(void);
/* Milliseconds left until @deadline_ns (0 when past, capped to INT_MAX). */
int vmm_ms_left(uint64_t deadline_ns);
int vmm_set_nonblock(int fd, vmm_error_t *err);
/* Write all of @buf, waiting (poll) up to the deadline for room. */
/* Write all of buf before deadline_ns (fd non-blocking).  wait_peer: a
 * virtio-serial port with nothing connected on the other side refuses
 * writes and polls as POLLHUP at once; wait for a peer in 100 ms steps
 * instead of failing or spinning. */
int vmm_write_all(int fd, const char *buf, size_t len, uint64_t deadline_ns, bool wait_peer,
		  vmm_error_t *err);
/* Fill a sockaddr_un; a path that does not fit is an error, never cut. */
struct sockaddr_un;
int vmm_sockaddr(struct sockaddr_un *sa, const char *path, vmm_error_t *err);

#endif
