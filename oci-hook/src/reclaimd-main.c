// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hotmem-reclaimd: the command line and the order of things, as in the
 * hook (main.c), for a process that lives as long as the node:
 *
 *   1. start phase: bounding set emptied, no_new_privs  (privs.c)
 *   2. the operator's config (hotmem.conf, trusted)
 *   3. syslog connected, the provider spawner forked (provider.c), the
 *      ledger directory created: all before the filter
 *   4. seccomp: the hook's allow-list and inotify, poll (seccomp-rules.c)
 *   5. Landlock: memory sysfs, cgroup2, /proc (read), the ledger
 *   6. act phase for good: CAP_SYS_ADMIN permitted, never effective but
 *      around a write to memory.hotplug ("-N" releases, "+N" grows); no
 *      CAP_DAC_READ_SEARCH (it reads no bundle).  Nothing else: offlining
 *      an orphan (memoryN/state), cgroup.events, memory.stat and the
 *      ledger are root's files, opened by ownership.
 *   7. the ledger opened, its lock dropped: taken only around each action
 *
 * It reads no input but the ledger (root's, 0700) and kernel files, so
 * there is no parse phase.  Each action is one line, naming the container
 * and the cause, on stderr at once and to syslog (log = in hotmem.conf).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reclaimd.h"
#include "seccomp-filter.h"

static const char usage[] =
	"usage: hotmem-reclaimd [--interval MS] [--no-grow] [--once]\n"
	"       hotmem-reclaimd --help | --version\n"
	"\n"
	"Releases a container's hot-plugged memory blocks as soon as its cgroup has no\n"
	"process left, and grows a running container's binding by one block when its\n"
	"pool runs full, up to its memory limit.  See hotmem-reclaimd(8).\n";

static int parse_args(int argc, char **argv, struct hm_reclaimd_opts *o, struct hm_error *err)
{
	*o = (struct hm_reclaimd_opts){ .interval_ms = 1000, .grow = true };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--no-grow")) {
			o->grow = false;
		} else if (!strcmp(a, "--once")) {
			o->once = true;
		} else if (!strcmp(a, "--interval") && i + 1 < argc) {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(argv[++i], &end, 10);
			if (errno || *end || v < 50 || v > 3600000)
				return hm_fail(err, HM_EXIT_USAGE, 0,
					       "--interval: '%.32s' is not 50..3600000 ms",
					       argv[i]);
			o->interval_ms = (unsigned)v;
		} else {
			return hm_fail(err, HM_EXIT_USAGE, 0,
				       "unknown argument '%.64s' (try --help)", a);
		}
	}
	return 0;
}

static const char *ledger_dir(const struct hm_ctx *c)
{
	return c->paths.ledger	   ? c->paths.ledger
	       : c->cfg.ledger_dir ? c->cfg.ledger_dir
				   : "/run/hotmem";
}

static int setup(struct hm_ctx *c, struct hm_error *err)
{
	if (hm_privs_enter(HM_PHASE_START, true, err) < 0)
		return -1;
	if (hm_paths_init(&c->paths, err) < 0)
		return -1;
	hm_config_defaults(&c->cfg);
	if (hm_config_load(&c->cfg, c->paths.config, err) < 0)
		return -1;
	hm_log_init(c->cfg.log);
	if (hm_provider_spawner_start(&c->cfg, err) < 0)
		return -1;
	if (hm_ledger_prepare(ledger_dir(c), err) < 0)
		return -1;
	if (hm_seccomp_load_prog(hm_reclaimd_filter, hm_reclaimd_filter_len,
				 hm_reclaimd_filter_arch, err) < 0)
		return -1;
	if (hm_landlock_apply(&c->paths, ledger_dir(c), NULL, err) < 0)
		return -1;
	if (hm_privs_enter(HM_PHASE_ACT, true, err) < 0)
		return -1;
	if (getenv("HOTMEM_DEBUG_SELFCHECK"))
		hm_selfcheck();
	if (hm_ledger_open(&c->ledger, ledger_dir(c), c->cfg.lock_timeout_ms, err) < 0)
		return -1;
	c->ledger_open = true;
	hm_ledger_unlock(&c->ledger);
	return 0;
}

static int run(const struct hm_reclaimd_opts *o, struct hm_error *err)
{
	struct hm_ctx c;
	int ret;

	memset(&c, 0, sizeof(c));
	hm_config_defaults(&c.cfg);
	ret = setup(&c, err);
	if (ret == 0)
		ret = hm_reclaimd_run(&c, o, err);
	hm_ctx_free(&c);
	return ret;
}

int main(int argc, char **argv)
{
	struct hm_error err = { 0 };
	struct hm_reclaimd_opts o;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return HM_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("hotmem-reclaimd %s\n", HM_VERSION);
		return HM_EXIT_OK;
	}
	hm_log_set_prog("hotmem-reclaimd");
	hm_log_init(HM_LOG_STDERR);
	if (parse_args(argc, argv, &o, &err) < 0 || run(&o, &err) < 0) {
		hm_log_error(&err);
		return err.code ? err.code : HM_EXIT_INTERNAL;
	}
	hm_log_flush();
	return HM_EXIT_OK;
}
