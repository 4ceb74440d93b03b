// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of hotmem-vmm's pure parts: strict numbers, the hotmem/1
 * parser, the configuration file, the grow/shrink policy and the budget.
 * One "PASS unit/<name>" or "FAIL unit/<name>: why" line per check; the
 * exit code is the number of failures (capped).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "num.h"
#include "policy.h"
#include "proto.h"

static int failures;

static void check(int ok, const char *name, const char *why)
{
	if (ok)
		printf("PASS unit/%s\n", name);
	else
		printf("FAIL unit/%s%s%s\n", name, why ? ": " : "", why ? why : "");
	failures += !ok;
}

#define M (1ull << 20)

static void test_numbers(void)
{
	static const char *const bad[] = { "",
					   "-1",
					   "+1",
					   "01",
					   "1 ",
					   " 1",
					   "0x10",
					   "1e3",
					   "18446744073709551616",
					   "99999999999999999999999" };
	vmm_error_t err = NULL;
	uint64_t v;
	int ok = 1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vmm_parse_u64(bad[i], strlen(bad[i]), &v, &err) == 0) {
			printf("    accepted '%s'\n", bad[i]);
			ok = 0;
		}
		vmm_error_release(&err);
	}
	check(ok, "u64-rejects", NULL);
	ok = vmm_parse_u64("0", 1, &v, &err) == 0 && v == 0 &&
	     vmm_parse_u64("18446744073709551615", 20, &v, &err) == 0 && v == UINT64_MAX;
	check(ok, "u64-accepts", vmm_error_msg(err));
	ok = vmm_parse_size("128M", &v, &err) == 0 && v == 128 * M &&
	     vmm_parse_size("4G", &v, &err) == 0 && v == 4096 * M &&
	     vmm_parse_size("4096", &v, &err) == 0 && v == 4096;
	check(ok, "size-suffix", vmm_error_msg(err));
	ok = vmm_parse_size("16777216T", &v, &err) < 0 && vmm_parse_size("1MB", &v, &err) < 0 &&
	     vmm_parse_size("M", &v, &err) < 0 && vmm_parse_size("-1G", &v, &err) < 0;
	vmm_error_release(&err);
	check(ok, "size-rejects", NULL);
}

static int parses(const char *line, struct vmm_req *r)
{
	vmm_error_t err = NULL;
	int rc = vmm_proto_parse(line, strlen(line), r, &err);

	vmm_error_release(&err);
	return rc == 0;
}

static void test_proto(void)
{
	static const char *const bad[] = {
		"",
		"GROW",
		"GROW 134217728",
		"GROW  134217728 a1",
		" GROW 134217728 a1",
		"GROW 134217728 a1 ",
		"GROW 134217728 a1 extra",
		"grow 134217728 a1",
		"GROW -134217728 a1",
		"GROW +134217728 a1",
		"GROW 0134217728 a1",
		"GROW 134217728x a1",
		"GROW 18446744073709551616 a1",
		"GROW 99999999999999999999999999999 a1",
		"GROW 134217728 a/1",
		"GROW 134217728 a\t1",
		"GROW 134217728 a1\r",
		"STATUS",
		"STATUS a1 a2",
		"HELLO hotmem/1",
		"HELLO hotmem/ a1",
		"HELLO hotmem/0 a1",
		"HELLO hotmem/01 a1",
		"HELLO hotmem/-1 a1",
		"HELLO hotmem a1",
		"FROB 1 a1",
	};
	struct vmm_req r;
	vmm_error_t err = NULL;
	char *line;
	int ok = 1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parses(bad[i], &r)) {
			printf("    accepted '%s'\n", bad[i]);
			ok = 0;
		}
	check(ok, "proto-rejects", NULL);
	check(parses("GROW 134217728 c1@12.ab", &r) && r.verb == VMM_GROW && r.bytes == 128 * M &&
		      strcmp(r.id, "c1@12.ab") == 0,
	      "proto-grow", NULL);
	check(parses("SHRINK 0 x", &r) && r.verb == VMM_SHRINK && r.bytes == 0, "proto-shrink",
	      NULL);
	check(parses("STATUS s-1", &r) && r.verb == VMM_STATUS, "proto-status", NULL);
	check(parses("HELLO hotmem/1 h", &r) && r.verb == VMM_HELLO && r.version == 1 &&
		      parses("HELLO hotmem/7 h", &r) && r.version == 7,
	      "proto-hello", NULL);
	check(parses("GROW 18446744073709551615 a", &r) && r.bytes == UINT64_MAX, "proto-max-u64",
	      NULL);
	/* a line at the bound is refused, one byte shorter is parsed */
	line = malloc(VMM_LINE_MAX + 1);
	memset(line, 'a', VMM_LINE_MAX);
	memcpy(line, "STATUS ", 7);
	line[VMM_LINE_MAX] = '\0';
	ok = vmm_proto_parse(line, VMM_LINE_MAX, &r, &err) < 0;
	vmm_error_release(&err);
	/* 7 + 160 id bytes fits; a 161-byte id does not */
	line[7 + VMM_ID_MAX] = '\0';
	ok = ok && parses(line, &r);
	line[7 + VMM_ID_MAX] = 'a';
	line[7 + VMM_ID_MAX + 1] = '\0';
	ok = ok && !parses(line, &r);
	check(ok, "proto-bounds", NULL);
	/* NUL inside the line is not the end of it */
	ok = vmm_proto_parse("STATUS a\0b", 10, &r, &err) < 0;
	vmm_error_release(&err);
	check(ok, "proto-nul", NULL);
	/* the id survives a failure, for the ERR reply */
	vmm_proto_parse("GROW 12x abc", 12, &r, &err);
	check(strcmp(r.id, "abc") == 0, "proto-error-keeps-id", vmm_error_msg(err));
	vmm_error_release(&err);
	line = vmm_proto_err_line("abc", "budget", "a\nb\x01");
	check(line && strcmp(line, "ERR abc budget a?b?\n") == 0, "proto-err-line", line);
	free(line);
}

static int config_fails(const char *text, const char *want)
{
	struct vmm_config c;
	vmm_error_t err = NULL;
	int rc = vmm_config_parse(text, strlen(text), &c, &err);
	int ok = rc < 0 && strstr(vmm_error_msg(err), want);

	if (!ok)
		printf("    '%s': %s\n", want, rc < 0 ? vmm_error_msg(err) : "accepted");
	vmm_error_release(&err);
	vmm_config_free(&c);
	return ok;
}

#define VM1 "[vm vm1]\nqmp = /run/q1\nserial = /run/s1\ndevice = vmem0\nmax = 1G\n"

static void test_config(void)
{
	const char *good = "# hotmem-vmm\nbudget = 2G\n step=256M \nresize_timeout_ms = 5000\n\n" VM1
			   "[vm vm-2]\nqmp=/run/q2\nserial=/run/s2\ndevice=/machine/peripheral/m\n"
			   "max=512M\n";
	struct vmm_config c;
	vmm_error_t err = NULL;
	int ok;

	ok = vmm_config_parse(good, strlen(good), &c, &err) == 0 && c.budget == 2048 * M &&
	     c.step == 256 * M && c.resize_timeout_ms == 5000 && c.qmp_timeout_ms == 2000 &&
	     c.nvms == 2 && strcmp(c.vms[0].device, "/machine/peripheral/vmem0") == 0 &&
	     strcmp(c.vms[1].name, "vm-2") == 0 && c.vms[1].max == 512 * M &&
	     strcmp(c.vms[1].serial, "/run/s2") == 0;
	check(ok, "config-good", vmm_error_msg(err));
	vmm_error_release(&err);
	vmm_config_free(&c);
	ok = config_fails("budget = 1G\nbudget = 2G\n" VM1, "line 2: 'budget' set twice") &&
	     config_fails("budget = 1G\nfoo = 1\n" VM1, "line 2: unknown key 'foo'") &&
	     config_fails("budget = -1G\n" VM1, "line 1") &&
	     config_fails("budget = 1G\nstep = 0\n" VM1, "step must not be 0") &&
	     config_fails("budget = 1G\n[vm vm1]\nqmp = /q\nserial = /s\nmax = 1G\n",
			  "VM 'vm1' has no device") &&
	     config_fails("budget = 1G\n" VM1 VM1, "line 7: VM 'vm1' named twice") &&
	     config_fails("budget = 1G\n[vm a/b]\n", "bad VM name") &&
	     config_fails("budget = 1G\n[vm a]\nqmp = q\n", "not an absolute path") &&
	     config_fails("budget = 1G\nstep = 300M\n" VM1, "not a multiple of step") &&
	     config_fails("budget = 1G\n[vm]\n", "[vm <name>]") &&
	     config_fails("[vm a]\n", "'budget' must come before") &&
	     config_fails("budget = 1G\n", "no [vm <name>] section") &&
	     config_fails("budget 1G\n", "not 'key = value'") &&
	     config_fails("budget = 1G\n" VM1 "[vm b]\nqmp=/run/q1\nserial=/x\ndevice=d\nmax=1G\n",
			  "share a socket") &&
	     config_fails("budget = 1G\n[vm a]\nqmp = /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
			  "at most 107 bytes") &&
	     config_fails("budget = 1G\n" VM1 "max = 2G\n", "'max' set twice");
	check(ok, "config-rejects", NULL);
	ok = vmm_config_parse("budget = 1G\0\n" VM1, sizeof("budget = 1G\0\n" VM1) - 1, &c, &err) <
		     0 &&
	     strstr(vmm_error_msg(err), "NUL");
	vmm_error_release(&err);
	vmm_config_free(&c);
	check(ok, "config-nul", NULL);
}

static void test_policy(void)
{
	struct vmm_policy p = { .budget = 512 * M, .step = 128 * M };
	struct vmm_vm_view a = { "a", 128 * M, 384 * M }, b = { "b", 256 * M, 1024 * M };
	vmm_error_t err = NULL;
	const char *code;
	uint64_t t = 0;
	int ok;

	/* a: 128 plugged, b: 256 plugged, 512 budget -> 128 free */
	ok = vmm_policy_grow(&p, 384 * M, &a, 128 * M, &t, &code, &err) == 0 && t == 256 * M;
	check(ok, "grow-within", vmm_error_msg(err));
	ok = vmm_policy_grow(&p, 384 * M, &b, 256 * M, &t, &code, &err) < 0 &&
	     strcmp(code, VMM_E_BUDGET) == 0 &&
	     strstr(vmm_error_msg(err), "host budget of 536870912 bytes exhausted") &&
	     strstr(vmm_error_msg(err), "134217728 free");
	check(ok, "grow-budget", vmm_error_msg(err));
	vmm_error_release(&err);
	ok = vmm_policy_grow(&p, 384 * M, &a, 384 * M, &t, &code, &err) < 0 &&
	     strcmp(code, VMM_E_LIMIT) == 0 && strstr(vmm_error_msg(err), "maximum of 402653184");
	check(ok, "grow-limit", vmm_error_msg(err));
	vmm_error_release(&err);
	ok = vmm_policy_grow(&p, 384 * M, &a, UINT64_MAX - 127, &t, &code, &err) < 0 &&
	     vmm_policy_grow(&p, 384 * M, &a, 18446744073575333888ull, &t, &code, &err) < 0 &&
	     strcmp(code, VMM_E_LIMIT) == 0;
	check(ok, "grow-huge", vmm_error_msg(err));
	vmm_error_release(&err);
	ok = vmm_policy_grow(&p, 384 * M, &a, M, &t, &code, &err) < 0 &&
	     strcmp(code, VMM_E_INVALID) == 0;
	vmm_error_release(&err);
	check(ok, "grow-step", NULL);
	/* over budget already (budget lowered across a restart): no grow at all */
	ok = vmm_policy_grow(&p, 640 * M, &a, 128 * M, &t, &code, &err) < 0 &&
	     strcmp(code, VMM_E_BUDGET) == 0;
	vmm_error_release(&err);
	check(ok, "grow-over-budget", NULL);
	ok = vmm_policy_grow(&p, 384 * M, &a, 0, &t, &code, &err) == 0 && t == 128 * M;
	check(ok, "grow-zero", NULL);
	/* shrink: never below what the guest still uses */
	ok = vmm_policy_shrink(&p, &b, 128 * M, &t, &code, &err) == 0 && t == 128 * M &&
	     vmm_policy_shrink(&p, &b, 1024 * M, &t, &code, &err) == 0 && t == 0 &&
	     vmm_policy_shrink(&p, &b, 0, &t, &code, &err) == 0 && t == 256 * M;
	check(ok, "shrink-floor", vmm_error_msg(err));
	b.charged = 300 * M; /* set off the step by someone else */
	ok = vmm_policy_shrink(&p, &b, 128 * M, &t, &code, &err) == 0 && t == 256 * M;
	check(ok, "shrink-round-up", NULL);
	ok = vmm_policy_shrink(&p, &b, 3 * M, &t, &code, &err) < 0 &&
	     strcmp(code, VMM_E_INVALID) == 0;
	vmm_error_release(&err);
	check(ok, "shrink-step", NULL);
}

int main(void)
{
	test_numbers();
	test_proto();
	test_config();
	test_policy();
	return failures > 100 ? 100 : failures;
}
