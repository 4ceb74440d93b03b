// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading the syscall allow-list (seccomp-rules.c) before the hook reads
 * any input.
 *
 * libseccomp compiled the list into a BPF program when the hook was built
 * (tools/seccomp-gen.c); here the program is only handed to the kernel.
 * Compiling it at every start was the largest single step of a hook
 * process: 2 ms in the test VM, 7-11 ms with address space randomisation
 * (docs/benchmark.md), for the same program every time.  The program
 * checks each syscall's architecture first (libseccomp's preamble); a hook
 * built for another architecture than the one libseccomp reports here
 * refuses to load it instead of dying at its next syscall.
 * no_new_privs is set before this (privs.c, start phase).
 *
 * tgkill is allowed only towards the hook itself (raise(): abort, the test
 * build's kill points); the build-time program compares its pid with a
 * placeholder (HM_SECCOMP_SELF_PID), replaced here with getpid() in a copy
 * of the program.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "hotmem.h"
#include "seccomp-filter.h"

int hm_seccomp_load_prog(const struct sock_filter *filter, unsigned short len, uint32_t arch,
			 struct hm_error *err)
{
	cleanup_free struct sock_filter *copy = NULL;
	struct sock_fprog prog = { .len = len };
	int patched = 0;

	copy = malloc(len * sizeof(*copy));
	if (!copy)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	memcpy(copy, filter, len * sizeof(*copy));
	for (unsigned i = 0; i < len; i++) {
		if (copy[i].code == (BPF_JMP | BPF_JEQ | BPF_K) &&
		    copy[i].k == HM_SECCOMP_SELF_PID) {
			copy[i].k = (uint32_t)getpid();
			patched++;
		}
	}
	if (patched == 0)
		return hm_fail(err, HM_EXIT_PRIVS, ENOEXEC, "the seccomp filter has no self pid");
	prog.filter = copy;

	if (seccomp_arch_native() != arch)
		return hm_fail(err, HM_EXIT_PRIVS, ENOEXEC,
			       "the seccomp filter was compiled for architecture 0x%08x, this is 0x%08x",
			       arch, seccomp_arch_native());
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return hm_fail(err, HM_EXIT_PRIVS, errno, "loading the seccomp filter");
	return 0;
}

int hm_seccomp_load(struct hm_error *err)
{
	return hm_seccomp_load_prog(hm_seccomp_filter, hm_seccomp_filter_len,
				    hm_seccomp_filter_arch, err);
}
