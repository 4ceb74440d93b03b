// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Least privilege with libcap.  The hook runs as root from the container
 * runtime; it needs very little:
 *
 *  - CAP_SYS_ADMIN: writing <cgroup>/memory.hotplug ("+N" binds, "-N"
 *    releases) requires CAP_SYS_ADMIN in the initial user namespace
 *    (docs/abi.md).  Kept in the act phase of the create stage and gc.
 *  - CAP_DAC_READ_SEARCH: reading the bundle's config.json when the
 *    bundle belongs to another user (podman rootless, CRI-O).  Kept only
 *    while parsing input, dropped before acting.
 *
 * Nothing else: offlining an orphaned block (memoryN/state), reading
 * /proc/<pid>/cgroup, sysfs and the ledger (/run/hotmem, mode 0700, owned
 * by root) are plain file accesses that uid 0 passes by ownership.  So
 * poststop and status run with no capability at all.  The bounding set is
 * emptied first (it needs CAP_SETPCAP, which is then dropped too) and the
 * ambient and inheritable sets are cleared; no_new_privs is set before
 * seccomp.
 */
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hotmem.h"

static int set_caps(const cap_value_t *want, int n, struct hm_error *err)
{
	cap_t cur = cap_get_proc();
	cap_t caps = cap_init();
	cap_value_t keep[4];
	int nkeep = 0, ret = 0;

	if (!cur || !caps) {
		ret = hm_fail(err, HM_EXIT_PRIVS, errno, "reading capabilities");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		cap_flag_value_t v = CAP_CLEAR;

		/* keep only what we have: unprivileged test runs have none */
		if (cap_get_flag(cur, want[i], CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			keep[nkeep++] = want[i];
	}
	if (nkeep && (cap_set_flag(caps, CAP_PERMITTED, nkeep, keep, CAP_SET) < 0 ||
		      cap_set_flag(caps, CAP_EFFECTIVE, nkeep, keep, CAP_SET) < 0)) {
		ret = hm_fail(err, HM_EXIT_PRIVS, errno, "building capability set");
		goto out;
	}
	if (cap_set_proc(caps) < 0)
		ret = hm_fail(err, HM_EXIT_PRIVS, errno, "dropping capabilities");
out:
	if (cur)
		cap_free(cur);
	if (caps)
		cap_free(caps);
	return ret;
}

static int drop_bounding(struct hm_error *err)
{
	cap_flag_value_t setpcap = CAP_CLEAR;
	cap_t cur = cap_get_proc();

	if (cur) {
		cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
		cap_free(cur);
	}
	if (setpcap != CAP_SET)
		return 0; /* not privileged: the bounding set cannot grant us anything */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0)
			return hm_fail(err, HM_EXIT_PRIVS, errno,
				       "dropping capability %d from the bounding set", c);
	}
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return hm_fail(err, HM_EXIT_PRIVS, errno, "clearing ambient capabilities");
	return 0;
}

int hm_privs_enter(enum hm_phase phase, bool need_sys_admin, struct hm_error *err)
{
	cap_value_t want[2];
	int n = 0;

	switch (phase) {
	case HM_PHASE_START:
		if (drop_bounding(err) < 0)
			return -1;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return hm_fail(err, HM_EXIT_PRIVS, errno, "setting no_new_privs");
		/* fall through: the start phase keeps what parsing needs */
		/* FALLTHROUGH */
	case HM_PHASE_PARSE:
		if (need_sys_admin)
			want[n++] = CAP_SYS_ADMIN; /* kept for the act phase (memory.hotplug) */
		want[n++] = CAP_DAC_READ_SEARCH;   /* config.json in another user's bundle */
		break;
	case HM_PHASE_ACT:
		if (need_sys_admin)
			want[n++] = CAP_SYS_ADMIN; /* memory.hotplug "+N"/"-N" writes */
		break;
	case HM_PHASE_NONE:
		break;
	}
	return set_caps(want, n, err);
}

/* HOTMEM_DEBUG_SELFCHECK=1: report what the kernel says about us, and
 * prove a syscall outside the seccomp allow-list fails. */
int hm_selfcheck(void)
{
	static const char *keys[] = { "CapInh:", "CapPrm:",	"CapEff:", "CapBnd:",
				      "CapAmb:", "NoNewPrivs:", "Seccomp:" };
	cleanup_free char *text = NULL;
	struct hm_error err;
	char *line, *save = NULL;
	int fd;

	if (hm_read_file("/proc/self/status", 64 * 1024, &text, NULL, &err) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strncmp(line, keys[i], strlen(keys[i])) == 0)
				fprintf(stderr, "selfcheck: %s\n", line);
		}
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fprintf(stderr, "selfcheck: socket(AF_INET)=%s\n", fd >= 0 ? "allowed" : strerror(errno));
	if (fd >= 0)
		close(fd);
	return 0;
}
