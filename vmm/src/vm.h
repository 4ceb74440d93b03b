/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's state: per VM, its VMM backend (sizes, reachability), the
 * guest's connection (hotmem-vmm listens; QEMU connects to it for the
 * guest's virtio-serial port) and the resize in progress, if any.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "config.h"
#include "proto.h"

struct vmm_daemon;

struct vmm_vm {
	const struct vmm_vm_config *cfg;
	struct vmm_daemon *d;
	struct vmm_backend be;
	bool present;	     /* the VMM answers; its bytes are charged */
	struct vmm_sizes sz; /* as last read or set */
	uint64_t max;	     /* min(configured max, its memory backend's size) */
	uint64_t retry_at;   /* next attempt to reach an absent VMM (ns) */
	bool absent_logged;  /* its unreachability was logged */
	int listen_fd, conn_fd;
	char in[VMM_LINE_MAX]; /* a line being received */
	size_t inlen;
	/* the resize in progress */
	bool resizing;
	enum vmm_verb rverb;
	uint64_t rfrom, rtarget, rstart, rdeadline;
	char rid[VMM_ID_MAX + 1];
};

struct vmm_daemon {
	const struct vmm_config *cfg;
	struct vmm_vm *vms;
	size_t nvms;
	int epfd;
};

/* max(requested, size) of a present VM, else 0 */
uint64_t vmm_vm_charged(const struct vmm_vm *vm);
/* the sum over all VMs */
uint64_t vmm_daemon_used(const struct vmm_daemon *d);

/* Reach the VMM and read its sizes (at start, and on every retry). */
void vmm_vm_attach(struct vmm_vm *vm);
/* The VMM went away: its bytes return to the budget. */
void vmm_vm_detach(struct vmm_vm *vm, const char *why);
/* One complete line from the guest (without '\n'); false: disconnect it. */
bool vmm_vm_request(struct vmm_vm *vm, const char *line, size_t len);
/* Timers: the resize in progress, the retry of an absent VMM. */
void vmm_vm_tick(struct vmm_vm *vm, uint64_t now);
/* ns until this VM's next timer, UINT64_MAX if none */
uint64_t vmm_vm_next_timer(const struct vmm_vm *vm, uint64_t now);
/* Send a line to the guest; false when it cannot take it (disconnect). */
bool vmm_vm_send(struct vmm_vm *vm, const char *line);
void vmm_vm_disconnect(struct vmm_vm *vm, const char *why);

/* loop.c: watch or forget the backend's fd after attach/detach */
void vmm_loop_watch_backend(struct vmm_vm *vm);
void vmm_loop_unwatch_backend(struct vmm_vm *vm);
int vmm_loop_run(struct vmm_daemon *d, vmm_error_t *err);
int vmm_loop_init(struct vmm_daemon *d, vmm_error_t *err);
void vmm_loop_fini(struct vmm_daemon *d);

#endif
