// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The hook's syscall allow-list (libseccomp), loaded before it reads any
 * input (state on stdin, config.json).  Everything else fails with EPERM:
 * no exec, no fork (the provider runs from a spawner forked before the
 * filter), no mount, no ptrace, no socket and no connect (syslog is
 * connected before), no open (only openat), no mkdir (the ledger
 * directory is made before), no rename but renameat, no kill and tgkill
 * only to itself, ioctl only TCGETS.
 *
 * Not linked into the hook: libseccomp compiles this list into a BPF
 * program at build time (tools/seccomp-gen.c), which the hook loads
 * (seccomp.c).
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "seccomp-rules.h"

/* grouped by purpose, several names to a line: */
/* clang-format off */
static const char *const allowed[] = {
	/* files: sysfs, cgroupfs, /proc, the ledger, config.json (glibc opens with
	 * openat, not open; where each may be opened and created is Landlock's,
	 * landlock.c); renameat and unlinkat for ledger records */
	"read", "write", "readv", "writev", "pread64", "openat", "close", "close_range",
	"fstat", "newfstatat", "statx", "lseek", "fcntl", "dup", "dup2", "dup3", "getdents64",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "umask",
	"flock", "fsync", "fdatasync", "renameat", "unlinkat", "statfs", "fstatfs",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* time and waiting */
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "futex",
	/* process; the provider spawner's exit status (wait4) */
	"getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
	"wait4", "exit", "exit_group", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"restart_syscall", "set_robust_list", "rseq", "getrandom", "uname", "sysinfo",
	/* capabilities: each phase drops more, raises one around a write (privs.c) */
	"capget", "capset",
	/* Landlock, which can only restrict further (landlock.c) */
	"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
	/* syslog over the socket openlog(LOG_NDELAY) connected before the filter */
	"sendto",
};
/* clang-format on */

/* name with one condition on its arguments */
struct cond_rule {
	const char *what;
	int nr;
	struct scmp_arg_cmp cmp;
};

scmp_filter_ctx hm_seccomp_rules(struct hm_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int rc;

	if (!ctx) {
		hm_fail(err, HM_EXIT_PRIVS, ENOMEM, "seccomp_init");
		return NULL;
	}
	/*
	 * A binary tree of syscall numbers instead of a chain: the kernel
	 * runs the program once per syscall number when it is loaded, to
	 * cache which syscalls are always allowed (seccomp_cache_prepare), so
	 * a chain of ~80 tests made loading cost ~1 ms per process in the
	 * test VM.
	 */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc < 0) {
		hm_fail(err, HM_EXIT_PRIVS, -rc, "seccomp: binary tree optimisation");
		goto fail;
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not a syscall on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0) {
			hm_fail(err, HM_EXIT_PRIVS, -rc, "seccomp: allowing %s", allowed[i]);
			goto fail;
		}
	}
	{
		const struct cond_rule conds[] = {
			/* signals only to itself (raise: abort, the test build's kill
			 * points); the loader puts its pid in (seccomp.c); no kill */
			{ "tgkill(self)", SCMP_SYS(tgkill),
			  SCMP_A0(SCMP_CMP_EQ, HM_SECCOMP_SELF_PID) },
			/* stdio's isatty() on stdout, nothing else */
			{ "ioctl(TCGETS)", SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, TCGETS) },
		};

		for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, conds[i].nr, 1, conds[i].cmp);
			if (rc < 0) {
				hm_fail(err, HM_EXIT_PRIVS, -rc, "seccomp: allowing %s",
					conds[i].what);
				goto fail;
			}
		}
	}
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

/*
 * hotmem-reclaimd's list: the hook's, and what a daemon that waits for
 * cgroup.events and the ledger directory to change needs besides:
 * inotify (cgroup v2 signals a change of cgroup.events as a file
 * modification) and poll.  Still no exec, fork, socket or mount.
 */
scmp_filter_ctx hm_seccomp_rules_reclaimd(struct hm_error *err)
{
	static const char *const extra[] = { "inotify_init1", "inotify_add_watch",
					     "inotify_rm_watch", "poll", "ppoll" };
	scmp_filter_ctx ctx = hm_seccomp_rules(err);

	if (!ctx)
		return NULL;
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		int nr = seccomp_syscall_resolve_name(extra[i]);
		int rc;

		if (nr == __NR_SCMP_ERROR)
			continue; /* not a syscall on this architecture (poll on arm64) */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0) {
			hm_fail(err, HM_EXIT_PRIVS, -rc, "seccomp: allowing %s", extra[i]);
			seccomp_release(ctx);
			return NULL;
		}
	}
	return ctx;
}
