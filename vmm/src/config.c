// SPDX-License-Identifier: GPL-2.0-or-later
/* The configuration file (config.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "config.h"
#include "num.h"
#include "util.h"

#define MAX_VMS 4096
#define MAX_CONFIG (1 << 20)

enum { K_BUDGET, K_STEP, K_RESIZE_TIMEOUT, K_QMP_TIMEOUT, K_RETRY, NGLOBAL };
enum { K_QMP, K_SERIAL, K_DEVICE, K_MAX, NVMKEYS };
static const char *const global_keys[NGLOBAL] = { "budget", "step", "resize_timeout_ms",
						  "qmp_timeout_ms", "retry_ms" };
static const char *const vm_keys[NVMKEYS] = { "qmp", "serial", "device", "max" };

static int key_index(const char *const *keys, int n, const char *k)
{
	for (int i = 0; i < n; i++)
		if (strcmp(keys[i], k) == 0)
			return i;
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > VMM_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_.-", *s)))
			return 0;
	return 1;
}

static int parse_ms(const char *v, unsigned *out, vmm_error_t *err)
{
	uint64_t x;

	if (vmm_parse_u64(v, strlen(v), &x, err) < 0)
		return -1;
	if (x == 0 || x > 3600000)
		return vmm_fail(err, ERANGE, "milliseconds '%s' (1 to 3600000)", v);
	*out = (unsigned)x;
	return 0;
}

static int socket_path(const char *v, char **out, vmm_error_t *err)
{
	struct sockaddr_un sa;

	if (v[0] != '/')
		return vmm_fail(err, 0, "'%s' is not an absolute path", v);
	if (vmm_sockaddr(&sa, v, err) < 0)
		return -1;
	*out = strdup(v);
	return *out ? 0 : vmm_fail(err, ENOMEM, "strdup");
}

static int set_global(struct vmm_config *c, int k, const char *v, vmm_error_t *err)
{
	switch (k) {
	case K_BUDGET:
		return vmm_parse_size(v, &c->budget, err);
	case K_STEP:
		if (vmm_parse_size(v, &c->step, err) < 0)
			return -1;
		return c->step ? 0 : vmm_fail(err, 0, "step must not be 0");
	case K_RESIZE_TIMEOUT:
		return parse_ms(v, &c->resize_timeout_ms, err);
	case K_QMP_TIMEOUT:
		return parse_ms(v, &c->qmp_timeout_ms, err);
	default:
		return parse_ms(v, &c->retry_ms, err);
	}
}

static int set_vm(struct vmm_vm_config *vm, int k, const char *v, vmm_error_t *err)
{
	switch (k) {
	case K_QMP:
		return socket_path(v, &vm->qmp, err);
	case K_SERIAL:
		return socket_path(v, &vm->serial, err);
	case K_DEVICE:
		if (!*v || strchr(v, '"') || strchr(v, '\\'))
			return vmm_fail(err, 0, "bad device '%s'", v);
		if (v[0] == '/')
			vm->device = strdup(v);
		else if (asprintf(&vm->device, "/machine/peripheral/%s", v) < 0)
			vm->device = NULL;
		return vm->device ? 0 : vmm_fail(err, ENOMEM, "device");
	default:
		return vmm_parse_size(v, &vm->max, err);
	}
}

static int new_vm(struct vmm_config *c, const char *name, vmm_error_t *err)
{
	struct vmm_vm_config *vms;

	if (!valid_name(name))
		return vmm_fail(err, 0, "bad VM name '%s' (1-%d of A-Z a-z 0-9 _ . -)", name,
				VMM_NAME_MAX);
	for (size_t i = 0; i < c->nvms; i++)
		if (strcmp(c->vms[i].name, name) == 0)
			return vmm_fail(err, 0, "VM '%s' named twice", name);
	if (c->nvms == MAX_VMS)
		return vmm_fail(err, 0, "more than %d VMs", MAX_VMS);
	vms = realloc(c->vms, (c->nvms + 1) * sizeof(*vms));
	if (!vms)
		return vmm_fail(err, ENOMEM, "VM list");
	c->vms = vms;
	memset(&vms[c->nvms], 0, sizeof(*vms));
	vms[c->nvms].name = strdup(name);
	if (!vms[c->nvms].name)
		return vmm_fail(err, ENOMEM, "VM name");
	c->nvms++;
	return 0;
}

/* Everything a section needs, once it is complete. */
static int check_vm(const struct vmm_config *c, size_t i, unsigned seen, vmm_error_t *err)
{
	const struct vmm_vm_config *vm = &c->vms[i];

	for (int k = 0; k < NVMKEYS; k++)
		if (!(seen & (1u << k)))
			return vmm_fail(err, 0, "VM '%s' has no %s", vm->name, vm_keys[k]);
	if (vm->max % c->step)
		return vmm_fail(err, 0, "VM '%s': max %llu is not a multiple of step %llu",
				vm->name, (unsigned long long)vm->max, (unsigned long long)c->step);
	for (size_t j = 0; j < i; j++)
		if (strcmp(c->vms[j].serial, vm->serial) == 0 ||
		    strcmp(c->vms[j].qmp, vm->qmp) == 0)
			return vmm_fail(err, 0, "VMs '%s' and '%s' share a socket", c->vms[j].name,
					vm->name);
	return 0;
}

static int parse_line(struct vmm_config *c, char *s, unsigned *gseen, unsigned *vseen,
		      vmm_error_t *err)
{
	char *eq, *k, *v;
	int idx;

	if (!*s || *s == '#')
		return 0;
	if (*s == '[') {
		size_t n = strlen(s);

		if (n < 6 || strncmp(s, "[vm ", 4) != 0 || s[n - 1] != ']')
			return vmm_fail(err, 0, "a section is '[vm <name>]'");
		if (c->nvms && check_vm(c, c->nvms - 1, *vseen, err) < 0)
			return -1;
		if (!(*gseen & (1u << K_BUDGET)))
			return vmm_fail(err, 0, "'budget' must come before the first VM");
		s[n - 1] = '\0';
		*vseen = 0;
		return new_vm(c, s + 4, err);
	}
	eq = strchr(s, '=');
	if (!eq)
		return vmm_fail(err, 0, "not 'key = value'");
	*eq = '\0';
	k = trim(s);
	v = trim(eq + 1);
	if (!*v)
		return vmm_fail(err, 0, "'%s' has no value", k);
	if (c->nvms == 0) {
		idx = key_index(global_keys, NGLOBAL, k);
		if (idx < 0)
			return vmm_fail(err, 0, "unknown key '%s'", k);
		if (*gseen & (1u << idx))
			return vmm_fail(err, 0, "'%s' set twice", k);
		*gseen |= 1u << idx;
		return set_global(c, idx, v, err);
	}
	idx = key_index(vm_keys, NVMKEYS, k);
	if (idx < 0)
		return vmm_fail(err, 0, "unknown VM key '%s'", k);
	if (*vseen & (1u << idx))
		return vmm_fail(err, 0, "'%s' set twice", k);
	*vseen |= 1u << idx;
	return set_vm(&c->vms[c->nvms - 1], idx, v, err);
}

int vmm_config_parse(const char *text, size_t len, struct vmm_config *c, vmm_error_t *err)
{
	cleanup_free char *copy = NULL;
	unsigned gseen = 0, vseen = 0, lineno = 0;
	char *line, *save = NULL;

	memset(c, 0, sizeof(*c));
	c->step = 128ull << 20;
	c->resize_timeout_ms = 10000;
	c->qmp_timeout_ms = 2000;
	c->retry_ms = 1000;
	if (memchr(text, '\0', len))
		return vmm_fail(err, 0, "a NUL byte in the configuration");
	copy = malloc(len + 1);
	if (!copy)
		return vmm_fail(err, ENOMEM, "configuration");
	memcpy(copy, text, len);
	copy[len] = '\0';
	/* strtok_r would merge empty lines and skew the numbers: split by hand */
	for (line = copy; line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		if (parse_line(c, trim(line), &gseen, &vseen, err) < 0)
			return vmm_error_wrap(err, "line %u", lineno);
	}
	if (!(gseen & (1u << K_BUDGET)))
		return vmm_fail(err, 0, "no 'budget'");
	if (c->nvms == 0)
		return vmm_fail(err, 0, "no [vm <name>] section");
	return check_vm(c, c->nvms - 1, vseen, err);
}

int vmm_config_load(const char *path, struct vmm_config *c, vmm_error_t *err)
{
	cleanup_file FILE *f = fopen(path, "re");
	cleanup_free char *text = NULL;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (!f)
		return vmm_fail(err, errno, "opening %s", path);
	text = malloc(MAX_CONFIG + 1);
	if (!text)
		return vmm_fail(err, ENOMEM, "reading %s", path);
	len = fread(text, 1, MAX_CONFIG + 1, f);
	if (ferror(f))
		return vmm_fail(err, EIO, "reading %s", path);
	if (len > MAX_CONFIG)
		return vmm_fail(err, EFBIG, "%s is larger than %d bytes", path, MAX_CONFIG);
	if (vmm_config_parse(text, len, c, err) < 0)
		return vmm_error_wrap(err, "%s", path);
	return 0;
}

void vmm_config_free(struct vmm_config *c)
{
	for (size_t i = 0; i < c->nvms; i++) {
		free(c->vms[i].name);
		free(c->vms[i].qmp);
		free(c->vms[i].serial);
		free(c->vms[i].device);
	}
	free(c->vms);
	memset(c, 0, sizeof(*c));
}
