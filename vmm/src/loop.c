// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event loop: one epoll set over every VM's listening socket, its
 * guest connection and its backend fd, a signalfd for SIGTERM/SIGINT, and
 * the VMs' timers as the epoll timeout.  A guest gets at most one read of
 * READ_CHUNK bytes per wakeup, so a flood from one VM cannot starve the
 * others.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "vm.h"

#define READ_CHUNK 4096

enum { TAG_LISTEN, TAG_CONN, TAG_BACKEND, TAG_SIGNAL };

static uint64_t tag(size_t i, int kind)
{
	return ((uint64_t)i << 2) | (uint64_t)kind;
}

static int sigfd = -1;

static size_t index_of(const struct vmm_vm *vm)
{
	return (size_t)(vm - vm->d->vms);
}

static int watch(int epfd, int fd, uint64_t t, vmm_error_t *err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = t };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return vmm_fail(err, errno, "epoll_ctl");
	return 0;
}

void vmm_loop_watch_backend(struct vmm_vm *vm)
{
	cleanup_error vmm_error_t err = NULL;
	int fd = vm->be.ops->fd(&vm->be);

	if (fd >= 0 && watch(vm->d->epfd, fd, tag(index_of(vm), TAG_BACKEND), &err) < 0)
		vmm_log("%s: %s", vm->cfg->name, vmm_error_msg(err));
}

void vmm_loop_unwatch_backend(struct vmm_vm *vm)
{
	int fd = vm->be.ops->fd(&vm->be);

	if (fd >= 0)
		epoll_ctl(vm->d->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* Our socket for the guest's port: QEMU connects to it (reconnect=1). */
static int listen_on(const char *path, vmm_error_t *err)
{
	cleanup_close int fd = -1;
	struct sockaddr_un sa;
	struct stat st;
	int ret;

	if (vmm_sockaddr(&sa, path, err) < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return vmm_fail(err, EEXIST, "%s exists and is not a socket", path);
		if (unlink(path) < 0) /* ours from before a restart */
			return vmm_fail(err, errno, "removing the old %s", path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return vmm_fail(err, errno, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return vmm_fail(err, errno, "binding %s", path);
	if (listen(fd, 4) < 0)
		return vmm_fail(err, errno, "listening on %s", path);
	ret = fd;
	fd = -1;
	return ret;
}

int vmm_loop_init(struct vmm_daemon *d, vmm_error_t *err)
{
	sigset_t set;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return vmm_fail(err, errno, "epoll_create1");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return vmm_fail(err, errno, "signalfd");
	if (watch(d->epfd, sigfd, tag(0, TAG_SIGNAL), err) < 0)
		return -1;
	for (size_t i = 0; i < d->nvms; i++) {
		struct vmm_vm *vm = &d->vms[i];

		vm->listen_fd = listen_on(vm->cfg->serial, err);
		if (vm->listen_fd < 0)
			return vmm_error_wrap(err, "VM %s", vm->cfg->name);
		if (watch(d->epfd, vm->listen_fd, tag(i, TAG_LISTEN), err) < 0)
			return -1;
	}
	return 0;
}

void vmm_loop_fini(struct vmm_daemon *d)
{
	for (size_t i = 0; i < d->nvms; i++) {
		struct vmm_vm *vm = &d->vms[i];

		if (vm->listen_fd >= 0) {
			close(vm->listen_fd);
			unlink(vm->cfg->serial);
		}
		if (vm->conn_fd >= 0)
			close(vm->conn_fd);
		if (vm->present)
			vm->be.ops->close(&vm->be);
	}
	if (sigfd >= 0)
		close(sigfd);
	if (d->epfd >= 0)
		close(d->epfd);
}

static void accept_conn(struct vmm_vm *vm)
{
	cleanup_error vmm_error_t err = NULL;
	int fd = accept4(vm->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (vm->conn_fd >= 0) {
		vmm_log("%s: a second connection to %s refused (one port per VM)", vm->cfg->name,
			vm->cfg->serial);
		close(fd);
		return;
	}
	if (watch(vm->d->epfd, fd, tag(index_of(vm), TAG_CONN), &err) < 0) {
		vmm_log("%s: %s", vm->cfg->name, vmm_error_msg(err));
		close(fd);
		return;
	}
	vm->conn_fd = fd;
	vm->inlen = 0;
	vmm_log("%s: the guest's port is connected", vm->cfg->name);
}

/* One read; complete lines go to the VM, an endless one disconnects. */
static void read_conn(struct vmm_vm *vm)
{
	char chunk[READ_CHUNK];
	ssize_t n = read(vm->conn_fd, chunk, sizeof(chunk));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		vmm_vm_disconnect(vm, n == 0 ? "closed by QEMU" : strerror(errno));
		return;
	}
	for (ssize_t i = 0; i < n && vm->conn_fd >= 0; i++) {
		if (chunk[i] != '\n') {
			if (vm->inlen == sizeof(vm->in)) {
				vmm_vm_send(vm, "ERR - proto line too long\n");
				vmm_vm_disconnect(vm, "a line longer than 255 bytes");
				return;
			}
			vm->in[vm->inlen++] = chunk[i];
			continue;
		}
		size_t len = vm->inlen;

		vm->inlen = 0;
		if (!vmm_vm_request(vm, vm->in, len))
			return;
	}
}

static bool handle_signal(void)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != sizeof(si))
		return false;
	vmm_log("signal %u: exiting (the VMs keep their memory; a restart re-reads it)",
		si.ssi_signo);
	return true;
}

int vmm_loop_run(struct vmm_daemon *d, vmm_error_t *err)
{
	struct epoll_event evs[32];

	for (;;) {
		uint64_t now = vmm_now_ns(), next = UINT64_MAX;
		int timeout, n;

		for (size_t i = 0; i < d->nvms; i++) {
			uint64_t t = vmm_vm_next_timer(&d->vms[i], now);

			if (t < next)
				next = t;
		}
		timeout = next == UINT64_MAX ? -1 : (int)((next + 999999) / 1000000);
		n = epoll_wait(d->epfd, evs, 32, timeout);
		if (n < 0 && errno != EINTR)
			return vmm_fail(err, errno, "epoll_wait");
		for (int i = 0; i < n; i++) {
			size_t idx = (size_t)(evs[i].data.u64 >> 2);
			int kind = (int)(evs[i].data.u64 & 3);
			struct vmm_vm *vm = &d->vms[idx];
			cleanup_error vmm_error_t e = NULL;

			switch (kind) {
			case TAG_SIGNAL:
				if (handle_signal())
					return 0;
				break;
			case TAG_LISTEN:
				accept_conn(vm);
				break;
			case TAG_CONN:
				if (vm->conn_fd >= 0)
					read_conn(vm);
				break;
			case TAG_BACKEND:
				if (vm->present && vm->be.ops->readable(&vm->be, &e) < 0)
					vmm_vm_detach(vm, vmm_error_msg(e));
				break;
			}
		}
		now = vmm_now_ns();
		for (size_t i = 0; i < d->nvms; i++)
			vmm_vm_tick(&d->vms[i], now);
	}
}
