// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hotmem-hook: the command line and the order of things.
 *
 *   1. drop the bounding set, set no_new_privs        (privs.c)
 *   2. read the operator's config                     (trusted input)
 *   3. fork the provider spawner if one is configured (provider.c),
 *      open syslog (log.c), create the ledger directory (not status)
 *   4. load the seccomp allow-list                     (seccomp.c)
 *   5. parse the untrusted input: the state, then Landlock (landlock.c),
 *      then config.json                                (capabilities: parse)
 *   6. act under the ledger lock                       (capabilities: act)
 *      The cgroup2 mount is found (libmount, /proc/self/mountinfo) when a
 *      cgroup file is first needed: poststop under crun, whose cgroup is
 *      gone by then, never needs it, and parsing mountinfo is one of the
 *      larger costs of a hook's start (docs/benchmark.md).
 *
 * Exactly one line goes to stderr on failure, naming the container and
 * the cause; the exit code says which kind of failure (hotmem.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotmem.h"

enum cmd { CMD_CREATE, CMD_POSTSTOP, CMD_STATUS, CMD_GC };

static const char usage[] =
	"usage: hotmem-hook prestart|createRuntime|poststop   (OCI hook; state on stdin)\n"
	"       hotmem-hook status [--json]\n"
	"       hotmem-hook gc\n"
	"       hotmem-hook --help | --version\n"
	"\n"
	"Claims hot-plugged memory blocks for a container, binds them to its memory\n"
	"cgroup (memory.hotplug) and releases them when it stops.  See hotmem-hook(8).\n";

static int parse_args(int argc, char **argv, enum cmd *cmd, bool *json, struct hm_error *err)
{
	const char *a = argc > 1 ? argv[1] : "";

	*json = false;
	if (!strcmp(a, "prestart") || !strcmp(a, "createRuntime"))
		*cmd = CMD_CREATE;
	else if (!strcmp(a, "poststop"))
		*cmd = CMD_POSTSTOP;
	else if (!strcmp(a, "status"))
		*cmd = CMD_STATUS;
	else if (!strcmp(a, "gc"))
		*cmd = CMD_GC;
	else
		return hm_fail(err, HM_EXIT_USAGE, 0, "unknown command '%.64s' (try --help)", a);
	if (*cmd == CMD_STATUS && argc == 3 && !strcmp(argv[2], "--json"))
		*json = true;
	else if (argc > 2)
		return hm_fail(err, HM_EXIT_USAGE, 0, "unexpected argument '%.64s'", argv[2]);
	return 0;
}

static const char *ledger_dir(const struct hm_ctx *c)
{
	return c->paths.ledger	   ? c->paths.ledger
	       : c->cfg.ledger_dir ? c->cfg.ledger_dir
				   : "/run/hotmem";
}

static int setup(struct hm_ctx *c, enum cmd cmd, struct hm_error *err)
{
	bool admin = cmd != CMD_STATUS;

	if (hm_privs_enter(HM_PHASE_START, admin, err) < 0)
		return -1;
	if (hm_paths_init(&c->paths, err) < 0)
		return -1;
	hm_config_defaults(&c->cfg);
	if (hm_config_load(&c->cfg, c->paths.config, err) < 0)
		return -1;
	hm_trace("config");
	hm_log_init(c->cfg.log);
	if ((cmd == CMD_CREATE || cmd == CMD_POSTSTOP || cmd == CMD_GC) &&
	    hm_provider_spawner_start(&c->cfg, err) < 0)
		return -1;
	/* the filter allows no mkdir; status creates nothing */
	if (cmd != CMD_STATUS && hm_ledger_prepare(ledger_dir(c), err) < 0)
		return -1;
	if (hm_seccomp_load(err) < 0)
		return -1;
	hm_trace("seccomp");
	return 0;
}

static int open_ledger(struct hm_ctx *c, enum cmd cmd, struct hm_error *err)
{
	const char *dir = ledger_dir(c);
	int ret;

	if (cmd == CMD_STATUS) {
		ret = hm_ledger_open_ro(&c->ledger, dir, c->cfg.lock_timeout_ms, err);
		if (ret < 0)
			return -1;
		c->ledger_open = ret == 0;
		return 0;
	}
	if (hm_ledger_open(&c->ledger, dir, c->cfg.lock_timeout_ms, err) < 0)
		return -1;
	c->ledger_open = true;
	return 0;
}

static int enter_act_phase(struct hm_ctx *c, enum cmd cmd, struct hm_error *err)
{
	if (hm_privs_enter(cmd == CMD_STATUS ? HM_PHASE_NONE : HM_PHASE_ACT, true, err) < 0)
		return -1;
	if (getenv("HOTMEM_DEBUG_SELFCHECK"))
		hm_selfcheck();
	return open_ledger(c, cmd, err);
}

/* Landlock: the bundle's config.json only for a create (bundle absolute) */
static int confine(struct hm_ctx *c, const char *bundle, struct hm_error *err)
{
	cleanup_free char *spec = NULL;

	if (bundle && bundle[0] == '/') {
		spec = hm_strdup_printf("%s/config.json", bundle);
		if (!spec)
			return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	}
	return hm_landlock_apply(&c->paths, ledger_dir(c), spec, err);
}

static int do_create(struct hm_ctx *c, struct hm_state *st, struct hm_error *err)
{
	struct hm_spec sp;
	enum hm_level level;
	const char *source, *why;
	uint64_t bytes;
	int ret;

	if (confine(c, st->bundle, err) < 0)
		return -1;
	if (hm_spec_load(&sp, st->bundle, err) < 0)
		return -1;
	st->cgroups_path = sp.cgroups_path; /* the claim checks the cgroup against it */
	sp.cgroups_path = NULL;
	level = hm_pod_level(&sp, st, &why);
	if (level == HM_LEVEL_POD) { /* a Kubernetes pod's size (pod.c) */
		ret = hm_pod_size_check(&sp, st, err);
		if (ret == 0)
			ret = enter_act_phase(c, CMD_CREATE, err);
		if (ret == 0)
			ret = hm_create_passthrough(&c->cfg, hm_pod_create(c, st, &sp, err), err);
		hm_spec_free(&sp);
		return ret;
	}
	ret = level == HM_LEVEL_NONE ? 0 : hm_size_resolve(&sp, st, &c->cfg, &bytes, &source, err);
	hm_spec_free(&sp);
	hm_trace("spec");
	if (ret < 0)
		return -1;
	if (level == HM_LEVEL_NONE) {
		hm_log("%s", why);
		return 0;
	}
	if (bytes == 0) {
		hm_log("no io.hotmem.size, memory limit or default_size: nothing to do");
		return 0;
	}
	if (enter_act_phase(c, CMD_CREATE, err) < 0)
		return -1;
	hm_trace("lock");
	if (hm_gc(c, HM_GC_CREATE, err) < 0)
		return -1;
	hm_trace("gc");
	hm_log("size %llu bytes (from %s)", (unsigned long long)bytes, source);
	return hm_create_passthrough(&c->cfg, hm_claim(c, st, bytes, err), err);
}

static int do_poststop(struct hm_ctx *c, const struct hm_state *st, struct hm_error *err)
{
	if (confine(c, NULL, err) < 0)
		return -1;
	if (enter_act_phase(c, CMD_POSTSTOP, err) < 0)
		return -1;
	hm_trace("lock");
	return hm_poststop(c, st->id, err);
}

static int run_hook(struct hm_ctx *c, enum cmd cmd, struct hm_error *err)
{
	struct hm_state st;
	int ret;

	if (hm_privs_enter(HM_PHASE_PARSE, true, err) < 0)
		return -1;
	if (hm_state_read(&st, STDIN_FILENO, err) < 0)
		return -1;
	hm_trace("state");
	hm_log_set_id(st.id);
	ret = cmd == CMD_CREATE ? do_create(c, &st, err) : do_poststop(c, &st, err);
	hm_state_free(&st);
	return ret;
}

static int run(enum cmd cmd, bool json, struct hm_error *err)
{
	struct hm_ctx c;
	int ret;

	memset(&c, 0, sizeof(c));
	hm_config_defaults(&c.cfg);
	ret = setup(&c, cmd, err);
	if (ret == 0) {
		switch (cmd) {
		case CMD_CREATE:
		case CMD_POSTSTOP:
			ret = run_hook(&c, cmd, err);
			break;
		case CMD_STATUS:
			ret = confine(&c, NULL, err);
			if (ret == 0)
				ret = enter_act_phase(&c, cmd, err);
			if (ret == 0)
				ret = hm_status(&c, json, stdout, err);
			break;
		case CMD_GC:
			ret = confine(&c, NULL, err);
			if (ret == 0)
				ret = enter_act_phase(&c, cmd, err);
			if (ret == 0)
				ret = hm_gc(&c, HM_GC_FULL, err);
			break;
		}
	}
	hm_ctx_free(&c);
	return ret;
}

int main(int argc, char **argv)
{
	struct hm_error err = { 0 };
	enum cmd cmd = CMD_STATUS;
	bool json;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return HM_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("hotmem-hook %s\n", HM_VERSION);
		return HM_EXIT_OK;
	}
	hm_trace("main");
	hm_log_init(HM_LOG_STDERR);
	if (parse_args(argc, argv, &cmd, &json, &err) < 0 || run(cmd, json, &err) < 0) {
		hm_log_error(&err);
		return err.code ? err.code : HM_EXIT_INTERNAL;
	}
	hm_log_flush();
	hm_trace("exit");
	return HM_EXIT_OK;
}
