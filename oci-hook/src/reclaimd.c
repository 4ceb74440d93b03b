// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hotmem-reclaimd's loop: release a container's blocks as soon as its
 * processes are gone, whatever the runtime does about its poststop hook
 * (CRI-O runs it only at RemoveContainer, crun only at `crun delete`).
 *
 * The watch list is the ledger's "bound" records, one inotify watch on
 * each one's <cgroup>/cgroup.events (cgroup v2 reports a change of the
 * file, "populated 1" to "populated 0" included, as a modification) and
 * one on the ledger directory (a record is written by rename: a new one,
 * a changed one and a deleted one all show there).  It is rebuilt from the
 * ledger at start and after any change of the directory, so a restarted
 * daemon knows what its predecessor watched and a container created
 * meanwhile is picked up.
 *
 * When a watched cgroup says "populated 0" (or is gone), the record is
 * looked at again under the ledger lock, and if the container is gone by
 * gc's test (hm_container_alive: neither its init pid in its cgroup nor
 * a process in the cgroup) its blocks go through hm_poststop, the poststop
 * stage's own path: release (waiting up to release_timeout for busy
 * blocks), gc, and the provider asked to shrink by what was released.
 * Whichever of poststop, gc and this comes first releases and deletes the
 * record under the lock; the others find no record and do nothing.
 *
 * A second watch on each one's <cgroup>/memory.events wakes the daemon
 * when the kernel counts a pool event there (hotplug_low: running full),
 * so that a grow (grow.c) comes before the pool is full.  Every interval
 * the daemon also looks at each watched cgroup itself: an exit it missed
 * (a zombie init that counted as alive when the event came), and the
 * pool samples that decide a grow.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "reclaimd.h"

struct watch {
	char *id;
	char *cgroup;
	int wd;		  /* -1: no watch (the cgroup is gone, or could not be watched) */
	int mem_wd;	  /* memory.events; -1: none */
	bool check;	  /* an event came: look at it */
	bool pool;	  /* ... on memory.events: look at the pool too */
	uint64_t pool_at; /* when the pool was last looked at for an event */
	bool seen;	  /* still a bound record (rebuild) */
	bool have_last;
	bool capped;	       /* not grown at this bound and memory.max: said once */
	uint64_t capped_bound; /* hotplug_bound then */
	uint64_t capped_max;   /* memory.max then */
	struct hm_pool_sample last;
};

struct rd {
	struct hm_ctx *c;
	const struct hm_reclaimd_opts *o;
	int ifd, ledger_wd;
	struct watch *w;
	size_t n, cap;
	uint64_t bs;
};

static void watch_free(struct watch *w)
{
	free(w->id);
	free(w->cgroup);
}

static void drop(struct rd *d, size_t i)
{
	if (d->w[i].wd >= 0)
		inotify_rm_watch(d->ifd, d->w[i].wd);
	if (d->w[i].mem_wd >= 0)
		inotify_rm_watch(d->ifd, d->w[i].mem_wd);
	watch_free(&d->w[i]);
	d->w[i] = d->w[--d->n];
}

static struct watch *find(struct rd *d, const char *id)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->w[i].id, id) == 0)
			return &d->w[i];
	return NULL;
}

static int add(struct rd *d, const struct hm_record *r, struct hm_error *err)
{
	cleanup_free char *events = NULL;
	struct watch *w;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct watch *nw = realloc(d->w, cap * sizeof(*nw));

		if (!nw)
			return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
		d->w = nw;
		d->cap = cap;
	}
	w = &d->w[d->n];
	memset(w, 0, sizeof(*w));
	w->id = strdup(r->id);
	w->cgroup = strdup(r->cgroup);
	if (!w->id || !w->cgroup) {
		watch_free(w);
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	}
	if (hm_cgroup_file(&d->c->paths, r->cgroup, "cgroup.events", &events, err) < 0) {
		watch_free(w);
		return -1;
	}
	w->wd = inotify_add_watch(d->ifd, events, IN_MODIFY);
	if (w->wd < 0 && errno != ENOENT)
		hm_log("watching %s: %s; checked every %u ms instead", events, strerror(errno),
		       d->o->interval_ms);
	free(events);
	events = NULL;
	w->mem_wd = -1;
	if (d->o->grow) {
		if (hm_cgroup_file(&d->c->paths, r->cgroup, "memory.events", &events, err) < 0) {
			if (w->wd >= 0)
				inotify_rm_watch(d->ifd, w->wd);
			watch_free(w);
			return -1;
		}
		w->mem_wd = inotify_add_watch(d->ifd, events, IN_MODIFY);
		if (w->mem_wd < 0 && errno != ENOENT)
			hm_log("watching %s: %s; pool checked every %u ms instead", events,
			       strerror(errno), d->o->interval_ms);
	}
	w->check = true; /* it may have exited before the watch */
	w->seen = true;
	d->n++;
	hm_log_set_id(r->id);
	hm_log("watching cgroup %s (%zu blocks)", r->cgroup, r->nblocks);
	hm_log_flush();
	hm_log_set_id("-");
	return 0;
}

/* The watch list from the ledger: its bound records, nothing else. */
static int rebuild(struct rd *d, struct hm_error *err)
{
	cleanup_free struct hm_record *r = calloc(1, sizeof(*r));
	char **ids = NULL;
	size_t nids = 0;
	int ret = 0;

	if (!r)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	if (hm_ledger_ids(&d->c->ledger, &ids, &nids, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < d->n; i++)
		d->w[i].seen = false;
	for (size_t i = 0; i < nids && ret == 0; i++) {
		struct hm_error e2;
		struct watch *w;

		/* records are replaced by rename: read without the lock, each
		 * is a whole old or new one; an unreadable one is gc's */
		if (hm_ledger_get(&d->c->ledger, ids[i], r, &e2) != 0 || r->state != HM_REC_BOUND)
			continue;
		w = find(d, r->id);
		if (w && strcmp(w->cgroup, r->cgroup) == 0)
			w->seen = true;
		else /* new, or the id reused for another cgroup: the old goes below */
			ret = add(d, r, err);
	}
	hm_ids_free(ids, nids);
	for (size_t i = d->n; i-- > 0;)
		if (!d->w[i].seen)
			drop(d, i);
	return ret;
}

/* Under the lock: release the container's blocks if it is gone. */
static void reclaim(struct rd *d, struct watch *w)
{
	cleanup_free struct hm_record *r = calloc(1, sizeof(*r));
	struct hm_error e2 = { 0 };
	int ret;

	if (!r || hm_ledger_lock(&d->c->ledger, d->c->cfg.lock_timeout_ms, &e2) < 0) {
		hm_log("%s", r ? e2.msg : "allocating");
		return;
	}
	ret = hm_ledger_get(&d->c->ledger, w->id, r, &e2);
	if (ret == 0 && r->state == HM_REC_BOUND && !hm_container_alive(d->c, r)) {
		hm_log("container exited (cgroup %s: populated 0): releasing %zu blocks", r->cgroup,
		       r->nblocks);
		if (hm_poststop(d->c, w->id, &e2) < 0)
			hm_log("release: %s%s%s", e2.msg, e2.errnum ? ": " : "",
			       e2.errnum ? strerror(e2.errnum) : "");
	} else if (ret < 0) {
		hm_log("%s", e2.msg);
	}
	hm_ledger_unlock(&d->c->ledger);
}

static void grow(struct rd *d, struct watch *w)
{
	struct hm_pool_sample s;
	struct hm_error e2 = { 0 };
	const char *reason, *why = NULL;
	int ret;

	if (hm_pool_read(&d->c->paths, w->cgroup, &s, &e2) < 0)
		return; /* gone meanwhile: the next event or pass releases */
	reason = hm_grow_reason(w->have_last ? &w->last : NULL, &s, d->bs);
	w->last = s;
	w->have_last = true;
	if (!reason)
		return;
	if (w->capped && s.bound == w->capped_bound && s.max == w->capped_max)
		return; /* nothing changed since it could not grow */
	if (hm_ledger_lock(&d->c->ledger, d->c->cfg.lock_timeout_ms, &e2) < 0) {
		hm_log("grow: %s", e2.msg);
		return;
	}
	ret = hm_grow(d->c, w->id, &s, reason, &why, &e2);
	hm_ledger_unlock(&d->c->ledger);
	/* a failure or a cap is said once, until the pool or the limit changes */
	if (ret < 0 && !w->capped)
		hm_log("not grown (%s): %s%s%s", reason, e2.msg, e2.errnum ? ": " : "",
		       e2.errnum ? strerror(e2.errnum) : "");
	else if (ret == 1 && !w->capped)
		hm_log("not grown (%s): %s", reason, why);
	w->capped = ret != 0;
	w->capped_bound = s.bound;
	w->capped_max = s.max;
	if (ret == 0 && hm_pool_read(&d->c->paths, w->cgroup, &s, &e2) == 0)
		w->last = s;
}

/* One look at one container: gone (populated 0): release; else grow. */
static void visit(struct rd *d, struct watch *w, bool may_grow)
{
	struct hm_error e2;
	int pop;

	hm_log_set_id(w->id);
	pop = hm_cgroup_populated(&d->c->paths, w->cgroup, &e2);
	if (pop == 0)
		reclaim(d, w);
	else if (pop == 1 && may_grow && d->o->grow)
		grow(d, w);
	hm_log_flush();
	hm_log_set_id("-");
}

/* Drain the inotify queue: which cgroups to look at, whether to rebuild. */
static int read_events(struct rd *d, bool *rebuild_now, struct hm_error *err)
{
	char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)]
		__attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(d->ifd, buf, sizeof(buf));

		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hm_fail(err, HM_EXIT_INTERNAL, n < 0 ? errno : EIO,
				       "reading inotify events");
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				*rebuild_now = true;
				for (size_t i = 0; i < d->n; i++)
					d->w[i].check = true;
				continue;
			}
			if (ev->wd == d->ledger_wd) {
				*rebuild_now = true;
				continue;
			}
			for (size_t i = 0; i < d->n; i++) {
				if (d->w[i].mem_wd == ev->wd) {
					d->w[i].check = d->w[i].pool = true;
					if (ev->mask & IN_IGNORED)
						d->w[i].mem_wd = -1;
					continue;
				}
				if (d->w[i].wd != ev->wd)
					continue;
				d->w[i].check = true;
				if (ev->mask & IN_IGNORED) /* the cgroup was removed */
					d->w[i].wd = -1;
			}
		}
	}
}

/*
 * memory.events changes with every memory.high or memory.max event too,
 * which a container at its limit raises all the time: look at a pool for
 * such a wake-up at most this often.
 */
#define POOL_EVENT_GAP_NS (50u * 1000000u)

static int loop(struct rd *d, struct hm_error *err)
{
	uint64_t next = 0;
	bool rebuild_now = true;

	for (;;) {
		uint64_t now = hm_now_ns();
		bool tick = now >= next;
		struct pollfd pfd = { .fd = d->ifd, .events = POLLIN };
		int timeout;

		if (rebuild_now && rebuild(d, err) < 0)
			return -1;
		rebuild_now = false;
		if (tick)
			next = now + (uint64_t)d->o->interval_ms * 1000000u;
		/* the periodic pass looks at everyone; else who had an event */
		bool pending = false;

		for (size_t i = 0; i < d->n; i++) {
			struct watch *w = &d->w[i];
			bool pool = w->pool && now - w->pool_at >= POOL_EVENT_GAP_NS;

			if (!tick && !w->check)
				continue;
			if (w->pool && !pool && !tick) {
				pending = true; /* looked at a moment ago: soon */
				continue;
			}
			if (pool || tick)
				w->pool_at = now;
			visit(d, w, tick || pool);
			w->check = w->pool = false;
		}
		if (d->o->once)
			return 0;
		now = hm_now_ns();
		timeout = next > now ? (int)((next - now) / 1000000u) + 1 : 0;
		if (pending && timeout > (int)(POOL_EVENT_GAP_NS / 1000000u))
			timeout = (int)(POOL_EVENT_GAP_NS / 1000000u);
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
			return hm_fail(err, HM_EXIT_INTERNAL, errno, "poll");
		if ((pfd.revents & POLLIN) && read_events(d, &rebuild_now, err) < 0)
			return -1;
	}
}

int hm_reclaimd_run(struct hm_ctx *c, const struct hm_reclaimd_opts *o, struct hm_error *err)
{
	struct rd d = { .c = c, .o = o, .ifd = -1, .ledger_wd = -1 };
	int ret;

	if (hm_block_size(&c->paths, &d.bs, err) < 0)
		return -1;
	if (hm_paths_cgroup_root(&c->paths, err) < 0)
		return -1;
	d.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d.ifd < 0)
		return hm_fail(err, HM_EXIT_INTERNAL, errno, "inotify_init1");
	d.ledger_wd = inotify_add_watch(d.ifd, c->ledger.dir,
					IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM);
	if (d.ledger_wd < 0) {
		ret = hm_fail(err, HM_EXIT_LEDGER, errno, "watching the ledger %s", c->ledger.dir);
	} else {
		hm_log("watching the ledger %s; periodic pass every %u ms%s", c->ledger.dir,
		       o->interval_ms, o->grow ? "" : " (no growing)");
		hm_log_flush();
		ret = loop(&d, err);
	}
	for (size_t i = 0; i < d.n; i++)
		watch_free(&d.w[i]);
	free(d.w);
	close(d.ifd);
	return ret;
}
