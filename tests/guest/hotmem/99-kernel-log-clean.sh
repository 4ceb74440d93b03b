#!/bin/sh
# Runs last in the hotmem suite (and in the hook suite on the debug kernel):
# nothing the tests did made the kernel complain.  The debug kernel
# (DEBUG_VM, DEBUG_LIST, PROVE_LOCKING, KASAN) must also still have lockdep
# on: lockdep turns itself off (debug_locks 0) after its first report; and
# KASAN must be in it, so that "no BUG: KASAN line" means something.
# OOM reports of the strict-policy test are expected and not matched.
. /hotmem/lib/testlib.sh
# (hm_kernel_splats in testlib.sh says what counts as a complaint.)
if hm_kernel_splats > $HM_OUT/splat; then
	cat $HM_OUT/splat
	hm_kernel_splat_context 30 < $HM_OUT/splat
	hm_fail "the kernel log has warnings: $(head -n 1 $HM_OUT/splat)"
fi
if [ -e /proc/lockdep_stats ]; then
	grep "debug_locks:" /proc/lockdep_stats
	grep -Eq "debug_locks:[[:space:]]+1" /proc/lockdep_stats || hm_fail "lockdep switched itself off"
	grep -q ' kasan_report$' /proc/kallsyms || hm_fail "the debug kernel has no KASAN"
	hm_log "lockdep active, KASAN built in, no report"
fi
exit 0
