// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ledger: <dir>/lock (flock, held by whichever hook is changing
 * anything) and one record per container, <dir>/<id>.rec, in a small
 * versioned text format:
 *
 *	hotmem-ledger 2
 *	id <container id>
 *	state claiming|bound|releasing
 *	cgroup <path relative to the cgroup2 root>
 *	cgroup_id <its id: the kernel's hotplug_owner names it so>
 *	pid <container init pid>
 *	hook_pid <pid of the hook that wrote it>
 *	created <unix seconds>
 *	blocks <N> <N> ...
 *	end
 *
 * Version 1 records (no cgroup_id) are read, with the id unknown (0).
 *
 * A record is written to .<id>.tmp, fsync'ed, renamed over <id>.rec and
 * the directory fsync'ed: after a SIGKILL (or power loss) at any point a
 * record is either the old or the new one, never a mix.  Every step is
 * recorded *before* it is done, so gc can finish or undo it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hotmem.h"

const char *hm_rec_state_name(enum hm_rec_state s)
{
	switch (s) {
	case HM_REC_CLAIMING:
		return "claiming";
	case HM_REC_BOUND:
		return "bound";
	case HM_REC_RELEASING:
		return "releasing";
	}
	return "?";
}

static int lock_wait(struct hm_ledger *l, int how, unsigned lock_timeout_ms, struct hm_error *err);

/* Before the seccomp filter, which has no mkdir (hm_ledger_prepare). */
static int mkdir_p(const char *dir, struct hm_error *err)
{
	cleanup_free char *d = strdup(dir);

	if (!d)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	for (char *s = d + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return hm_fail(err, HM_EXIT_LEDGER, errno, "creating %s", d);
		*s = '/';
	}
	if (mkdir(d, 0700) < 0 && errno != EEXIST)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "creating %s", d);
	return 0;
}

int hm_ledger_prepare(const char *dir, struct hm_error *err)
{
	return mkdir_p(dir, err);
}

int hm_ledger_open(struct hm_ledger *l, const char *dir, unsigned lock_timeout_ms,
		   struct hm_error *err)
{
	struct stat st;

	l->dirfd = l->lockfd = -1;
	l->dir = strdup(dir);
	if (!l->dir)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	/* the hook made it before its filter (hm_ledger_prepare); tests here */
	l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd < 0 && errno == ENOENT) {
		if (mkdir_p(dir, err) < 0)
			goto fail;
		l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (l->dirfd < 0) {
		hm_fail(err, HM_EXIT_LEDGER, errno, "opening ledger %s", dir);
		goto fail;
	}
	if (fstat(l->dirfd, &st) == 0 && (st.st_mode & 0022)) {
		hm_fail(err, HM_EXIT_LEDGER, EPERM, "ledger %s is writable by others", dir);
		goto fail;
	}
	l->lockfd = openat(l->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->lockfd < 0) {
		hm_fail(err, HM_EXIT_LEDGER, errno, "opening %s/lock", dir);
		goto fail;
	}
	if (hm_ledger_lock(l, lock_timeout_ms, err) < 0)
		goto fail;
	return 0;
fail:
	hm_ledger_close(l);
	return -1;
}

/*
 * For read-only commands (status): the shared lock, and nothing created.
 * 1 when there is no ledger (no directory or no lock file yet): no hook
 * has recorded anything, and l is left closed.
 */
int hm_ledger_open_ro(struct hm_ledger *l, const char *dir, unsigned lock_timeout_ms,
		      struct hm_error *err)
{
	l->dirfd = l->lockfd = -1;
	l->dir = strdup(dir);
	if (!l->dir)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd >= 0)
		l->lockfd = openat(l->dirfd, "lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (l->dirfd < 0 || l->lockfd < 0) {
		int e = errno;

		hm_ledger_close(l);
		if (e == ENOENT)
			return 1;
		return hm_fail(err, HM_EXIT_LEDGER, e, "opening ledger %s", dir);
	}
	if (lock_wait(l, LOCK_SH, lock_timeout_ms, err) < 0) {
		hm_ledger_close(l);
		return -1;
	}
	return 0;
}

int hm_ledger_lock(struct hm_ledger *l, unsigned lock_timeout_ms, struct hm_error *err)
{
	return lock_wait(l, LOCK_EX, lock_timeout_ms, err);
}

static int lock_wait(struct hm_ledger *l, int how, unsigned lock_timeout_ms, struct hm_error *err)
{
	uint64_t deadline = hm_now_ns() + (uint64_t)lock_timeout_ms * 1000000u;

	while (flock(l->lockfd, how | LOCK_NB) < 0) {
		struct timespec ts = { 0, 5 * 1000000 };

		if (errno != EWOULDBLOCK && errno != EINTR)
			return hm_fail(err, HM_EXIT_LEDGER, errno, "locking %s/lock", l->dir);
		if (hm_now_ns() > deadline)
			return hm_fail(err, HM_EXIT_LEDGER, EWOULDBLOCK,
				       "ledger %s/lock held by another hook for %u ms", l->dir,
				       lock_timeout_ms);
		nanosleep(&ts, NULL);
	}
	return 0;
}

void hm_ledger_unlock(struct hm_ledger *l)
{
	if (l->lockfd >= 0)
		flock(l->lockfd, LOCK_UN);
}

void hm_ledger_close(struct hm_ledger *l)
{
	if (l->lockfd >= 0)
		close(l->lockfd); /* drops the flock */
	if (l->dirfd >= 0)
		close(l->dirfd);
	free(l->dir);
	l->dir = NULL;
	l->dirfd = l->lockfd = -1;
}

int hm_record_format(const struct hm_record *r, char *buf, size_t size)
{
	size_t off;
	int n;

	n = snprintf(buf, size,
		     "hotmem-ledger %d\nid %s\nstate %s\ncgroup %s\ncgroup_id %llu\npid %lld\nhook_pid %lld\ncreated %lld\nblocks",
		     HM_LEDGER_VERSION, r->id, hm_rec_state_name(r->state), r->cgroup,
		     (unsigned long long)r->cgid, r->pid, r->hook_pid, r->created);
	if (n < 0 || (size_t)n >= size)
		return -1;
	off = (size_t)n;
	for (size_t i = 0; i < r->nblocks; i++) {
		n = snprintf(buf + off, size - off, " %ld", r->blocks[i]);
		if (n < 0 || (size_t)n >= size - off)
			return -1;
		off += (size_t)n;
	}
	n = snprintf(buf + off, size - off, "\nend\n");
	if (n < 0 || (size_t)n >= size - off)
		return -1;
	return (int)(off + (size_t)n);
}

static int parse_ll(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return (errno || end == s || *end || *v < 0) ? -1 : 0;
}

int hm_record_parse(struct hm_record *r, const char *text, size_t len, struct hm_error *err)
{
	cleanup_free char *copy = NULL;
	char *line, *save = NULL;
	unsigned seen = 0;
	int lineno = 0;
	bool ended = false;

	memset(r, 0, sizeof(*r));
	if (len > 256 * 1024 || strlen(text) != len)
		return hm_fail(err, HM_EXIT_LEDGER, EBADMSG, "corrupt record (size)");
	copy = strndup(text, len);
	if (!copy)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *val = strchr(line, ' ');
		long long v;

		lineno++;
		if (ended)
			return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
				       "corrupt record (data after end)");
		if (lineno == 1) {
			if (strncmp(line, "hotmem-ledger ", 14) != 0)
				return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
					       "corrupt record (no header)");
			if (parse_ll(line + 14, &v) < 0 || v < 1 || v > HM_LEDGER_VERSION)
				return hm_fail(err, HM_EXIT_LEDGER, EPROTO,
					       "record format '%.32s' is not version 1..%d",
					       line + 14, HM_LEDGER_VERSION);
			continue;
		}
		if (strcmp(line, "end") == 0) {
			ended = true;
			continue;
		}
		if (!val)
			return hm_fail(err, HM_EXIT_LEDGER, EBADMSG, "corrupt record (line %d)",
				       lineno);
		*val++ = '\0';
		if (strcmp(line, "id") == 0) {
			if (!hm_valid_id(val))
				return hm_fail(err, HM_EXIT_LEDGER, EBADMSG, "corrupt record (id)");
			snprintf(r->id, sizeof(r->id), "%s", val);
			seen |= 1;
		} else if (strcmp(line, "state") == 0) {
			if (strcmp(val, "claiming") == 0)
				r->state = HM_REC_CLAIMING;
			else if (strcmp(val, "bound") == 0)
				r->state = HM_REC_BOUND;
			else if (strcmp(val, "releasing") == 0)
				r->state = HM_REC_RELEASING;
			else
				return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
					       "corrupt record (state)");
			seen |= 2;
		} else if (strcmp(line, "cgroup") == 0) {
			if (val[0] != '/' || strlen(val) >= sizeof(r->cgroup) || strstr(val, "/.."))
				return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
					       "corrupt record (cgroup)");
			snprintf(r->cgroup, sizeof(r->cgroup), "%s", val);
			seen |= 4;
		} else if (strcmp(line, "cgroup_id") == 0) {
			if (parse_ll(val, &v) < 0)
				return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
					       "corrupt record (cgroup_id)");
			r->cgid = (uint64_t)v;
		} else if (strcmp(line, "pid") == 0) {
			if (parse_ll(val, &r->pid) < 0)
				return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
					       "corrupt record (pid)");
			seen |= 8;
		} else if (strcmp(line, "hook_pid") == 0) {
			if (parse_ll(val, &r->hook_pid) < 0)
				return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
					       "corrupt record (hook_pid)");
		} else if (strcmp(line, "created") == 0) {
			if (parse_ll(val, &r->created) < 0)
				return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
					       "corrupt record (created)");
		} else if (strcmp(line, "blocks") == 0) {
			char *tok, *s2 = NULL;

			for (tok = strtok_r(val, " ", &s2); tok; tok = strtok_r(NULL, " ", &s2)) {
				if (r->nblocks >= HM_LEDGER_MAX_BLOCKS || parse_ll(tok, &v) < 0 ||
				    v > 0x7fffffff)
					return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
						       "corrupt record (blocks)");
				for (size_t i = 0; i < r->nblocks; i++)
					if (r->blocks[i] == v)
						return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
							       "corrupt record (block %lld twice)",
							       v);
				r->blocks[r->nblocks++] = (long)v;
			}
			seen |= 16;
		} else {
			return hm_fail(err, HM_EXIT_LEDGER, EBADMSG, "corrupt record (key '%.32s')",
				       line);
		}
	}
	if (lineno == 0)
		return hm_fail(err, HM_EXIT_LEDGER, EBADMSG, "corrupt record (empty)");
	if (!ended || seen != 31)
		return hm_fail(err, HM_EXIT_LEDGER, EBADMSG, "corrupt record (truncated)");
	return 0;
}

static char *rec_name(const char *id)
{
	return hm_strdup_printf("%s.rec", id);
}

int hm_ledger_get(struct hm_ledger *l, const char *id, struct hm_record *r, struct hm_error *err)
{
	cleanup_free char *name = rec_name(id);
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;
	size_t len;

	if (!name)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	fd = openat(l->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "opening ledger record %s/%s", l->dir,
			       name);
	if (hm_read_fd(fd, 256 * 1024, &text, &len, err) < 0) {
		err->code = HM_EXIT_LEDGER;
		return hm_wrap(err, "ledger record %s/%s", l->dir, name);
	}
	if (hm_record_parse(r, text, len, err) < 0)
		return hm_wrap(err, "ledger %s/%s", l->dir, name);
	if (strcmp(r->id, id) != 0)
		return hm_fail(err, HM_EXIT_LEDGER, EBADMSG,
			       "ledger %s/%s: corrupt record (id mismatch)", l->dir, name);
	return 0;
}

int hm_ledger_put(struct hm_ledger *l, const struct hm_record *r, struct hm_error *err)
{
	cleanup_free char *name = rec_name(r->id);
	cleanup_free char *tmp = hm_strdup_printf(".%s.tmp", r->id);
	cleanup_free char *buf = malloc(64 * 1024);
	cleanup_close int fd = -1;
	ssize_t w;
	int n;

	if (!name || !tmp || !buf)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	n = hm_record_format(r, buf, 64 * 1024);
	if (n < 0)
		return hm_fail(err, HM_EXIT_LEDGER, E2BIG, "ledger record for %s too large", r->id);
	fd = openat(l->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "creating %s/%s", l->dir, tmp);
	w = write(fd, buf, (size_t)n);
	if (w != n)
		return hm_fail(err, HM_EXIT_LEDGER, w < 0 ? errno : EIO, "writing %s/%s", l->dir,
			       tmp);
	if (fsync(fd) < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "fsync %s/%s", l->dir, tmp);
	if (renameat(l->dirfd, tmp, l->dirfd, name) < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "renaming %s/%s", l->dir, tmp);
	if (fsync(l->dirfd) < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "fsync %s", l->dir);
	return 0;
}

int hm_ledger_del(struct hm_ledger *l, const char *id, struct hm_error *err)
{
	cleanup_free char *name = rec_name(id);

	if (!name)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (unlinkat(l->dirfd, name, 0) < 0 && errno != ENOENT)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "removing %s/%s", l->dir, name);
	if (fsync(l->dirfd) < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "fsync %s", l->dir);
	return 0;
}

int hm_ledger_quarantine(struct hm_ledger *l, const char *id, struct hm_error *err)
{
	cleanup_free char *name = rec_name(id);
	cleanup_free char *bad = hm_strdup_printf("%s.corrupt", id);

	if (!name || !bad)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (renameat(l->dirfd, name, l->dirfd, bad) < 0 && errno != ENOENT)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "moving %s/%s aside", l->dir, name);
	if (fsync(l->dirfd) < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "fsync %s", l->dir);
	return 0;
}

void hm_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int hm_ledger_opendir(struct hm_ledger *l, DIR **dir, struct hm_error *err)
{
	int fd = dup(l->dirfd);

	if (fd < 0)
		return hm_fail(err, HM_EXIT_LEDGER, errno, "listing %s", l->dir);
	*dir = fdopendir(fd);
	if (!*dir) {
		close(fd);
		return hm_fail(err, HM_EXIT_LEDGER, errno, "listing %s", l->dir);
	}
	rewinddir(*dir);
	return 0;
}

int hm_ledger_ids(struct hm_ledger *l, char ***ids, size_t *n, size_t *ncorrupt,
		  struct hm_error *err)
{
	char **v = NULL;
	size_t len = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*ids = NULL;
	*n = 0;
	if (ncorrupt)
		*ncorrupt = 0;
	if (hm_ledger_opendir(l, &d, err) < 0)
		return -1;
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);

		if (ncorrupt && de->d_name[0] != '.' && nl > 8 &&
		    strcmp(de->d_name + nl - 8, ".corrupt") == 0)
			(*ncorrupt)++;
		if (de->d_name[0] == '.' || nl < 5 || strcmp(de->d_name + nl - 4, ".rec") != 0)
			continue;
		if (len == cap) {
			char **nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto nomem;
			v = nv;
		}
		v[len] = strndup(de->d_name, nl - 4);
		if (!v[len])
			goto nomem;
		len++;
	}
	closedir(d);
	*ids = v;
	*n = len;
	return 0;
nomem:
	closedir(d);
	hm_ids_free(v, len);
	return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
}
