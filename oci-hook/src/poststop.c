// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The poststop stage under the ledger lock: release the container's
 * blocks, gc, then, when something was released, ask the provider to give
 * back the free blocks beyond those that pending grows count on
 * (pending.c): what this container released, and what an earlier failed
 * shrink or an abandoned grow left plugged.  The runtime treats a poststop
 * failure as a warning and the blocks are free by then, so a failing
 * provider is only logged: the memory stays plugged and offline until the
 * next release's shrink.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

int hm_poststop(struct hm_ctx *c, const char *id, struct hm_error *err)
{
	struct hm_record *r = calloc(1, sizeof(*r));
	struct hm_error e2;
	size_t released = 0, spare = 0;
	uint64_t bs;
	int ret;

	if (!r)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating");
	/* what the record names; hm_release succeeds only when all went */
	ret = hm_ledger_get(&c->ledger, id, r, err);
	if (ret == 0)
		released = r->nblocks;
	free(r);
	if (ret < 0 || hm_release(c, id, err) < 0)
		return -1;
	hm_trace("release");
	if (hm_gc(c, HM_GC_HOOK, err) < 0)
		return -1;
	hm_trace("gc");
	if (!released || !hm_provider_available())
		return 0;
	if (hm_spare_blocks(c, &spare, &e2) < 0 || hm_block_size(&c->paths, &bs, &e2) < 0 ||
	    (spare && hm_provider_run("shrink", spare * bs, id, &e2) < 0))
		hm_log("warning: %s%s%s", e2.msg, e2.errnum ? ": " : "",
		       e2.errnum ? strerror(e2.errnum) : "");
	return 0;
}
