// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fault injection for the crash-safety tests: with HOTMEM_DEBUG_KILL_AT set
 * to the name of a step ("claim-recorded", "claim-bound", "claim-done",
 * "release-recorded", "release-block"), the hook SIGKILLs itself right
 * after that step, exactly as an OOM kill or a runtime timeout would.
 * The names are listed in docs/hook.md.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "hotmem.h"

void hm_debug_point(const char *point)
{
	const char *at = getenv("HOTMEM_DEBUG_KILL_AT");

	if (at && strcmp(at, point) == 0)
		raise(SIGKILL);
}
