// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /etc/hotmem/hotmem.conf: "key = value" lines, '#' comments.  A missing
 * file means all defaults; an unknown key or bad value is an error, so a
 * typo never silently changes behaviour.  Keys and defaults are listed in
 * hotmem.conf, hotmem-hook(8) and docs/hook.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

void hm_config_defaults(struct hm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_size = HM_DEFAULT_MAX_SIZE;
	c->provider_timeout_ms = 10000;
	c->log = HM_LOG_STDERR | HM_LOG_SYSLOG;
	c->missing_kernel = HM_MISSING_ERROR;
	c->release_timeout_ms = 5000;
	c->lock_timeout_ms = 10000;
	c->hook_timeout_ms = 30000;
	c->block_min = -1;
	c->block_max = -1;
}

void hm_config_free(struct hm_config *c)
{
	free(c->provider);
	free(c->ledger_dir);
	c->provider = NULL;
	c->ledger_dir = NULL;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int parse_seconds(const char *v, unsigned *ms)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= 0) || d > 3600)
		return -1;
	*ms = (unsigned)(d * 1000);
	return 0;
}

static int parse_range(const char *v, long *lo, long *hi)
{
	char *end;
	long a, b;

	if (strcmp(v, "any") == 0 || !*v) {
		*lo = *hi = -1;
		return 0;
	}
	errno = 0;
	a = strtol(v, &end, 10);
	if (errno || end == v || a < 0)
		return -1;
	b = a;
	if (*end == '-') {
		const char *s = end + 1;

		b = strtol(s, &end, 10);
		if (errno || end == s || b < a)
			return -1;
	}
	if (*end)
		return -1;
	*lo = a;
	*hi = b;
	return 0;
}

static int set_key(struct hm_config *c, const char *k, const char *v, int line,
		   struct hm_error *err)
{
#define BAD() hm_fail(err, HM_EXIT_CONFIG, EINVAL, "line %d: bad value '%.64s' for %s", line, v, k)
	if (strcmp(k, "default_size") == 0) {
		if (!*v || strcmp(v, "none") == 0) {
			c->default_size = 0;
			return 0;
		}
		if (hm_parse_size(v, &c->default_size, err) < 0)
			return BAD();
	} else if (strcmp(k, "max_size") == 0) {
		if (!*v || strcmp(v, "none") == 0) {
			c->max_size = 0;
			return 0;
		}
		if (hm_parse_size(v, &c->max_size, err) < 0)
			return BAD();
	} else if (strcmp(k, "above_limit") == 0) {
		if (strcmp(v, "yes") == 0)
			c->above_limit = true;
		else if (strcmp(v, "no") == 0)
			c->above_limit = false;
		else
			return BAD();
	} else if (strcmp(k, "policy") == 0) {
		if (strcmp(v, "strict") && strcmp(v, "fallback") && strcmp(v, "kernel"))
			return BAD();
		snprintf(c->policy, sizeof(c->policy), "%s", strcmp(v, "kernel") ? v : "");
	} else if (strcmp(k, "provider") == 0) {
		free(c->provider);
		c->provider = NULL;
		if (*v && strcmp(v, "none")) {
			if (v[0] != '/')
				return hm_fail(err, HM_EXIT_CONFIG, EINVAL,
					       "line %d: provider must be an absolute path", line);
			c->provider = strdup(v);
			if (!c->provider)
				return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
		}
	} else if (strcmp(k, "provider_timeout") == 0) {
		if (parse_seconds(v, &c->provider_timeout_ms) < 0)
			return BAD();
	} else if (strcmp(k, "release_timeout") == 0) {
		if (parse_seconds(v, &c->release_timeout_ms) < 0)
			return BAD();
	} else if (strcmp(k, "lock_timeout") == 0) {
		if (parse_seconds(v, &c->lock_timeout_ms) < 0)
			return BAD();
	} else if (strcmp(k, "hook_timeout") == 0) {
		if (parse_seconds(v, &c->hook_timeout_ms) < 0 || c->hook_timeout_ms < 1000)
			return BAD();
	} else if (strcmp(k, "ledger_dir") == 0) {
		if (v[0] != '/' || strlen(v) > 512)
			return BAD();
		free(c->ledger_dir);
		c->ledger_dir = strdup(v);
		if (!c->ledger_dir)
			return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	} else if (strcmp(k, "log") == 0) {
		if (strcmp(v, "both") == 0)
			c->log = HM_LOG_STDERR | HM_LOG_SYSLOG;
		else if (strcmp(v, "stderr") == 0)
			c->log = HM_LOG_STDERR;
		else if (strcmp(v, "syslog") == 0)
			c->log = HM_LOG_SYSLOG;
		else if (strcmp(v, "none") == 0)
			c->log = 0;
		else
			return BAD();
	} else if (strcmp(k, "missing_kernel") == 0) {
		if (strcmp(v, "error") == 0)
			c->missing_kernel = HM_MISSING_ERROR;
		else if (strcmp(v, "passthrough") == 0)
			c->missing_kernel = HM_MISSING_PASSTHROUGH;
		else
			return BAD();
	} else if (strcmp(k, "blocks") == 0) {
		if (parse_range(v, &c->block_min, &c->block_max) < 0)
			return BAD();
	} else {
		return hm_fail(err, HM_EXIT_CONFIG, EINVAL, "line %d: unknown key '%.64s'", line,
			       k);
	}
	return 0;
#undef BAD
}

int hm_config_parse(struct hm_config *c, const char *text, struct hm_error *err)
{
	cleanup_free char *copy = strdup(text);
	char *save = NULL, *l;
	int line = 0;

	if (!copy)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	/* strtok_r skips empty lines, so count them by hand. */
	for (l = copy; l; l = save) {
		char *nl = strchr(l, '\n'), *eq, *k, *v, *hash;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line++;
		hash = strchr(l, '#');
		if (hash)
			*hash = '\0';
		l = trim(l);
		if (!*l)
			continue;
		eq = strchr(l, '=');
		if (!eq)
			return hm_fail(err, HM_EXIT_CONFIG, EINVAL, "line %d: expected key = value",
				       line);
		*eq = '\0';
		k = trim(l);
		v = trim(eq + 1);
		if (set_key(c, k, v, line, err) < 0)
			return -1;
	}
	/* A hook waits at most for the lock, then the provider (create: grow;
	 * poststop: shrink), then a release (poststop; a failed create's
	 * undo): it must finish before the runtime kills it. */
	if ((uint64_t)c->lock_timeout_ms + c->provider_timeout_ms + c->release_timeout_ms >=
	    c->hook_timeout_ms)
		return hm_fail(
			err, HM_EXIT_CONFIG, EINVAL,
			"lock_timeout + provider_timeout + release_timeout (%.1f s) must stay below hook_timeout (%.1f s, the runtime's timeout for the hook)",
			(c->lock_timeout_ms + c->provider_timeout_ms + c->release_timeout_ms) /
				1000.0,
			c->hook_timeout_ms / 1000.0);
	return 0;
}

int hm_config_load(struct hm_config *c, const char *path, struct hm_error *err)
{
	cleanup_free char *text = NULL;

	if (hm_read_file(path, 64 * 1024, &text, NULL, err) < 0) {
		if (err->errnum == ENOENT)
			return 0; /* no file: the documented defaults */
		err->code = HM_EXIT_CONFIG;
		return -1;
	}
	if (hm_config_parse(c, text, err) < 0)
		return hm_wrap(err, "%s", path);
	return 0;
}
