// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * "hotmem-hook status [--json]": every hot-plugged block that is offline,
 * bound or orphaned (online unbound blocks are ordinary memory), with its
 * owner container and its cgroup from the ledger, the owner's cgroup id
 * (the kernel names owners by id) and the bytes in use (hotplug_used_pages).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl_gen.h>

#include "hotmem.h"

struct row {
	const struct hm_block *b;
	char container[256];
	char cgroup[1024]; /* the recording container's cgroup; "" if none */
	long long used;	   /* -1: unknown */
};

/* Bytes of a bound or orphaned block in use: hotplug_used_pages. */
static long long used_of(struct hm_ctx *c, long id)
{
	struct hm_error ignored;
	unsigned long pages;
	long psz = sysconf(_SC_PAGESIZE);

	if (psz <= 0 || hm_block_used_pages(&c->paths, id, &pages, &ignored) != 0)
		return -1;
	return (long long)pages * psz;
}

static int owners_from_ledger(struct hm_ctx *c, struct row *rows, size_t n, struct hm_error *err)
{
	struct hm_record *r = calloc(1, sizeof(*r));
	char **ids = NULL;
	size_t nids = 0;
	struct hm_error ignored;

	if (!r)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (hm_ledger_ids(&c->ledger, &ids, &nids, NULL, err) < 0) {
		free(r);
		return -1;
	}
	for (size_t i = 0; i < nids; i++) {
		if (hm_ledger_get(&c->ledger, ids[i], r, &ignored) != 0)
			continue;
		for (size_t j = 0; j < r->nblocks; j++)
			for (size_t k = 0; k < n; k++)
				if (rows[k].b->id == r->blocks[j]) {
					snprintf(rows[k].container, sizeof(rows[k].container), "%s",
						 r->id);
					snprintf(rows[k].cgroup, sizeof(rows[k].cgroup), "%s",
						 r->cgroup);
				}
	}
	hm_ids_free(ids, nids);
	free(r);
	return 0;
}

static const char *owner_kind(enum hm_owner_kind k)
{
	switch (k) {
	case HM_OWNER_UNBOUND:
		return "unbound";
	case HM_OWNER_BOUND:
		return "bound";
	case HM_OWNER_ORPHAN:
		return "orphan";
	case HM_OWNER_UNKNOWN:
		break;
	}
	return "unknown";
}

#define GEN_STR(g, s) yajl_gen_string(g, (const unsigned char *)(s), strlen(s))

static int print_json(const struct row *rows, size_t n, uint64_t bs, FILE *out,
		      struct hm_error *err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	if (!g)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	GEN_STR(g, "block_size");
	yajl_gen_integer(g, (long long)bs);
	GEN_STR(g, "blocks");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		GEN_STR(g, "id");
		yajl_gen_integer(g, rows[i].b->id);
		GEN_STR(g, "state");
		GEN_STR(g, rows[i].b->state);
		GEN_STR(g, "owner");
		GEN_STR(g, owner_kind(rows[i].b->owner));
		GEN_STR(g, "container");
		if (rows[i].container[0])
			GEN_STR(g, rows[i].container);
		else
			yajl_gen_null(g);
		GEN_STR(g, "cgroup");
		if (rows[i].cgroup[0])
			GEN_STR(g, rows[i].cgroup);
		else
			yajl_gen_null(g);
		GEN_STR(g, "cgroup_id");
		if (rows[i].b->owner_id)
			yajl_gen_integer(g, (long long)rows[i].b->owner_id);
		else
			yajl_gen_null(g);
		GEN_STR(g, "used_bytes");
		if (rows[i].used >= 0)
			yajl_gen_integer(g, rows[i].used);
		else
			yajl_gen_null(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	fwrite(buf, 1, len, out);
	yajl_gen_free(g);
	return 0;
}

static void print_text(const struct row *rows, size_t n, FILE *out)
{
	fprintf(out, "%-7s %-9s %-8s %-24s %-28s %s\n", "BLOCK", "STATE", "OWNER", "CONTAINER",
		"CGROUP", "USED");
	for (size_t i = 0; i < n; i++) {
		char used[32] = "-", cgroup[29], state[32];

		if (rows[i].used >= 0)
			snprintf(used, sizeof(used), "%.1fMiB", (double)rows[i].used / (1 << 20));
		/* a cgroup's name may hold any byte but '/': one line per block */
		hm_escape(rows[i].cgroup[0] ? rows[i].cgroup : "-", cgroup, sizeof(cgroup));
		hm_escape(rows[i].b->state, state, sizeof(state));
		fprintf(out, "%-7ld %-9s %-8s %-24.24s %-28s %s\n", rows[i].b->id, state,
			owner_kind(rows[i].b->owner),
			rows[i].container[0] ? rows[i].container : "-", cgroup, used);
	}
}

int hm_status(struct hm_ctx *c, bool json, FILE *out, struct hm_error *err)
{
	struct hm_block *blocks = NULL;
	cleanup_free struct row *rows = NULL;
	size_t n = 0, nrows = 0;
	uint64_t bs;
	int ret = -1;

	if (hm_block_size(&c->paths, &bs, err) < 0 ||
	    hm_blocks_list(&c->paths, &blocks, &n, err) < 0)
		return -1;
	rows = calloc(n + 1, sizeof(*rows));
	if (!rows) {
		hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(blocks[i].state, "online") == 0 && blocks[i].owner == HM_OWNER_UNBOUND)
			continue;
		rows[nrows].b = &blocks[i];
		rows[nrows].used = blocks[i].owner == HM_OWNER_BOUND ||
						   blocks[i].owner == HM_OWNER_ORPHAN
					   ? used_of(c, blocks[i].id)
					   : -1;
		nrows++;
	}
	if (c->ledger_open && owners_from_ledger(c, rows, nrows, err) < 0)
		goto out;
	ret = 0;
	if (json)
		ret = print_json(rows, nrows, bs, out, err);
	else
		print_text(rows, nrows, out);
out:
	hm_blocks_free(blocks, n);
	return ret;
}
