// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Growing a running container's binding by one block (hotmem-reclaimd).
 *
 * What the kernel says per cgroup (docs/abi.md): memory.stat hotplug_bound
 * and hotplug_used (bytes), and memory.events hotplug_low (an allocation
 * took the pool's free memory below 1/8 of its size), hotplug_oom (a full
 * strict pool invoked the OOM killer) and hotplug_fallback (a full pool
 * spilled to general memory).  hotmem-reclaimd watches memory.events
 * (inotify: each event is a file modification) and also samples at its
 * interval, and grows when hm_grow_reason says so.  hotplug_low is the
 * early warning; an OOM or a spill is already late (a task was killed, a
 * page landed outside the pool).  The quarter-block headroom test covers
 * a pool of many blocks, where 1/8 of it is more than one block.
 *
 * A grow is a claim of one block: picked as the create stage picks
 * (claim.c: free, in the configured range, named by no record; the
 * provider asked to plug one block's worth when none is free), recorded
 * in the container's record before "+N" is written to its memory.hotplug,
 * and taken out of the record again if the write fails.  The record stays
 * "bound" throughout: a block recorded but not bound is offline and
 * unbound, which release and gc treat as nothing to do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reclaimd.h"

/* The value of "key N" in a flat-keyed file; -1 when absent or bad. */
static int keyed(const char *text, const char *key, uint64_t *v)
{
	size_t n = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char *end;

		if (strncmp(l, key, n) != 0 || l[n] != ' ')
			continue;
		errno = 0;
		*v = strtoull(l + n + 1, &end, 10);
		if (errno || end == l + n + 1 || (*end && *end != '\n'))
			return -1;
		return 0;
	}
	return -1;
}

int hm_pool_parse(const char *stat, const char *events, const char *max, struct hm_pool_sample *s,
		  struct hm_error *err)
{
	char *end;

	memset(s, 0, sizeof(*s));
	if (keyed(stat, "hotplug_bound", &s->bound) < 0 ||
	    keyed(stat, "hotplug_used", &s->used) < 0)
		return hm_fail(err, HM_EXIT_KERNEL, ENOTSUP,
			       "memory.stat has no hotplug_bound/hotplug_used");
	if (keyed(events, "hotplug_low", &s->low) < 0 ||
	    keyed(events, "hotplug_oom", &s->hp_oom) < 0 ||
	    keyed(events, "hotplug_fallback", &s->fallback) < 0)
		return hm_fail(err, HM_EXIT_KERNEL, EPROTO,
			       "memory.events has no hotplug_low/hotplug_oom/hotplug_fallback");
	if (strcmp(max, "max") == 0 || strcmp(max, "max\n") == 0) {
		s->max = UINT64_MAX;
		return 0;
	}
	errno = 0;
	s->max = strtoull(max, &end, 10);
	if (errno || end == max || (*end && *end != '\n'))
		return hm_fail(err, HM_EXIT_KERNEL, EPROTO, "memory.max: '%.32s'", max);
	return 0;
}

static int read_cg(struct hm_paths *p, const char *cgroup, const char *file, char **text,
		   struct hm_error *err)
{
	cleanup_free char *path = NULL;

	if (hm_cgroup_file(p, cgroup, file, &path, err) < 0)
		return -1;
	return hm_read_file(path, 64 * 1024, text, NULL, err);
}

int hm_pool_read(struct hm_paths *p, const char *cgroup, struct hm_pool_sample *s,
		 struct hm_error *err)
{
	cleanup_free char *stat = NULL;
	cleanup_free char *events = NULL;
	cleanup_free char *max = NULL;

	if (read_cg(p, cgroup, "memory.stat", &stat, err) < 0 ||
	    read_cg(p, cgroup, "memory.events", &events, err) < 0 ||
	    read_cg(p, cgroup, "memory.max", &max, err) < 0)
		return -1;
	if (hm_pool_parse(stat, events, max, s, err) < 0)
		return hm_wrap(err, "cgroup %s", cgroup);
	return 0;
}

const char *hm_grow_reason(const struct hm_pool_sample *prev, const struct hm_pool_sample *cur,
			   uint64_t block_size)
{
	uint64_t used = cur->used < cur->bound ? cur->used : cur->bound;

	if (cur->bound == 0)
		return NULL; /* nothing bound here: not a pool of ours (any more) */
	if (prev && cur->hp_oom > prev->hp_oom)
		return "memory.events hotplug_oom rose (strict policy: pool full)";
	if (prev && cur->fallback > prev->fallback)
		return "memory.events hotplug_fallback rose (pool full, spilled)";
	if (prev && cur->low > prev->low)
		return "memory.events hotplug_low rose (pool below 1/8 free)";
	if (cur->bound - used < block_size / 4)
		return "pool less than a quarter block from full";
	return NULL;
}

uint64_t hm_grow_cap(const struct hm_pool_sample *s, const struct hm_config *cfg)
{
	if (s->max != UINT64_MAX)
		return s->max;
	return cfg->max_size;
}

/* Take block id out of the record again (its bind failed). */
static void unrecord(struct hm_ctx *c, struct hm_record *r, long id)
{
	struct hm_error e2;

	if (r->nblocks && r->blocks[r->nblocks - 1] == id)
		r->nblocks--;
	if (hm_ledger_put(&c->ledger, r, &e2) < 0)
		hm_log("undo: %s (block %ld left in the record for gc)", e2.msg, id);
}

int hm_grow(struct hm_ctx *c, const char *id, const struct hm_pool_sample *s, const char *reason,
	    const char **why, struct hm_error *err)
{
	cleanup_free struct hm_record *r = calloc(1, sizeof(*r));
	cleanup_free struct hm_record *pick = calloc(1, sizeof(*pick));
	cleanup_free char *file = NULL;
	uint64_t bs, cap = hm_grow_cap(s, &c->cfg);
	size_t avail = 0;
	char tok[32];
	long blk;
	int ret;

	*why = NULL;
	if (!r || !pick)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (hm_block_size(&c->paths, &bs, err) < 0)
		return -1;
	ret = hm_ledger_get(&c->ledger, id, r, err);
	if (ret != 0 || r->state != HM_REC_BOUND) {
		*why = "no bound record";
		return ret < 0 ? -1 : 1;
	}
	if (cap == 0) {
		*why = "no memory.max and max_size = none: no cap, not grown";
		return 1;
	}
	if ((r->nblocks + 1) * bs > cap || r->nblocks + 1 > HM_LEDGER_MAX_BLOCKS) {
		*why = s->max != UINT64_MAX ? "another block would exceed memory.max"
					    : "another block would exceed max_size";
		return 1;
	}
	snprintf(pick->id, sizeof(pick->id), "%s", id);
	/* may drop the lock while the provider plugs memory (claim.c) */
	if (hm_claim_pick(c, pick, 1, &avail, err) < 0)
		return -1;
	if (pick->nblocks < 1)
		return hm_fail(err, HM_EXIT_NOMEM, ENOSPC, "no free block to grow by");
	blk = pick->blocks[0];
	/* the lock may have been dropped: the record as it is now */
	ret = hm_ledger_get(&c->ledger, id, r, err);
	if (ret != 0 || r->state != HM_REC_BOUND) {
		*why = "record released meanwhile";
		return ret < 0 ? -1 : 1;
	}
	if ((r->nblocks + 1) * bs > cap) {
		*why = "grown meanwhile to its cap";
		return 1;
	}
	r->blocks[r->nblocks++] = blk;
	if (hm_ledger_put(&c->ledger, r, err) < 0)
		return -1;
	hm_debug_point("grow-recorded");
	snprintf(tok, sizeof(tok), "+%ld", blk);
	if (hm_cgroup_file(&c->paths, r->cgroup, "memory.hotplug", &file, err) < 0 ||
	    hm_write_admin(file, tok, err) < 0) {
		hm_wrap(err, "binding block %ld to %s", blk, r->cgroup);
		unrecord(c, r, blk);
		return -1;
	}
	hm_log("grew by block %ld (%s): %zu blocks = %llu MiB bound to %s, cap %llu MiB", blk,
	       reason, r->nblocks, (unsigned long long)((r->nblocks * bs) >> 20), r->cgroup,
	       (unsigned long long)(cap >> 20));
	return 0;
}
