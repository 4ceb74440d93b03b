// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gc: repair whatever a killed hook, a crashed runtime or a failed create
 * left behind.  Every hook call runs it (cheap: one pass over the ledger)
 * under the ledger lock, and so does the operator command "hotmem-hook gc".
 *
 *   record "claiming"   its hook died mid-create (we hold the lock, so no
 *                       hook is mid-create now): undo the claim
 *   record "bound"      kept while its container lives, else released
 *   record "releasing"  a release that did not finish: finish it
 *   unreadable record   moved aside as <id>.corrupt for a human; its blocks
 *                       are found again by the orphan sweep
 *   orphan block        (its cgroup is gone) that no record owns: offline
 *
 * The orphan sweep lists every memory block, which costs more than the
 * rest (a sysfs read or two per block, and a VM may have hundreds).  Only a
 * record moved aside leaves blocks that no record names (a hook records
 * its claim before it binds), so the sweep runs in the create stage,
 * which lists the blocks anyway to pick from, in the operator's gc, and
 * in any hook while records moved aside are in the ledger; not in every
 * poststop.  A create's pass that changed nothing leaves what it saw in
 * c->gc_view for the claim that follows (one listing of the blocks and
 * the ledger per create).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

/*
 * A container is alive unless proven gone: its init pid runs in the
 * recorded cgroup or below it (systemd's init.scope, docker-in-docker's
 * init and any nesting move it into a child), or the recorded cgroup still
 * exists and has a process in it or below it.  Whatever cannot be read
 * counts as alive: releasing a live container's blocks is the one mistake
 * gc must not make, and a dead one's blocks wait for a later pass.
 */
bool hm_container_alive(struct hm_ctx *c, const struct hm_record *r)
{
	cleanup_free char *rel = NULL;
	struct hm_error e2;

	if (r->pid > 0) {
		if (hm_cgroup_of_pid(&c->paths, r->pid, &rel, &e2) == 0) {
			if (hm_cgroup_within(rel, r->cgroup))
				return true;
		} else if (e2.errnum != ESRCH && e2.errnum != ENOENT && e2.errnum != EPERM) {
			/* ESRCH: not running; ENOENT: its cgroup was removed;
			 * EPERM: the pid (reused) is in the root cgroup */
			hm_log("gc: container %s: %s; kept", r->id, e2.msg);
			return true;
		}
	}
	if (hm_paths_cgroup_root_cached(&c->paths, c->ledger.dirfd, &e2) < 0) {
		hm_log("gc: container %s: %s; kept", r->id, e2.msg);
		return true;
	}
	switch (hm_cgroup_populated(&c->paths, r->cgroup, &e2)) {
	case 0:
		return false;
	case 1:
		return true;
	default:
		hm_log("gc: container %s: %s; kept", r->id, e2.msg);
		return true;
	}
}

/* One pass: the blocks it listed (none when it does not sweep). */
struct gc_pass {
	bool full;	  /* the operator's gc: waits for busy blocks */
	bool *owned;	  /* by block id: blocks of live containers */
	bool *named;	  /* by block id: blocks any record names */
	size_t n;	  /* entries of owned and named */
	bool changed;	  /* released, offlined or moved aside something */
	bool moved_aside; /* moved a record aside */
	size_t released;  /* blocks records gave back (for the provider) */
};

/* Which blocks a record names (kept alive, or about to be released). */
static void mark(bool *set, size_t n, const struct hm_record *r)
{
	for (size_t i = 0; i < r->nblocks; i++)
		if (r->blocks[i] >= 0 && (size_t)r->blocks[i] < n)
			set[r->blocks[i]] = true;
}

static int gc_record(struct hm_ctx *c, const char *id, struct gc_pass *p, struct hm_error *err)
{
	struct hm_record *r = calloc(1, sizeof(*r));
	size_t nblocks;
	int ret;

	if (!r)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	ret = hm_ledger_get(&c->ledger, id, r, err);
	if (ret == 1) {
		ret = 0;
		goto out;
	}
	if (ret < 0) {
		if (err->code != HM_EXIT_LEDGER)
			goto out;
		hm_log("gc: %s; moved aside as %s.corrupt", err->msg, id);
		p->changed = p->moved_aside = true;
		ret = hm_ledger_quarantine(&c->ledger, id, err);
		goto out;
	}
	mark(p->named, p->n, r);
	if (r->state == HM_REC_BOUND && hm_container_alive(c, r)) {
		mark(p->owned, p->n, r);
		goto out;
	}
	p->changed = true;
	hm_log("gc: container %s is gone (record %s): releasing %zu blocks", id,
	       hm_rec_state_name(r->state), r->nblocks);
	/* The operator's gc waits (release_timeout) for blocks that are
	 * about to become free, e.g. of a cgroup being removed; the cheap gc
	 * of every hook call does not. */
	nblocks = r->nblocks;
	ret = hm_release_record(c, r, p->full, err);
	if (ret >= 0)
		p->released += nblocks - r->nblocks;
	if (ret == 1) {
		mark(p->owned, p->n, r);
		ret = 0;
	}
out:
	free(r);
	return ret < 0 ? -1 : 0;
}

/* Orphans nobody records: their cgroup is gone, so they can never serve
 * anyone again; offline them once empty. */
static void sweep(struct hm_ctx *c, const struct hm_block *blocks, size_t nblocks,
		  struct gc_pass *p)
{
	for (size_t i = 0; i < nblocks; i++) {
		struct hm_error e2;
		__attribute__((cleanup(hm_block_clear))) struct hm_block now = { 0 };

		if (blocks[i].owner != HM_OWNER_ORPHAN || p->owned[blocks[i].id])
			continue;
		/* A record released above may have offlined it meanwhile. */
		if (hm_block_read(&c->paths, blocks[i].id, &now, &e2) != 0 ||
		    now.owner != HM_OWNER_ORPHAN)
			continue;
		p->changed = true;
		if (hm_block_offline(&c->paths, blocks[i].id, &e2) == 0)
			hm_log("gc: offlined orphan block %ld of cgroup id %llu", blocks[i].id,
			       (unsigned long long)blocks[i].owner_id);
		else if (p->full)
			hm_log("gc: orphan block %ld of cgroup id %llu: %s: %s", blocks[i].id,
			       (unsigned long long)blocks[i].owner_id, e2.msg, strerror(e2.errnum));
	}
}

/*
 * When the pass released something, ask the provider, once per pass, to
 * give back the free blocks beyond those pending grows count on: a pod's
 * record is released only here (no runtime hooks the sandbox), so without
 * this its memory stayed plugged.  The blocks are free already; a failing
 * provider is only logged, as in poststop.
 */
static void shrink(struct hm_ctx *c, size_t released)
{
	struct hm_error e2;
	size_t spare = 0;
	uint64_t bs;

	if (!released || !hm_provider_available())
		return;
	if (hm_spare_blocks(c, &spare, &e2) < 0 || hm_block_size(&c->paths, &bs, &e2) < 0 ||
	    (spare && hm_provider_run("shrink", spare * bs, "gc", &e2) < 0))
		hm_log("warning: gc: %s%s%s", e2.msg, e2.errnum ? ": " : "",
		       e2.errnum ? strerror(e2.errnum) : "");
}

void hm_view_free(struct hm_view *v)
{
	if (!v)
		return;
	hm_blocks_free(v->blocks, v->nblocks);
	free(v->named);
	free(v);
}

int hm_gc(struct hm_ctx *c, enum hm_gc_mode mode, struct hm_error *err)
{
	struct hm_block *blocks = NULL;
	struct gc_pass p = { .full = mode == HM_GC_FULL };
	char **ids = NULL;
	size_t nids = 0, ncorrupt = 0, nblocks = 0;
	int ret = -1;

	hm_view_free(c->gc_view);
	c->gc_view = NULL;
	if (hm_ledger_ids(&c->ledger, &ids, &nids, &ncorrupt, err) < 0)
		return -1;
	if (mode != HM_GC_HOOK || ncorrupt) {
		if (hm_blocks_list(&c->paths, &blocks, &nblocks, err) < 0)
			goto out;
		p.n = nblocks ? (size_t)blocks[nblocks - 1].id + 1 : 0;
	}
	p.owned = calloc(p.n + 1, sizeof(*p.owned));
	p.named = calloc(p.n + 1, sizeof(*p.named));
	if (!p.owned || !p.named) {
		hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
		goto out;
	}
	for (size_t i = 0; i < nids; i++)
		if (gc_record(c, ids[i], &p, err) < 0)
			goto out;
	sweep(c, blocks, nblocks, &p);
	ret = 0;
	if (mode == HM_GC_CREATE && !p.changed) {
		c->gc_view = calloc(1, sizeof(*c->gc_view));
		if (c->gc_view) {
			*c->gc_view = (struct hm_view){ blocks, nblocks, p.named };
			blocks = NULL;
			p.named = NULL;
		}
	}
out:
	hm_blocks_free(blocks, nblocks);
	hm_ids_free(ids, nids);
	free(p.owned);
	free(p.named);
	shrink(c, p.released);
	/* A pass that did not sweep and moved a record aside: sweep now for
	 * the blocks of that record whose cgroup is gone (the record is in
	 * the count of moved-aside ones now, so the next pass lists). */
	if (ret == 0 && p.moved_aside && mode == HM_GC_HOOK && !ncorrupt)
		return hm_gc(c, mode, err);
	return ret;
}

void hm_ctx_free(struct hm_ctx *c)
{
	hm_view_free(c->gc_view);
	c->gc_view = NULL;
	if (c->ledger_open)
		hm_ledger_close(&c->ledger);
	c->ledger_open = false;
	hm_provider_spawner_stop();
	hm_config_free(&c->cfg);
	hm_paths_free(&c->paths);
}
