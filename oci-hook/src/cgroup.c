// SPDX-License-Identifier: GPL-2.0-or-later
/* The container's cgroup: the "0::" line of /proc/<pid>/cgroup (cgroup v2)
 * under the cgroup2 mount.  Never rebuilt from a runtime's naming rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hotmem.h"

int hm_cgroup_of_self(const struct hm_paths *p, char **rel, struct hm_error *err)
{
	cleanup_free char *path = hm_strdup_printf("%s/self/cgroup", p->proc);
	cleanup_free char *text = NULL;
	char *line, *save = NULL;

	*rel = NULL;
	if (!path)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (hm_read_file(path, 64 * 1024, &text, NULL, err) < 0)
		return hm_wrap(err, "the hook's own cgroup");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::/", 4) != 0)
			continue;
		*rel = strdup(line + 3);
		return *rel ? 0 : hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	}
	return hm_fail(err, HM_EXIT_KERNEL, ENOENT, "%s has no cgroup v2 (0::/) entry", path);
}

int hm_cgroup_of_pid(const struct hm_paths *p, long long pid, char **rel, struct hm_error *err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *text = NULL;
	cleanup_free char *dir = NULL;
	char *line, *save = NULL;

	*rel = NULL;
	if (pid <= 0)
		return hm_fail(err, HM_EXIT_PROCESS, ESRCH,
			       "state has no container pid (pid %lld): wrong stage for this hook",
			       pid);
	dir = hm_strdup_printf("%s/%lld", p->proc, pid);
	path = hm_strdup_printf("%s/%lld/cgroup", p->proc, pid);
	if (!dir || !path)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (!hm_path_exists(dir))
		return hm_fail(err, HM_EXIT_PROCESS, ESRCH, "container pid %lld is not running",
			       pid);
	if (hm_read_file(path, 64 * 1024, &text, NULL, err) < 0) {
		err->code = HM_EXIT_PROCESS;
		if (err->errnum == ENOENT)
			err->errnum = ESRCH;
		return hm_wrap(err, "container pid %lld", pid);
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line += 3;
		if (line[0] != '/')
			return hm_fail(err, HM_EXIT_PROCESS, EINVAL,
				       "pid %lld: cgroup '%.64s' is outside this cgroup namespace",
				       pid, line);
		if (strcmp(line, "/") == 0)
			return hm_fail(err, HM_EXIT_PROCESS, EPERM,
				       "container pid %lld is in the root cgroup", pid);
		if (strstr(line, "/../") || strlen(line) >= 1000 ||
		    (strlen(line) >= 3 && strcmp(line + strlen(line) - 3, "/..") == 0))
			return hm_fail(err, HM_EXIT_PROCESS, EINVAL, "pid %lld: odd cgroup path",
				       pid);
		/* " (deleted)" when the cgroup is gone already */
		if (strstr(line, " (deleted)"))
			return hm_fail(err, HM_EXIT_PROCESS, ENOENT,
				       "container pid %lld: its cgroup was removed", pid);
		*rel = strdup(line);
		if (!*rel)
			return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
		return 0;
	}
	return hm_fail(err, HM_EXIT_KERNEL, ENOENT,
		       "container pid %lld has no cgroup v2 (0::) entry", pid);
}

int hm_cgroup_file(struct hm_paths *p, const char *rel, const char *file, char **path,
		   struct hm_error *err)
{
	*path = NULL;
	if (hm_paths_cgroup_root(p, err) < 0)
		return -1;
	*path = hm_strdup_printf("%s%s/%s", p->cgroup, rel, file);
	if (!*path)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	return 0;
}

bool hm_cgroup_within(const char *rel, const char *base)
{
	size_t n = strlen(base);

	if (strncmp(rel, base, n) != 0)
		return false;
	return rel[n] == '\0' || rel[n] == '/' || (n == 1 && base[0] == '/');
}

int hm_cgroup_populated(struct hm_paths *p, const char *rel, struct hm_error *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *events = NULL;
	cleanup_free char *text = NULL;
	struct stat st;
	char *line, *save = NULL;

	if (hm_cgroup_file(p, rel, "", &dir, err) < 0 ||
	    hm_cgroup_file(p, rel, "cgroup.events", &events, err) < 0)
		return -1;
	if (stat(dir, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0; /* removed: nothing can live in it or below it */
		return hm_fail(err, HM_EXIT_INTERNAL, errno, "checking cgroup %s", rel);
	}
	if (hm_read_file(events, 4096, &text, NULL, err) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "populated 1") == 0)
			return 1;
		if (strcmp(line, "populated 0") == 0)
			return 0;
	}
	return hm_fail(err, HM_EXIT_KERNEL, EPROTO, "%s has no 'populated' line", events);
}

int hm_cgroup_id(struct hm_paths *p, const char *rel, uint64_t *id, struct hm_error *err)
{
	cleanup_free char *dir = NULL;
	struct stat st;

	*id = 0;
	if (hm_cgroup_file(p, rel, "", &dir, err) < 0)
		return -1;
	if (stat(dir, &st) < 0)
		return hm_fail(err, HM_EXIT_INTERNAL, errno, "cgroup %s", rel);
	if (!S_ISDIR(st.st_mode))
		return hm_fail(err, HM_EXIT_INTERNAL, ENOTDIR, "cgroup %s", rel);
	*id = (uint64_t)st.st_ino;
	return 0;
}
