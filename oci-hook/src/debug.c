// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fault injection for the crash-safety tests: with HOTMEM_DEBUG_KILL_AT set
 * to the name of a step ("claim-recorded", "claim-bound", "claim-done",
 * "release-recorded", "release-block"), the hook SIGKILLs itself right
 * after that step, exactly as an OOM kill or a runtime timeout would.
 * The names are listed in docs/hook.md.  Only in the test build
 * (-DHOTMEM_TESTING, build/hotmem-hook-test): the installed hook has no
 * kill points.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

void hm_debug_point(const char *point)
{
#ifdef HOTMEM_TESTING
	const char *at = getenv("HOTMEM_DEBUG_KILL_AT");

	if (at && strcmp(at, point) == 0)
		raise(SIGKILL);
#else
	(void)point;
#endif
}

/*
 * With HOTMEM_DEBUG_TRACE set, each step of a hook process prints
 * "trace <step> <us>" on stderr, microseconds since main() began: the
 * benchmark's breakdown of where a hook process spends its time
 * (tests/guest/bench/02-hook.sh, docs/benchmark.md).
 */
void hm_trace(const char *step)
{
	static int on = -1;
	static uint64_t t0;
	uint64_t now = hm_now_ns();

	if (on < 0) {
		on = getenv("HOTMEM_DEBUG_TRACE") != NULL;
		t0 = now;
	}
	if (on)
		fprintf(stderr, "trace %s %llu\n", step, (unsigned long long)(now - t0) / 1000);
}
