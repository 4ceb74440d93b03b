// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The create stage: claim offline hot-plugged blocks for a container and
 * bind them to its cgroup.  The caller holds the ledger lock, so hooks of
 * containers created at the same moment never pick the same block.  The
 * one wait that may be long, for the provider to plug memory, is done
 * without the lock (this hook holds no block then, so there is nothing to
 * record), and the blocks are picked again under the lock afterwards.
 *
 * Order, each step recorded before it is done (gc finishes or undoes it):
 *   1. record "claiming" with the chosen blocks
 *   2. one write "+a +b ..." to <cgroup>/memory.hotplug (all or nothing)
 *   3. the pool policy, if configured
 *   4. record "bound"
 * Any failure after 1 undoes what was done before returning the error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotmem.h"

static bool block_free(const struct hm_ctx *c, const struct hm_block *b)
{
	if (strcmp(b->state, "offline") != 0 || b->owner != HM_OWNER_UNBOUND)
		return false;
	if (c->cfg.block_min >= 0 && b->id < c->cfg.block_min)
		return false;
	if (c->cfg.block_max >= 0 && b->id > c->cfg.block_max)
		return false;
	return true;
}

/*
 * Every block some record names: the kernel shows such a block offline and
 * unbound between a crashed hook's step 1 and its gc, and it is not free.
 * A record that cannot be read counts as naming nothing here; gc moves it
 * aside and sweeps its blocks as orphans.
 */
static int ledger_blocks(struct hm_ctx *c, bool **named, size_t n, struct hm_error *err)
{
	struct hm_record *r = calloc(1, sizeof(*r));
	char **ids = NULL;
	size_t nids = 0;
	struct hm_error ignored;

	*named = calloc(n + 1, sizeof(**named));
	if (!r || !*named) {
		free(r);
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	}
	if (hm_ledger_ids(&c->ledger, &ids, &nids, NULL, err) < 0) {
		free(r);
		return -1;
	}
	for (size_t i = 0; i < nids; i++) {
		if (hm_ledger_get(&c->ledger, ids[i], r, &ignored) != 0)
			continue;
		for (size_t j = 0; j < r->nblocks; j++)
			if (r->blocks[j] >= 0 && (size_t)r->blocks[j] < n)
				(*named)[r->blocks[j]] = true;
	}
	hm_ids_free(ids, nids);
	free(r);
	return 0;
}

/*
 * Pick up to @want free blocks into @r; *avail: how many are free.  The
 * first time, what the gc pass right before saw, if it changed nothing:
 * we have held the ledger lock since, so no hook bound or released
 * anything.  Blocks plugged or unplugged meanwhile are handled as with a
 * fresh listing, which is just as old by the time of the bind: a new one
 * is seen by the next listing, a vanished one fails the bind, which is
 * undone.  While waiting for the provider, a new listing each time.
 */
static int pick_blocks(struct hm_ctx *c, struct hm_record *r, size_t want, size_t *avail,
		       struct hm_error *err)
{
	struct hm_block *blocks = NULL;
	cleanup_free bool *named = NULL;
	size_t n = 0;
	int ret = 0;

	if (c->gc_view) {
		/* taken over: freed with these, not with the view */
		blocks = c->gc_view->blocks;
		n = c->gc_view->nblocks;
		named = c->gc_view->named;
		free(c->gc_view);
		c->gc_view = NULL;
	} else {
		if (hm_blocks_list(&c->paths, &blocks, &n, err) < 0)
			return -1;
		if (ledger_blocks(c, &named, n ? (size_t)blocks[n - 1].id + 1 : 0, err) < 0) {
			hm_blocks_free(blocks, n);
			return -1;
		}
	}
	*avail = 0;
	r->nblocks = 0;
	for (size_t i = 0; i < n; i++) {
		if (!blocks[i].has_owner_file) {
			ret = hm_fail(
				err, HM_EXIT_KERNEL, ENOTSUP,
				"this kernel has no memory.hotplug (no %s/devices/system/memory/memory%ld/hotplug_owner)",
				c->paths.sysfs, blocks[i].id);
			break;
		}
		if (!block_free(c, &blocks[i]) || named[blocks[i].id])
			continue;
		(*avail)++;
		if (r->nblocks < want)
			r->blocks[r->nblocks++] = blocks[i].id;
	}
	hm_blocks_free(blocks, n);
	return ret;
}

/* How many blocks are free by the kernel's word (the ledger unread: this
 * runs without the lock, as a hint that the provider's blocks arrived). */
static int count_free(struct hm_ctx *c, size_t *nfree, struct hm_error *err)
{
	struct hm_block *blocks = NULL;
	size_t n = 0;

	if (hm_blocks_list(&c->paths, &blocks, &n, err) < 0)
		return -1;
	*nfree = 0;
	for (size_t i = 0; i < n; i++)
		*nfree += block_free(c, &blocks[i]);
	hm_blocks_free(blocks, n);
	return 0;
}

/*
 * Ask the provider for the blocks @r lacks: @want less the @avail this hook
 * may take under the lock.  The provider plugs what it is asked and counts
 * nothing itself: only the ledger knows which free blocks are spoken for.
 */
static int grow_shortfall(struct hm_ctx *c, const struct hm_record *r, size_t want, size_t avail,
			  struct hm_error *err)
{
	uint64_t bs;

	if (hm_block_size(&c->paths, &bs, err) < 0)
		return -1;
	return hm_provider_run("grow", (uint64_t)(want - avail) * bs, r->id, err);
}

/* Under the lock: pick, then leave other claims' pending grows their blocks
 * (*avail becomes what this claim may take; r->nblocks at most that). */
static int pick_usable(struct hm_ctx *c, struct hm_record *r, size_t want, size_t *avail,
		       struct hm_error *err)
{
	size_t others;

	if (pick_blocks(c, r, want, avail, err) < 0 ||
	    hm_pending_sum(&c->ledger, c->paths.proc, r->id, &others, err) < 0)
		return -1;
	*avail = *avail > others ? *avail - others : 0;
	if (r->nblocks > *avail)
		r->nblocks = *avail;
	return 0;
}

static int wait_for_blocks(struct hm_ctx *c, struct hm_record *r, size_t want, size_t *avail,
			   struct hm_error *err)
{
	uint64_t deadline;

	if (pick_usable(c, r, want, avail, err) < 0)
		return -1;
	if (r->nblocks == want || !hm_provider_available())
		return 0;
	hm_log("%zu of %zu blocks available: asking the provider to grow", *avail, want);
	/* the whole wait: the provider, then the blocks, then the lock */
	deadline = hm_now_ns() + (uint64_t)c->cfg.provider_timeout_ms * 2000000u +
		   (uint64_t)c->cfg.lock_timeout_ms * 1000000u;
	if (hm_pending_put(&c->ledger, r->id, want, deadline, err) < 0)
		return -1;
	hm_ledger_unlock(&c->ledger);
	hm_debug_point("claim-unlocked");
	/* the provider and the wait for its blocks share provider_timeout,
	 * which the hook's timeout budget counts once (config.c) */
	deadline = hm_now_ns() + (uint64_t)c->cfg.provider_timeout_ms * 1000000u;
	if (grow_shortfall(c, r, want, *avail, err) < 0) {
		hm_pending_del(&c->ledger, r->id);
		return -1;
	}
	for (;;) {
		bool last = hm_now_ns() >= deadline;
		size_t nfree = 0;

		if (count_free(c, &nfree, err) < 0) {
			hm_pending_del(&c->ledger, r->id);
			return -1;
		}
		if (nfree >= want || last) {
			if (hm_ledger_lock(&c->ledger, c->cfg.lock_timeout_ms, err) < 0) {
				hm_pending_del(&c->ledger, r->id);
				return -1;
			}
			if (pick_usable(c, r, want, avail, err) < 0) {
				hm_pending_del(&c->ledger, r->id);
				return -1;
			}
			if (r->nblocks == want || last) {
				hm_pending_del(&c->ledger, r->id);
				return 0;
			}
			hm_ledger_unlock(&c->ledger); /* not all here yet */
		}
		nanosleep(&(struct timespec){ 0, 20 * 1000000 }, NULL);
	}
}

int hm_spare_blocks(struct hm_ctx *c, size_t *spare, struct hm_error *err)
{
	struct hm_record *r = calloc(1, sizeof(*r));
	struct hm_view *view = c->gc_view;
	size_t avail = 0, pending;
	int ret;

	if (!r)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	/* a pick of nothing counts the free blocks no record names; a fresh
	 * listing (a gc pass's view stays for the next claim) */
	c->gc_view = NULL;
	ret = pick_blocks(c, r, 0, &avail, err);
	c->gc_view = view;
	free(r);
	if (ret < 0 || hm_pending_sum(&c->ledger, c->paths.proc, NULL, &pending, err) < 0)
		return -1;
	*spare = avail > pending ? avail - pending : 0;
	return 0;
}

static int write_cgroup_file(struct hm_ctx *c, const char *cgroup, const char *file,
			     const char *data, struct hm_error *err)
{
	cleanup_free char *path = NULL;

	if (hm_cgroup_file(&c->paths, cgroup, file, &path, err) < 0)
		return -1;
	return hm_write_admin(path, data, err);
}

/* Undo after a failure: the original error in @err is what we report. */
static void undo_claim(struct hm_ctx *c, struct hm_record *r)
{
	struct hm_error e2;

	if (hm_release_record(c, r, true, &e2) != 0)
		hm_log("undo: %s (left for gc)", e2.msg);
}

static char *bind_tokens(const struct hm_record *r)
{
	size_t size = r->nblocks * 24 + 1, off = 0;
	char *buf = malloc(size);

	if (!buf)
		return NULL;
	buf[0] = '\0';
	for (size_t i = 0; i < r->nblocks; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s+%ld", i ? " " : "",
					r->blocks[i]);
	return buf;
}

/* The series adds memory.hotplug to every non-root memory cgroup. */
static int kernel_check(struct hm_ctx *c, const char *cgroup, struct hm_error *err)
{
	cleanup_free char *path = NULL;

	if (hm_cgroup_file(&c->paths, cgroup, "memory.hotplug", &path, err) < 0)
		return -1;
	if (!hm_path_exists(path))
		return hm_fail(
			err, HM_EXIT_KERNEL, ENOTSUP,
			"no %s: the kernel lacks memory.hotplug or the memory controller is off there",
			path);
	return 0;
}

/*
 * Under the lock, right before the first record: 0 no record for the id,
 * 1 a pod's bound record for the same pod cgroup (another of its hooks
 * claimed while this one waited for the provider: served), -1 any other
 * record (HM_EXIT_BUSY) or an error.
 */
static int recorded_meanwhile(struct hm_ctx *c, const struct hm_state *st, const char *cgroup,
			      struct hm_error *err)
{
	cleanup_free struct hm_record *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	ret = hm_ledger_get(&c->ledger, st->id, r, err);
	if (ret != 0)
		return ret < 0 ? -1 : 0;
	if (st->pod_cgroup && r->state == HM_REC_BOUND && strcmp(r->cgroup, cgroup) == 0) {
		hm_log("the pod's blocks (sandbox %s, %zu blocks at %s) were bound meanwhile by another of its containers: nothing to do",
		       st->id, r->nblocks, cgroup);
		return 1;
	}
	return hm_fail(
		err, HM_EXIT_BUSY, EEXIST,
		"the ledger got a '%s' record for %s (cgroup %s, pid %lld) while this hook waited for the provider",
		hm_rec_state_name(r->state), st->id, r->cgroup, r->pid);
}

int hm_claim(struct hm_ctx *c, const struct hm_state *st, uint64_t bytes, struct hm_error *err)
{
	cleanup_free struct hm_record *r = calloc(1, sizeof(*r));
	cleanup_free char *cgroup = NULL;
	cleanup_free char *tokens = NULL;
	uint64_t bs, cgid, t0 = hm_now_ns();
	size_t want, avail = 0;
	int ret;

	if (!r)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (st->pod_cgroup) { /* checked by hm_pod_cgroup */
		cgroup = strdup(st->pod_cgroup);
		if (!cgroup)
			return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	} else {
		if (hm_cgroup_of_pid(&c->paths, st->pid, &cgroup, err) < 0)
			return -1;
		if (hm_cgroup_check_owner(&c->paths, cgroup, st->cgroups_path, err) < 0)
			return -1;
	}
	if (hm_paths_cgroup_root_cached(&c->paths, c->ledger.dirfd, err) < 0)
		return -1;
	if (kernel_check(c, cgroup, err) < 0)
		return -1;
	/* What the kernel names the owner of the blocks by (hotplug_owner). */
	if (hm_cgroup_id(&c->paths, cgroup, &cgid, err) < 0)
		return -1;
	hm_trace("cgroup");
	if (hm_block_size(&c->paths, &bs, err) < 0)
		return -1;
	want = (size_t)hm_blocks_for(bytes, bs);
	if (want > HM_LEDGER_MAX_BLOCKS)
		return hm_fail(err, HM_EXIT_NOMEM, E2BIG,
			       "%llu bytes is %zu blocks, above the limit of %d",
			       (unsigned long long)bytes, want, HM_LEDGER_MAX_BLOCKS);

	/* Same container again (prestart and createRuntime both configured). */
	ret = hm_ledger_get(&c->ledger, st->id, r, err);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		if (r->state == HM_REC_BOUND && r->pid == st->pid &&
		    strcmp(r->cgroup, cgroup) == 0) {
			hm_log("already bound: %zu blocks", r->nblocks);
			return 0;
		}
		return hm_fail(err, HM_EXIT_BUSY, EEXIST,
			       "the ledger already has a '%s' record for this id (cgroup %s, pid %lld)",
			       hm_rec_state_name(r->state), r->cgroup, r->pid);
	}

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", st->id);
	snprintf(r->cgroup, sizeof(r->cgroup), "%s", cgroup);
	r->cgid = cgid;
	r->pid = st->pid;
	r->hook_pid = getpid();
	r->created = (long long)time(NULL);
	r->state = HM_REC_CLAIMING;

	if (wait_for_blocks(c, r, want, &avail, err) < 0)
		return -1;
	hm_trace("pick");
	/* The wait for the provider dropped the lock: another hook (of the
	 * same pod) may have recorded this id meanwhile; never overwrite it. */
	ret = recorded_meanwhile(c, st, cgroup, err);
	if (ret != 0)
		return ret < 0 ? -1 : 0;
	if (r->nblocks < want)
		return hm_fail(
			err, HM_EXIT_NOMEM, ENOSPC,
			"needs %llu bytes = %zu blocks of %llu MiB, only %zu offline hot-plugged blocks available",
			(unsigned long long)bytes, want, (unsigned long long)(bs >> 20), avail);

	if (hm_ledger_put(&c->ledger, r, err) < 0)
		return -1;
	hm_debug_point("claim-recorded");
	hm_trace("recorded");

	tokens = bind_tokens(r);
	if (!tokens) {
		hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
		goto undo;
	}
	if (write_cgroup_file(c, cgroup, "memory.hotplug", tokens, err) < 0) {
		hm_wrap(err, "binding blocks to %s", cgroup);
		goto undo;
	}
	hm_debug_point("claim-bound");
	hm_trace("bind");
	if (c->cfg.policy[0] &&
	    write_cgroup_file(c, cgroup, "memory.hotplug.policy", c->cfg.policy, err) < 0) {
		hm_wrap(err, "setting pool policy %s", c->cfg.policy);
		goto undo;
	}
	r->state = HM_REC_BOUND;
	if (hm_ledger_put(&c->ledger, r, err) < 0)
		goto undo;
	hm_debug_point("claim-done");
	hm_trace("done");
	hm_log("bound %zu blocks (%s) = %llu MiB to %s in %.1f ms", r->nblocks, tokens,
	       (unsigned long long)((r->nblocks * bs) >> 20), cgroup,
	       (double)(hm_now_ns() - t0) / 1e6);
	return 0;
undo:
	undo_claim(c, r);
	return -1;
}

/* A kernel without memory.hotplug (ENOTSUP) fails the create unless
 * hotmem.conf says passthrough; any other kernel error (a pod's memory.max
 * that cannot be read: EPROTO) fails it always. */
int hm_create_passthrough(const struct hm_config *cfg, int ret, struct hm_error *err)
{
	if (ret < 0 && err->code == HM_EXIT_KERNEL && err->errnum == ENOTSUP &&
	    cfg->missing_kernel == HM_MISSING_PASSTHROUGH) {
		hm_log("passthrough: %s", err->msg);
		return 0;
	}
	return ret;
}

/* hotmem-reclaimd's grow (grow.c): @want free blocks into @r as a claim
 * picks them, asking the provider when too few are free (the lock is
 * dropped for that wait, as in a claim). */
int hm_claim_pick(struct hm_ctx *c, struct hm_record *r, size_t want, size_t *avail,
		  struct hm_error *err)
{
	return wait_for_blocks(c, r, want, avail, err);
}
