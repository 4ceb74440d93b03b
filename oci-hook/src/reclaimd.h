/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotmem-reclaimd: release a container's blocks when its cgroup has no
 * process left (reclaimd.c), and grow a running container's pool by one
 * block when the kernel says it is running full (grow.c).
 */
#ifndef HOTMEM_RECLAIMD_H
#define HOTMEM_RECLAIMD_H

#include "hotmem.h"

/* What the kernel says about one cgroup's pool (docs/abi.md). */
struct hm_pool_sample {
	uint64_t bound;	   /* memory.stat hotplug_bound (bytes) */
	uint64_t used;	   /* memory.stat hotplug_used (bytes) */
	uint64_t low;	   /* memory.events hotplug_low (pool below 1/8 free) */
	uint64_t hp_oom;   /* memory.events hotplug_oom (full strict pool's OOM) */
	uint64_t fallback; /* memory.events hotplug_fallback (full pool spilled) */
	uint64_t max;	   /* memory.max; UINT64_MAX for "max" */
};

/* Parse the three files' text; -1 (HM_EXIT_KERNEL) when memory.stat has
 * no hotplug_bound/hotplug_used, memory.events no hotplug_low,
 * hotplug_oom or hotplug_fallback line, or memory.max is neither "max" nor
 * a number. */
int hm_pool_parse(const char *stat, const char *events, const char *max, struct hm_pool_sample *s,
		  struct hm_error *err);
int hm_pool_read(struct hm_paths *p, const char *cgroup, struct hm_pool_sample *s,
		 struct hm_error *err);

/*
 * Why the pool should grow, or NULL: since prev, memory.events
 * hotplug_low rose (the pool's free memory fell below 1/8: the early
 * warning), hotplug_oom rose (a full strict pool OOM-killed) or
 * hotplug_fallback rose (a full pool spilled); or less than a quarter of
 * a block (block_size / 4) of the bound memory is free.  prev NULL: the
 * first sample, only the last test applies.
 */
const char *hm_grow_reason(const struct hm_pool_sample *prev, const struct hm_pool_sample *cur,
			   uint64_t block_size);

/*
 * The most a container's binding may grow to, in bytes: its memory.max,
 * else the hook's max_size (the cap of a container without a memory
 * limit); 0: no cap configured, so no growing.
 */
uint64_t hm_grow_cap(const struct hm_pool_sample *s, const struct hm_config *cfg);

/*
 * Under the ledger lock: bind one more block to container id's cgroup,
 * recorded before it is bound, through the claim's block picking (free
 * blocks, else the provider).  0 grown, 1 not (record gone or not bound,
 * at its cap: *why says), -1 error.
 */
int hm_grow(struct hm_ctx *c, const char *id, const struct hm_pool_sample *s, const char *reason,
	    const char **why, struct hm_error *err);

struct hm_reclaimd_opts {
	unsigned interval_ms; /* the periodic pass: grow checks, missed exits */
	bool grow;	      /* --no-grow: release only */
	bool once;	      /* --once: one pass over the ledger, then exit */
};
/* The daemon's loop; the ledger is open and unlocked.  Returns only on
 * a fatal error (or after one pass with once). */
int hm_reclaimd_run(struct hm_ctx *c, const struct hm_reclaimd_opts *o, struct hm_error *err);

#endif
