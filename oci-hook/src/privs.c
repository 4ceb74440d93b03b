// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Least privilege with libcap, after libnvidia-container: a table says
 * which capabilities each phase keeps *permitted*; none is effective
 * except around the one operation that needs it (hm_privs_raise, then
 * hm_privs_lower).  So no capability is effective while untrusted input
 * (the state on stdin, config.json) is parsed, and a phase can only ever
 * raise what its row keeps.
 *
 *  - CAP_SYS_ADMIN: the kernel checks it (file_ns_capable(): the
 *    credentials the file was opened with, initial user namespace) at
 *    each write to <cgroup>/memory.hotplug ("+N" binds, "-N" releases)
 *    and memory.hotplug.policy (docs/abi.md).  Create, poststop (it
 *    releases with "-N" while the cgroup still exists) and gc keep it;
 *    raised only around the open and write of those files
 *    (hm_write_admin).
 *  - CAP_DAC_READ_SEARCH: opening the bundle's config.json when the
 *    bundle belongs to another user (podman rootless, CRI-O).  Kept only
 *    in the parse phase, raised only around that open (spec.c).
 *
 * Nothing else: offlining an orphaned block (memoryN/state), reading
 * /proc/<pid>/cgroup, sysfs and the ledger (/run/hotmem, mode 0700, owned
 * by root) are plain file accesses that uid 0 passes by ownership.
 * status keeps nothing.  The start phase empties the bounding set (it
 * needs CAP_SETPCAP, effective at start, then dropped too), clears the
 * ambient and inheritable sets and sets no_new_privs before seccomp.
 * Nothing the hook starts (the provider, provider.c) gets a capability.
 */
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hotmem.h"

/* The per-phase table: what stays permitted (never effective by default). */
struct phase_caps {
	cap_value_t caps[2];
	int n;
	bool admin_only[2]; /* kept only by stages that write memory.hotplug */
};

static const struct phase_caps phase_table[] = {
	/* start: parsing comes next, and the act phase after it */
	[HM_PHASE_START] = { { CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH }, 2, { true, false } },
	/* parse: config.json in another user's bundle (raised around the open) */
	[HM_PHASE_PARSE] = { { CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH }, 2, { true, false } },
	/* act: memory.hotplug writes (raised around each, hm_write_admin) */
	[HM_PHASE_ACT] = { { CAP_SYS_ADMIN }, 1, { true } },
	/* status, and whatever follows the last write */
	[HM_PHASE_NONE] = { { 0 }, 0, { false } },
};

static const cap_value_t cap_of[] = {
	[HM_CAP_SYS_ADMIN] = CAP_SYS_ADMIN,
	[HM_CAP_DAC_READ_SEARCH] = CAP_DAC_READ_SEARCH,
};

/* Permitted: want (what we have of it); effective: only eff, if permitted. */
static int set_caps(const cap_value_t *want, int n, const cap_value_t *eff, struct hm_error *err)
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
	if (nkeep && cap_set_flag(caps, CAP_PERMITTED, nkeep, keep, CAP_SET) < 0) {
		ret = hm_fail(err, HM_EXIT_PRIVS, errno, "building capability set");
		goto out;
	}
	for (int i = 0; eff && i < nkeep; i++) {
		if (keep[i] == *eff && cap_set_flag(caps, CAP_EFFECTIVE, 1, eff, CAP_SET) < 0) {
			ret = hm_fail(err, HM_EXIT_PRIVS, errno, "building capability set");
			goto out;
		}
	}
	if (cap_set_proc(caps) < 0)
		ret = hm_fail(err, HM_EXIT_PRIVS, errno, "setting capabilities");
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

/* The current phase's permitted set (what raise may make effective). */
static cap_value_t permitted[2];
static int npermitted;
static bool entered; /* before the first phase (unit tests) raise and lower do nothing */

int hm_privs_enter(enum hm_phase phase, bool need_sys_admin, struct hm_error *err)
{
	const struct phase_caps *row = &phase_table[phase];

	if (phase == HM_PHASE_START) {
		if (drop_bounding(err) < 0)
			return -1;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return hm_fail(err, HM_EXIT_PRIVS, errno, "setting no_new_privs");
	}
	entered = true;
	npermitted = 0;
	for (int i = 0; i < row->n; i++) {
		if (!row->admin_only[i] || need_sys_admin)
			permitted[npermitted++] = row->caps[i];
	}
	return set_caps(permitted, npermitted, NULL, err);
}

/* Only what the phase keeps permitted: anything else stays off (a phase
 * cannot gain a capability its row does not name). */
int hm_privs_raise(enum hm_cap cap, struct hm_error *err)
{
	if (!entered)
		return 0;
	return set_caps(permitted, npermitted, &cap_of[cap], err);
}

void hm_privs_lower(void)
{
	struct hm_error ignored;

	if (!entered)
		return;
	/* Dropping the effective set cannot fail for lack of privilege;
	 * should cap_set_proc fail anyway (ENOMEM), the phase's next
	 * hm_privs_enter drops the capability from the permitted set. */
	set_caps(permitted, npermitted, NULL, &ignored);
}

/* One write to a file the kernel guards with CAP_SYS_ADMIN (memory.hotplug,
 * memory.hotplug.policy): the capability effective for that write only. */
int hm_write_admin(const char *path, const char *data, struct hm_error *err)
{
	int ret;

	if (hm_privs_raise(HM_CAP_SYS_ADMIN, err) < 0)
		return -1;
	ret = hm_write_once(path, data, err);
	hm_privs_lower();
	return ret;
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
