// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of hotmem-hook's parsing, size rules, config, ledger and the
 * claim/release/gc bookkeeping, against a fake sysfs, /proc and cgroup
 * tree in a temporary directory.  The fake tree proves the bookkeeping
 * only; that the kernel really binds and releases is proven in the VM
 * (tests/guest/hook/).  Prints one "PASS|FAIL host:hook/<case>" line per
 * case and exits non-zero if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hotmem.h"
#include "reclaimd.h"
#include "seccomp-filter.h"
#include "seccomp-rules.h"

static int failures;
static int case_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			case_failed = 1;                                                           \
		}                                                                                  \
	} while (0)

static void run_case(const char *name, void (*fn)(void))
{
	case_failed = 0;
	fn();
	printf("%s host:hook/%s\n", case_failed ? "FAIL" : "PASS", name);
	fflush(stdout);
	failures += case_failed;
}

static char tmp[256];

static void put_file(const char *rel, const char *fmt, ...)
{
	char path[512], dir[512], *slash;
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(tmp) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void get_file(const char *rel, char *buf, size_t size)
{
	char path[512];
	struct hm_error err;
	char *text = NULL;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	buf[0] = '\0';
	if (hm_read_file(path, 4096, &text, NULL, &err) == 0)
		snprintf(buf, size, "%s", text);
	free(text);
}

/* --- sizes --------------------------------------------------------------- */

static bool size_ok(const char *s, uint64_t want)
{
	struct hm_error err;
	uint64_t v = 0;

	return hm_parse_size(s, &v, &err) == 0 && v == want;
}

static bool size_bad(const char *s, int errnum)
{
	struct hm_error err;
	uint64_t v = 0;

	return hm_parse_size(s, &v, &err) < 0 && err.code == HM_EXIT_INPUT && err.errnum == errnum;
}

static void t_sizes(void)
{
	/* Kubernetes quantities: M, G are powers of 1000, Mi, Gi of 1024 */
	CHECK(size_ok("4096", 4096));
	CHECK(size_ok("64M", UINT64_C(64000000)));
	CHECK(size_ok("64Mi", UINT64_C(64) << 20));
	CHECK(size_ok("1G", UINT64_C(1000000000)));
	CHECK(size_ok("1Gi", UINT64_C(1) << 30));
	CHECK(size_ok("2k", 2000));
	CHECK(size_ok("2Ki", 2048));
	CHECK(size_ok("1.5Gi", UINT64_C(3) << 29));
	CHECK(size_ok("0.5Ki", 512));
	CHECK(size_ok(".5Mi", UINT64_C(1) << 19));
	CHECK(size_ok("1.", 1));
	CHECK(size_ok("129e6", UINT64_C(129000000)));
	CHECK(size_ok("129E6", UINT64_C(129000000)));
	CHECK(size_ok("1E", UINT64_C(0)) == false); /* exa: above the cap */
	CHECK(size_ok("+1Mi", UINT64_C(1) << 20));
	CHECK(size_ok("1500m", 2)); /* 1.5 bytes, rounded up */
	CHECK(size_ok("000128Mi", UINT64_C(128) << 20));
	CHECK(size_ok("1Pi", UINT64_C(1) << 50));
	CHECK(size_bad("0", EINVAL));
	CHECK(size_bad("0.0Gi", EINVAL));
	CHECK(size_bad("-5", EINVAL));
	CHECK(size_bad("abc", EINVAL));
	CHECK(size_bad("", EINVAL));
	CHECK(size_bad(".", EINVAL));
	CHECK(size_bad("12X", EINVAL));
	CHECK(size_bad("64MB", EINVAL));
	CHECK(size_bad("64mi", EINVAL));
	CHECK(size_bad("1g", EINVAL));
	CHECK(size_bad(" 64Mi", EINVAL));
	CHECK(size_bad("64Mi ", EINVAL));
	CHECK(size_bad("1e", EINVAL));
	CHECK(size_bad("1.2.3", EINVAL));
	CHECK(size_bad("128M\nx", EINVAL));
	CHECK(size_bad("99999999999999999999999", ERANGE));
	CHECK(size_bad("2048Ti", ERANGE));
	CHECK(size_bad("2Pi", ERANGE));
	CHECK(size_bad("1e40", ERANGE));
	{
		struct hm_error err;
		uint64_t v;

		CHECK(hm_parse_size("64 MB", &v, &err) < 0 &&
		      strstr(err.msg, "Kubernetes quantity") && strstr(err.msg, "Ki Mi Gi"));
	}
	CHECK(hm_blocks_for(1, 128 << 20) == 1);
	CHECK(hm_blocks_for(128 << 20, 128 << 20) == 1);
	CHECK(hm_blocks_for((128 << 20) + 1, 128 << 20) == 2);
}

/* --- log lines ------------------------------------------------------------- */

/* Run fn with stderr going to a file; its text in buf. */
static void capture_stderr(void (*fn)(void), char *buf, size_t size)
{
	char path[512];
	int saved = dup(STDERR_FILENO), fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr.txt", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* The reviewer's payload: an annotation value that, written raw into a
 * file crun opens for the hook's stderr, would add a line of its own. */
static const char payload[] = "x'\n* * * * * root touch /pwned #\x1b[2J\r\x7f\xff\xc2\x9b\xe2\x82";

static void log_payload(void)
{
	struct hm_error err;
	uint64_t v;

	hm_log_init(HM_LOG_STDERR);
	hm_log_set_id("c1");
	hm_log("value %s", payload);
	hm_log_flush();
	if (hm_parse_size(payload, &v, &err) == 0)
		return;
	hm_wrap(&err, "annotation io.hotmem.size");
	hm_log_error(&err);
	hm_log_init(0);
	hm_log_set_id(NULL);
}

static void t_log_escape(void)
{
	char out[4096];
	size_t lines = 0;

	capture_stderr(log_payload, out, sizeof(out));
	for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
		if (*p == '\n')
			lines++;
		else
			CHECK(*p >= 0x20 && *p < 0x7f); /* all of it escaped to ASCII */
	}
	CHECK(lines == 2);
	CHECK(strstr(out, "hotmem-hook: c1: value x'\\x0a* * * * * root touch /pwned #\\x1b[2J"
			  "\\x0d\\x7f\\xff\\xc2\\x9b\\xe2\\x82\n"));
	CHECK(strstr(out, "hotmem-hook: c1: annotation io.hotmem.size: size 'x'\\x0a"));
	if (lines != 2 || case_failed)
		fprintf(stderr, "  got: %s", out);

	/* cut on a character boundary, with "..." when something is left out */
	CHECK(hm_escape("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", out, 11) == 9 &&
	      !strcmp(out, "\xc3\xa9\xc3\xa9\xc3\xa9..."));
	CHECK(hm_escape("abc", out, 4) == 3 && !strcmp(out, "abc"));
	CHECK(hm_escape("a\nbcdef", out, 8) == 4 && !strcmp(out, "a..."));
	CHECK(hm_escape("a\\b\xf0\x9f\x98\x80\xed\xa0\x80", out, sizeof(out)) > 0 &&
	      !strcmp(out, "a\\x5cb\xf0\x9f\x98\x80\\xed\\xa0\\x80"));
}

/* --- state JSON ---------------------------------------------------------- */

static int state(const char *json, struct hm_state *st, struct hm_error *err)
{
	return hm_state_parse(st, json, strlen(json), err);
}

static void t_state(void)
{
	struct hm_state st;
	struct hm_error err;
	char *big;

	CHECK(state("{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"created\",\"pid\":42,"
		    "\"bundle\":\"/b\",\"annotations\":{\"io.hotmem.size\":\"64M\"}}",
		    &st, &err) == 0);
	CHECK(st.pid == 42 && !strcmp(st.id, "c1") && !strcmp(st.bundle, "/b"));
	CHECK(st.size_annotation && !strcmp(st.size_annotation, "64M"));
	hm_state_free(&st);

	CHECK(state("{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"stopped\",\"bundle\":\"/b\"}",
		    &st, &err) == 0 &&
	      st.pid == -1);
	hm_state_free(&st);

	CHECK(state("{\"id\":\"c1\",", &st, &err) < 0 && err.code == HM_EXIT_INPUT); /* truncated */
	CHECK(strstr(err.msg, "malformed state JSON"));
	CHECK(state("[1,2]", &st, &err) < 0 && err.code == HM_EXIT_INPUT);
	CHECK(state("{\"ociVersion\":\"1\",\"status\":\"created\",\"bundle\":\"/b\"}", &st, &err) <
		      0 &&
	      strstr(err.msg, "no 'id'"));
	CHECK(state("{\"ociVersion\":\"1\",\"id\":\"c1\",\"status\":\"created\"}", &st, &err) < 0 &&
	      strstr(err.msg, "no 'bundle'"));
	CHECK(state("{\"ociVersion\":\"1\",\"id\":\"../x\",\"status\":\"created\",\"bundle\":\"/b\"}",
		    &st, &err) < 0 &&
	      strstr(err.msg, "not a valid container id"));
	CHECK(state("{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"created\",\"bundle\":\"/b\",\"pid\":-3}",
		    &st, &err) < 0 &&
	      strstr(err.msg, "pid"));
	CHECK(state("{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"created\",\"bundle\":\"/b\",\"pid\":\"7\"}",
		    &st, &err) < 0 &&
	      strstr(err.msg, "pid"));
	CHECK(state("{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"created\",\"bundle\":\"/b\",\"annotations\":[]}",
		    &st, &err) < 0 &&
	      strstr(err.msg, "annotations"));
	CHECK(hm_state_parse(&st, "{\"id\0\"}", 7, &err) < 0 && strstr(err.msg, "NUL"));

	big = malloc(HM_STATE_MAX + 2); /* above the cap: refused before parsing */
	memset(big, ' ', HM_STATE_MAX + 1);
	big[HM_STATE_MAX + 1] = '\0';
	CHECK(hm_state_parse(&st, big, HM_STATE_MAX + 1, &err) < 0 && err.errnum == E2BIG);
	free(big);
}

/* --- hostile JSON and config.json files ------------------------------------- */

static void t_json_hostile(void)
{
	const size_t deep = 1000000, big = 1100 * 1024;
	struct hm_state st;
	struct hm_spec sp;
	struct hm_error err;
	char path[512], *text = malloc(2 * deep + 64), *deep_text = text;
	size_t n = 0;
	pid_t pid;
	int status = -1;

	/* a million nested arrays: a clear error, no crash */
	n += (size_t)sprintf(text, "{\"a\":");
	memset(text + n, '[', deep);
	n += deep;
	memset(text + n, ']', deep);
	n += deep;
	text[n++] = '}';
	text[n] = '\0';
	pid = fork();
	if (pid == 0) {
		int a = hm_spec_parse(&sp, text, n, &err) < 0 && strstr(err.msg, "nests deeper");
		int b = hm_state_parse(&st, text, n, &err) < 0 && strstr(err.msg, "nests deeper");

		_exit(a && b ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(deep_text);

	/* "128M\u0000x" is not "128M" */
	CHECK(state("{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"created\",\"bundle\":\"/b\","
		    "\"annotations\":{\"io.hotmem.size\":\"128M\\u0000x\"}}",
		    &st, &err) < 0 &&
	      strstr(err.msg, "escaped NUL"));
	text = "{\"annotations\":{\"io.hotmem.size\":\"1Gi\\\\u0000\"}}"; /* "\\" then u0000 */
	CHECK(hm_spec_parse(&sp, text, strlen(text), &err) == 0);
	hm_spec_free(&sp);

	/* a state of more than 1 MiB (CRI-O copies a pod's annotations) */
	text = malloc(big + 256);
	n = (size_t)sprintf(text, "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"created\","
				  "\"bundle\":\"/b\",\"annotations\":{\"x\":\"");
	memset(text + n, 'a', big);
	n += big;
	n += (size_t)sprintf(text + n, "\",\"io.hotmem.size\":\"1Gi\"}}");
	CHECK(hm_state_parse(&st, text, n, &err) == 0 && st.size_annotation);
	hm_state_free(&st);
	free(text);

	/* config.json: a FIFO is refused at once, not read forever */
	snprintf(path, sizeof(path), "%s/fifo-bundle", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/fifo-bundle/config.json", tmp);
	CHECK(mkfifo(path, 0600) == 0);
	pid = fork();
	if (pid == 0) {
		char bundle[512];

		alarm(5);
		snprintf(bundle, sizeof(bundle), "%s/fifo-bundle", tmp);
		_exit(hm_spec_load(&sp, bundle, &err) < 0 && strstr(err.msg, "not a regular file")
			      ? 0
			      : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* nor a symlink to some other file */
	snprintf(path, sizeof(path), "%s/link-bundle", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/link-bundle/config.json", tmp);
	CHECK(symlink("/etc/hostname", path) == 0);
	snprintf(path, sizeof(path), "%s/link-bundle", tmp);
	CHECK(hm_spec_load(&sp, path, &err) < 0 && err.errnum == ELOOP);
}

/* --- config.json and the size rule ----------------------------------------- */

static void t_spec(void)
{
	struct hm_config cfg;
	struct hm_spec sp;
	struct hm_error err;
	const char *src;
	uint64_t b;
	const char *j1 = "{\"annotations\":{\"io.hotmem.size\":\"256Mi\"},"
			 "\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728}}}}";
	const char *j2 = "{\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728}}}}";
	const char *j3 = "{\"linux\":{\"resources\":{\"memory\":{\"limit\":-1}}}}";

	hm_config_defaults(&cfg);
	CHECK(hm_spec_parse(&sp, j1, strlen(j1), &err) == 0);
	CHECK(hm_config_parse(&cfg, "above_limit = yes\n", &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) == 0 && b == (256u << 20) &&
	      !strcmp(src, "annotation"));
	hm_spec_free(&sp);
	hm_config_defaults(&cfg);
	CHECK(hm_spec_parse(&sp, j2, strlen(j2), &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) == 0 && b == (128u << 20) &&
	      !strcmp(src, "memory.limit"));
	hm_spec_free(&sp);
	CHECK(hm_spec_parse(&sp, j3, strlen(j3), &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) == 0 && b == 0);
	cfg.default_size = 64u << 20;
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) == 0 && b == (64u << 20) &&
	      !strcmp(src, "default_size"));
	cfg.max_size = 32u << 20;
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) < 0 && err.errnum == ERANGE);
	hm_spec_free(&sp);

	CHECK(hm_spec_parse(&sp, "{\"annotations\":{\"io.hotmem.size\":\"0\"}}", 38, &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) < 0 &&
	      strstr(err.msg, "io.hotmem.size"));
	hm_spec_free(&sp);
	CHECK(hm_spec_parse(&sp, "{\"annotations\":{\"io.hotmem.size\":5}}", 36, &err) < 0);
	CHECK(hm_spec_parse(&sp, "{\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}", 51,
			    &err) < 0);
	CHECK(hm_spec_parse(&sp, "{\"linux\":", 9, &err) < 0 && err.code == HM_EXIT_INPUT);
	CHECK(hm_spec_load(&sp, "/nonexistent-bundle", &err) < 0 && err.errnum == ENOENT &&
	      strstr(err.msg, "no config.json"));
	CHECK(hm_spec_load(&sp, "relative", &err) < 0 && err.code == HM_EXIT_INPUT);
}

/* Safe defaults: the annotation may not exceed the container's memory
 * limit; without a limit, max_size (2Gi unless configured) caps it; the
 * operator can lift both. */
static void t_size_caps(void)
{
	const char *over = "{\"annotations\":{\"io.hotmem.size\":\"256Mi\"},"
			   "\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728}}}}";
	const char *under = "{\"annotations\":{\"io.hotmem.size\":\"64Mi\"},"
			    "\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728}}}}";
	const char *huge = "{\"annotations\":{\"io.hotmem.size\":\"512Gi\"}}";
	const char *two = "{\"annotations\":{\"io.hotmem.size\":\"2Gi\"}}";
	const char *biglimit = "{\"linux\":{\"resources\":{\"memory\":{\"limit\":8589934592}}}}";
	struct hm_config cfg;
	struct hm_spec sp;
	struct hm_error err;
	const char *src;
	uint64_t b;

	hm_config_defaults(&cfg);
	CHECK(hm_spec_parse(&sp, over, strlen(over), &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) < 0 && err.code == HM_EXIT_INPUT &&
	      strstr(err.msg, "above the container's memory limit"));
	hm_spec_free(&sp);
	CHECK(hm_spec_parse(&sp, under, strlen(under), &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) == 0 && b == (64u << 20));
	hm_spec_free(&sp);
	CHECK(hm_spec_parse(&sp, huge, strlen(huge), &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) < 0 && err.code == HM_EXIT_INPUT &&
	      strstr(err.msg, "above max_size"));
	hm_spec_free(&sp);
	CHECK(hm_spec_parse(&sp, two, strlen(two), &err) == 0); /* exactly the default cap */
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) == 0 && b == (UINT64_C(2) << 30));
	hm_spec_free(&sp);
	/* a memory limit caps itself: the cap without a limit does not apply */
	CHECK(hm_spec_parse(&sp, biglimit, strlen(biglimit), &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) == 0 && b == (UINT64_C(8) << 30));
	hm_spec_free(&sp);
	/* the operator raises both */
	CHECK(hm_config_parse(&cfg, "above_limit = yes\nmax_size = 1Ti\n", &err) == 0);
	CHECK(hm_spec_parse(&sp, over, strlen(over), &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) == 0 && b == (256u << 20));
	hm_spec_free(&sp);
	CHECK(hm_spec_parse(&sp, huge, strlen(huge), &err) == 0);
	CHECK(hm_size_resolve(&sp, NULL, &cfg, &b, &src, &err) == 0 && b == (UINT64_C(512) << 30));
	hm_spec_free(&sp);
	hm_config_free(&cfg);
}

/* --- hotmem.conf ------------------------------------------------------------ */

static void t_config(void)
{
	struct hm_config c;
	struct hm_error err;

	hm_config_defaults(&c);
	CHECK(hm_config_parse(&c,
			      "# comment\ndefault_size = 128Mi\npolicy = fallback\n"
			      "provider = /usr/bin/true\nprovider_timeout = 2.5\nblocks = 8-63\n"
			      "log = stderr\nmissing_kernel = passthrough\n",
			      &err) == 0);
	CHECK(c.default_size == (128u << 20) && !strcmp(c.policy, "fallback"));
	CHECK(c.provider && !strcmp(c.provider, "/usr/bin/true") && c.provider_timeout_ms == 2500);
	CHECK(c.block_min == 8 && c.block_max == 63 && c.log == HM_LOG_STDERR);
	CHECK(c.missing_kernel == HM_MISSING_PASSTHROUGH);
	hm_config_free(&c);

	hm_config_defaults(&c);
	CHECK(hm_config_parse(&c, "defualt_size = 1G\n", &err) < 0 && err.code == HM_EXIT_CONFIG &&
	      strstr(err.msg, "unknown key"));
	CHECK(hm_config_parse(&c, "policy = lax\n", &err) < 0 && err.code == HM_EXIT_CONFIG);
	CHECK(hm_config_parse(&c, "provider = relative/path\n", &err) < 0);
	CHECK(hm_config_parse(&c, "blocks = 9-3\n", &err) < 0);
	CHECK(hm_config_parse(&c, "just words\n", &err) < 0);
	hm_config_free(&c);

	/* the hook's own waits must end before the runtime kills it */
	hm_config_defaults(&c);
	CHECK(hm_config_parse(&c, "provider_timeout = 20\n", &err) < 0 &&
	      err.code == HM_EXIT_CONFIG && strstr(err.msg, "below hook_timeout"));
	hm_config_defaults(&c);
	CHECK(hm_config_parse(&c, "provider_timeout = 20\nhook_timeout = 60\n", &err) == 0);
	hm_config_free(&c);
}

/* --- the ledger ------------------------------------------------------------- */

static void t_ledger(void)
{
	struct hm_ledger l, l2;
	struct hm_record r, got;
	struct hm_error err;
	char dir[512], **ids;
	size_t n, ncorrupt;

	snprintf(dir, sizeof(dir), "%s/ledger", tmp);
	CHECK(hm_ledger_open(&l, dir, 100, &err) == 0);
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "ctr-1");
	snprintf(r.cgroup, sizeof(r.cgroup), "/ctr-1");
	r.state = HM_REC_BOUND;
	r.pid = 77;
	r.nblocks = 3;
	r.blocks[0] = 40;
	r.blocks[1] = 41;
	r.blocks[2] = 45;
	CHECK(hm_ledger_put(&l, &r, &err) == 0);
	CHECK(hm_ledger_get(&l, "ctr-1", &got, &err) == 0);
	CHECK(got.nblocks == 3 && got.blocks[2] == 45 && got.pid == 77 &&
	      got.state == HM_REC_BOUND);
	CHECK(!strcmp(got.cgroup, "/ctr-1"));
	CHECK(hm_ledger_get(&l, "nobody", &got, &err) == 1);

	/* a second hook waits for the lock, then gives up with a clear error */
	CHECK(hm_ledger_open(&l2, dir, 50, &err) < 0 && err.code == HM_EXIT_LEDGER &&
	      strstr(err.msg, "held by another hook"));

	/* corrupt, truncated and old-format records are errors, never guesses */
	put_file("ledger/bad.rec", "garbage\n");
	CHECK(hm_ledger_get(&l, "bad", &got, &err) < 0 && err.code == HM_EXIT_LEDGER);
	put_file("ledger/old.rec", "hotmem-ledger 0\nid old\nend\n");
	CHECK(hm_ledger_get(&l, "old", &got, &err) < 0 && err.errnum == EPROTO);
	put_file("ledger/cut.rec", "hotmem-ledger 1\nid cut\nstate bound\ncgroup /cut\n");
	CHECK(hm_ledger_get(&l, "cut", &got, &err) < 0 && strstr(err.msg, "truncated"));
	put_file("ledger/dup.rec",
		 "hotmem-ledger 1\nid dup\nstate bound\ncgroup /d\npid 1\nblocks 3 3\nend\n");
	CHECK(hm_ledger_get(&l, "dup", &got, &err) < 0 && strstr(err.msg, "twice"));
	put_file("ledger/mis.rec",
		 "hotmem-ledger 1\nid other\nstate bound\ncgroup /d\npid 1\nblocks 3\nend\n");
	CHECK(hm_ledger_get(&l, "mis", &got, &err) < 0 && strstr(err.msg, "id mismatch"));
	CHECK(hm_ledger_quarantine(&l, "bad", &err) == 0);
	CHECK(hm_ledger_get(&l, "bad", &got, &err) == 1);

	CHECK(hm_ledger_ids(&l, &ids, &n, &ncorrupt, &err) == 0 && n == 5 && ncorrupt == 1);
	hm_ids_free(ids, n);
	CHECK(hm_ledger_del(&l, "ctr-1", &err) == 0);
	CHECK(hm_ledger_get(&l, "ctr-1", &got, &err) == 1);
	CHECK(hm_ledger_del(&l, "ctr-1", &err) == 0); /* twice: no error */
	hm_ledger_close(&l);
	CHECK(hm_ledger_open(&l2, dir, 50, &err) == 0);
	hm_ledger_close(&l2);
}

/* status reads: a shared lock (two at once, none while a hook writes) and
 * no ledger directory or lock file created. */
static void t_ledger_ro(void)
{
	struct hm_ledger a, b, w;
	struct hm_error err;
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/ro-ledger", tmp);
	CHECK(hm_ledger_open_ro(&a, dir, 50, &err) == 1);
	CHECK(access(dir, F_OK) < 0 && errno == ENOENT);
	CHECK(hm_ledger_open(&w, dir, 50, &err) == 0);
	CHECK(hm_ledger_open_ro(&a, dir, 50, &err) < 0 && err.code == HM_EXIT_LEDGER);
	hm_ledger_close(&w);
	CHECK(hm_ledger_open_ro(&a, dir, 50, &err) == 0);
	CHECK(hm_ledger_open_ro(&b, dir, 50, &err) == 0);
	CHECK(hm_ledger_open(&w, dir, 50, &err) < 0); /* a writer waits for readers */
	hm_ledger_close(&a);
	hm_ledger_close(&b);
}

/* --- claim / release / gc on a fake tree -------------------------------------- */

#define MEM "sys/devices/system/memory"

/*
 * The id the kernel names cgroup cg (relative to the fake cgroup2 root)
 * by: the inode number of its directory, or, for a cgroup that does not
 * exist (removed), a made-up id no directory has.
 */
static uint64_t cg_id(const char *cg)
{
	char path[1024];
	struct stat st;
	uint64_t h = 1469598103934665603ULL;

	snprintf(path, sizeof(path), "%s/cg%s", tmp, cg);
	if (stat(path, &st) == 0)
		return (uint64_t)st.st_ino;
	for (const char *p = cg; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (h >> 8) | (1ULL << 50);
}

/* owner: "unbound", or "bound /cg" / "orphan /cg", which the kernel shows
 * as "bound <id>" / "orphan <id>" (cg_id). */
static void fake_block(long id, const char *state, const char *owner)
{
	char rel[128];

	snprintf(rel, sizeof(rel), MEM "/memory%ld/state", id);
	put_file(rel, "%s\n", state);
	snprintf(rel, sizeof(rel), MEM "/memory%ld/hotplug_owner", id);
	if (!strncmp(owner, "bound /", 7))
		put_file(rel, "bound %llu\n", (unsigned long long)cg_id(owner + 6));
	else if (!strncmp(owner, "orphan /", 8))
		put_file(rel, "orphan %llu\n", (unsigned long long)cg_id(owner + 7));
	else
		put_file(rel, "%s\n", owner);
}

static void ctx_init(struct hm_ctx *c)
{
	struct hm_error err;
	char dir[512];

	memset(c, 0, sizeof(*c));
	hm_config_defaults(&c->cfg);
	c->cfg.release_timeout_ms = 50;
	c->paths.sysfs = hm_strdup_printf("%s/sys", tmp);
	c->paths.proc = hm_strdup_printf("%s/proc", tmp);
	c->paths.cgroup = hm_strdup_printf("%s/cg", tmp);
	snprintf(dir, sizeof(dir), "%s/run", tmp);
	put_file("proc/self/cgroup", "0::/\n"); /* the runtime's cgroup: the root */
	if (hm_ledger_open(&c->ledger, dir, 100, &err) < 0) {
		fprintf(stderr, "ledger: %s\n", err.msg);
		exit(2);
	}
	c->ledger_open = true;
}

static void ctx_free(struct hm_ctx *c)
{
	hm_view_free(c->gc_view);
	hm_ledger_close(&c->ledger);
	hm_paths_free(&c->paths);
	hm_config_free(&c->cfg);
}

static void t_claim(void)
{
	struct hm_state st = { .id = "web", .pid = 4242 };
	struct hm_state st2 = { .id = "big", .pid = 4243 };
	struct hm_record r;
	struct hm_error err;
	struct hm_ctx c;
	char buf[256];

	put_file(MEM "/block_size_bytes", "8000000\n"); /* 128 MiB */
	fake_block(0, "online", "unbound");
	fake_block(32, "offline", "unbound");
	fake_block(33, "offline", "unbound");
	fake_block(34, "online", "bound /someone-else");
	fake_block(35, "offline", "unbound");
	put_file("proc/4242/cgroup", "0::/web\n");
	put_file("proc/4243/cgroup", "0::/big\n");
	put_file("proc/4244/cgroup", "0::/\n");
	put_file("cg/web/memory.hotplug", "");
	put_file("cg/big/memory.hotplug", "");
	ctx_init(&c);

	/* 200 MiB: two 128 MiB blocks, the lowest free ones, one write */
	CHECK(hm_claim(&c, &st, 200u << 20, &err) == 0);
	get_file("cg/web/memory.hotplug", buf, sizeof(buf));
	CHECK(!strcmp(buf, "+32 +33"));
	CHECK(hm_ledger_get(&c.ledger, "web", &r, &err) == 0 && r.state == HM_REC_BOUND &&
	      r.nblocks == 2 && !strcmp(r.cgroup, "/web"));
	/* the same container again (prestart + createRuntime): no new claim */
	CHECK(hm_claim(&c, &st, 200u << 20, &err) == 0);
	/* the ledger keeps 32/33 from the next container even though the fake
	 * kernel still shows them offline and unbound */
	CHECK(hm_claim(&c, &st2, 300u << 20, &err) < 0 && err.code == HM_EXIT_NOMEM);
	CHECK(strstr(err.msg, "only 1 offline hot-plugged blocks available"));
	CHECK(hm_ledger_get(&c.ledger, "big", &r, &err) == 1); /* nothing claimed */
	/* the same when the claim takes what a gc pass that changed nothing saw */
	CHECK(hm_gc(&c, HM_GC_CREATE, &err) == 0 && c.gc_view);
	CHECK(hm_claim(&c, &st2, 300u << 20, &err) < 0 && err.code == HM_EXIT_NOMEM);
	CHECK(strstr(err.msg, "only 1 offline hot-plugged blocks available") && !c.gc_view);
	get_file("cg/big/memory.hotplug", buf, sizeof(buf));
	CHECK(buf[0] == '\0');

	/* bad processes */
	st2.pid = 4244;
	CHECK(hm_claim(&c, &st2, 1, &err) < 0 && err.code == HM_EXIT_PROCESS &&
	      strstr(err.msg, "root cgroup"));
	st2.pid = 999999;
	CHECK(hm_claim(&c, &st2, 1, &err) < 0 && err.code == HM_EXIT_PROCESS &&
	      strstr(err.msg, "not running"));
	st2.pid = 0;
	CHECK(hm_claim(&c, &st2, 1, &err) < 0 && err.code == HM_EXIT_PROCESS);

	/* release: 32 still bound to /web -> "-32"; 33 orphaned -> offline */
	fake_block(32, "online", "bound /web");
	fake_block(33, "online", "orphan /web");
	CHECK(hm_release(&c, "web", &err) == 0);
	get_file("cg/web/memory.hotplug", buf, sizeof(buf));
	CHECK(!strcmp(buf, "-32"));
	get_file(MEM "/memory33/state", buf, sizeof(buf));
	CHECK(!strcmp(buf, "offline"));
	CHECK(hm_ledger_get(&c.ledger, "web", &r, &err) == 1);
	/* poststop twice, or for an unknown id: success, no change */
	CHECK(hm_release(&c, "web", &err) == 0);
	CHECK(hm_release(&c, "never-seen", &err) == 0);
	ctx_free(&c);
}

static void t_gc(void)
{
	struct hm_record r;
	struct hm_error err;
	struct hm_ctx c;
	char buf[64];

	ctx_init(&c);
	fake_block(32, "offline", "unbound");
	fake_block(33, "online", "orphan /dead");
	fake_block(35, "online", "orphan /nobody-recorded");
	/* a hook killed mid-claim: record "claiming", container gone */
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "dead");
	snprintf(r.cgroup, sizeof(r.cgroup), "/dead");
	r.state = HM_REC_CLAIMING;
	r.pid = 999998;
	r.nblocks = 2;
	r.blocks[0] = 32;
	r.blocks[1] = 33;
	CHECK(hm_ledger_put(&c.ledger, &r, &err) == 0);
	/* a live container keeps its record */
	snprintf(r.id, sizeof(r.id), "alive");
	snprintf(r.cgroup, sizeof(r.cgroup), "/web");
	r.state = HM_REC_BOUND;
	r.pid = 4242;
	r.nblocks = 1;
	r.blocks[0] = 34;
	CHECK(hm_ledger_put(&c.ledger, &r, &err) == 0);
	put_file("run/junk.rec", "not a record\n");

	CHECK(hm_gc(&c, HM_GC_FULL, &err) == 0);
	CHECK(!c.gc_view); /* it changed things: what it saw is stale */
	CHECK(hm_ledger_get(&c.ledger, "dead", &r, &err) == 1);
	CHECK(hm_ledger_get(&c.ledger, "alive", &r, &err) == 0);
	get_file(MEM "/memory33/state", buf, sizeof(buf));
	CHECK(!strcmp(buf, "offline"));
	get_file(MEM "/memory35/state", buf, sizeof(buf)); /* unrecorded orphan */
	CHECK(!strcmp(buf, "offline"));
	CHECK(hm_ledger_get(&c.ledger, "junk", &r, &err) == 1); /* moved aside */
	snprintf(buf, sizeof(buf), "%s/run/junk.corrupt", tmp);
	CHECK(access(buf, F_OK) == 0);
	/* a block that vanished underneath is dropped, not an error */
	snprintf(r.id, sizeof(r.id), "gone");
	r.state = HM_REC_RELEASING;
	r.pid = 999997;
	r.nblocks = 1;
	r.blocks[0] = 99;
	CHECK(hm_ledger_put(&c.ledger, &r, &err) == 0);
	CHECK(hm_gc(&c, HM_GC_FULL, &err) == 0);
	CHECK(hm_ledger_get(&c.ledger, "gone", &r, &err) == 1);

	/* poststop right after rmdir: the kernel still says "bound" to a
	 * cgroup whose directory is gone; that is "not yet", not an error */
	fake_block(36, "online", "bound /removed");
	snprintf(r.id, sizeof(r.id), "removed");
	snprintf(r.cgroup, sizeof(r.cgroup), "/removed");
	r.cgid = cg_id("/removed");
	r.state = HM_REC_BOUND;
	r.nblocks = 1;
	r.blocks[0] = 36;
	CHECK(hm_ledger_put(&c.ledger, &r, &err) == 0);
	CHECK(hm_release(&c, "removed", &err) < 0 && err.errnum == EBUSY);
	CHECK(hm_ledger_get(&c.ledger, "removed", &r, &err) == 0 && r.state == HM_REC_RELEASING);
	fake_block(36, "online", "orphan /removed");
	CHECK(hm_release(&c, "removed", &err) == 0);
	get_file(MEM "/memory36/state", buf, sizeof(buf));
	CHECK(!strcmp(buf, "offline"));
	ctx_free(&c);
}

/* gc keeps a live container's blocks: its init moved into a child cgroup
 * (systemd's init.scope), its pid gone but its cgroup still populated, or
 * anything that cannot be read (unknown counts as alive). */
static void put_rec(struct hm_ctx *c, const char *id, const char *cg, long long pid, long block)
{
	struct hm_record r;
	struct hm_error err;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.cgroup, sizeof(r.cgroup), "%s", cg);
	r.cgid = cg_id(cg);
	r.state = HM_REC_BOUND;
	r.pid = pid;
	r.nblocks = 1;
	r.blocks[0] = block;
	CHECK(hm_ledger_put(&c->ledger, &r, &err) == 0);
}

static void t_gc_alive(void)
{
	struct hm_record r;
	struct hm_error err;
	struct hm_ctx c;
	char buf[64], path[512];

	ctx_init(&c);
	/* nested: init moved itself into /nest/init.scope */
	put_file("proc/5050/cgroup", "0::/nest/init.scope\n");
	put_file("cg/nest/memory.hotplug", "");
	fake_block(50, "online", "bound /nest");
	put_file("cg/nest/cgroup.events", "populated 1\nfrozen 0\n");
	put_rec(&c, "nest", "/nest", 5050, 50);
	/* a sibling whose name only starts like the record's is not a descendant */
	put_file("proc/5051/cgroup", "0::/sibling\n");
	put_file("cg/sib/memory.hotplug", "");
	fake_block(51, "online", "bound /sib");
	put_file("cg/sib/cgroup.events", "populated 0\nfrozen 0\n");
	put_rec(&c, "sib", "/sib", 5051, 51);
	/* init gone (pid reused elsewhere or dead), cgroup still populated */
	put_file("cg/busy/memory.hotplug", "");
	fake_block(52, "online", "bound /busy");
	put_file("cg/busy/cgroup.events", "populated 1\nfrozen 0\n");
	put_rec(&c, "busy", "/busy", 999996, 52);
	/* its /proc/<pid>/cgroup cannot be read: unknown, so alive */
	snprintf(path, sizeof(path), "%s/proc/5053/cgroup", tmp);
	mkdir(path, 0755);
	put_file("proc/5053/cgroup/x", "");
	put_file("cg/unk/memory.hotplug", "");
	fake_block(53, "online", "bound /unk");
	put_rec(&c, "unk", "/unk", 5053, 53);

	CHECK(hm_gc(&c, HM_GC_FULL, &err) == 0);
	CHECK(hm_ledger_get(&c.ledger, "nest", &r, &err) == 0);
	get_file("cg/nest/memory.hotplug", buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	CHECK(hm_ledger_get(&c.ledger, "busy", &r, &err) == 0);
	CHECK(hm_ledger_get(&c.ledger, "unk", &r, &err) == 0);
	/* the sibling's cgroup is empty: that container is gone */
	get_file("cg/sib/memory.hotplug", buf, sizeof(buf));
	CHECK(!strcmp(buf, "-51"));
	hm_ledger_del(&c.ledger, "nest", &err);
	hm_ledger_del(&c.ledger, "busy", &err);
	hm_ledger_del(&c.ledger, "unk", &err);
	ctx_free(&c);
}

/* --- Kubernetes pods (pod.c) ---------------------------------------------------- */

static bool kind_of(const char *json, enum hm_kind want, const char *want_msg)
{
	struct hm_spec sp;
	struct hm_error err;
	int ret = hm_spec_parse(&sp, json, strlen(json), &err);

	if (want_msg)
		return ret < 0 && err.code == HM_EXIT_INPUT && strstr(err.msg, want_msg);
	if (ret < 0)
		return false;
	ret = sp.kind == want;
	hm_spec_free(&sp);
	return ret;
}

static enum hm_level level_of(const char *json, const char *state_size)
{
	struct hm_state st = { .size_annotation = (char *)state_size };
	struct hm_spec sp;
	struct hm_error err;
	enum hm_level l = HM_LEVEL_NONE;
	bool parsed = false;
	const char *why;

	if (hm_spec_parse(&sp, json, strlen(json), &err) == 0) {
		l = hm_pod_level(&sp, &st, &why);
		parsed = true;
		hm_spec_free(&sp);
	}
	CHECK(parsed);
	return l;
}

static bool pod_of(long long pid, const char *cgroups_path, const char *want, const char *want_msg)
{
	struct hm_paths p = { 0 };
	struct hm_error err;
	char *pod = NULL;
	bool ok;
	int ret;

	p.proc = hm_strdup_printf("%s/podproc", tmp);
	p.cgroup = hm_strdup_printf("%s/cg", tmp);
	ret = hm_pod_cgroup(&p, pid, cgroups_path, &pod, &err);
	if (want_msg)
		ok = ret < 0 && err.code == HM_EXIT_PROCESS && strstr(err.msg, want_msg) && !pod;
	else
		ok = ret == 0 && pod && !strcmp(pod, want);
	if (!ok)
		fprintf(stderr, "  pod_of(%lld): %s / %s\n", pid, pod ? pod : "-",
			ret < 0 ? err.msg : "ok");
	free(pod);
	hm_paths_free(&p);
	return ok;
}

static void t_pod_kind(void)
{
	const char *sbx = "{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"sandbox\"}}";
	const char *ctr = "{\"annotations\":{\"" HM_ANN_CRIO_TYPE "\":\"container\"}}";

	CHECK(kind_of("{}", HM_KIND_PLAIN, NULL));
	CHECK(kind_of(sbx, HM_KIND_SANDBOX, NULL));
	CHECK(kind_of(ctr, HM_KIND_CONTAINER, NULL));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"sandbox\",\"" HM_ANN_CRIO_TYPE
		      "\":\"sandbox\"}}",
		      HM_KIND_SANDBOX, NULL));
	/* hostile values: refused, naming the annotation */
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"pause\"}}", 0,
		      "annotation " HM_ANN_CRI_TYPE " 'pause' is neither"));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRIO_TYPE "\":\"Sandbox\"}}", 0,
		      "is neither 'sandbox' nor 'container'"));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"\"}}", 0, "is neither"));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"sandbox\\n\"}}", 0,
		      "is neither"));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":1}}", 0, "is not a string"));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRIO_TYPE "\":[\"sandbox\"]}}", 0,
		      "is not a string"));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"sandbox\",\"" HM_ANN_CRIO_TYPE
		      "\":\"container\"}}",
		      0, "disagree"));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRI_SANDBOX "\":\"a\",\"" HM_ANN_CRIO_SANDBOX
		      "\":\"b\"}}",
		      0, "disagree on the sandbox id"));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRIO_SANDBOX "\":7}}", 0, "is not a string"));
	CHECK(kind_of("{\"annotations\":{\"" HM_ANN_CRI_SANDBOX "\":\"a/b\"}}", 0,
		      "is not a valid container id"));
}

static void t_pod_level(void)
{
	const char *sbx = "{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"sandbox\"}}";
	const char *sbx_sized = "{\"annotations\":{\"" HM_ANN_CRIO_TYPE
				"\":\"sandbox\",\"io.hotmem.size\":\"256Mi\"}}";
	const char *sbx_limit = "{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"sandbox\"},"
				"\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728}}}}";
	const char *ctr = "{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"container\"},"
			  "\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728}}}}";
	const char *ctr_sized = "{\"annotations\":{\"" HM_ANN_CRI_TYPE
				"\":\"container\",\"io.hotmem.size\":\"256Mi\"},"
				"\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728}}}}";
	const char *plain = "{\"annotations\":{\"io.hotmem.size\":\"256Mi\"}}";

	CHECK(level_of(plain, NULL) == HM_LEVEL_OWN);
	CHECK(level_of("{}", NULL) == HM_LEVEL_OWN);
	CHECK(level_of(sbx_sized, NULL) == HM_LEVEL_POD);
	CHECK(level_of(sbx, "256Mi") == HM_LEVEL_POD); /* the size only in the state */
	CHECK(level_of(sbx, NULL) == HM_LEVEL_NONE);
	CHECK(level_of(sbx_limit, NULL) == HM_LEVEL_NONE); /* a limit is no pod size */
	CHECK(level_of(ctr, NULL) == HM_LEVEL_OWN);
	/* an app container with the pod's size: the pod level (its record) */
	CHECK(level_of(ctr_sized, NULL) == HM_LEVEL_POD);
	CHECK(level_of(ctr, "256Mi") == HM_LEVEL_POD);
}

static void t_pod_cgroup(void)
{
	const char *sd = "/kubepods.slice/kubepods-burstable.slice/"
			 "kubepods-burstable-pod0c1d2e3f_aaaa_4bbb_8ccc_000000000001.slice";
	struct hm_paths p = { 0 };
	struct hm_error err;
	uint64_t limit;

	put_file("podproc/self/cgroup", "0::/system.slice/containerd.service\n");
	put_file("podproc/6001/cgroup",
		 "0::/kubepods/burstable/pod0c1d2e3f-aaaa-4bbb-8ccc-000000000001/sbx1\n");
	put_file("podproc/6002/cgroup",
		 "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0c1d2e3f_aaaa_4bbb_8ccc_000000000001.slice/"
		 "cri-containerd-abc.scope\n");
	put_file("podproc/6003/cgroup", "0::/system.slice/sneaky\n");
	put_file("podproc/6004/cgroup", "0::/toplevel\n");
	put_file("podproc/6005/cgroup", "0::/kubepods/pod0c1d/sbx1/inner\n");
	put_file("podproc/6006/cgroup", "0::/kubepods/podxyz/sbx1\n");
	put_file("podproc/6007/cgroup", "0::/kubepods/pod/sbx1\n");
	put_file("podproc/6008/cgroup",
		 "0::/kubepods/pod12121212-1212-4212-8212-121212121212/sbx1\n");

	/* cgroupfs and systemd drivers: the parent of the sandbox's cgroup */
	CHECK(pod_of(6001, NULL, "/kubepods/burstable/pod0c1d2e3f-aaaa-4bbb-8ccc-000000000001",
		     NULL));
	CHECK(pod_of(6001, "/kubepods/burstable/pod0c1d2e3f-aaaa-4bbb-8ccc-000000000001/sbx1",
		     "/kubepods/burstable/pod0c1d2e3f-aaaa-4bbb-8ccc-000000000001", NULL));
	CHECK(pod_of(6002, NULL, sd, NULL));
	CHECK(pod_of(6002,
		     "kubepods-burstable-pod0c1d2e3f_aaaa_4bbb_8ccc_000000000001.slice:cri-containerd:abc",
		     sd, NULL));
	/* not a pod: refused, nothing returned */
	CHECK(pod_of(6003, NULL, NULL, "parent cgroup"));
	CHECK(pod_of(6004, NULL, NULL, "has no pod cgroup above it"));
	CHECK(pod_of(6006, NULL, NULL, "parent cgroup"));
	CHECK(pod_of(6007, NULL, NULL, "parent cgroup"));
	/* the sandbox in a child of its cgroupsPath: the parent is not the pod */
	CHECK(pod_of(6005, "/kubepods/pod0c1d/sbx1", NULL, "is not its linux.cgroupsPath"));
	/* cgroupsPath names another cgroup or another pod's slice */
	CHECK(pod_of(6001, "/kubepods/burstable/pod0c1d2e3f-aaaa-4bbb-8ccc-000000000001/other",
		     NULL, "is not its linux.cgroupsPath"));
	CHECK(pod_of(6002, "kubepods-besteffort-pod99.slice:cri-containerd:abc", NULL,
		     "is not the slice of the container's linux.cgroupsPath"));
	/* the runtime runs in the pod cgroup: never bind there */
	put_file("podproc/self/cgroup", "0::/kubepods/pod12121212-1212-4212-8212-121212121212\n");
	CHECK(pod_of(6008, NULL, NULL, "runtime's own"));

	/* the pod's memory limit, as the kubelet set it */
	p.cgroup = hm_strdup_printf("%s/cg", tmp);
	put_file("cg/kubepods/pod12121212-1212-4212-8212-121212121212/memory.max", "max\n");
	CHECK(hm_pod_limit(&p, "/kubepods/pod12121212-1212-4212-8212-121212121212", &limit, &err) ==
		      0 &&
	      limit == 0);
	put_file("cg/kubepods/pod12121212-1212-4212-8212-121212121212/memory.max", "268435456\n");
	CHECK(hm_pod_limit(&p, "/kubepods/pod12121212-1212-4212-8212-121212121212", &limit, &err) ==
		      0 &&
	      limit == (256u << 20));
	put_file("cg/kubepods/pod12121212-1212-4212-8212-121212121212/memory.max", "lots\n");
	CHECK(hm_pod_limit(&p, "/kubepods/pod12121212-1212-4212-8212-121212121212", &limit, &err) <
		      0 &&
	      strstr(err.msg, "memory.max reads 'lots'"));
	CHECK(hm_pod_limit(&p, "/kubepods/none", &limit, &err) == 0 && limit == 0);
	hm_paths_free(&p);
}

static int pod_create(struct hm_ctx *c, const char *id, long long pid, const char *json,
		      struct hm_error *err)
{
	struct hm_state st = { .id = (char *)id, .pid = pid };
	struct hm_spec sp;
	int ret;

	if (hm_spec_parse(&sp, json, strlen(json), err) < 0)
		return -2;
	ret = hm_pod_create(c, &st, &sp, err);
	hm_spec_free(&sp);
	return ret;
}

#define POD_APP(sbx)                                                                            \
	"{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"container\",\"io.hotmem.size\":\"256Mi\"," \
	"\"" HM_ANN_CRI_SANDBOX "\":\"" sbx "\"},"                                              \
	"\"linux\":{\"resources\":{\"memory\":{\"limit\":67108864}}}}"

/* The pod's size binds once at the pod cgroup, under the sandbox's id,
 * whichever of its containers comes first; the others claim nothing; a
 * sandbox id naming another pod's record, a missing sandbox id and a size
 * above the pod's memory.max are refused; the release is from the pod
 * cgroup. */
static void t_pod_claim(void)
{
	const char *sbx = "{\"annotations\":{\"" HM_ANN_CRIO_TYPE
			  "\":\"sandbox\",\"io.hotmem.size\":\"256Mi\"}}";
	const char *noid = "{\"annotations\":{\"" HM_ANN_CRIO_TYPE
			   "\":\"container\",\"io.hotmem.size\":\"256Mi\"}}";
	struct hm_record r;
	struct hm_error err;
	struct hm_ctx c;
	char buf[64];

	put_file(MEM "/block_size_bytes", "8000000\n");
	fake_block(70, "offline", "unbound");
	fake_block(71, "offline", "unbound");
	fake_block(72, "offline", "unbound");
	fake_block(73, "offline", "unbound");
	put_file("proc/6101/cgroup", "0::/kubepods/pod77777777-7777-4777-8777-777777777777/sbx\n");
	put_file("proc/6102/cgroup", "0::/kubepods/pod77777777-7777-4777-8777-777777777777/app1\n");
	put_file("proc/6103/cgroup", "0::/kubepods/pod77777777-7777-4777-8777-777777777777/app2\n");
	put_file("proc/6104/cgroup", "0::/kubepods/pod88888888-8888-4888-8888-888888888888/app3\n");
	put_file("cg/kubepods/pod77777777-7777-4777-8777-777777777777/memory.hotplug", "");
	put_file("cg/kubepods/pod77777777-7777-4777-8777-777777777777/memory.max", "1073741824\n");
	put_file("cg/kubepods/pod77777777-7777-4777-8777-777777777777/app1/memory.hotplug", "");
	put_file("cg/kubepods/pod88888888-8888-4888-8888-888888888888/memory.hotplug", "");
	put_file("cg/kubepods/pod88888888-8888-4888-8888-888888888888/memory.max", "134217728\n");
	ctx_init(&c);
	c.cfg.block_min = 70;

	/* the first app container binds the pod's 256Mi (not its own 64Mi limit) */
	CHECK(pod_create(&c, "app1", 6102, POD_APP("sbxA"), &err) == 0);
	get_file("cg/kubepods/pod77777777-7777-4777-8777-777777777777/memory.hotplug", buf,
		 sizeof(buf));
	CHECK(!strcmp(buf, "+70 +71"));
	get_file("cg/kubepods/pod77777777-7777-4777-8777-777777777777/app1/memory.hotplug", buf,
		 sizeof(buf));
	CHECK(buf[0] == '\0');
	CHECK(hm_ledger_get(&c.ledger, "sbxA", &r, &err) == 0 && r.state == HM_REC_BOUND &&
	      !strcmp(r.cgroup, "/kubepods/pod77777777-7777-4777-8777-777777777777") &&
	      r.pid == 6102 && r.nblocks == 2);
	CHECK(hm_ledger_get(&c.ledger, "app1", &r, &err) == 1);
	fake_block(70, "online", "bound /kubepods/pod77777777-7777-4777-8777-777777777777");
	fake_block(71, "online", "bound /kubepods/pod77777777-7777-4777-8777-777777777777");
	/* the second container and the sandbox: the pod's record, nothing more */
	put_file("cg/kubepods/pod77777777-7777-4777-8777-777777777777/memory.hotplug", "");
	CHECK(pod_create(&c, "app2", 6103, POD_APP("sbxA"), &err) == 0);
	CHECK(pod_create(&c, "sbxA", 6101, sbx, &err) == 0);
	get_file("cg/kubepods/pod77777777-7777-4777-8777-777777777777/memory.hotplug", buf,
		 sizeof(buf));
	CHECK(buf[0] == '\0');
	CHECK(hm_ledger_get(&c.ledger, "app2", &r, &err) == 1 &&
	      hm_ledger_get(&c.ledger, "sbxA", &r, &err) == 0 && r.pid == 6102);
	/* another pod's container naming sbxA: refused, nothing bound */
	CHECK(pod_create(&c, "app3", 6104, POD_APP("sbxA"), &err) == -1 &&
	      err.code == HM_EXIT_BUSY &&
	      strstr(err.msg, "not this pod's /kubepods/pod88888888-8888-4888-8888-888888888888"));
	/* no sandbox id */
	CHECK(pod_create(&c, "app3", 6104, noid, &err) == -1 && err.code == HM_EXIT_INPUT &&
	      strstr(err.msg, "needs the pod's sandbox id"));
	/* a forged sandbox id */
	CHECK(pod_create(&c, "app3", 6104, POD_APP("../x"), &err) == -2 &&
	      err.code == HM_EXIT_INPUT && strstr(err.msg, "is not a valid container id"));
	/* above the pod's memory.max (128Mi) */
	CHECK(pod_create(&c, "app3", 6104, POD_APP("sbxB"), &err) == -1 &&
	      err.code == HM_EXIT_INPUT &&
	      strstr(err.msg, "268435456 bytes is above the pod's memory limit 134217728") &&
	      strstr(err.msg, "pod cgroup /kubepods/pod88888888-8888-4888-8888-888888888888"));
	get_file("cg/kubepods/pod88888888-8888-4888-8888-888888888888/memory.hotplug", buf,
		 sizeof(buf));
	CHECK(buf[0] == '\0');
	CHECK(hm_ledger_get(&c.ledger, "sbxB", &r, &err) == 1);
	/* gc keeps the pod's record while its containers live in the pod cgroup */
	CHECK(hm_gc(&c, HM_GC_FULL, &err) == 0);
	CHECK(hm_ledger_get(&c.ledger, "sbxA", &r, &err) == 0);
	/* the release (sandbox poststop, or gc) is from the pod cgroup */
	CHECK(hm_release(&c, "sbxA", &err) == 0);
	get_file("cg/kubepods/pod77777777-7777-4777-8777-777777777777/memory.hotplug", buf,
		 sizeof(buf));
	CHECK(!strcmp(buf, "-71")); /* one write per block: the last one stays */
	CHECK(hm_ledger_get(&c.ledger, "sbxA", &r, &err) == 1);
	ctx_free(&c);
}

/* crun's systemd manager runs the container in a child of its scope
 * (run.oci.systemd.subgroup, "container" by default on cgroup v2): the pod
 * is the scope's parent, which must be the slice cgroupsPath names. */
#define SD_UID "0c1d2e3f_aaaa_4bbb_8ccc_000000000002"
#define SD_POD "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" SD_UID ".slice"
#define SD_SLICE "kubepods-burstable-pod" SD_UID ".slice"
static void t_pod_cgroup_systemd(void)
{
	put_file("podproc/self/cgroup", "0::/system.slice/containerd.service\n");
	put_file("podproc/6201/cgroup", "0::" SD_POD "/cri-containerd-abc.scope/container\n");
	put_file("podproc/6202/cgroup", "0::" SD_POD "/crio-abc.scope/container\n");
	put_file("podproc/6203/cgroup", "0::" SD_POD "/cri-containerd-abc.scope\n");
	put_file("podproc/6204/cgroup", "0::" SD_POD "/cri-containerd-abc.scope/container/x\n");
	put_file("podproc/6205/cgroup", "0::" SD_POD "/cri-containerd-other.scope/container\n");
	put_file("podproc/6206/cgroup", "0::/kubepods.slice/cri-containerd-abc.scope/container\n");

	CHECK(pod_of(6201, SD_SLICE ":cri-containerd:abc", SD_POD, NULL));
	CHECK(pod_of(6202, SD_SLICE ":crio:abc", SD_POD, NULL));
	CHECK(pod_of(6203, SD_SLICE ":cri-containerd:abc", SD_POD, NULL));
	/* at most one level below the scope */
	CHECK(pod_of(6204, SD_SLICE ":cri-containerd:abc", NULL, "its systemd unit"));
	/* another container's scope */
	CHECK(pod_of(6205, SD_SLICE ":cri-containerd:abc", NULL, "its systemd unit"));
	/* the scope's parent is not the slice cgroupsPath names */
	CHECK(pod_of(6206, SD_SLICE ":cri-containerd:abc", NULL, "is not the slice of"));
	CHECK(pod_of(6201, "kubepods-besteffort-pod" SD_UID ".slice:cri-containerd:abc", NULL,
		     "is not the slice of"));
}

/* Only the kubelet's names (a UUID after "pod"), an absolute or systemd
 * cgroupsPath, and one record per pod cgroup. */
static void t_pod_cgroup_names(void)
{
	put_file("podproc/self/cgroup", "0::/system.slice/containerd.service\n");
	put_file("podproc/6301/cgroup", "0::/kubepods/pod_/c\n");
	put_file("podproc/6302/cgroup", "0::/kubepods/pod-/c\n");
	put_file("podproc/6303/cgroup", "0::/kubepods.slice/x-pod-.slice/c\n");
	put_file("podproc/6304/cgroup", "0::/kubepods/pod0c1d2e3faaaa4bbb8ccc000000000003/c\n");
	put_file("podproc/6305/cgroup", "0::/kubepods/pod0c1d2e3f-aaaa-4bbb-8ccc_000000000003/c\n");
	put_file("podproc/6306/cgroup", "0::/kubepods/pod0c1d2e3f-aaaa-4bbb-8ccc-000000000003/c\n");
	put_file("podproc/6307/cgroup",
		 "0::/kubepods.slice/kubepods-pod0c1d2e3f_aaaa_4bbb_8ccc_000000000003.slice/c\n");
	put_file("podproc/6308/cgroup",
		 "0::/kubepods.slice/-pod0c1d2e3f_aaaa_4bbb_8ccc_000000000003.slice/c\n");
	/* static pods: the uid is an MD5, 32 hex digits without separators */
	put_file("podproc/6309/cgroup",
		 "0::/kubepods.slice/kubepods-pod0c1d2e3faaaa4bbb8ccc000000000003.slice/c\n");
	put_file("podproc/6310/cgroup", "0::/kubepods/pod0c1d2e3faaaa4bbb8ccc00000000000/c\n");
	put_file("podproc/6311/cgroup", "0::/kubepods/pod0C1D2E3FAAAA4BBB8CCC000000000003/c\n");

	CHECK(pod_of(6301, NULL, NULL, "not a kubelet pod cgroup"));
	CHECK(pod_of(6302, NULL, NULL, "not a kubelet pod cgroup"));
	CHECK(pod_of(6303, NULL, NULL, "not a kubelet pod cgroup"));
	CHECK(pod_of(6304, NULL, "/kubepods/pod0c1d2e3faaaa4bbb8ccc000000000003", NULL));
	CHECK(pod_of(6309, NULL,
		     "/kubepods.slice/kubepods-pod0c1d2e3faaaa4bbb8ccc000000000003.slice", NULL));
	CHECK(pod_of(6310, NULL, NULL, "not a kubelet pod cgroup"));
	CHECK(pod_of(6311, NULL, NULL, "not a kubelet pod cgroup"));
	CHECK(pod_of(6305, NULL, NULL, "not a kubelet pod cgroup"));
	CHECK(pod_of(6308, NULL, NULL, "not a kubelet pod cgroup"));
	CHECK(pod_of(6306, NULL, "/kubepods/pod0c1d2e3f-aaaa-4bbb-8ccc-000000000003", NULL));
	CHECK(pod_of(6307, NULL,
		     "/kubepods.slice/kubepods-pod0c1d2e3f_aaaa_4bbb_8ccc_000000000003.slice",
		     NULL));
	/* relative to the runtime's cgroup: no kubelet pod is */
	CHECK(pod_of(6306, "c", NULL, "relative to the runtime's cgroup"));
}

#define PR_POD "/kubepods/pod0c1d2e3f-aaaa-4bbb-8ccc-000000000004"
#define PR_APP(size, sbx)                                                                    \
	"{\"annotations\":{\"" HM_ANN_CRI_TYPE "\":\"container\",\"io.hotmem.size\":\"" size \
	"\",\"" HM_ANN_CRI_SANDBOX "\":\"" sbx "\"}}"

/* An existing pod record serves the pod only when bound: one gc could not
 * finish (releasing, blocks busy) is finished first or the create is
 * refused naming the container; another id at the same pod cgroup is
 * refused; a malformed size is an error even with the record bound. */
static void t_pod_records(void)
{
	struct hm_record r;
	struct hm_error err;
	struct hm_ctx c;
	char buf[64];

	put_file(MEM "/block_size_bytes", "8000000\n");
	put_file("proc/6401/cgroup", "0::" PR_POD "/app\n");
	put_file("cg" PR_POD "/memory.max", "max\n");
	fake_block(74, "online", "bound " PR_POD);
	put_file("cg" PR_POD "/cgroup.events", "populated 1\n");
	ctx_init(&c);
	c.cfg.block_min = c.cfg.block_max = 74;
	/* releasing, and its block cannot be unbound yet (the pod cgroup's
	 * memory.hotplug is not there: the release is retried) */
	put_rec(&c, "sbxR", PR_POD, 999970, 74);
	CHECK(hm_ledger_get(&c.ledger, "sbxR", &r, &err) == 0);
	r.state = HM_REC_RELEASING;
	CHECK(hm_ledger_put(&c.ledger, &r, &err) == 0);
	CHECK(pod_create(&c, "appR", 6401, PR_APP("128Mi", "sbxR"), &err) == -1 &&
	      err.code == HM_EXIT_BUSY && strstr(err.msg, "container appR") &&
	      strstr(err.msg, "still being released"));
	CHECK(hm_ledger_get(&c.ledger, "sbxR", &r, &err) == 0 && r.state == HM_REC_RELEASING);

	/* bound: served, but a malformed size is an error all the same */
	r.state = HM_REC_BOUND;
	CHECK(hm_ledger_put(&c.ledger, &r, &err) == 0);
	CHECK(pod_create(&c, "appR", 6401, PR_APP("128Mi", "sbxR"), &err) == 0);
	CHECK(pod_create(&c, "appR", 6401, PR_APP("12zz", "sbxR"), &err) == -1 &&
	      err.code == HM_EXIT_INPUT && strstr(err.msg, "io.hotmem.size"));
	/* another sandbox id naming the same pod cgroup */
	put_file("cg" PR_POD "/memory.hotplug", "");
	CHECK(pod_create(&c, "appR", 6401, PR_APP("128Mi", "sbxOther"), &err) == -1 &&
	      err.code == HM_EXIT_BUSY && strstr(err.msg, "recorded under another id sbxR"));
	get_file("cg" PR_POD "/memory.hotplug", buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	CHECK(hm_ledger_get(&c.ledger, "sbxOther", &r, &err) == 1);
	hm_ledger_del(&c.ledger, "sbxR", &err);
	ctx_free(&c);
}

/* Only a kernel without memory.hotplug passes through: a pod's memory.max
 * that cannot be read fails the create. */
static void t_passthrough(void)
{
	struct hm_config cfg;
	struct hm_error err;

	hm_config_defaults(&cfg);
	cfg.missing_kernel = HM_MISSING_PASSTHROUGH;
	hm_fail(&err, HM_EXIT_KERNEL, ENOTSUP, "no memory.hotplug");
	CHECK(hm_create_passthrough(&cfg, -1, &err) == 0);
	hm_fail(&err, HM_EXIT_KERNEL, EPROTO, "memory.max reads 'lots'");
	CHECK(hm_create_passthrough(&cfg, -1, &err) == -1);
	hm_config_free(&cfg);
}

/* A 320-character cgroup path (kind, systemd slices) is kept whole: the
 * release finds the blocks the kernel shows bound to it. */
static void t_long_cgroup(void)
{
	struct hm_state st = { .id = "long", .pid = 4260 };
	struct hm_record r;
	struct hm_error err;
	struct hm_ctx c;
	char cg[400], rel[512], buf[512];
	size_t n;

	n = (size_t)snprintf(cg, sizeof(cg), "/kubepods.slice/%0100d/%0100d/", 1, 2);
	while (n < 320)
		cg[n++] = 'x';
	cg[n] = '\0';
	CHECK(strlen(cg) == 320);
	ctx_init(&c);
	fake_block(60, "offline", "unbound");
	put_file("proc/4260/cgroup", "0::%s\n", cg);
	snprintf(rel, sizeof(rel), "cg%s/memory.hotplug", cg);
	put_file(rel, "");
	snprintf(rel, sizeof(rel), "cg%s/cgroup.events", cg);
	put_file(rel, "populated 1\n");
	c.cfg.block_min = c.cfg.block_max = 60;
	CHECK(hm_claim(&c, &st, 1, &err) == 0);
	CHECK(hm_ledger_get(&c.ledger, "long", &r, &err) == 0 && !strcmp(r.cgroup, cg));
	snprintf(buf, sizeof(buf), "bound %s", cg);
	fake_block(60, "online", buf);
	CHECK(hm_gc(&c, HM_GC_FULL, &err) == 0); /* alive: kept */
	snprintf(rel, sizeof(rel), "cg%s/memory.hotplug", cg);
	get_file(rel, buf, sizeof(buf));
	CHECK(!strcmp(buf, "+60"));
	CHECK(hm_release(&c, "long", &err) == 0);
	get_file(rel, buf, sizeof(buf));
	CHECK(!strcmp(buf, "-60"));
	CHECK(hm_ledger_get(&c.ledger, "long", &r, &err) == 1);
	ctx_free(&c);
}

/* A pending grow counts while its process is in (fake) /proc. */
static void put_file_pid_alive(void)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/%d/cgroup", (int)getpid());
	put_file(rel, "0::/\n");
}

/* poststop, when it released something, asks the provider to shrink by the
 * free blocks beyond those a pending grow counts on, and a failing provider
 * is only a warning then.  This fake kernel does not unbind or offline:
 * free blocks (offline, unbound) stand for what a release leaves. */
static void poststop_failing(void)
{
	struct hm_error err;
	struct hm_ctx c;

	ctx_init(&c);
	c.cfg.log = HM_LOG_STDERR;
	hm_log_init(HM_LOG_STDERR);
	hm_log_set_id("ps2");
	c.cfg.block_min = 72;
	c.cfg.block_max = 73;
	fake_block(73, "offline", "unbound");
	c.cfg.provider = hm_strdup_printf("%s/provider.sh", tmp);
	hm_provider_spawner_start(&c.cfg, &err);
	put_file("cg/ps2/memory.hotplug", "");
	put_rec(&c, "ps2", "/ps2", 999990, 72);
	fake_block(72, "online", "bound /ps2");
	put_file("provider.fail", "");
	if (hm_poststop(&c, "ps2", &err) == 0)
		hm_log_flush();
	else
		hm_log_error(&err);
	hm_provider_spawner_stop();
	hm_log_init(0);
	hm_log_set_id(NULL);
	ctx_free(&c);
}

static void t_poststop_provider(void)
{
	struct hm_error err;
	struct hm_ctx c;
	char buf[4096];

	put_file("provider.sh",
		 "#!/bin/sh\necho \"$*\" >> %s/provider.log\n[ ! -e %s/provider.fail ]\n", tmp,
		 tmp);
	snprintf(buf, sizeof(buf), "%s/provider.sh", tmp);
	chmod(buf, 0755);
	put_file("provider.log", "");
	ctx_init(&c);
	c.cfg.provider = strdup(buf);
	CHECK(hm_provider_spawner_start(&c.cfg, &err) == 0);
	/* nothing recorded: nothing released, the provider not asked */
	CHECK(hm_poststop(&c, "nobody", &err) == 0);
	get_file("provider.log", buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	/* two 128 MiB blocks released (this fake kernel shows the orphan 71
	 * free after its offline, 70 still bound); 73 and 74 free as well; one
	 * block counted on by a pending grow: 3 - 1, shrink by 256 MiB */
	c.cfg.block_min = 70;
	c.cfg.block_max = 79;
	fake_block(72, "online", "bound /elsewhere"); /* an earlier case's */
	fake_block(73, "offline", "unbound");
	fake_block(74, "offline", "unbound");
	put_file_pid_alive();
	CHECK(hm_pending_put(&c.ledger, "waiter", 1, hm_now_ns() + 60000000000ULL, &err) == 0);
	put_file("cg/ps/memory.hotplug", "");
	put_rec(&c, "ps", "/ps", 999991, 70);
	{
		struct hm_record r;

		CHECK(hm_ledger_get(&c.ledger, "ps", &r, &err) == 0);
		r.nblocks = 2;
		r.blocks[1] = 71;
		CHECK(hm_ledger_put(&c.ledger, &r, &err) == 0);
	}
	fake_block(70, "online", "bound /ps");
	fake_block(71, "online", "orphan /ps");
	put_file("cg/ps/memory.hotplug", "");
	CHECK(hm_poststop(&c, "ps", &err) == 0);
	get_file("provider.log", buf, sizeof(buf));
	CHECK(!strcmp(buf, "shrink 268435456 ps\n"));
	hm_pending_del(&c.ledger, "waiter");
	hm_provider_spawner_stop();
	ctx_free(&c);

	/* the provider fails: poststop still succeeds, with a warning line */
	capture_stderr(poststop_failing, buf, sizeof(buf));
	CHECK(strstr(buf, "hotmem-hook: ps2: warning: provider shrink 134217728 exited with 1"));
	get_file("cg/ps2/memory.hotplug", buf, sizeof(buf));
	CHECK(!strcmp(buf, "-72"));
}

/* While the provider grows memory, the ledger lock is free: another hook
 * (here a child that waits at most 300 ms for it) gets it at once. */
static void t_provider_unlocked(void)
{
	struct hm_state st = { .id = "grow", .pid = 4270 };
	struct hm_error err;
	struct hm_ctx c;
	char buf[512], dir[512];
	int status = -1;
	pid_t pid;

	put_file("grow.sh",
		 "#!/bin/sh\nsleep 1\nd=%s/" MEM "/memory80\nmkdir -p $d\n"
		 "echo unbound > $d/hotplug_owner\necho offline > $d/state\n",
		 tmp);
	snprintf(buf, sizeof(buf), "%s/grow.sh", tmp);
	chmod(buf, 0755);
	put_file("proc/4270/cgroup", "0::/grow\n");
	put_file("cg/grow/memory.hotplug", "");
	put_file("cg/grow/cgroup.events", "populated 1\n");
	ctx_init(&c);
	c.cfg.block_min = c.cfg.block_max = 80;
	c.cfg.provider = strdup(buf);
	c.cfg.provider_timeout_ms = 5000;
	CHECK(hm_provider_spawner_start(&c.cfg, &err) == 0);
	snprintf(dir, sizeof(dir), "%s/run", tmp);
	pid = fork();
	if (pid == 0) {
		struct hm_ledger l;

		usleep(400 * 1000);
		_exit(hm_ledger_open(&l, dir, 300, &err) == 0 ? 0 : 1);
	}
	CHECK(hm_claim(&c, &st, 1, &err) == 0);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	get_file("cg/grow/memory.hotplug", buf, sizeof(buf));
	CHECK(!strcmp(buf, "+80"));
	hm_provider_spawner_stop();
	hm_ledger_del(&c.ledger, "grow", &err);
	ctx_free(&c);
}

/* A claim counts another claim's pending grow: block 82 is free, but a
 * live pending grow counts on one block, so this claim asks the provider
 * for one (pend.sh plugs 83) and takes one; its own entry is gone after.
 * A pending grow whose process is gone, or past its deadline, counts for
 * nothing and is removed. */
static void t_pending_grow(void)
{
	struct hm_state st = { .id = "pend", .pid = 4271 }, st2 = { .id = "pend2", .pid = 4272 };
	struct hm_error err;
	struct hm_ctx c;
	char buf[512];
	struct stat sb;

	put_file("pend.sh",
		 "#!/bin/sh\necho \"$*\" >> %s/pend.log\nd=%s/" MEM "/memory83\nmkdir -p $d\n"
		 "echo unbound > $d/hotplug_owner\necho offline > $d/state\n",
		 tmp, tmp);
	snprintf(buf, sizeof(buf), "%s/pend.sh", tmp);
	chmod(buf, 0755);
	put_file("pend.log", "");
	put_file("proc/4271/cgroup", "0::/pend\n");
	put_file("cg/pend/memory.hotplug", "");
	put_file("cg/pend/cgroup.events", "populated 1\n");
	fake_block(82, "offline", "unbound");
	ctx_init(&c);
	c.cfg.block_min = 82;
	c.cfg.block_max = 83;
	c.cfg.provider = strdup(buf);
	c.cfg.provider_timeout_ms = 5000;
	put_file_pid_alive();
	CHECK(hm_pending_put(&c.ledger, "other", 1, hm_now_ns() + 60000000000ULL, &err) == 0);
	/* and one whose process is gone: counts for nothing */
	put_file("run/dead.grow", "5 4194000 %llu\n",
		 (unsigned long long)hm_now_ns() + 60000000000ULL);
	CHECK(hm_provider_spawner_start(&c.cfg, &err) == 0);
	CHECK(hm_claim(&c, &st, 1, &err) == 0);
	get_file("pend.log", buf, sizeof(buf));
	CHECK(!strcmp(buf, "grow 134217728 pend\n"));
	get_file("cg/pend/memory.hotplug", buf, sizeof(buf));
	CHECK(!strcmp(buf, "+82") || !strcmp(buf, "+83"));
	snprintf(buf, sizeof(buf), "%s/run/pend.grow", tmp);
	CHECK(stat(buf, &sb) < 0 && errno == ENOENT);
	snprintf(buf, sizeof(buf), "%s/run/dead.grow", tmp);
	CHECK(stat(buf, &sb) < 0 && errno == ENOENT);
	hm_ledger_del(&c.ledger, "pend", &err);
	hm_pending_del(&c.ledger, "other");

	/* a stale entry (its hook killed): 83 is taken without asking */
	put_file("proc/4272/cgroup", "0::/pend2\n");
	put_file("cg/pend2/memory.hotplug", "");
	put_file("cg/pend2/cgroup.events", "populated 1\n");
	fake_block(82, "online", "bound /pend");
	CHECK(hm_pending_put(&c.ledger, "stale", 5, hm_now_ns() - 1, &err) == 0);
	put_file("pend.log", "");
	CHECK(hm_claim(&c, &st2, 1, &err) == 0);
	get_file("pend.log", buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	get_file("cg/pend2/memory.hotplug", buf, sizeof(buf));
	CHECK(!strcmp(buf, "+83"));
	snprintf(buf, sizeof(buf), "%s/run/stale.grow", tmp);
	CHECK(stat(buf, &sb) < 0 && errno == ENOENT);
	hm_ledger_del(&c.ledger, "pend2", &err);
	hm_provider_spawner_stop();
	ctx_free(&c);
}

/* gc asks the provider to shrink by the spare free blocks once per pass
 * that released something (a pod's record is released only by gc), and
 * not at all when it released nothing. */
static void t_gc_shrink(void)
{
	struct hm_error err;
	struct hm_ctx c;
	char buf[512];

	snprintf(buf, sizeof(buf), "%s/provider.fail", tmp);
	unlink(buf);
	put_file("provider.log", "");
	put_file(MEM "/block_size_bytes", "8000000\n");
	ctx_init(&c);
	c.cfg.block_min = 90;
	c.cfg.block_max = 93;
	c.cfg.provider = hm_strdup_printf("%s/provider.sh", tmp);
	CHECK(hm_provider_spawner_start(&c.cfg, &err) == 0);
	fake_block(92, "offline", "unbound"); /* stand for 90 and 91 once released */
	fake_block(93, "offline", "unbound");
	fake_block(90, "online", "bound /gcs1");
	fake_block(91, "online", "bound /gcs2");
	put_file("cg/gcs1/memory.hotplug", "");
	put_file("cg/gcs1/cgroup.events", "populated 0\n");
	put_file("cg/gcs2/memory.hotplug", "");
	put_file("cg/gcs2/cgroup.events", "populated 0\n");
	put_rec(&c, "gcs1", "/gcs1", 999980, 90);
	put_rec(&c, "gcs2", "/gcs2", 999981, 91);
	CHECK(hm_gc(&c, HM_GC_FULL, &err) == 0);
	get_file("provider.log", buf, sizeof(buf));
	CHECK(!strcmp(buf, "shrink 268435456 gc\n"));
	fake_block(90, "offline", "unbound");
	fake_block(91, "offline", "unbound");
	CHECK(hm_gc(&c, HM_GC_FULL, &err) == 0);
	get_file("provider.log", buf, sizeof(buf));
	CHECK(!strcmp(buf, "shrink 268435456 gc\n"));
	hm_provider_spawner_stop();
	ctx_free(&c);
}

/* Two hooks of one pod: the second waited for the provider without the
 * lock while the first recorded the pod; the second finds the record under
 * the lock and claims nothing (and never writes over it). */
#define RC_POD "/kubepods/pod0c1d2e3f-aaaa-4bbb-8ccc-000000000005"
static void t_claim_recheck(void)
{
	struct hm_state st = { .id = "sbxW", .pid = 4272, .pod_cgroup = RC_POD };
	struct hm_record r;
	struct hm_error err;
	struct hm_ctx c;
	char buf[512], from[512], to[512];

	put_file(MEM "/block_size_bytes", "8000000\n");
	put_file("grow2.sh",
		 "#!/bin/sh\nsleep 0.3\nmv %s/saved-sbxW.rec %s/run/sbxW.rec\nd=%s/" MEM
		 "/memory81\nmkdir -p $d\necho unbound > $d/hotplug_owner\necho offline > $d/state\n",
		 tmp, tmp, tmp);
	snprintf(buf, sizeof(buf), "%s/grow2.sh", tmp);
	chmod(buf, 0755);
	put_file("proc/4272/cgroup", "0::" RC_POD "/app2\n");
	put_file("cg" RC_POD "/memory.hotplug", "");
	ctx_init(&c);
	/* what the first hook recorded, put in place by the "provider" */
	put_rec(&c, "sbxW", RC_POD, 4271, 82);
	snprintf(from, sizeof(from), "%s/run/sbxW.rec", tmp);
	snprintf(to, sizeof(to), "%s/saved-sbxW.rec", tmp);
	CHECK(rename(from, to) == 0);
	c.cfg.block_min = c.cfg.block_max = 81;
	c.cfg.provider = strdup(buf);
	c.cfg.provider_timeout_ms = 5000;
	CHECK(hm_provider_spawner_start(&c.cfg, &err) == 0);
	CHECK(hm_claim(&c, &st, 1, &err) == 0);
	get_file("cg" RC_POD "/memory.hotplug", buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	CHECK(hm_ledger_get(&c.ledger, "sbxW", &r, &err) == 0 && r.nblocks == 1 &&
	      r.blocks[0] == 82 && r.pid == 4271 && r.state == HM_REC_BOUND);
	hm_provider_spawner_stop();
	hm_ledger_del(&c.ledger, "sbxW", &err);
	ctx_free(&c);
}

/* Blocks only go to the container's own cgroup: never to the runtime's
 * (cgroups disabled leave the pid there), and within linux.cgroupsPath. */
static bool owner_ok(const char *cg, const char *cgroups_path, const char *want_msg)
{
	struct hm_paths p = { 0 };
	struct hm_error err;
	bool ok;

	p.proc = hm_strdup_printf("%s/ownproc", tmp);
	ok = hm_cgroup_check_owner(&p, cg, cgroups_path, &err) == 0;
	if (want_msg)
		ok = !ok && err.code == HM_EXIT_PROCESS && strstr(err.msg, want_msg);
	hm_paths_free(&p);
	return ok;
}

static void t_cgroup_owner(void)
{
	struct hm_state st = { .id = "nocg", .pid = 4290 };
	struct hm_error err;
	struct hm_ctx c;
	char buf[64];

	put_file("ownproc/self/cgroup", "0::/system.slice/containerd.service\n");
	CHECK(owner_ok("/system.slice/containerd.service", NULL, "runtime's own"));
	CHECK(owner_ok("/system.slice", NULL, "runtime's own"));
	CHECK(owner_ok("/kubepods/pod1/ctr", NULL, NULL));
	CHECK(owner_ok("/kubepods/pod1/ctr", "/kubepods/pod1/ctr", NULL));
	CHECK(owner_ok("/kubepods/pod1/ctr/init.scope", "/kubepods/pod1/ctr", NULL));
	CHECK(owner_ok("/kubepods/pod1/ctr2", "/kubepods/pod1/ctr", "not its linux.cgroupsPath"));
	CHECK(owner_ok("/kubepods.slice/cri-containerd-abc.scope",
		       "kubepods.slice:cri-containerd:abc", NULL));
	CHECK(owner_ok("/kubepods.slice/cri-containerd-abc.scope/init",
		       "kubepods.slice:cri-containerd:abc", NULL));
	CHECK(owner_ok("/machine.slice/abc.scope", "machine.slice::abc", NULL));
	CHECK(owner_ok("/kubepods.slice/cri-containerd-abcd.scope",
		       "kubepods.slice:cri-containerd:abc", "not its systemd unit"));
	CHECK(owner_ok("/system.slice/containerd.service", "/system.slice/containerd.service",
		       "runtime's own"));

	/* the claim refuses such a cgroup and binds nothing */
	put_file("proc/4290/cgroup", "0::/rt\n");
	put_file("cg/rt/memory.hotplug", "");
	ctx_init(&c);
	put_file("proc/self/cgroup", "0::/rt\n");
	CHECK(hm_claim(&c, &st, 1, &err) < 0 && err.code == HM_EXIT_PROCESS &&
	      strstr(err.msg, "runtime's own"));
	get_file("cg/rt/memory.hotplug", buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	put_file("proc/self/cgroup", "0::/\n");
	ctx_free(&c);
}

/* The poststop's pass sweeps orphans only when a record was moved aside
 * (the one way a bound block ends up with no record): in the same pass
 * that moves it, and in every pass while it lies in the ledger. */
static void t_gc_hook(void)
{
	struct hm_error err;
	struct hm_ctx c;
	char buf[512];

	ctx_init(&c);
	snprintf(buf, sizeof(buf), "%s/run/junk.corrupt", tmp); /* from gc-fake-tree */
	unlink(buf);
	fake_block(40, "online", "orphan /lost");
	CHECK(hm_gc(&c, HM_GC_HOOK, &err) == 0);
	get_file(MEM "/memory40/state", buf, sizeof(buf));
	CHECK(!strcmp(buf, "online\n")); /* untouched: no record lost, no listing */
	put_file("run/lost.rec", "hotmem-ledger 1\nid lost\nstate bo");
	CHECK(hm_gc(&c, HM_GC_HOOK, &err) == 0);
	get_file(MEM "/memory40/state", buf, sizeof(buf));
	CHECK(!strcmp(buf, "offline"));
	snprintf(buf, sizeof(buf), "%s/run/lost.corrupt", tmp);
	CHECK(access(buf, F_OK) == 0);
	fake_block(41, "online", "orphan /lost");
	CHECK(hm_gc(&c, HM_GC_HOOK, &err) == 0);
	get_file(MEM "/memory41/state", buf, sizeof(buf));
	CHECK(!strcmp(buf, "offline"));
	ctx_free(&c);
}

/* The program built into the hook is what libseccomp makes of the
 * allow-list now, and the kernel enforces it: EPERM for a syscall outside
 * the list (socket(AF_INET)), allowed for one inside (socket(AF_UNIX)). */
/* Under the filter (in a child): what the hook never needs fails with
 * EPERM, what it needs works.  Exit code: the first check that failed. */
static int seccomp_child(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int pre = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* as openlog(LOG_NDELAY) */
	char dir[512];
	struct hm_error err;

	snprintf(dir, sizeof(dir), "%s/seccomp-dir", tmp);
	if (pre < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || hm_seccomp_load(&err) < 0)
		return 10;
	if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != EPERM)
		return 11;
	if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0 || errno != EPERM)
		return 12;
	if (connect(pre, (struct sockaddr *)&addr, sizeof(addr)) == 0 || errno != EPERM)
		return 13;
	if (kill(getppid(), 0) == 0 || errno != EPERM)
		return 14;
	if (syscall(SYS_tgkill, getppid(), getppid(), 0) == 0 || errno != EPERM)
		return 15;
	if (syscall(SYS_tgkill, getpid(), gettid(), 0) != 0)
		return 16; /* itself: raise() */
	if (ioctl(STDIN_FILENO, FIONREAD, &(int){ 0 }) == 0 || errno != EPERM)
		return 17;
	if (mkdir(dir, 0700) == 0 || errno != EPERM)
		return 18;
	if (syscall(SYS_rename, dir, "/x") == 0 || errno != EPERM)
		return 19;
	if (syscall(SYS_open, "/dev/null", O_RDONLY) >= 0 || errno != EPERM)
		return 20;
	return 0;
}

static void t_seccomp(void)
{
	struct sock_filter prog[BPF_MAXINSNS];
	struct hm_error err;
	scmp_filter_ctx ctx = hm_seccomp_rules(&err);
	int fd = memfd_create("bpf", 0), status = -1;
	ssize_t n = -1;
	pid_t pid;

	CHECK(ctx && fd >= 0);
	if (!ctx || fd < 0)
		goto out;
	CHECK(seccomp_export_bpf(ctx, fd) == 0);
	n = pread(fd, prog, sizeof(prog), 0);
	CHECK(n == (ssize_t)(hm_seccomp_filter_len * sizeof(prog[0])));
	CHECK(n > 0 && !memcmp(prog, hm_seccomp_filter, (size_t)n));
	pid = fork();
	if (pid == 0)
		_exit(seccomp_child());
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
out:
	if (ctx)
		seccomp_release(ctx);
	if (fd >= 0)
		close(fd);
}

/* --- the cgroup2 mount ------------------------------------------------------ */

static void t_cgroup_root(void)
{
	struct hm_paths p = { 0 };
	struct hm_error err;
	char dir[400], want[400], buf[512];
	struct statfs sfs;
	int dirfd;

	p.proc = hm_strdup_printf("%s/cgproc", tmp);
	/* a bind-mounted subtree last, the hierarchy's root before it: the root */
	put_file("cgproc/self/mountinfo",
		 "25 1 0:22 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw\n"
		 "40 1 0:22 /sub /mnt/sub rw shared:9 - cgroup2 cgroup2 rw\n");
	CHECK(hm_paths_cgroup_root(&p, &err) == 0 && p.cgroup &&
	      strcmp(p.cgroup, "/sys/fs/cgroup") == 0);
	free(p.cgroup);
	p.cgroup = NULL;
	/* only a subtree: /proc/<pid>/cgroup paths cannot be joined to it */
	put_file("cgproc/self/mountinfo", "40 1 0:22 /sub /mnt/sub rw - cgroup2 cgroup2 rw\n");
	CHECK(hm_paths_cgroup_root(&p, &err) < 0 && err.errnum == ENOENT && !p.cgroup);

	/* a remembered path that is not a cgroup2 root is not used, and a fake
	 * tree is not remembered */
	snprintf(dir, sizeof(dir), "%s/cgcache", tmp);
	snprintf(want, sizeof(want), "%s/fakecg", tmp);
	put_file("cgcache/cgroup2.mount", "1 1 %s\n", tmp);
	put_file("cgproc/self/mountinfo", "25 1 0:22 / %s rw - cgroup2 cgroup2 rw\n", want);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dirfd >= 0);
	CHECK(hm_paths_cgroup_root_cached(&p, dirfd, &err) == 0 && p.cgroup &&
	      strcmp(p.cgroup, want) == 0);
	get_file("cgcache/cgroup2.mount", buf, sizeof(buf));
	snprintf(want, sizeof(want), "1 1 %s\n", tmp);
	CHECK(strcmp(buf, want) == 0);
	free(p.cgroup);
	p.cgroup = NULL;

	/* With a real cgroup2 at /sys/fs/cgroup (the VM suite covers this
	 * wherever the host has none): remembered, then used while libmount
	 * would find nothing. */
	if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
		put_file("cgproc/self/mountinfo",
			 "25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
		CHECK(hm_paths_cgroup_root_cached(&p, dirfd, &err) == 0 && p.cgroup &&
		      strcmp(p.cgroup, "/sys/fs/cgroup") == 0);
		free(p.cgroup);
		p.cgroup = NULL;
		get_file("cgcache/cgroup2.mount", buf, sizeof(buf));
		CHECK(strstr(buf, " /sys/fs/cgroup\n") != NULL);
		put_file("cgproc/self/mountinfo", "");
		CHECK(hm_paths_cgroup_root_cached(&p, dirfd, &err) == 0 && p.cgroup &&
		      strcmp(p.cgroup, "/sys/fs/cgroup") == 0);
		free(p.cgroup);
		p.cgroup = NULL;
		/* the same path with another inode on record: not trusted */
		put_file("cgcache/cgroup2.mount", "%llu 999999 /sys/fs/cgroup\n",
			 (unsigned long long)0);
		CHECK(hm_paths_cgroup_root_cached(&p, dirfd, &err) < 0 && err.errnum == ENOENT);
	}
	if (dirfd >= 0)
		close(dirfd);
	hm_paths_free(&p);
}

/* --- the block listing -------------------------------------------------------- */

static void t_blocks_list(void)
{
	struct hm_paths p = { 0 };
	struct hm_block *v = NULL;
	struct hm_error err;
	size_t n = 0;

	/* hotmem kernel: an offline block is unbound (docs/abi.md) */
	p.sysfs = hm_strdup_printf("%s/list1", tmp);
	put_file("list1/devices/system/memory/memory0/state", "online\n");
	put_file("list1/devices/system/memory/memory0/hotplug_owner", "unbound\n");
	put_file("list1/devices/system/memory/memory9/state", "online\n");
	put_file("list1/devices/system/memory/memory9/hotplug_owner", "orphan 4711\n");
	put_file("list1/devices/system/memory/memory10/state", "offline\n");
	put_file("list1/devices/system/memory/memory10/hotplug_owner", "unbound\n");
	put_file("list1/devices/system/memory/memory11/state", "offline\n");
	put_file("list1/devices/system/memory/memory11/hotplug_owner", "unbound\n");
	put_file("list1/devices/system/memory/memory12/state", "online\n");
	put_file("list1/devices/system/memory/memory12/hotplug_owner", "bound 4242\n");
	put_file("list1/devices/system/memory/block_size_bytes", "8000000\n");
	CHECK(hm_blocks_list(&p, &v, &n, &err) == 0 && n == 5);
	if (n == 5) {
		CHECK(v[0].id == 0 && v[1].id == 9 && v[2].id == 10 && v[4].id == 12);
		for (size_t i = 0; i < n; i++)
			CHECK(v[i].has_owner_file);
		CHECK(v[0].owner == HM_OWNER_UNBOUND && !strcmp(v[0].state, "online"));
		CHECK(v[1].owner == HM_OWNER_ORPHAN && v[1].owner_id == 4711);
		CHECK(v[2].owner == HM_OWNER_UNBOUND && !strcmp(v[2].state, "offline"));
		CHECK(v[3].owner == HM_OWNER_UNBOUND && !strcmp(v[3].state, "offline"));
		CHECK(v[4].owner == HM_OWNER_BOUND && v[4].owner_id == 4242);
	}
	hm_blocks_free(v, n);
	v = NULL;
	free(p.sysfs);

	/* a kernel without memory.hotplug: no block, offline or not, has an owner */
	p.sysfs = hm_strdup_printf("%s/list2", tmp);
	put_file("list2/devices/system/memory/memory0/state", "online\n");
	put_file("list2/devices/system/memory/memory1/state", "offline\n");
	put_file("list2/devices/system/memory/memory2/state", "offline\n");
	CHECK(hm_blocks_list(&p, &v, &n, &err) == 0 && n == 3);
	for (size_t i = 0; i < n; i++)
		CHECK(!v[i].has_owner_file && v[i].owner == HM_OWNER_UNKNOWN);
	hm_blocks_free(v, n);
	hm_paths_free(&p);
}

/* --- the installed binary ------------------------------------------------------ */

/* path of a program built next to this one ($(O)/<name>) */
static char *built(const char *name)
{
	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return hm_strdup_printf("%s/%s", self, name);
}

/* 1 when `<bin> status` with HOTMEM_SYSFS_ROOT at a fake tree lists its
 * only block (memory4242), 0 when not, -1 when it could not run. */
static int status_sees_fake_sysfs(const char *bin)
{
	char cmd[2048], line[256];
	int seen = 0;
	FILE *f;

	put_file("prod/sys/devices/system/memory/block_size_bytes", "8000000\n");
	put_file("prod/sys/devices/system/memory/memory4242/state", "offline\n");
	put_file("prod/sys/devices/system/memory/memory4242/hotplug_owner", "unbound\n");
	snprintf(cmd, sizeof(cmd),
		 "HOTMEM_SYSFS_ROOT=%s/prod/sys HOTMEM_LEDGER_DIR=%s/prod/ledger "
		 "HOTMEM_CONFIG=%s/prod/none.conf '%s' status 2>&1",
		 tmp, tmp, tmp, bin);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		seen |= strncmp(line, "4242 ", 5) == 0;
	return pclose(f) == -1 ? -1 : seen;
}

/* The test build follows the HOTMEM_* roots; the installed one ignores
 * them (a caller's environment must not point a root hook elsewhere). */
static void t_production_ignores_overrides(void)
{
	cleanup_free char *prod = built("hotmem-hook");
	cleanup_free char *test = built("hotmem-hook-test");

	CHECK(prod && test);
	if (!prod || !test)
		return;
	CHECK(status_sees_fake_sysfs(test) == 1);
	CHECK(status_sees_fake_sysfs(prod) == 0);
}

/* --- capabilities per phase ----------------------------------------------------- */

/* The hex value of a /proc/self/status field (CapEff:, CapPrm:, ...). */
static unsigned long long status_field(const char *key)
{
	char line[256];
	unsigned long long v = ~0ULL;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key)))
			v = strtoull(line + strlen(key), NULL, 16);
	}
	fclose(f);
	return v;
}

#define BIT(c) (1ULL << (c))
#define SYS_ADMIN BIT(21)
#define DAC_READ_SEARCH BIT(2)

/* In a child (as root): each phase keeps only its table's capabilities
 * permitted and none effective; hm_privs_raise makes one effective for
 * one operation and hm_privs_lower drops it again. */
static int phases_child(void)
{
	struct hm_error err;

	if (hm_privs_enter(HM_PHASE_START, true, &err) < 0)
		return 10;
	if (status_field("CapEff:") != 0 || status_field("CapBnd:") != 0 ||
	    status_field("CapPrm:") != (SYS_ADMIN | DAC_READ_SEARCH))
		return 11;
	if (hm_privs_enter(HM_PHASE_PARSE, true, &err) < 0 || status_field("CapEff:") != 0 ||
	    status_field("CapPrm:") != (SYS_ADMIN | DAC_READ_SEARCH))
		return 12;
	if (hm_privs_raise(HM_CAP_DAC_READ_SEARCH, &err) < 0 ||
	    status_field("CapEff:") != DAC_READ_SEARCH)
		return 13;
	hm_privs_lower();
	if (status_field("CapEff:") != 0)
		return 14;
	if (hm_privs_enter(HM_PHASE_ACT, true, &err) < 0 || status_field("CapEff:") != 0 ||
	    status_field("CapPrm:") != SYS_ADMIN)
		return 15;
	/* what the act phase does not keep cannot be raised */
	if (hm_privs_raise(HM_CAP_DAC_READ_SEARCH, &err) < 0 || status_field("CapEff:") != 0)
		return 16;
	if (hm_privs_raise(HM_CAP_SYS_ADMIN, &err) < 0 || status_field("CapEff:") != SYS_ADMIN)
		return 17;
	hm_privs_lower();
	if (status_field("CapEff:") != 0)
		return 18;
	if (hm_privs_enter(HM_PHASE_NONE, true, &err) < 0 || status_field("CapPrm:") != 0 ||
	    status_field("CapEff:") != 0)
		return 19;
	return 0;
}

static void t_caps_per_phase(void)
{
	int status = -1;
	pid_t pid;

	if (geteuid() != 0) {
		printf("  (not root: capabilities not checked)\n");
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(phases_child());
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "  phases child exited %d\n", WEXITSTATUS(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* --- the provider's environment ------------------------------------------------- */

/* In a child set up as the hook is (start phase: as root with its
 * capabilities, an extra environment variable and a leaked fd 42): the
 * provider sees only PATH, no fd 42 and no capability, with stdin
 * /dev/null; on timeout its grandchild dies with it. */
static int provider_child(void)
{
	struct hm_config cfg;
	struct hm_error err;
	char path[512];

	hm_config_defaults(&cfg);
	if (hm_privs_enter(HM_PHASE_START, true, &err) < 0)
		return 10;
	setenv("HOTMEM_SECRET", "leaked", 1);
	if (dup2(open("/dev/null", O_RDONLY), 42) != 42)
		return 11;
	snprintf(path, sizeof(path), "%s/penv.sh", tmp);
	cfg.provider = strdup(path);
	cfg.provider_timeout_ms = 500;
	if (hm_provider_spawner_start(&cfg, &err) < 0)
		return 12;
	if (hm_provider_run("grow", 1, "penv", &err) < 0)
		return 13;
	if (hm_provider_run("sleep", 1, "penv", &err) == 0 || err.errnum != ETIMEDOUT)
		return 14;
	hm_provider_spawner_stop();
	free(cfg.provider);
	return 0;
}

/* 1: pid is gone or a zombie (waiting for its new parent to reap it) */
static int pid_gone(long pid)
{
	char path[64], buf[512], *paren;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	buf[0] = '\0';
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	paren = strrchr(buf, ')');
	return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

static void t_provider_env(void)
{
	char buf[4096], path[512];
	int status = -1;
	long gpid = 0;
	pid_t pid;

	if (geteuid() != 0) {
		printf("  (not root: provider environment not checked)\n");
		return;
	}
	put_file("penv.sh",
		 "#!/bin/sh\n"
		 "if [ \"$1\" = sleep ]; then sleep 30 & echo $! > %s/penv.grandchild; wait; fi\n"
		 "env > %s/penv.env\n"
		 "ls /proc/$$/fd > %s/penv.fds\n"
		 "readlink /proc/$$/fd/0 > %s/penv.stdin\n"
		 "grep '^CapEff:' /proc/self/status > %s/penv.caps\n"
		 "cat /proc/$$/stat > %s/penv.stat\n",
		 tmp, tmp, tmp, tmp, tmp, tmp);
	snprintf(path, sizeof(path), "%s/penv.sh", tmp);
	chmod(path, 0755);
	pid = fork();
	if (pid == 0)
		_exit(provider_child());
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "  provider child exited %d\n", WEXITSTATUS(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	get_file("penv.env", buf, sizeof(buf));
	/* PWD: the shell's own */
	CHECK(!strstr(buf, "HOTMEM_SECRET") && strstr(buf, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
	CHECK(!strstr(buf, "HOME=") && !strstr(buf, "TMPDIR="));
	get_file("penv.fds", buf, sizeof(buf));
	CHECK(!strstr(buf, "\n42\n") && strncmp(buf, "42\n", 3) != 0);
	get_file("penv.stdin", buf, sizeof(buf));
	CHECK(!strcmp(buf, "/dev/null\n"));
	get_file("penv.caps", buf, sizeof(buf));
	CHECK(!strcmp(buf, "CapEff:\t0000000000000000\n"));
	/* its own process group: field 5 (pgrp) is its pid (field 1) */
	get_file("penv.stat", buf, sizeof(buf));
	{
		long p1 = 0, pgrp = -1;
		char *paren = strrchr(buf, ')');

		p1 = strtol(buf, NULL, 10);
		if (paren)
			sscanf(paren + 2, "%*c %*d %ld", &pgrp);
		CHECK(p1 > 0 && pgrp == p1);
	}
	get_file("penv.grandchild", buf, sizeof(buf));
	gpid = strtol(buf, NULL, 10);
	CHECK(gpid > 0);
	for (int i = 0; gpid > 0 && i < 100 && !pid_gone(gpid); i++)
		usleep(10 * 1000);
	CHECK(gpid > 0 && pid_gone(gpid));
	if (gpid > 0 && !pid_gone(gpid))
		kill((pid_t)gpid, SIGKILL);
}

/* --- Landlock ------------------------------------------------------------------- */

static int landlock_child(void)
{
	struct hm_paths p = { 0 };
	struct hm_error err;
	char path[512];
	int fd;

	p.sysfs = hm_strdup_printf("%s/ll/sys", tmp);
	p.proc = hm_strdup_printf("%s/ll/proc", tmp);
	p.cgroup = hm_strdup_printf("%s/ll/cg", tmp);
	snprintf(path, sizeof(path), "%s/ll/ledger", tmp);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 10;
	if (hm_landlock_apply(&p, path, NULL, &err) < 0)
		return 11;
	/* the ledger: create, write, rename, remove */
	snprintf(path, sizeof(path), "%s/ll/ledger/x.tmp", tmp);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 12;
	close(fd);
	/* O_CREAT anywhere else */
	snprintf(path, sizeof(path), "%s/ll/other/x", tmp);
	if (open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600) >= 0 || errno != EACCES)
		return 13;
	snprintf(path, sizeof(path), "%s/ll/x", tmp);
	if (open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600) >= 0 || errno != EACCES)
		return 14;
	/* reading outside its trees */
	if (open("/etc/passwd", O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES)
		return 15;
	/* sysfs and cgroup files: read and written (no create) */
	snprintf(path, sizeof(path), "%s/ll/sys/devices/system/memory/memory1/state", tmp);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return 16;
	close(fd);
	snprintf(path, sizeof(path), "%s/ll/cg/a/memory.hotplug", tmp);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return 17;
	close(fd);
	snprintf(path, sizeof(path), "%s/ll/cg/a/new", tmp);
	if (open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600) >= 0 || errno != EACCES)
		return 18;
	hm_paths_free(&p);
	return 0;
}

static void t_landlock(void)
{
	int status = -1, abi;
	pid_t pid;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* VERSION */);
	if (abi < 1) {
		printf("  (no Landlock on this kernel: not checked)\n");
		return;
	}
	put_file("ll/sys/devices/system/memory/memory1/state", "offline\n");
	put_file("ll/proc/self/cgroup", "0::/\n");
	put_file("ll/cg/a/memory.hotplug", "");
	put_file("ll/ledger/lock", "");
	put_file("ll/other/keep", "");
	pid = fork();
	if (pid == 0)
		_exit(landlock_child());
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "  landlock child exited %d\n", WEXITSTATUS(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* --- hotmem-reclaimd ----------------------------------------------------- */

#define MIB(n) ((uint64_t)(n) << 20)

static int pool(const char *stat, const char *events, const char *max, struct hm_pool_sample *s)
{
	struct hm_error err;

	return hm_pool_parse(stat, events, max, s, &err);
}

/* What triggers a grow, and what caps it (grow.c). */
static void t_grow_decide(void)
{
	const char *ev0 = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"
			  "hotplug_low 0\nhotplug_oom 0\nhotplug_fallback 0\n";
	const char *ev1 = "low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\noom_group_kill 0\n"
			  "hotplug_low 1\nhotplug_oom 1\nhotplug_fallback 0\n";
	const char *evlow = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"
			    "hotplug_low 1\nhotplug_oom 0\nhotplug_fallback 0\n";
	struct hm_pool_sample a, b;
	struct hm_config cfg;
	uint64_t bs = MIB(128);

	hm_config_defaults(&cfg);
	/* 100 of 128 MiB used: 28 MiB free, less than a quarter block */
	CHECK(pool("anon 1\nhotplug_bound 134217728\nhotplug_used 104857600\nhotplug_fallback 0\n",
		   ev0, "314572800\n", &a) == 0);
	CHECK(a.bound == MIB(128) && a.used == MIB(100) && a.hp_oom == 0 && a.low == 0 &&
	      a.max == MIB(300));
	CHECK(hm_grow_reason(NULL, &a, bs) != NULL);
	/* 90 MiB used: 38 MiB free, no grow */
	CHECK(pool("hotplug_bound 134217728\nhotplug_used 94371840\nhotplug_fallback 0\n", ev0,
		   "max\n", &b) == 0);
	CHECK(b.max == UINT64_MAX);
	CHECK(hm_grow_reason(NULL, &b, bs) == NULL);
	CHECK(hm_grow_reason(&b, &b, bs) == NULL);
	/* the strict policy's OOM counted since the last look */
	a = b;
	CHECK(pool("hotplug_bound 134217728\nhotplug_used 94371840\nhotplug_fallback 0\n", ev1,
		   "max", &b) == 0);
	CHECK(hm_grow_reason(&a, &b, bs) && strstr(hm_grow_reason(&a, &b, bs), "oom"));
	CHECK(hm_grow_reason(NULL, &b, bs) == NULL); /* no earlier look: not a rise */
	/* the early warning alone: the pool fell below 1/8 free */
	CHECK(pool("hotplug_bound 134217728\nhotplug_used 94371840\n", evlow, "max", &b) == 0);
	CHECK(b.low == 1 && b.hp_oom == 0);
	CHECK(hm_grow_reason(&a, &b, bs) && strstr(hm_grow_reason(&a, &b, bs), "hotplug_low"));
	a.low = 1;
	/* the fallback policy's spills */
	a = b;
	b.fallback = 3;
	CHECK(hm_grow_reason(&a, &b, bs) && strstr(hm_grow_reason(&a, &b, bs), "fallback"));
	/* nothing bound: nothing to grow */
	b.bound = b.used = 0;
	CHECK(hm_grow_reason(&a, &b, bs) == NULL);
	/* a kernel without the hotplug keys, a bad memory.max */
	CHECK(pool("anon 1\n", ev0, "max", &b) < 0);
	CHECK(pool("hotplug_bound 1\nhotplug_used 0\n", "oom 0\n", "max", &b) < 0);
	CHECK(pool("hotplug_bound 1\nhotplug_used 0\n", "low 0\n", "max", &b) < 0);
	CHECK(pool("hotplug_bound 1\nhotplug_used 0\n", ev0, "lots", &b) < 0);
	/* a key that only starts like another is not it */
	CHECK(pool("hotplug_bound_x 5\nhotplug_bound 7\nhotplug_used 1\n", ev0, "max", &b) == 0 &&
	      b.bound == 7 && b.fallback == 0);
	/* the cap: memory.max, else max_size, else none */
	b.max = MIB(300);
	CHECK(hm_grow_cap(&b, &cfg) == MIB(300));
	b.max = UINT64_MAX;
	CHECK(hm_grow_cap(&b, &cfg) == HM_DEFAULT_MAX_SIZE);
	cfg.max_size = 0;
	CHECK(hm_grow_cap(&b, &cfg) == 0);
	hm_config_free(&cfg);
}

/* hotmem-reclaimd's program: what libseccomp makes of its list now; under
 * it (in a child) inotify and poll work, and what neither it nor the hook
 * needs (socket, fork, the hook's open) still fails with EPERM. */
static int reclaimd_seccomp_child(void)
{
	struct hm_error err;
	struct pollfd pfd;
	int ifd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    hm_seccomp_load_prog(hm_reclaimd_filter, hm_reclaimd_filter_len,
				 hm_reclaimd_filter_arch, &err) < 0)
		return 10;
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0)
		return 11;
	if (inotify_add_watch(ifd, tmp, IN_MODIFY) < 0)
		return 12;
	pfd = (struct pollfd){ .fd = ifd, .events = POLLIN };
	if (poll(&pfd, 1, 0) < 0)
		return 13;
	if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != EPERM)
		return 14;
	if (syscall(SYS_fork) >= 0 || errno != EPERM)
		return 15;
	if (syscall(SYS_open, "/dev/null", O_RDONLY) >= 0 || errno != EPERM)
		return 16;
	return 0;
}

static void t_reclaimd_seccomp(void)
{
	struct sock_filter prog[BPF_MAXINSNS];
	struct hm_error err;
	scmp_filter_ctx ctx = hm_seccomp_rules_reclaimd(&err);
	int fd = memfd_create("bpf", 0), status = -1;
	ssize_t n = -1;
	pid_t pid;

	CHECK(ctx && fd >= 0);
	if (!ctx || fd < 0)
		goto out;
	CHECK(seccomp_export_bpf(ctx, fd) == 0);
	n = pread(fd, prog, sizeof(prog), 0);
	CHECK(n == (ssize_t)(hm_reclaimd_filter_len * sizeof(prog[0])));
	CHECK(n > 0 && !memcmp(prog, hm_reclaimd_filter, (size_t)n));
	pid = fork();
	if (pid == 0)
		_exit(reclaimd_seccomp_child());
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		fprintf(stderr, "  reclaimd seccomp child exited %d\n", WEXITSTATUS(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
out:
	if (ctx)
		seccomp_release(ctx);
	if (fd >= 0)
		close(fd);
}

static void rd_block(long id, const char *state, const char *owner)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "rd/" MEM "/memory%ld/state", id);
	put_file(rel, "%s\n", state);
	snprintf(rel, sizeof(rel), "rd/" MEM "/memory%ld/hotplug_owner", id);
	put_file(rel, "%s\n", owner);
}

static void rd_container(struct hm_ctx *c, const char *id, long long pid, bool populated,
			 const char *used, const char *max, long block)
{
	char rel[256];
	struct stat st;

	snprintf(rel, sizeof(rel), "rd/cg/%s/cgroup.events", id);
	put_file(rel, "populated %d\nfrozen 0\n", populated);
	snprintf(rel, sizeof(rel), "rd/cg/%s/memory.hotplug", id);
	put_file(rel, "");
	snprintf(rel, sizeof(rel), "rd/cg/%s/memory.stat", id);
	put_file(rel, "anon 1\nhotplug_bound 134217728\nhotplug_used %s\n", used);
	snprintf(rel, sizeof(rel), "rd/cg/%s/memory.events", id);
	put_file(rel, "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\nhotplug_low 0\nhotplug_oom 0\n"
		      "hotplug_fallback 0\n");
	snprintf(rel, sizeof(rel), "rd/cg/%s/memory.max", id);
	put_file(rel, "%s\n", max);
	if (populated) {
		snprintf(rel, sizeof(rel), "rd/proc/%lld/cgroup", pid);
		put_file(rel, "0::/%s\n", id);
	}
	snprintf(rel, sizeof(rel), "%s/rd/cg/%s", tmp, id);
	if (stat(rel, &st) == 0)
		snprintf(rel, sizeof(rel), "bound %llu", (unsigned long long)st.st_ino);
	rd_block(block, "online", rel);
	snprintf(rel, sizeof(rel), "/%s", id);
	put_rec(c, id, rel, pid, block);
	{
		struct hm_record r;
		struct hm_error err;

		CHECK(hm_ledger_get(&c->ledger, id, &r, &err) == 0);
		r.cgid = (uint64_t)st.st_ino;
		CHECK(hm_ledger_put(&c->ledger, &r, &err) == 0);
	}
}

/*
 * One pass of hotmem-reclaimd (--once) over a fake tree: the container
 * whose cgroup is empty is released through poststop's path (its block's
 * "-N", its record gone, the provider asked to shrink); the live one whose
 * pool is nearly full gets a free block ("+N", recorded); the one whose
 * memory.max has no room for another block is left as it is; and a second
 * pass finds nothing more to do.
 */
static void t_reclaimd_pass(void)
{
	struct hm_reclaimd_opts o = { .interval_ms = 100, .grow = true, .once = true };
	struct hm_record r;
	struct hm_error err;
	struct hm_ctx c;
	char buf[4096];

	memset(&c, 0, sizeof(c));
	hm_config_defaults(&c.cfg);
	c.cfg.release_timeout_ms = 50;
	c.paths.sysfs = hm_strdup_printf("%s/rd/sys", tmp);
	c.paths.proc = hm_strdup_printf("%s/rd/proc", tmp);
	c.paths.cgroup = hm_strdup_printf("%s/rd/cg", tmp);
	put_file("rd/proc/self/cgroup", "0::/\n");
	put_file("rd/" MEM "/block_size_bytes", "8000000\n");
	put_file("rd/provider.sh", "#!/bin/sh\necho \"$*\" >> %s/rd/provider.log\n", tmp);
	snprintf(buf, sizeof(buf), "%s/rd/provider.sh", tmp);
	chmod(buf, 0755);
	put_file("rd/provider.log", "");
	c.cfg.provider = strdup(buf);
	snprintf(buf, sizeof(buf), "%s/rd/run", tmp);
	CHECK(hm_ledger_open(&c.ledger, buf, 100, &err) == 0);
	c.ledger_open = true;
	hm_ledger_unlock(&c.ledger);
	CHECK(hm_provider_spawner_start(&c.cfg, &err) == 0);

	rd_container(&c, "gone", 999981, false, "0", "max", 80);
	rd_container(&c, "full", 4281, true, "120000000", "314572800", 81);
	rd_container(&c, "capped", 4282, true, "120000000", "209715200", 83);
	rd_block(82, "offline", "unbound");
	rd_block(84, "offline", "unbound");

	CHECK(hm_reclaimd_run(&c, &o, &err) == 0);
	get_file("rd/cg/gone/memory.hotplug", buf, sizeof(buf));
	CHECK(!strcmp(buf, "-80"));
	CHECK(hm_ledger_get(&c.ledger, "gone", &r, &err) == 1);
	/* the shrink gives back the spare free blocks: 82 and 84 (this fake
	 * kernel shows 80 still bound after the "-80") */
	get_file("rd/provider.log", buf, sizeof(buf));
	CHECK(!strcmp(buf, "shrink 268435456 gone\n"));
	get_file("rd/cg/full/memory.hotplug", buf, sizeof(buf));
	CHECK(!strcmp(buf, "+82"));
	CHECK(hm_ledger_get(&c.ledger, "full", &r, &err) == 0 && r.state == HM_REC_BOUND &&
	      r.nblocks == 2 && r.blocks[0] == 81 && r.blocks[1] == 82);
	get_file("rd/cg/capped/memory.hotplug", buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	CHECK(hm_ledger_get(&c.ledger, "capped", &r, &err) == 0 && r.nblocks == 1);

	/* the kernel now shows 82 bound and the pool half used: nothing to do */
	rd_block(82, "online", "bound /full");
	put_file("rd/cg/full/memory.hotplug", "");
	put_file("rd/cg/full/memory.stat",
		 "hotplug_bound 268435456\nhotplug_used 120000000\nhotplug_fallback 0\n");
	CHECK(hm_reclaimd_run(&c, &o, &err) == 0);
	get_file("rd/cg/full/memory.hotplug", buf, sizeof(buf));
	CHECK(buf[0] == '\0');
	get_file("rd/provider.log", buf, sizeof(buf));
	CHECK(!strcmp(buf, "shrink 268435456 gone\n"));
	hm_ledger_del(&c.ledger, "full", &err);
	hm_ledger_del(&c.ledger, "capped", &err);
	hm_provider_spawner_stop();
	ctx_free(&c);
}

int main(void)
{
	char cmd[300];

	snprintf(tmp, sizeof(tmp), "%s/hotmem-unit-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 2;
	}
	hm_log_init(0);
	run_case("sizes", t_sizes);
	run_case("log-escape", t_log_escape);
	run_case("state-json", t_state);
	run_case("config-json-and-size-rule", t_spec);
	run_case("json-hostile-input", t_json_hostile);
	run_case("size-caps", t_size_caps);
	run_case("hotmem-conf", t_config);
	run_case("ledger", t_ledger);
	run_case("ledger-read-only", t_ledger_ro);
	run_case("claim-release-fake-tree", t_claim);
	run_case("gc-fake-tree", t_gc);
	run_case("gc-poststop-sweep", t_gc_hook);
	run_case("gc-keeps-live-containers", t_gc_alive);
	run_case("long-cgroup-path", t_long_cgroup);
	run_case("poststop-provider", t_poststop_provider);
	run_case("provider-wait-unlocked", t_provider_unlocked);
	run_case("pending-grow", t_pending_grow);
	run_case("gc-provider-shrink", t_gc_shrink);
	run_case("claim-recheck-after-provider", t_claim_recheck);
	run_case("cgroup-belongs-to-container", t_cgroup_owner);
	run_case("pod-container-type", t_pod_kind);
	run_case("pod-level", t_pod_level);
	run_case("pod-cgroup", t_pod_cgroup);
	run_case("pod-claim-release", t_pod_claim);
	run_case("pod-cgroup-systemd-subgroup", t_pod_cgroup_systemd);
	run_case("pod-cgroup-kubelet-names", t_pod_cgroup_names);
	run_case("pod-record-states", t_pod_records);
	run_case("passthrough-only-missing-kernel", t_passthrough);
	run_case("seccomp-filter", t_seccomp);
	run_case("cgroup2-mount", t_cgroup_root);
	run_case("block-listing", t_blocks_list);
	run_case("production-ignores-overrides", t_production_ignores_overrides);
	run_case("capabilities-per-phase", t_caps_per_phase);
	run_case("provider-environment", t_provider_env);
	run_case("landlock", t_landlock);
	run_case("reclaimd-grow-trigger-and-cap", t_grow_decide);
	run_case("reclaimd-pass-fake-tree", t_reclaimd_pass);
	run_case("reclaimd-seccomp-filter", t_reclaimd_seccomp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
	return failures ? 1 : 0;
}
