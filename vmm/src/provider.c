// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hotmem-provider: the command hotmem-hook's `provider` setting names, run
 * in the guest as
 *
 *	hotmem-provider [options] grow|shrink <bytes> <container id>
 *
 * It asks hotmem-vmm on the host, over the guest's virtio-serial port, to
 * grow the VM's virtio-mem by <bytes> (rounded up to whole blocks and the
 * host's step), or to shrink it by at most <bytes> of the free offline
 * blocks (rounded down to the step; 0: all of them).  The hook decides
 * both under its ledger lock: it grows by what it lacks once the free
 * blocks other claims wait for are left aside, and after a release shrinks
 * by the free blocks no waiting claim counts on.  The provider must not
 * count free blocks itself: a block that is free now may be one another
 * hook just asked for and is about to claim, or one a poststop is about
 * to give back.
 * For operators (and the test VM's harness) it also sets an absolute size,
 * `set <bytes>` (prints the bytes plugged), and prints hotmem-vmm's view,
 * `status`.  A virtio-serial port has one opener at a time: a lock file
 * serialises concurrent runs.  A refusal is one line on stderr and exit
 * status 1; usage errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "guest-mem.h"
#include "guest-port.h"
#include "num.h"
#include "proto.h"
#include "util.h"

#define DEFAULT_PORT "/dev/virtio-ports/org.hotmem.0"
#define DEFAULT_LOCK "/run/hotmem-provider.lock"
#define DEFAULT_SYSFS "/sys/devices/system/memory"

typedef unsigned long long ull;

enum verb { GROW, SHRINK, SET, STATUS };
static const char *const verbs[] = { "grow", "shrink", "set", "status" };

struct run {
	struct vmm_port port;
	enum verb verb;
	uint64_t bytes;
	const char *sysfs;
	char id[VMM_ID_MAX + 1];
};

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return v % to ? v + (to - v % to) : v;
}

/* GROW or SHRINK @bytes; the reply's plugged= in *plugged (when not NULL). */
static int resize(struct run *r, int grow, uint64_t bytes, uint64_t *plugged, vmm_error_t *err)
{
	cleanup_free char *req = NULL, *rest = NULL;

	if (asprintf(&req, "%s %llu %s\n", grow ? "GROW" : "SHRINK", (ull)bytes, r->id) < 0)
		return vmm_fail(err, ENOMEM, "request");
	if (vmm_port_ask(&r->port, req, r->id, &rest, err) < 0)
		return -1;
	if (plugged && vmm_port_field(rest, "plugged", plugged) < 0)
		return vmm_fail(err, 0, "hotmem-vmm's reply has no plugged=: %s", rest);
	return 0;
}

/*
 * The hook's grow and shrink: grow by what it lacks, in whole blocks and
 * steps; shrink by what it released, at most what the guest has free
 * (offline, unbound), in whole steps.
 */
static int hook_resize(struct run *r, uint64_t step, vmm_error_t *err)
{
	uint64_t bs, freeb, ask;

	if (vmm_guest_free(r->sysfs, &bs, &freeb, err) < 0)
		return -1;
	if (r->verb == GROW) {
		ask = round_up(round_up(r->bytes, bs), step);
	} else {
		ask = r->bytes && r->bytes < freeb ? r->bytes : freeb;
		ask -= ask % step;
	}
	return ask ? resize(r, r->verb == GROW, ask, NULL, err) : 0;
}

/* status: print the fields; set: move from what is charged now to r->bytes. */
static int status_or_set(struct run *r, vmm_error_t *err)
{
	cleanup_free char *req = NULL, *rest = NULL;
	uint64_t plugged, requested, charged;

	if (asprintf(&req, "STATUS %s\n", r->id) < 0)
		return vmm_fail(err, ENOMEM, "request");
	if (vmm_port_ask(&r->port, req, r->id, &rest, err) < 0)
		return -1;
	if (r->verb == STATUS) {
		printf("%s\n", rest);
		return 0;
	}
	if (vmm_port_field(rest, "plugged", &plugged) < 0 ||
	    vmm_port_field(rest, "requested", &requested) < 0)
		return vmm_fail(err, 0, "hotmem-vmm's STATUS reply lacks sizes: %s", rest);
	/* hotmem-vmm charges the larger of the two (docs/vmm.md) */
	charged = requested > plugged ? requested : plugged;
	if (r->bytes != charged &&
	    resize(r, r->bytes > charged,
		   r->bytes > charged ? r->bytes - charged : charged - r->bytes, &plugged, err) < 0)
		return -1;
	printf("%llu\n", (ull)plugged);
	return 0;
}

static int run(struct run *r, const char *port, const char *lock, vmm_error_t *err)
{
	cleanup_close int lockfd = -1;
	cleanup_free char *hello = NULL, *rest = NULL;
	uint64_t step;
	int rc;

	lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0)
		return vmm_fail(err, errno, "locking %s", lock);
	if (vmm_port_open(&r->port, port, err) < 0)
		return -1;
	/* the leading newline ends a line torn by an earlier provider */
	if (asprintf(&hello, "\nHELLO %s %s\n", VMM_PROTO_VERSION, r->id) < 0)
		rc = vmm_fail(err, ENOMEM, "request");
	else if (vmm_port_ask(&r->port, hello, r->id, &rest, err) < 0)
		rc = -1;
	else if (vmm_port_field(rest, "step", &step) < 0 || step == 0)
		rc = vmm_fail(err, 0, "hotmem-vmm's HELLO reply has no step: %s", rest);
	else if (r->verb == GROW || r->verb == SHRINK)
		rc = hook_resize(r, step, err);
	else
		rc = status_or_set(r, err);
	vmm_port_close(&r->port);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hotmem-provider [--port PATH] [--lock PATH] [--sysfs DIR] [--timeout SEC] grow|shrink|set BYTES [ID]\n"
		"       hotmem-provider [--port PATH] [--lock PATH] [--timeout SEC] status [ID]\n");
}

static int parse_verb(const char *s, enum verb *v)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(s, verbs[i]) == 0) {
			*v = (enum verb)i;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "port", required_argument, NULL, 'p' },
					      { "lock", required_argument, NULL, 'l' },
					      { "sysfs", required_argument, NULL, 's' },
					      { "timeout", required_argument, NULL, 't' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	const char *port = env_or("HOTMEM_PROVIDER_PORT", DEFAULT_PORT);
	const char *lock = env_or("HOTMEM_PROVIDER_LOCK", DEFAULT_LOCK);
	const char *timeout_s = env_or("HOTMEM_PROVIDER_TIMEOUT", "60");
	cleanup_error vmm_error_t err = NULL;
	struct run r = { .port = { .fd = -1 },
			 .sysfs = env_or("HOTMEM_PROVIDER_SYSFS", DEFAULT_SYSFS) };
	const char *cid = "-";
	uint64_t timeout;
	int c, n, nargs;

	while ((c = getopt_long(argc, argv, "p:l:s:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = optarg;
			break;
		case 'l':
			lock = optarg;
			break;
		case 's':
			r.sysfs = optarg;
			break;
		case 't':
			timeout_s = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc || parse_verb(argv[optind], &r.verb) < 0) {
		usage(stderr);
		return 2;
	}
	nargs = argc - optind - 1; /* after the verb */
	if (r.verb == STATUS ? nargs > 1 : (nargs < 1 || nargs > 2)) {
		usage(stderr);
		return 2;
	}
	if (r.verb != STATUS) {
		if (vmm_parse_u64(argv[optind + 1], strlen(argv[optind + 1]), &r.bytes, &err) < 0) {
			fprintf(stderr, "hotmem-provider: bad bytes: %s\n", vmm_error_msg(err));
			return 2;
		}
	}
	if (nargs == (r.verb == STATUS ? 1 : 2))
		cid = argv[argc - 1];
	if (vmm_parse_u64(timeout_s, strlen(timeout_s), &timeout, &err) < 0 || timeout == 0 ||
	    timeout > 86400) {
		fprintf(stderr, "hotmem-provider: bad timeout: %s\n",
			err ? vmm_error_msg(err) : "1 to 86400 s");
		return 2;
	}
	/* the request id: the container's when it fits the grammar, and who asked */
	n = snprintf(r.id, sizeof(r.id), "%s@%ld.%llx",
		     vmm_proto_valid_id(cid, strlen(cid)) && strlen(cid) <= 128 ? cid : "-",
		     (long)getpid(), (ull)(vmm_now_ns() & 0xffffffffu));
	if (n < 0 || (size_t)n >= sizeof(r.id))
		snprintf(r.id, sizeof(r.id), "-@%ld", (long)getpid());
	r.port.deadline = vmm_now_ns() + timeout * 1000000000ull;
	if (run(&r, port, lock, &err) < 0) {
		if (r.verb == STATUS)
			fprintf(stderr, "hotmem-provider: status: %s\n", vmm_error_msg(err));
		else
			fprintf(stderr, "hotmem-provider: %s %llu: %s\n", verbs[r.verb],
				(ull)r.bytes, vmm_error_msg(err));
		return 1;
	}
	return 0;
}
