// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per VM: requests from the guest, the policy's verdict, the resize over
 * the backend and its completion, the VMM coming and going (vm.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "policy.h"
#include "util.h"
#include "vm.h"

typedef unsigned long long ull;

#define POLL_NS (50ull * 1000000) /* how often a resize in progress is checked */
#define SEND_MS 200		  /* a guest that does not read its port is dropped */

uint64_t vmm_vm_charged(const struct vmm_vm *vm)
{
	if (!vm->present)
		return 0;
	return vm->sz.requested > vm->sz.size ? vm->sz.requested : vm->sz.size;
}

uint64_t vmm_daemon_used(const struct vmm_daemon *d)
{
	uint64_t used = 0;

	for (size_t i = 0; i < d->nvms; i++)
		used += vmm_vm_charged(&d->vms[i]);
	return used;
}

static ull used_ull(const struct vmm_vm *vm)
{
	return (ull)vmm_daemon_used(vm->d);
}

bool vmm_vm_send(struct vmm_vm *vm, const char *line)
{
	cleanup_error vmm_error_t err = NULL;

	if (vm->conn_fd < 0)
		return false;
	if (vmm_write_all(vm->conn_fd, line, strlen(line), vmm_now_ns() + SEND_MS * 1000000ull,
			  false, &err) < 0) {
		vmm_vm_disconnect(vm, vmm_error_msg(err));
		return false;
	}
	return true;
}

static bool reply_err(struct vmm_vm *vm, const char *id, const char *code, const char *reason)
{
	cleanup_free char *line = vmm_proto_err_line(id, code, reason);

	return line ? vmm_vm_send(vm, line) : false;
}

static bool reply_ok(struct vmm_vm *vm, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool reply_ok(struct vmm_vm *vm, const char *id, const char *fmt, ...)
{
	cleanup_free char *rest = NULL, *line = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&rest, fmt, ap);
	va_end(ap);
	if (n < 0 || asprintf(&line, "OK %s %s\n", id, rest) < 0)
		return false;
	return vmm_vm_send(vm, line);
}

void vmm_vm_attach(struct vmm_vm *vm)
{
	cleanup_error vmm_error_t err = NULL;
	const struct vmm_config *cfg = vm->d->cfg;

	vm->retry_at = vmm_now_ns() + (uint64_t)cfg->retry_ms * 1000000u;
	if (vm->be.ops->open(&vm->be, &err) < 0) {
		if (!vm->absent_logged) /* said once, not at every retry */
			vmm_log("%s: VMM not reachable (retrying every %u ms): %s", vm->cfg->name,
				cfg->retry_ms, vmm_error_msg(err));
		vm->absent_logged = true;
		return;
	}
	if (vm->be.ops->read_sizes(&vm->be, &vm->sz, &err) < 0) {
		if (!vm->absent_logged)
			vmm_log("%s: not serving it (retrying every %u ms): %s", vm->cfg->name,
				cfg->retry_ms, vmm_error_msg(err));
		vm->absent_logged = true;
		vm->be.ops->close(&vm->be);
		return;
	}
	if (vm->sz.block_size == 0 || cfg->step % vm->sz.block_size) {
		if (!vm->absent_logged)
			vmm_log("%s: step %llu is not a multiple of the device's block-size %llu: not serving it",
				vm->cfg->name, (ull)cfg->step, (ull)vm->sz.block_size);
		vm->absent_logged = true;
		vm->be.ops->close(&vm->be);
		return;
	}
	vm->max = vm->cfg->max < vm->sz.max_size ? vm->cfg->max : vm->sz.max_size;
	vm->max -= vm->max % cfg->step;
	vm->present = true;
	vm->absent_logged = false;
	vmm_loop_watch_backend(vm);
	vmm_log("%s: VMM reachable: %llu bytes plugged, %llu requested, max %llu; budget %llu of %llu used",
		vm->cfg->name, (ull)vm->sz.size, (ull)vm->sz.requested, (ull)vm->max, used_ull(vm),
		(ull)cfg->budget);
	if (used_ull(vm) > cfg->budget)
		vmm_log("warning: the VMs hold %llu bytes, more than the budget of %llu: no grow until they shrink",
			used_ull(vm), (ull)cfg->budget);
}

static void finish(struct vmm_vm *vm, const char *code, const char *reason)
{
	uint64_t ms = (vmm_now_ns() - vm->rstart) / 1000000u;
	const char *verb = vm->rverb == VMM_GROW ? "grow" : "shrink";

	vm->resizing = false;
	if (code) {
		vmm_log("%s: %s %llu -> %llu bytes failed after %llu ms (request %s): %s: %s",
			vm->cfg->name, verb, (ull)vm->rfrom, (ull)vm->rtarget, (ull)ms, vm->rid,
			code, reason);
		reply_err(vm, vm->rid, code, reason);
		return;
	}
	vmm_log("%s: %s %llu -> %llu bytes plugged in %llu ms (request %s); budget %llu of %llu used",
		vm->cfg->name, verb, (ull)vm->rfrom, (ull)vm->sz.size, (ull)ms, vm->rid,
		used_ull(vm), (ull)vm->d->cfg->budget);
	reply_ok(vm, vm->rid, "plugged=%llu", (ull)vm->sz.size);
}

void vmm_vm_detach(struct vmm_vm *vm, const char *why)
{
	uint64_t had = vmm_vm_charged(vm);

	if (!vm->present)
		return;
	vmm_loop_unwatch_backend(vm);
	vm->be.ops->close(&vm->be);
	vm->present = false;
	vm->retry_at = vmm_now_ns() + (uint64_t)vm->d->cfg->retry_ms * 1000000u;
	vmm_log("%s: VMM gone (%s): %llu bytes returned to the budget; %llu of %llu used",
		vm->cfg->name, why, (ull)had, used_ull(vm), (ull)vm->d->cfg->budget);
	if (vm->resizing)
		finish(vm, "vmm", "the VMM went away");
}

/* A backend failure: a refusal (errnum 0) keeps the VMM, anything else drops it. */
static void backend_failed(struct vmm_vm *vm, vmm_error_t err)
{
	if (err->errnum)
		vmm_vm_detach(vm, vmm_error_msg(err));
}

static void start_resize(struct vmm_vm *vm, const struct vmm_req *req, uint64_t target)
{
	cleanup_error vmm_error_t err = NULL;

	vm->rverb = req->verb;
	vm->rfrom = vm->sz.size;
	vm->rtarget = target;
	vm->rstart = vmm_now_ns();
	memcpy(vm->rid, req->id, sizeof(vm->rid));
	if (target == vm->sz.requested && target == vm->sz.size) {
		vm->resizing = true;
		finish(vm, NULL, NULL);
		return;
	}
	if (vm->be.ops->set_requested(&vm->be, target, &err) < 0) {
		vm->resizing = true;
		finish(vm, "vmm", vmm_error_msg(err));
		backend_failed(vm, err);
		return;
	}
	vm->sz.requested = target;
	vm->rdeadline = vm->rstart + (uint64_t)vm->d->cfg->resize_timeout_ms * 1000000u;
	vm->resizing = true;
}

static void timed_out(struct vmm_vm *vm)
{
	cleanup_error vmm_error_t err = NULL;
	cleanup_free char *reason = NULL;
	uint64_t size = vm->sz.size;

	/* what the guest did not take is not promised any more */
	if (vm->be.ops->set_requested(&vm->be, size, &err) == 0)
		vm->sz.requested = size;
	if (asprintf(&reason,
		     "virtio-mem size is %llu, not %llu, after %u ms (the guest's driver did not follow); requested-size set back to %llu",
		     (ull)size, (ull)vm->rtarget, vm->d->cfg->resize_timeout_ms, (ull)size) < 0)
		reason = NULL;
	finish(vm, "timeout", reason ? reason : "timed out");
	if (err)
		backend_failed(vm, err);
}

void vmm_vm_tick(struct vmm_vm *vm, uint64_t now)
{
	cleanup_error vmm_error_t err = NULL;

	if (!vm->present) {
		if (now >= vm->retry_at)
			vmm_vm_attach(vm);
		return;
	}
	if (!vm->resizing)
		return;
	if (vm->be.ops->read_size(&vm->be, &vm->sz.size, &err) < 0) {
		finish(vm, "vmm", vmm_error_msg(err));
		backend_failed(vm, err);
		return;
	}
	if (vm->sz.size == vm->rtarget)
		finish(vm, NULL, NULL);
	else if (now >= vm->rdeadline)
		timed_out(vm);
}

uint64_t vmm_vm_next_timer(const struct vmm_vm *vm, uint64_t now)
{
	if (!vm->present)
		return vm->retry_at > now ? vm->retry_at - now : 0;
	if (vm->resizing)
		return POLL_NS;
	return UINT64_MAX;
}

static void grow_or_shrink(struct vmm_vm *vm, const struct vmm_req *req)
{
	cleanup_error vmm_error_t err = NULL;
	const struct vmm_config *cfg = vm->d->cfg;
	struct vmm_policy p = { .budget = cfg->budget, .step = cfg->step };
	struct vmm_vm_view v = { vm->cfg->name, vmm_vm_charged(vm), vm->max };
	const char *verb = req->verb == VMM_GROW ? "grow" : "shrink", *code;
	uint64_t target;
	int rc;

	if (!vm->present) {
		reply_err(vm, req->id, "unavailable", "hotmem-vmm cannot reach this VM's VMM");
		return;
	}
	if (vm->resizing) {
		reply_err(vm, req->id, "busy", "a resize is in progress");
		return;
	}
	if (req->verb == VMM_GROW)
		rc = vmm_policy_grow(&p, vmm_daemon_used(vm->d), &v, req->bytes, &target, &code,
				     &err);
	else
		rc = vmm_policy_shrink(&p, &v, req->bytes, &target, &code, &err);
	if (rc < 0) {
		vmm_log("%s: %s %llu bytes refused (request %s): %s: %s", vm->cfg->name, verb,
			(ull)req->bytes, req->id, code, vmm_error_msg(err));
		reply_err(vm, req->id, code, vmm_error_msg(err));
		return;
	}
	start_resize(vm, req, target);
}

bool vmm_vm_request(struct vmm_vm *vm, const char *line, size_t len)
{
	cleanup_error vmm_error_t err = NULL;
	const struct vmm_config *cfg = vm->d->cfg;
	struct vmm_req req;

	if (len == 0)
		return true; /* the provider starts with '\n' to end a torn line */
	if (vmm_proto_parse(line, len, &req, &err) < 0) {
		reply_err(vm, req.id, "proto", vmm_error_msg(err));
		vmm_vm_disconnect(vm, vmm_error_msg(err));
		return false;
	}
	switch (req.verb) {
	case VMM_HELLO:
		if (req.version != 1)
			return reply_err(vm, req.id, "version", "hotmem-vmm speaks hotmem/1");
		return reply_ok(vm, req.id, "%s step=%llu max=%llu", VMM_PROTO_VERSION,
				(ull)cfg->step, (ull)vm->max);
	case VMM_STATUS: {
		uint64_t used = vmm_daemon_used(vm->d);

		return reply_ok(
			vm, req.id,
			"present=%d plugged=%llu requested=%llu max=%llu step=%llu budget=%llu budget_free=%llu",
			vm->present, (ull)vm->sz.size, (ull)vm->sz.requested, (ull)vm->max,
			(ull)cfg->step, (ull)cfg->budget,
			(ull)(used < cfg->budget ? cfg->budget - used : 0));
	}
	case VMM_GROW:
	case VMM_SHRINK:
		grow_or_shrink(vm, &req);
		return vm->conn_fd >= 0;
	}
	return true;
}

void vmm_vm_disconnect(struct vmm_vm *vm, const char *why)
{
	if (vm->conn_fd < 0)
		return;
	vmm_log("%s: disconnecting the guest's port: %s", vm->cfg->name, why);
	close(vm->conn_fd); /* also leaves the epoll set */
	vm->conn_fd = -1;
	vm->inlen = 0;
}
