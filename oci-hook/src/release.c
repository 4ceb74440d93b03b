// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Giving a container's blocks back: the poststop stage, the undo of a
 * failed create, and gc all come here with a ledger record.
 *
 * What a block needs depends on what the kernel says about it now, never on
 * what the record assumes (the hook may have been killed between any two
 * steps):
 *   bound to the record's cgroup     write "-N" to its memory.hotplug
 *   orphan of the record's cgroup    write "offline" to memoryN/state
 *                                    (crun removed the cgroup already)
 *   offline and unbound, or gone     nothing left to do
 *   anything else                    not ours (any more): leave it alone
 * The kernel names a block's cgroup by id (hotplug_owner), which the record
 * keeps from the claim.  A version 1 record has none: its cgroup's id is
 * looked up while the cgroup exists, and once it is gone an orphan listed
 * in the record is taken as its own.
 *
 * A bound block with pages still in use answers ENOTEMPTY; with wait, it is
 * retried until release_timeout, else the record stays for a later gc.
 * An orphan takes no new allocation, only frees: with wait, it is left
 * until hotplug_used_pages reads 0, so that it offlines without migration;
 * once the wait is over (and always for gc), it is offlined anyway, and
 * the kernel migrates what is left into general memory (logged).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotmem.h"

enum block_todo { TODO_NONE, TODO_UNBIND, TODO_OFFLINE, TODO_FOREIGN };

static enum block_todo block_todo(struct hm_ctx *c, const struct hm_block *b,
				  const struct hm_record *r)
{
	uint64_t cgid = r->cgid;
	struct hm_error e2;

	if (b->owner == HM_OWNER_UNBOUND)
		return TODO_NONE;
	if (!cgid && hm_cgroup_id(&c->paths, r->cgroup, &cgid, &e2) < 0)
		return b->owner == HM_OWNER_ORPHAN ? TODO_OFFLINE : TODO_FOREIGN;
	if (b->owner == HM_OWNER_BOUND && b->owner_id == cgid)
		return TODO_UNBIND;
	if (b->owner == HM_OWNER_ORPHAN && b->owner_id == cgid)
		return TODO_OFFLINE;
	return TODO_FOREIGN;
}

/* An orphan's offline: 0 done, 1 still in use and !last, -1 error. */
static int offline_orphan(struct hm_ctx *c, long id, bool last, struct hm_error *err)
{
	unsigned long used = 0;
	int ret = hm_block_used_pages(&c->paths, id, &used, err);

	if (ret < 0)
		return -1;
	if (used && !last)
		return 1;
	if (hm_block_offline(&c->paths, id, err) < 0)
		return -1;
	if (used)
		hm_log("block %ld: %lu pages still in use after the wait; offlined by migrating them",
		       id, used);
	return 0;
}

/*
 * One attempt at one block: 0 done, 1 busy, -1 error.  last: the final
 * attempt (no wait, or the wait is over).
 */
static int release_block(struct hm_ctx *c, const struct hm_record *r, long id, bool last,
			 struct hm_error *err)
{
	cleanup_free char *file = NULL;
	char tok[32];
	__attribute__((cleanup(hm_block_clear))) struct hm_block b = { 0 };
	int ret;

	ret = hm_block_read(&c->paths, id, &b, err);
	if (ret < 0)
		return -1;
	if (ret == 1) {
		hm_log("block %ld vanished (unplugged underneath); dropped from the ledger", id);
		return 0;
	}
	switch (block_todo(c, &b, r)) {
	case TODO_NONE:
		return 0;
	case TODO_FOREIGN:
		hm_log("block %ld now belongs to cgroup id %llu, not %s (id %llu); left alone", id,
		       (unsigned long long)b.owner_id, r->cgroup, (unsigned long long)r->cgid);
		return 0;
	case TODO_UNBIND:
		if (hm_cgroup_file(&c->paths, r->cgroup, "memory.hotplug", &file, err) < 0)
			return -1;
		snprintf(tok, sizeof(tok), "-%ld", id);
		ret = hm_write_admin(file, tok, err);
		break;
	case TODO_OFFLINE:
		ret = offline_orphan(c, id, last, err);
		if (ret == 1)
			return 1;
		break;
	}
	/* pages in use (ENOTEMPTY), or an offline that could not finish */
	if (ret < 0 && (err->errnum == ENOTEMPTY || err->errnum == EBUSY))
		return 1;
	/*
	 * The cgroup was removed between reading the block's owner and
	 * writing to its memory.hotplug (crun removes it right before
	 * poststop, gc may run at that moment): the block is an orphan now;
	 * the next attempt offlines it through sysfs.
	 */
	if (ret < 0 && (err->errnum == ENOENT || err->errnum == ENODEV))
		return 1;
	if (ret < 0)
		return hm_wrap(err, "releasing block %ld", id);
	return 0;
}

int hm_release_record(struct hm_ctx *c, struct hm_record *r, bool wait, struct hm_error *err)
{
	uint64_t t0 = hm_now_ns();
	uint64_t deadline = t0 + (uint64_t)c->cfg.release_timeout_ms * 1000000u;
	size_t nblocks = r->nblocks;
	unsigned int attempts = 0;

	/* Recorded before it is done: a killed hook leaves "releasing". */
	if (r->state != HM_REC_RELEASING) {
		r->state = HM_REC_RELEASING;
		if (hm_ledger_put(&c->ledger, r, err) < 0)
			return -1;
	}
	hm_debug_point("release-recorded");
	hm_trace("release-recorded");
	for (;;) {
		bool last = !wait || hm_now_ns() > deadline;
		size_t kept = 0;

		attempts++;

		for (size_t i = 0; i < r->nblocks; i++) {
			int ret = release_block(c, r, r->blocks[i], last, err);

			if (ret < 0)
				return -1;
			if (ret == 1)
				r->blocks[kept++] = r->blocks[i];
			hm_debug_point("release-block");
		}
		r->nblocks = kept;
		hm_trace("release-blocks");
		if (!kept)
			break;
		if (last) {
			if (hm_ledger_put(&c->ledger, r, err) < 0)
				return -1;
			hm_log("%zu of %zu blocks still in use; kept in the ledger for gc", kept,
			       nblocks);
			return 1;
		}
		nanosleep(&(struct timespec){ 0, 2 * 1000000 }, NULL);
	}
	if (hm_ledger_del(&c->ledger, r->id, err) < 0)
		return -1;
	hm_log("released %zu blocks of %s in %.1f ms (%u attempt%s)", nblocks, r->cgroup,
	       (double)(hm_now_ns() - t0) / 1e6, attempts, attempts == 1 ? "" : "s");
	return 0;
}

int hm_release(struct hm_ctx *c, const char *id, struct hm_error *err)
{
	struct hm_record *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	ret = hm_ledger_get(&c->ledger, id, r, err);
	if (ret == 1) {
		hm_log("no blocks recorded; nothing to release");
		ret = 0;
	} else if (ret == 0) {
		ret = hm_release_record(c, r, true, err);
		if (ret == 1)
			ret = hm_fail(err, HM_EXIT_BIND, EBUSY,
				      "%zu blocks still in use after %u ms; left for 'hotmem-hook gc'",
				      r->nblocks, c->cfg.release_timeout_ms);
	}
	free(r);
	return ret;
}
