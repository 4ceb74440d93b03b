// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The hook's syscall allow-list (libseccomp), loaded before it reads any
 * input (state on stdin, config.json).  Everything else fails with EPERM:
 * no exec, no fork (the provider runs from a spawner forked before this),
 * no mount, no ptrace, and sockets only of AF_UNIX (syslog).
 */
#include <errno.h>
#include <seccomp.h>
#include <sys/socket.h>

#include "hotmem.h"

/* grouped by purpose, several names to a line: */
/* clang-format off */
static const char *const allowed[] = {
	/* files: sysfs, cgroupfs, /proc, the ledger, config.json */
	"read", "write", "readv", "writev", "pread64", "open", "openat", "close", "close_range",
	"fstat", "newfstatat", "statx", "lseek", "fcntl", "dup", "dup2", "dup3", "getdents64",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "umask",
	"flock", "fsync", "fdatasync", "rename", "renameat", "renameat2", "unlink", "unlinkat",
	"mkdir", "mkdirat", "ioctl",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* time and waiting */
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "futex",
	/* process: liveness of container pids, self-kill (fault injection), spawner */
	"getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "kill", "tgkill",
	"wait4", "exit", "exit_group", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"restart_syscall", "set_robust_list", "rseq", "getrandom", "uname", "sysinfo",
	/* capabilities: each phase drops more (privs.c) */
	"capget", "capset",
	/* syslog over /dev/log; the provider spawner's socketpair */
	"connect", "sendto", "sendmsg", "recvfrom", "recvmsg",
};
/* clang-format on */

int hm_seccomp_load(struct hm_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int rc = 0;

	if (!ctx)
		return hm_fail(err, HM_EXIT_PRIVS, ENOMEM, "seccomp_init");
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not a syscall on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0) {
			hm_fail(err, HM_EXIT_PRIVS, -rc, "seccomp: allowing %s", allowed[i]);
			goto out;
		}
	}
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
			      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (rc < 0) {
		hm_fail(err, HM_EXIT_PRIVS, -rc, "seccomp: allowing socket(AF_UNIX)");
		goto out;
	}
	rc = seccomp_load(ctx);
	if (rc < 0)
		hm_fail(err, HM_EXIT_PRIVS, -rc, "loading the seccomp filter");
out:
	seccomp_release(ctx);
	return rc < 0 ? -1 : 0;
}
