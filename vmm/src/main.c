// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hotmem-vmm: resizes the virtio-mem of the VMs it serves when their
 * guests' hotmem-provider asks, within a host budget (docs/vmm.md).
 *
 *	hotmem-vmm [-c CONFIG] [--check]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "vm.h"

#define DEFAULT_CONFIG "/etc/hotmem/hotmem-vmm.conf"

static void usage(FILE *f)
{
	fprintf(f, "usage: hotmem-vmm [-c CONFIG] [--check]\n"
		   "  -c, --config FILE  configuration (default " DEFAULT_CONFIG ")\n"
		   "      --check        parse the configuration and exit\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "check", no_argument, NULL, 'k' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	cleanup_error vmm_error_t err = NULL;
	const char *path = DEFAULT_CONFIG;
	struct vmm_config cfg;
	struct vmm_daemon d = { .cfg = &cfg, .epfd = -1 };
	int check = 0, c, rc = 1;

	setvbuf(stderr, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (vmm_config_load(path, &cfg, &err) < 0) {
		fprintf(stderr, "hotmem-vmm: %s\n", vmm_error_msg(err));
		vmm_config_free(&cfg);
		return 1;
	}
	if (check) {
		printf("%s: %zu VMs, budget %llu bytes, step %llu bytes\n", path, cfg.nvms,
		       (unsigned long long)cfg.budget, (unsigned long long)cfg.step);
		vmm_config_free(&cfg);
		return 0;
	}
	d.vms = calloc(cfg.nvms, sizeof(*d.vms));
	if (!d.vms) {
		fprintf(stderr, "hotmem-vmm: out of memory\n");
		vmm_config_free(&cfg);
		return 1;
	}
	d.nvms = cfg.nvms;
	for (size_t i = 0; i < d.nvms; i++) {
		struct vmm_vm *vm = &d.vms[i];

		vm->cfg = &cfg.vms[i];
		vm->d = &d;
		vm->listen_fd = vm->conn_fd = -1;
		vm->be.ops = &vmm_backend_qemu;
		vm->be.cfg = vm->cfg;
		vm->be.timeout_ms = cfg.qmp_timeout_ms;
	}
	if (vmm_loop_init(&d, &err) < 0) {
		vmm_log("%s", vmm_error_msg(err));
		goto out;
	}
	vmm_log("serving %zu VMs, budget %llu bytes, step %llu bytes (%s)", d.nvms,
		(unsigned long long)cfg.budget, (unsigned long long)cfg.step, path);
	/* what the VMs hold now is re-read, never remembered: a restart cannot drift */
	for (size_t i = 0; i < d.nvms; i++)
		vmm_vm_attach(&d.vms[i]);
	if (vmm_loop_run(&d, &err) < 0)
		vmm_log("%s", vmm_error_msg(err));
	else
		rc = 0;
out:
	vmm_loop_fini(&d);
	free(d.vms);
	vmm_config_free(&cfg);
	return rc;
}
