// SPDX-License-Identifier: GPL-2.0-or-later
/* Memory blocks under <sysfs>/devices/system/memory (docs/abi.md). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

#define MEMDIR "/devices/system/memory"
#define OWNER_MAX 4096 /* a sysfs attribute is at most a page */

int hm_block_size(const struct hm_paths *p, uint64_t *bs, struct hm_error *err)
{
	cleanup_free char *path = hm_strdup_printf("%s" MEMDIR "/block_size_bytes", p->sysfs);
	char buf[64], *end;

	if (!path)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (hm_read_attr(path, buf, sizeof(buf), err) < 0) {
		err->code = HM_EXIT_KERNEL;
		return hm_wrap(err, "no memory hotplug support");
	}
	errno = 0;
	*bs = strtoull(buf, &end, 16);
	if (errno || end == buf || *end || *bs == 0 || (*bs & (*bs - 1)))
		return hm_fail(err, HM_EXIT_KERNEL, EINVAL, "%s: bad block size '%.32s'", path,
			       buf);
	return 0;
}

int hm_owner_parse(const char *text, enum hm_owner_kind *kind, uint64_t *id)
{
	enum hm_owner_kind k;
	const char *rest;
	char *end;

	*id = 0;
	*kind = HM_OWNER_UNKNOWN;
	if (strcmp(text, "unbound") == 0) {
		*kind = HM_OWNER_UNBOUND;
		return 0;
	}
	if (strncmp(text, "bound ", 6) == 0) {
		k = HM_OWNER_BOUND;
		rest = text + 6;
	} else if (strncmp(text, "orphan ", 7) == 0) {
		k = HM_OWNER_ORPHAN;
		rest = text + 7;
	} else {
		return -1;
	}
	if (!isdigit((unsigned char)rest[0]))
		return -1;
	errno = 0;
	*id = strtoull(rest, &end, 10);
	if (errno || *end || *id == 0) {
		*id = 0;
		return -1;
	}
	*kind = k;
	return 0;
}

void hm_block_clear(struct hm_block *b)
{
	b->owner_id = 0;
}

void hm_blocks_free(struct hm_block *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		hm_block_clear(&v[i]);
	free(v);
}

/*
 * Block id's state and owner, read relative to dirfd (the memory
 * directory, named dir in errors).  1: no such block (or it went away
 * while we looked).  An offline block is never bound: the kernel forgets
 * a block's binding when it goes offline (docs/abi.md).  So when the
 * caller already knows whether this kernel has hotplug_owner (*has_owner
 * >= 0), an offline block's owner is not read: that halves the reads of
 * a listing where most of the hot-pluggable range is offline, which is
 * what a VM that gives memory back looks like between functions.
 */
static int block_read_at(int dirfd, const char *dir, long id, int *has_owner, struct hm_block *b,
			 struct hm_error *err)
{
	cleanup_free char *buf = malloc(OWNER_MAX);
	char rel[64];

	memset(b, 0, sizeof(*b));
	b->id = id;
	if (!buf)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	snprintf(rel, sizeof(rel), "memory%ld/state", id);
	if (hm_read_attr_at(dirfd, rel, b->state, sizeof(b->state), err) < 0) {
		if (err->errnum == ENOENT || err->errnum == ENODEV)
			return 1; /* removed while we looked */
		return hm_wrap(err, "%s", dir);
	}
	if (*has_owner >= 0 && strcmp(b->state, "offline") == 0) {
		b->has_owner_file = *has_owner;
		b->owner = *has_owner ? HM_OWNER_UNBOUND : HM_OWNER_UNKNOWN;
		return 0;
	}
	snprintf(rel, sizeof(rel), "memory%ld/hotplug_owner", id);
	if (hm_read_attr_at(dirfd, rel, buf, OWNER_MAX, err) < 0) {
		if (err->errnum != ENOENT)
			return hm_wrap(err, "%s", dir);
		*has_owner = 0;
		b->has_owner_file = false;
		b->owner = HM_OWNER_UNKNOWN;
		return 0;
	}
	*has_owner = 1;
	b->has_owner_file = true;
	if (strlen(buf) >= OWNER_MAX - 2)
		return hm_fail(err, HM_EXIT_KERNEL, E2BIG, "%s/%s: longer than %d bytes", dir, rel,
			       OWNER_MAX - 2);
	/* An owner we cannot read is nobody we know: never ours to release. */
	hm_owner_parse(buf, &b->owner, &b->owner_id);
	return 0;
}

int hm_block_read(const struct hm_paths *p, long id, struct hm_block *b, struct hm_error *err)
{
	cleanup_free char *dir = hm_strdup_printf("%s" MEMDIR, p->sysfs);
	cleanup_close int fd = -1;
	int has_owner = -1; /* read every attribute of a single block */

	memset(b, 0, sizeof(*b));
	b->id = id;
	if (!dir)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 1; /* no memory blocks at all: this one is gone too */
	if (fd < 0)
		return hm_fail(err, HM_EXIT_KERNEL, errno, "opening %s", dir);
	return block_read_at(fd, dir, id, &has_owner, b, err);
}

static int cmp_block(const void *a, const void *b)
{
	long x = ((const struct hm_block *)a)->id, y = ((const struct hm_block *)b)->id;

	return x < y ? -1 : x > y;
}

int hm_blocks_list(const struct hm_paths *p, struct hm_block **out, size_t *n, struct hm_error *err)
{
	cleanup_free char *path = hm_strdup_printf("%s" MEMDIR, p->sysfs);
	struct hm_block *v = NULL;
	size_t cap = 0, len = 0;
	struct dirent *de;
	int has_owner = -1; /* known after the first owner read */
	DIR *d;

	*out = NULL;
	*n = 0;
	if (!path)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	d = opendir(path);
	if (!d)
		return hm_fail(err, HM_EXIT_KERNEL, errno, "listing %s", path);
	while ((de = readdir(d))) {
		char *end;
		long id;
		int r;

		if (strncmp(de->d_name, "memory", 6) != 0 || !de->d_name[6])
			continue;
		errno = 0;
		id = strtol(de->d_name + 6, &end, 10);
		if (errno || *end || id < 0)
			continue;
		if (len == cap) {
			struct hm_block *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				closedir(d);
				hm_blocks_free(v, len);
				return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
			}
			v = nv;
		}
		r = block_read_at(dirfd(d), path, id, &has_owner, &v[len], err);
		if (r < 0) {
			closedir(d);
			hm_blocks_free(v, len);
			return -1;
		}
		if (r == 0)
			len++;
	}
	closedir(d);
	if (len)
		qsort(v, len, sizeof(*v), cmp_block);
	*out = v;
	*n = len;
	return 0;
}

int hm_block_used_pages(const struct hm_paths *p, long id, unsigned long *used,
			struct hm_error *err)
{
	cleanup_free char *path = hm_strdup_printf("%s" MEMDIR "/memory%ld/hotplug_used_pages",
						   p->sysfs, id);
	char buf[32], *end;

	*used = 0;
	if (!path)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (hm_read_attr(path, buf, sizeof(buf), err) < 0) {
		/* an older kernel, a block unbound (ENXIO) or gone meanwhile */
		if (err->errnum == ENOENT || err->errnum == ENXIO || err->errnum == ENODEV)
			return 1;
		return -1;
	}
	errno = 0;
	*used = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return hm_fail(err, HM_EXIT_KERNEL, EINVAL, "%s: not a number: '%s'", path, buf);
	return 0;
}

int hm_block_offline(const struct hm_paths *p, long id, struct hm_error *err)
{
	cleanup_free char *path = hm_strdup_printf("%s" MEMDIR "/memory%ld/state", p->sysfs, id);

	if (!path)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	return hm_write_once(path, "offline", err);
}
